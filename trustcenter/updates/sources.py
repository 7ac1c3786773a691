"""Update post files: `content/updates/<YYYY-MM-DD>-<slug>.md`, YAML front matter then Markdown."""

import datetime
import hashlib
import json
import re
from dataclasses import dataclass
from pathlib import Path

from trustcenter.lib.contentfiles import ContentError, ContentErrors, as_date, content_path, load_yaml_mapping
from trustcenter.lib.visibility import Visibility
from trustcenter.policies.sources import MAX_BYTES, split_front_matter
from trustcenter.updates.models import PostType

REQUIRED_KEYS = ("title", "date", "type", "visibility")
OPTIONAL_KEYS = ("summary",)
NAME_RE = re.compile(r"^(\d{4}-\d{2}-\d{2})-([a-z0-9]+(?:-[a-z0-9]+)*)\.md$")


@dataclass(frozen=True)
class PostSource:
    slug: str
    date: datetime.date
    title: str
    type: str
    visibility: str
    summary: str
    body: str
    path: str

    def content_hash(self) -> str:
        payload = {
            "date": self.date.isoformat(),
            "title": self.title,
            "type": self.type,
            "visibility": self.visibility,
            "summary": self.summary,
            "body": self.body.strip(),
        }
        return hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()


def parse_post(text: str, *, path: str, name: str) -> PostSource:
    """Parse and validate one update file; raise ContentErrors listing every problem in it."""
    match = NAME_RE.match(name)
    if not match:
        raise ContentErrors(
            [ContentError(path, 1, "update files are named <YYYY-MM-DD>-<slug>.md, e.g. 2026-11-20-soc2-report.md")]
        )
    name_date, slug = as_date(match[1]), match[2]
    if len(text.encode("utf-8")) > MAX_BYTES:
        raise ContentErrors([ContentError(path, 1, f"file is larger than {MAX_BYTES // 1000} KB")])
    try:
        front, body, body_line = split_front_matter(text, path=path)
        data, lines = load_yaml_mapping(front, path=path, first_line=2)
    except ContentError as exc:
        raise ContentErrors([exc]) from None

    errors: list[ContentError] = []

    def err(key: str, message: str):
        errors.append(ContentError(path, lines.get(key, 1), message))

    if name_date is None:
        errors.append(ContentError(path, 1, f"the file name's date {match[1]} is not a real date"))
    for key in REQUIRED_KEYS:
        if data.get(key) in (None, ""):
            errors.append(ContentError(path, 1, f"missing required key `{key}` in the front matter"))
    for key in sorted(set(data) - set(REQUIRED_KEYS) - set(OPTIONAL_KEYS)):
        err(key, f"unknown key `{key}`; allowed keys are: {', '.join(REQUIRED_KEYS + OPTIONAL_KEYS)}")
    texts = {}
    for key in ("title", "type", "visibility", "summary"):
        value = data.get(key)
        if value in (None, ""):
            continue
        if not isinstance(value, str):
            err(key, f"`{key}` must be text, got {type(value).__name__} {value!r}")
            continue
        texts[key] = value.strip()
    if len(texts.get("title", "")) > 200:
        err("title", "`title` is longer than 200 characters")
    if "type" in texts and texts["type"] not in PostType.values:
        err("type", f"`type` must be one of {', '.join(PostType.values)}, got {texts['type']!r}")
    if "visibility" in texts and texts["visibility"] not in Visibility.values:
        err("visibility", f"`visibility` must be `public` or `nda`, got {texts['visibility']!r}")
    date = None
    if data.get("date") not in (None, ""):
        date = as_date(data["date"])
        if date is None:
            err("date", f"`date` must be an ISO date like 2026-11-20, got {data['date']!r}")
        elif name_date is not None and date != name_date:
            err("date", f"`date` is {date} but the file name says {name_date}; make them agree")
    if not body.strip():
        errors.append(ContentError(path, body_line, "the update has no text after the front matter"))
    for offset, line in enumerate(body.splitlines()):
        if line.startswith("# "):
            errors.append(ContentError(path, body_line + offset, "top-level `#` heading found; start sections at `##`"))
            break
    if errors:
        raise ContentErrors(errors)
    return PostSource(
        slug=slug,
        date=date,
        title=texts["title"],
        type=texts["type"],
        visibility=texts["visibility"],
        summary=texts.get("summary", ""),
        body=body,
        path=path,
    )


def collect_posts(root: Path) -> list[PostSource]:
    """Every post under `root/updates/`, oldest first; ContentErrors with every problem found."""
    folder = root / "updates"
    if not folder.is_dir():
        return []
    posts: list[PostSource] = []
    errors: list[ContentError] = []
    seen: dict[str, str] = {}
    for path in sorted(folder.glob("*.md")):
        display = content_path(path, root)
        try:
            text = path.read_text(encoding="utf-8")
            post = parse_post(text, path=display, name=path.name)
        except UnicodeDecodeError as exc:
            errors.append(ContentError(display, 1, f"not UTF-8 text ({exc.reason}); save the file as UTF-8"))
            continue
        except ContentErrors as exc:
            errors.extend(exc.errors)
            continue
        if post.slug in seen:
            errors.append(ContentError(display, 1, f"slug {post.slug!r} is also used by {seen[post.slug]}"))
            continue
        seen[post.slug] = display
        posts.append(post)
    if errors:
        raise ContentErrors(errors)
    return sorted(posts, key=lambda p: (p.date, p.slug))
