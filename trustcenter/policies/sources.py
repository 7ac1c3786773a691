"""Policy source files: Markdown with YAML front matter, parsed and validated.

The same validation serves `manage.py publish`, `publish --check` and the admin
editor, so a page accepted in one is accepted in all.
"""

import dataclasses
import datetime
import hashlib
import json
import re
from dataclasses import dataclass
from pathlib import Path

from trustcenter.lib.contentfiles import (
    ContentError,
    ContentErrors,
    as_date,
    content_path,
    load_yaml_mapping,
    split_front_matter,
)
from trustcenter.lib.visibility import Visibility

REQUIRED_KEYS = ("title", "category", "summary", "version", "effective", "reviewed", "owner", "visibility")
SLUG_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
HISTORY_NAME_RE = re.compile(r"^v([1-9][0-9]*)\.md$")
MAX_BYTES = 1_000_000


@dataclass(frozen=True)
class PolicySource:
    slug: str
    title: str
    category: str
    summary: str
    version: int
    effective: datetime.date
    reviewed: datetime.date
    owner: str
    visibility: str
    body: str
    path: str
    version_line: int = 1
    # From content/history/: an earlier version, recorded when this trust center was set up.
    imported: bool = False
    # What reading the file changed, for the publish report (e.g. headings moved down a level).
    notes: tuple[str, ...] = ()

    def content_hash(self) -> str:
        """Hash of everything that defines a version. `reviewed` is left out on purpose:
        re-reviewing a page without changing it moves its review date, not its version."""
        payload = {
            "title": self.title,
            "category": self.category,
            "summary": self.summary,
            "effective": self.effective.isoformat(),
            "owner": self.owner,
            "visibility": self.visibility,
            "body": self.body.strip(),
        }
        return hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()


class _FrontMatter:
    """The parsed front matter of one file, with the line of each key and the errors found so far."""

    def __init__(self, data: dict, lines: dict[str, int], *, path: str):
        self.data, self.lines, self.path = data, lines, path
        self.errors: list[ContentError] = []

    def error(self, key: str | None, message: str) -> None:
        self.errors.append(ContentError(self.path, self.lines.get(key, 1) if key else 1, message))


def _check_keys(front: _FrontMatter) -> None:
    for key in REQUIRED_KEYS:
        if key not in front.data or front.data[key] is None or front.data[key] == "":
            front.error(None, f"missing required key `{key}` in the front matter")
    for key in sorted(set(front.data) - set(REQUIRED_KEYS)):
        front.error(key, f"unknown key `{key}`; allowed keys are: {', '.join(REQUIRED_KEYS)}")


def _texts(front: _FrontMatter, categories: set[str]) -> dict[str, str]:
    texts = {}
    for key in ("title", "summary", "owner", "category", "visibility"):
        value = front.data.get(key)
        if value is None or value == "":
            continue
        if not isinstance(value, str):
            front.error(key, f"`{key}` must be text, got {type(value).__name__} {value!r}")
            continue
        texts[key] = value.strip()
    if len(texts.get("title", "")) > 200:
        front.error("title", "`title` is longer than 200 characters")
    category = texts.get("category")
    if category is not None and category not in categories:
        known = ", ".join(sorted(categories)) or "(none defined)"
        front.error("category", f"unknown category {category!r}; use one of: {known} (defined in company.yaml)")
    visibility = texts.get("visibility")
    if visibility is not None and visibility not in Visibility.values:
        front.error("visibility", f"`visibility` must be `public` or `nda`, got {visibility!r}")
    return texts


def _version(front: _FrontMatter, expected_version: int | None) -> int | None:
    version = front.data.get("version")
    if version is None:
        return None
    if isinstance(version, bool) or not isinstance(version, int) or version < 1:
        front.error("version", f"`version` must be a whole number from 1 up, got {version!r}")
        return None
    if expected_version is not None and version != expected_version:
        front.error("version", f"`version` is {version} but the file name says v{expected_version}; make them agree")
    return version


def _dates(front: _FrontMatter) -> dict[str, datetime.date]:
    dates = {}
    for key in ("effective", "reviewed"):
        value = front.data.get(key)
        if value is None or value == "":
            continue
        parsed = as_date(value)
        if parsed is None:
            front.error(key, f"`{key}` must be an ISO date like 2026-03-31, got {value!r}")
        else:
            dates[key] = parsed
    if "effective" in dates and "reviewed" in dates and dates["reviewed"] < dates["effective"]:
        front.error("reviewed", f"`reviewed` ({dates['reviewed']}) is before `effective` ({dates['effective']})")
    return dates


def parse_policy(
    text: str, *, path: str, slug: str, categories: set[str], expected_version: int | None = None
) -> PolicySource:
    """Parse and validate one policy file. Raises ContentErrors listing every problem in it."""
    if not SLUG_RE.match(slug):
        message = f"file name {slug!r} is not a valid slug: use lowercase letters, digits and hyphens"
        raise ContentErrors([ContentError(path, 1, message)])
    if len(text.encode("utf-8")) > MAX_BYTES:
        raise ContentErrors([ContentError(path, 1, f"file is larger than {MAX_BYTES // 1000} KB; split it into pages")])
    try:
        front_text, body, body_line = split_front_matter(text, path=path)
        data, lines = load_yaml_mapping(front_text, path=path, first_line=2)
    except ContentError as exc:
        raise ContentErrors([exc]) from None

    front = _FrontMatter(data, lines, path=path)
    _check_keys(front)
    texts = _texts(front, categories)
    version = _version(front, expected_version)
    dates = _dates(front)
    errors = front.errors
    if not body.strip():
        errors.append(ContentError(path, body_line, "the page has no text after the front matter"))
    notes: list[str] = []
    if "title" in texts:
        body, notes = fit_top_level_headings(body, title=texts["title"])
    if errors:
        raise ContentErrors(errors)
    return PolicySource(
        slug=slug,
        title=texts["title"],
        category=texts["category"],
        summary=texts["summary"],
        version=version,
        effective=dates["effective"],
        reviewed=dates["reviewed"],
        owner=texts["owner"],
        visibility=texts["visibility"],
        body=body,
        path=path,
        version_line=lines.get("version", 1),
        notes=tuple(notes),
    )


