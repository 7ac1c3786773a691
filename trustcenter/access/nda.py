"""content/nda.md: the NDA text with its own version, validated like a policy file."""

import datetime
import hashlib
from dataclasses import dataclass
from pathlib import Path

from trustcenter.lib.contentfiles import ContentError, ContentErrors, as_date, load_yaml_mapping, split_front_matter

NDA_FILE = "nda.md"
KEYS = ("title", "version", "effective")


@dataclass(frozen=True)
class NdaSource:
    title: str
    version: int
    effective: datetime.date
    body: str
    path: str
    version_line: int = 1


def nda_path(root: Path) -> Path:
    return Path(root) / NDA_FILE


def text_sha256(body_html: str) -> str:
    """The fingerprint of the NDA text as shown to a signer (the sanitized HTML of its body)."""
    return hashlib.sha256(body_html.encode("utf-8")).hexdigest()


def parse_nda(text: str, *, path: str) -> NdaSource:
    """Parse content/nda.md; raise ContentErrors naming `path:line` for every problem."""
    try:
        front, body, _body_line = split_front_matter(text, path=path)
        data, lines = load_yaml_mapping(front, path=path, first_line=2)
    except ContentError as exc:
        raise ContentErrors([exc]) from None
    errors: list[ContentError] = []
    for key in KEYS:
        if data.get(key) in (None, ""):
            errors.append(ContentError(path, 1, f"missing required key `{key}` in the front matter"))
    for key in sorted(set(data) - set(KEYS)):
        errors.append(
            ContentError(path, lines.get(key, 1), f"unknown key `{key}`; allowed keys are: {', '.join(KEYS)}")
        )
    title = data.get("title")
    if title is not None and not isinstance(title, str):
        errors.append(ContentError(path, lines.get("title", 1), "`title` must be text"))
    version = data.get("version")
    if version is not None and (isinstance(version, bool) or not isinstance(version, int) or version < 1):
        errors.append(
            ContentError(path, lines.get("version", 1), f"`version` must be a whole number from 1 up, got {version!r}")
        )
    effective = as_date(data.get("effective")) if data.get("effective") is not None else None
    if data.get("effective") is not None and effective is None:
        errors.append(ContentError(path, lines.get("effective", 1), "`effective` must be a date like 2026-01-15"))
    if not body.strip():
        errors.append(ContentError(path, 1, "the NDA has no text after the front matter"))
    if errors:
        raise ContentErrors(errors)
    return NdaSource(
        title=title.strip(),
        version=version,
        effective=effective,
        body=body.strip(),
        path=path,
        version_line=lines.get("version", 1),
    )
