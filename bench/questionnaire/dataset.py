"""The labelled questions of the benchmark, by source and split.

Three sources: `questions.yaml` (written here, with the seed answers in mind, so it is
reported as "tuned"), and the public catalogues in `catalogues/`, each split in two by a
hash of the question text: "dev" (free to look at and tune on) and "test" (never tuned
on, reported separately). A catalogue file has "## section" lines and "question || labels"
lines; a label is a policy section ("policy#anchor") or a seed answer key, "-" means that
no section of the demo content answers the question.
"""

import zlib
from dataclasses import dataclass
from pathlib import Path

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

    @property
    def answerable(self) -> bool:
        return bool(self.expect)


def split_of(question: str) -> str:
    return "test" if zlib.crc32(question.encode()) % 2 else "dev"


def read_catalogue(path: Path) -> list[Item]:
    items, section, previous = [], "", ""
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if not line or line.startswith("# "):
            continue
        if line.startswith("## "):
            section, previous = line[3:].strip(), ""
            continue
        question, _sep, labels = line.partition("||")
        question = question.strip()
        expect = frozenset(label for label in labels.split() if label != "-")
        items.append(Item(path.stem, split_of(question), question, section, previous, expect))
        previous = question
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
    items = read_written_here()
    for path in sorted(CATALOGUES.glob("*.txt")):
        items.extend(read_catalogue(path))
    return items