ATX_HEADING_RE = re.compile(r"^(#{1,6})(?=[ \t]|$)(.*)$")
SETEXT_H1_RE = re.compile(r"^=+[ \t]*$")
FENCE_RE = re.compile(r"^[ ]{0,3}(`{3,}|~{3,})")


def fit_top_level_headings(body: str, *, title: str) -> tuple[str, list[str]]:
    """Accept a page that starts its own `#` heading, as pages brought from elsewhere do.

    The page title comes from the front matter, so a first `#` heading that repeats it is
    dropped; any other `#` heading means the page uses `#` for its sections, so every heading
    moves one level down (`#` to `##`, and so on; `######` stays). Code blocks are left alone.
    Returns the body to publish and what was changed, in words for the publish report.
    """
    lines = body.split("\n")
    in_fence = None
    h1_rows = []
    for number, line in enumerate(lines):
        fence = FENCE_RE.match(line)
        if fence:
            marker = fence.group(1)
            if in_fence is None:
                in_fence = marker[0]
            elif marker[0] == in_fence:
                in_fence = None
            continue
        if in_fence:
            continue
        match = ATX_HEADING_RE.match(line)
        if match and len(match.group(1)) == 1:
            h1_rows.append(number)
        elif SETEXT_H1_RE.match(line) and number > 0 and lines[number - 1].strip():
            lines[number - 1] = "# " + lines[number - 1].strip()
            lines[number] = ""
            h1_rows.append(number - 1)
    if not h1_rows:
        return body, []

    notes = []
    first_text = next((row for row, line in enumerate(lines) if line.strip()), None)
    if h1_rows[0] == first_text and _heading_text(lines[first_text]) == _normal(title):
        del lines[first_text]
        h1_rows = [row - 1 for row in h1_rows[1:]]
        notes.append("dropped the `#` heading that repeats the title")
    if h1_rows:
        lines = _headings_down_one_level(lines)
        notes.append("the page uses `#` for its sections: moved every heading one level down")
    return "\n".join(lines).strip("\n") + "\n", notes


def _normal(text: str) -> str:
    return " ".join(text.split()).casefold()


def _heading_text(line: str) -> str:
    return _normal(ATX_HEADING_RE.match(line).group(2).strip().rstrip("#"))


def _headings_down_one_level(lines: list[str]) -> list[str]:
    shifted, in_fence = [], None
    for line in lines:
        fence = FENCE_RE.match(line)
        if fence:
            marker = fence.group(1)[0]
            in_fence = marker if in_fence is None else (None if marker == in_fence else in_fence)
        elif not in_fence:
            match = ATX_HEADING_RE.match(line)
            if match and len(match.group(1)) < 6:
                line = "#" + line
        shifted.append(line)
    return shifted


def read_policy_file(path: Path, *, categories: set[str], display: str, slug: str, expected_version=None):
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise ContentErrors(
            [ContentError(display, 1, f"not UTF-8 text ({exc.reason}); save the file as UTF-8")]
        ) from None
    return parse_policy(text, path=display, slug=slug, categories=categories, expected_version=expected_version)


def collect_sources(root: Path, *, categories: set[str], base: Path | None = None) -> list[PolicySource]:
    """Read every policy under `root`: `policies/<slug>.md` (current text) and
    `history/<slug>/v<N>.md` (earlier versions, replayed in order on a fresh install).

    Returns them ordered by slug and version; raises ContentErrors with every problem found.
    """
    base = base or root
    sources: list[PolicySource] = []
    errors: list[ContentError] = []

    def display(path: Path) -> str:
        return content_path(path, base)

    for path in sorted((root / "policies").glob("*.md")):
        try:
            sources.append(read_policy_file(path, categories=categories, display=display(path), slug=path.stem))
        except ContentErrors as exc:
            errors.extend(exc.errors)
    history = root / "history"
    if history.is_dir():
        for folder in sorted(p for p in history.iterdir() if p.is_dir()):
            for path in sorted(folder.glob("*.md")):
                match = HISTORY_NAME_RE.match(path.name)
                if not match:
                    errors.append(ContentError(display(path), 1, "history files must be named v<N>.md, e.g. v1.md"))
                    continue
                try:
                    source = read_policy_file(
                        path,
                        categories=categories,
                        display=display(path),
                        slug=folder.name,
                        expected_version=int(match.group(1)),
                    )
                    sources.append(dataclasses.replace(source, imported=True))
                except ContentErrors as exc:
                    errors.extend(exc.errors)

    seen: dict[tuple[str, int], PolicySource] = {}
    for source in sources:
        key = (source.slug, source.version)
        if key in seen:
            errors.append(
                ContentError(
                    source.path,
                    source.version_line,
                    f"version {source.version} of {source.slug!r} is also in {seen[key].path}; "
                    "each version must appear once",
                )
            )
        seen[key] = source
    if errors:
        raise ContentErrors(errors)
    return sorted(sources, key=lambda s: (s.slug, s.version))
