"""Reading the files of `content/`: YAML front matter and mappings, with line numbers for every error.

Used by the company profile, the NDA and policy front matter, so a mistake in either
is reported the same way: `path:line: what is wrong and what to do`.
"""

import datetime
from dataclasses import dataclass
from pathlib import Path

import yaml


@dataclass
class ContentError(Exception):
    path: str
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.message}"


class ContentErrors(Exception):
    """Several content errors found in one run."""

    def __init__(self, errors: list[ContentError]):
        self.errors = errors
        super().__init__("\n".join(str(e) for e in errors))


def content_path(path: Path, root: Path) -> str:
    """How messages name a content file: from the content folder's own name on
    (`content/policies/access-control.md`), never the machine's full path."""
    try:
        return str(path.relative_to(root.parent if root.name else root))
    except ValueError:
        return str(path)


class _Loader(yaml.SafeLoader):
    """SafeLoader that keeps an impossible date (2026-02-31) as text, so validation can
    report it with its line instead of crashing."""


def _timestamp(loader, node):
    try:
        return yaml.SafeLoader.construct_yaml_timestamp(loader, node)
    except ValueError:
        return loader.construct_scalar(node)


_Loader.add_constructor("tag:yaml.org,2002:timestamp", _timestamp)


def load_yaml_mapping(text: str, *, path: str, first_line: int = 1) -> tuple[dict, dict[str, int]]:
    """Parse a YAML mapping and return it with the line of each top-level key.

    `first_line` is the file line on which `text` starts (front matter starts on line 2).
    """
    try:
        node = yaml.compose(text, Loader=_Loader)
        data = yaml.load(text, Loader=_Loader)  # noqa: S506 - _Loader is a SafeLoader
    except yaml.MarkedYAMLError as exc:
        # The context mark is where the broken construct starts (an unclosed bracket),
        # which is the line a person needs to look at.
        mark = exc.context_mark or exc.problem_mark
        line = first_line + (mark.line if mark else 0)
        problem = exc.problem or str(exc)
        raise ContentError(path, line, f"invalid YAML: {problem}; check indentation and quoting") from None
    except yaml.YAMLError as exc:
        raise ContentError(path, first_line, f"invalid YAML: {exc}") from None
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise ContentError(path, first_line, "expected `key: value` lines, found a list or a single value")
    lines: dict[str, int] = {}
    if isinstance(node, yaml.MappingNode):
        for key_node, _value in node.value:
            lines[str(key_node.value)] = first_line + key_node.start_mark.line
    return data, lines


def as_date(value) -> datetime.date | None:
    """Accept a YAML date or an ISO `YYYY-MM-DD` string; None for anything else."""
    if isinstance(value, datetime.datetime):
        return None
    if isinstance(value, datetime.date):
        return value
    if isinstance(value, str):
        try:
            return datetime.date.fromisoformat(value.strip())
        except ValueError:
            return None
    return None


def split_front_matter(text: str, *, path: str) -> tuple[str, str, int]:
    """Return (front matter, body, line where the body starts)."""
    lines = text.splitlines(keepends=True)
    if not lines or lines[0].strip() != "---":
        raise ContentError(path, 1, "the file must start with a `---` line, then the front matter, then `---`")
    for index in range(1, len(lines)):
        if lines[index].strip() == "---":
            return "".join(lines[1:index]), "".join(lines[index + 1 :]), index + 2
    raise ContentError(path, 1, "the front matter is not closed: add a `---` line after the last key")
