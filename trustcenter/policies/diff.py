"""A readable diff between two policy versions.

The Markdown source is compared paragraph by paragraph; changed paragraphs are
compared word by word, so a reader sees exactly which words moved.
"""

import difflib
import re
from dataclasses import dataclass

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext_lazy

_BLOCK_SPLIT = re.compile(r"\n\s*\n")
_WORDS = re.compile(r"\s+|[^\s]+")
CONTEXT_BLOCKS = 1


@dataclass
class DiffRow:
    kind: str  # "equal", "insert", "delete", "change", "skip"
    html: SafeString
    skipped: int = 0


def _blocks(source: str) -> list[str]:
    return [block.strip() for block in _BLOCK_SPLIT.split(source.strip()) if block.strip()]


def _word_diff(old: str, new: str) -> SafeString:
    a, b = _WORDS.findall(old), _WORDS.findall(new)
    out = []
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(a=a, b=b, autojunk=False).get_opcodes():
        if tag == "equal":
            out.append(escape("".join(a[i1:i2])))
            continue
        if i2 > i1:
            out.append(f"<del>{escape(''.join(a[i1:i2]))}</del>")
        if j2 > j1:
            out.append(f"<ins>{escape(''.join(b[j1:j2]))}</ins>")
    return mark_safe("".join(out))  # noqa: S308 - every piece is escaped above


def diff_sources(old: str, new: str) -> list[DiffRow]:
    a, b = _blocks(old), _blocks(new)
    rows: list[DiffRow] = []
    matcher = difflib.SequenceMatcher(a=a, b=b, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            span = a[i1:i2]
            if len(span) > 2 * CONTEXT_BLOCKS + 1:
                head = span[:CONTEXT_BLOCKS] if rows else []
                tail = span[-CONTEXT_BLOCKS:] if i2 < len(a) else []
                rows += [DiffRow("equal", escape(block)) for block in head]
                rows.append(DiffRow("skip", mark_safe(""), skipped=len(span) - len(head) - len(tail)))
                rows += [DiffRow("equal", escape(block)) for block in tail]
            else:
                rows += [DiffRow("equal", escape(block)) for block in span]
        elif tag == "delete":
            rows += [DiffRow("delete", escape(block)) for block in a[i1:i2]]
        elif tag == "insert":
            rows += [DiffRow("insert", escape(block)) for block in b[j1:j2]]
        else:
            old_span, new_span = a[i1:i2], b[j1:j2]
            for index in range(max(len(old_span), len(new_span))):
                if index < len(old_span) and index < len(new_span):
                    rows.append(DiffRow("change", _word_diff(old_span[index], new_span[index])))
                elif index < len(old_span):
                    rows.append(DiffRow("delete", escape(old_span[index])))
                else:
                    rows.append(DiffRow("insert", escape(new_span[index])))
    return rows


META_FIELDS = [
    ("title", gettext_lazy("Title")),
    ("summary", gettext_lazy("Summary")),
    ("effective", gettext_lazy("Effective")),
    ("owner", gettext_lazy("Owner")),
    ("visibility", gettext_lazy("Visibility")),
    ("category", gettext_lazy("Category")),
]


def diff_metadata(old, new) -> list[tuple[str, str, str]]:
    changes = []
    for attr, label in META_FIELDS:
        before, after = getattr(old, attr), getattr(new, attr)
        if before != after:
            changes.append((label, str(before), str(after)))
    return changes


def summarize(rows: list[DiffRow]) -> dict[str, int]:
    counts = {"insert": 0, "delete": 0, "change": 0}
    for row in rows:
        if row.kind in counts:
            counts[row.kind] += 1
    return counts
