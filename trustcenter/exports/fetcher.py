"""The only way the PDF renderer reaches anything outside the HTML we give it.

WeasyPrint asks its URL fetcher for every stylesheet, image, font and attachment. Ours
serves two kinds of file and refuses everything else (other hosts, other paths of this
site, `file:`, `data:`, `ftp:`...):

- this site's static files (`STATICFILES_DIRS`, then `STATIC_ROOT`), under the site's
  `/static/` URL, with a fixed list of file types;
- the embedded fonts, from pinned Python packages, under a private `/__pdf__/fonts/` URL
  that exists only inside the renderer.

Nothing goes over the network: a URL is only ever mapped to a file on this machine.
"""

import logging
import posixpath
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlsplit

from django.conf import settings
from weasyprint.urls import URLFetcher, URLFetcherResponse

logger = logging.getLogger(__name__)

STATIC_TYPES = {
    ".css": "text/css",
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".gif": "image/gif",
    ".webp": "image/webp",
}
FONT_TYPES = {".ttf": "font/ttf", ".otf": "font/otf"}


@dataclass(frozen=True)
class FontFace:
    family: str
    folder: str
    filename: str
    weight: int
    style: str = "normal"


# Sans for text, mono for code, vendored under static/fonts/ with their licences (SIL Open Font
# License 1.1), so every machine embeds the same font files whatever fonts its system has.
FONT_FACES = (
    FontFace("TC Sans", "source-sans-pro", "SourceSansPro-Regular.ttf", 400),
    FontFace("TC Sans", "source-sans-pro", "SourceSansPro-It.ttf", 400, "italic"),
    FontFace("TC Sans", "source-sans-pro", "SourceSansPro-Semibold.ttf", 600),
    FontFace("TC Sans", "source-sans-pro", "SourceSansPro-SemiboldIt.ttf", 600, "italic"),
    FontFace("TC Sans", "source-sans-pro", "SourceSansPro-Bold.ttf", 700),
    FontFace("TC Sans", "source-sans-pro", "SourceSansPro-BoldIt.ttf", 700, "italic"),
    FontFace("TC Mono", "ibm-plex-mono", "IBMPlexMono-Regular.ttf", 400),
    FontFace("TC Mono", "ibm-plex-mono", "IBMPlexMono-Bold.ttf", 700),
)
FONTS_PATH = "__pdf__/fonts/"


def font_file(face: FontFace) -> Path:
    return Path(settings.BASE_DIR) / "static" / "fonts" / face.folder / face.filename


def base_url() -> str:
    """Relative links in a PDF point at the live site, so the PDF works outside it."""
    return settings.SITE_URL.rstrip("/") + "/"


def fonts_css() -> str:
    rules = []
    for face in FONT_FACES:
        rules.append(
            f'@font-face {{ font-family: "{face.family}"; font-weight: {face.weight}; '
            f'font-style: {face.style}; src: url("{base_url()}{FONTS_PATH}{face.filename}"); }}'
        )
    return "\n".join(rules)


class FetchRefused(ValueError):
    """Raised for any URL the renderer may not load; WeasyPrint logs it and goes on without it."""


def _static_roots() -> list[Path]:
    roots = []
    for entry in settings.STATICFILES_DIRS:
        if isinstance(entry, list | tuple):
            continue  # prefixed folders are not used by the exports
        roots.append(Path(entry).resolve())
    roots.append(Path(settings.STATIC_ROOT).resolve())
    return roots


def _clean_relative(path: str) -> str | None:
    """A relative path with no way out of its folder, or None."""
    path = unquote(path)
    if not path or "\\" in path or "\x00" in path or path.startswith("/"):
        return None
    normal = posixpath.normpath(path)
    if normal != path or normal.startswith("..") or normal == ".":
        return None
    return normal


class ExportURLFetcher(URLFetcher):
    """Serve static files and the embedded fonts; refuse and record everything else."""

    def __init__(self):
        super().__init__(timeout=1, allowed_protocols=(), allow_redirects=False)
        base = base_url()
        self.static_prefix = base + "static/"
        self.fonts_prefix = base + FONTS_PATH
        self.fonts = {face.filename: font_file(face) for face in FONT_FACES}
        self.refused: list[str] = []
        self.served: list[str] = []

    def resolve(self, url: str) -> tuple[Path, str] | None:
        """The local file and content type for `url`, or None when it may not be loaded."""
        parts = urlsplit(url)
        if parts.username or parts.password:
            return None
        address = f"{parts.scheme}://{parts.netloc}{parts.path}"
        if address.startswith(self.fonts_prefix):
            name = address[len(self.fonts_prefix) :]
            path = self.fonts.get(name)
            return (path, FONT_TYPES[path.suffix]) if path else None
        if not address.startswith(self.static_prefix):
            return None
        relative = _clean_relative(address[len(self.static_prefix) :])
        if relative is None:
            return None
        content_type = STATIC_TYPES.get(posixpath.splitext(relative)[1].lower())
        if content_type is None:
            return None
        for root in _static_roots():
            candidate = (root / relative).resolve()
            if candidate.is_relative_to(root) and candidate.is_file():
                return candidate, content_type
        return None

    def fetch(self, url, headers=None):
        found = self.resolve(url)
        if found is None:
            self.refused.append(url)
            logger.warning("PDF export refused to load %s", url[:200])
            raise FetchRefused(f"PDF exports only load this site's static files, not {url[:200]}")
        path, content_type = found
        self.served.append(url)
        return URLFetcherResponse(url, body=path.read_bytes(), headers={"Content-Type": content_type})
