"""The labelled questions of the benchmark, by source and split.

Sources: `questions.yaml` and `vendor-style.txt` (written here, with the demo content and
seed answers in mind, so they are reported as "tuned"); three sheets written blind by a
writer who had seen neither (`blind-vendor.txt`, `blind-webapp.txt`, `blind-bank.txt`); and
the public catalogues in `catalogues/`. All but the tuned ones are split in two by a hash of
the question text: "dev" (free to look at and tune on) and "test" (never tuned on, reported
separately). A sheet file has "## section" lines and "question || labels" lines; a label is
a policy section ("policy#anchor") or a seed answer key, "-" means that no section of the
demo content answers the question. An optional third field says what the short answer must
say: "Yes" or "No" (its first word) or "~text" (text it contains).
"""

import sys
import zlib
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from trustcenter.questionnaires.reading import is_follow_up  # noqa: E402

HERE = Path(__file__).resolve().parent
CATALOGUES = HERE / "catalogues"


@dataclass(frozen=True)
class Item:
    source: str
    split: str  # "dev", "test" or "tuned"
    question: str
    section: str  # the heading the question sits under in its sheet ("" when none)
    previous: str  # the question above it in the same section
    expect: frozenset  # labels that answer it; empty when nothing does
    short: str = ""  # what the short answer must say ("Yes", "No", "~text"), when labelled

    @property
    def answerable(self) -> bool:
        return bool(self.expect)


def split_of(question: str) -> str:
    return "test" if zlib.crc32(question.encode()) % 2 else "dev"


def read_catalogue(path: Path, *, source: str = "", split: str = "") -> list[Item]:
    """`split` fixes the split of every question (a file written here is "tuned"); without
    it each question's split comes from a hash of its text."""
    items, section, previous = [], "", ""
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if not line or line.startswith("# "):
            continue
        if line.startswith("## "):
            section, previous = line[3:].strip(), ""
            continue
        question, _sep, rest = line.partition("||")
        labels, _sep, short = rest.partition("||")
        question = question.strip()
        expect = frozenset(label for label in labels.split() if label != "-")
        items.append(
            Item(source or path.stem, split or split_of(question), question, section, previous, expect, short.strip())
        )
        # As the import does: a follow-up passes on what it follows ("If yes, describe.",
        # then "If yes, how often?" is still about the question above both).
        previous = f"{previous} {question}" if previous and is_follow_up(question, previous) else question
    return items


def read_written_here() -> list[Item]:
    import yaml

    data = yaml.safe_load((HERE / "questions.yaml").read_text(encoding="utf-8"))
    return [
        Item(
            "written-here",
            "tuned",
            q["q"],
            "",
            "",
            frozenset() if q["expect"] == "expert" else frozenset(q["expect"]),
        )
        for q in data["questions"]
    ]


def load() -> list[Item]:
    items = read_written_here() + read_catalogue(HERE / "vendor-style.txt", split="tuned")
    items += read_catalogue(HERE / "blind-vendor.txt")
    items += read_catalogue(HERE / "blind-webapp.txt")
    items += read_catalogue(HERE / "blind-bank.txt")
    for path in sorted(CATALOGUES.glob("*.txt")):
        items.extend(read_catalogue(path))
    return items
