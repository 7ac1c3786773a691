"""Markdown to safe HTML, done once when content is published.

Python-Markdown renders; nh3 (ammonia) sanitizes with an explicit allowlist. The
allowlist is the security boundary: Markdown may contain raw HTML, and whatever it
contains, only these tags, attributes and URL schemes survive.
"""

import html
import re
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import markdown
import nh3

ALLOWED_TAGS = {
    "a", "abbr", "b", "blockquote", "br", "caption", "code", "dd", "del", "details", "dl",
    "dt", "em", "h2", "h3", "h4", "h5", "h6", "hr", "i", "img", "ins", "kbd", "li", "ol",
    "p", "pre", "s", "strong", "sub", "summary", "sup", "table", "tbody", "td", "tfoot",
    "th", "thead", "tr", "ul",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "abbr": {"title"},
    "img": {"src", "alt", "title", "width", "height"},
    "h2": {"id"}, "h3": {"id"}, "h4": {"id"}, "h5": {"id"}, "h6": {"id"},
    "th": {"align", "colspan", "rowspan", "scope"},
    "td": {"align", "colspan", "rowspan"},
    "ol": {"start"},
}  # fmt: skip
URL_SCHEMES = {"http", "https", "mailto"}
# Tags whose content is dropped with them, not kept as text.
CLEAN_CONTENT_TAGS = {"script", "style", "iframe", "object", "embed", "noscript", "template", "math", "svg"}

_ID_RE = re.compile(r"^[a-z0-9][a-z0-9_-]{0,80}$")
_ALIGN = {"left", "right", "center"}


# Browsers drop tabs and newlines anywhere in a URL and C0 controls and spaces around it,
# and read a backslash as a slash: `/\host`, `\\host` and `https:\\host` all reach another
# host, `java<TAB>script:` is `javascript:`. URLs are checked in that browser-normalised form.
_URL_DROPPED = re.compile(r"[\t\n\r]")
_URL_TRIMMED = "".join(chr(c) for c in range(0x21))


def _safe_url(value: str) -> str | None:
    """The URL as a browser will read it, or None when it is a form browsers rewrite into something else."""
    url = _URL_DROPPED.sub("", value).strip(_URL_TRIMMED)
    if "\\" in url or any(ord(ch) < 0x20 or ord(ch) == 0x7F for ch in url):
        return None
    scheme = urlsplit(url).scheme
    if scheme and scheme.lower() not in URL_SCHEMES:
        return None
    return url


def _attribute_filter(tag: str, attribute: str, value: str) -> str | None:
    if attribute in {"href", "src"}:
        value = _safe_url(value)
        if value is None:
            return None
    if attribute == "id":
        return value if _ID_RE.match(value) else None
    if attribute == "align":
        return value if value in _ALIGN else None
    if attribute in {"width", "height", "colspan", "rowspan", "start"}:
        return value if value.isdigit() and len(value) <= 4 else None
    if tag == "img" and attribute == "src":
        # Images must live on this site: no other host is ever contacted by a reader
        # (or by the PDF renderer).
        parts = urlsplit(value)
        if parts.scheme or parts.netloc:
            return None
    return value


def sanitize(raw_html: str) -> str:
    return nh3.clean(
        raw_html,
        tags=ALLOWED_TAGS,
        clean_content_tags=CLEAN_CONTENT_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        attribute_filter=_attribute_filter,
        url_schemes=URL_SCHEMES,
        link_rel="noopener noreferrer",
        strip_comments=True,
    )


@dataclass
class Rendered:
    html: str
    toc: list[dict] = field(default_factory=list)
    text: str = ""


def _toc_entries(tokens: list[dict]) -> list[dict]:
    return [
        {
            "id": token["id"],
            "name": html.unescape(token["name"]),
            "level": token["level"],
            "children": _toc_entries(token.get("children", [])),
        }
        for token in tokens
        if _ID_RE.match(token["id"])
    ]


_TAG_RE = re.compile(r"<[^>]+>")
_WS_RE = re.compile(r"\s+")


def html_to_text(value: str) -> str:
    return _WS_RE.sub(" ", html.unescape(_TAG_RE.sub(" ", value))).strip()


def render_markdown(source: str, *, toc_depth: str = "2-3") -> Rendered:
    """Render Markdown to sanitized HTML with stable heading ids and a table of contents."""
    md = markdown.Markdown(
        extensions=["toc", "tables", "fenced_code", "sane_lists", "def_list", "abbr"],
        extension_configs={
            "toc": {"toc_depth": toc_depth, "permalink": False},
            "tables": {"use_align_attribute": True},
        },
        output_format="html",
    )
    raw = md.convert(source)
    clean = sanitize(raw)
    return Rendered(html=clean, toc=_toc_entries(md.toc_tokens), text=html_to_text(clean))
