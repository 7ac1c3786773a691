"""Policy sections: the parts of a published version between its headings.

A citation points at a heading anchor; the cited text is everything from that heading to
the next heading of the same or a higher level (so a section includes its subsections).
Versions never change after publication, so the split is cached per version.

Each section has its text twice: `text`, the words as the page shows them (its digest
tells whether a cited section changed between versions), and `prose`, the same words as
sentences a quote can be taken from: every paragraph, list item and table row ends one,
and a table row names its columns ("Customer-facing audit log: searchable in SIEM 13
months; total retention (archive) 13 months."), so a value in a table is found beside
what it is the value of.
"""

import hashlib
import re
from dataclasses import dataclass
from functools import lru_cache
from html.parser import HTMLParser

from trustcenter.lib.markup import html_to_text

_HEADING_RE = re.compile(r'<h([2-6]) id="([^"]+)">(.*?)</h\1>', re.DOTALL)


@dataclass(frozen=True)
class Section:
    anchor: str
    title: str
    level: int
    text: str
    parent_title: str = ""
    prose: str = ""
    rows: tuple[tuple[str, str], ...] = ()  # (first cell, sentence) per table row of `prose`

    @property
    def digest(self) -> str:
        return hashlib.sha256(self.text.encode()).hexdigest()


def split_sections(body_html: str) -> tuple[Section, ...]:
    headings = list(_HEADING_RE.finditer(body_html))
    sections = []
    parents: dict[int, str] = {}
    for index, match in enumerate(headings):
        level = int(match.group(1))
        end = len(body_html)
        for later in headings[index + 1 :]:
            if int(later.group(1)) <= level:
                end = later.start()
                break
        title = html_to_text(match.group(3))
        parents[level] = title
        parent = next((parents[lvl] for lvl in range(level - 1, 1, -1) if lvl in parents), "")
        body = body_html[match.end() : end]
        prose, rows = html_to_prose(body)
        sections.append(
            Section(
                anchor=match.group(2),
                title=title,
                level=level,
                text=html_to_text(body),
                parent_title=parent,
                prose=prose,
                rows=rows,
            )
        )
    return tuple(sections)


# Elements whose text is a unit of its own: it ends a sentence.
_BLOCKS = frozenset({"p", "li", "dt", "dd", "blockquote", "pre", "caption", "h2", "h3", "h4", "h5", "h6"})
_ENDS_SENTENCE = re.compile(r"[.!?:;]$")


def _clean(parts: list[str]) -> str:
    return " ".join("".join(parts).split())


def _sentence(text: str) -> str:
    return text if not text or _ENDS_SENTENCE.search(text) else text + "."


def _column_name(header: str) -> str:
    """ "Searchable in SIEM" -> "searchable in SIEM"; "SIEM" and "RTO" stay as they are."""
    return header[0].lower() + header[1:] if len(header) > 1 and header[1].islower() else header


def _row_sentence(headers: list[str], cells: list[str]) -> str:
    """A table row as one sentence: its first cell, then each other cell after the name of
    its column."""
    if not any(cells):
        return ""
    if not headers:
        return _sentence("; ".join(c for c in cells if c))
    rest = [f"{_column_name(h)} {c}".strip() for h, c in zip(headers[1:], cells[1:], strict=False) if c]
    return _sentence(f"{cells[0]}: {'; '.join(rest)}" if rest and cells[0] else "; ".join(rest) or cells[0])


class _ProseReader(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.sentences: list[str] = []
        self.rows: list[tuple[str, str]] = []
        self.text: list[str] = []
        self.table: list[tuple[bool, list[str]]] | None = None  # (all header cells, cells) per row
        self.row: list[str] | None = None
        self.row_header = True
        self.cell: list[str] | None = None

    def _flush(self) -> None:
        sentence = _sentence(_clean(self.text))
        if sentence:
            self.sentences.append(sentence)
        self.text = []

    def handle_starttag(self, tag, attrs):
        if tag == "table":
            self._flush()
            self.table = []
        elif tag == "tr" and self.table is not None:
            self.row, self.row_header = [], True
        elif tag in ("td", "th") and self.row is not None:
            self.cell = []
            self.row_header = self.row_header and tag == "th"
        elif tag in _BLOCKS or tag in ("ul", "ol", "dl"):
            self._flush()
        elif tag == "br":
            self.handle_data(" ")

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self.cell is not None and self.row is not None:
            self.row.append(_clean(self.cell))
            self.cell = None
        elif tag == "tr" and self.row is not None and self.table is not None:
            self.table.append((self.row_header, self.row))
            self.row = None
        elif tag == "table" and self.table is not None:
            headers: list[str] = []
            for is_header, cells in self.table:
                if is_header and not headers:
                    headers = cells
                elif not is_header:
                    sentence = _row_sentence(headers, cells)
                    if sentence:
                        self.sentences.append(sentence)
                        self.rows.append((cells[0], sentence))
            self.table = None
        elif tag in _BLOCKS:
            self._flush()

    def handle_data(self, data):
        (self.cell if self.cell is not None else self.text).append(data)

    def close(self):
        super().close()
        self._flush()


def html_to_prose(body_html: str) -> tuple[str, tuple[tuple[str, str], ...]]:
    """The text of some published HTML as sentences: each paragraph, list item and table
    row one (or more), a row's cells after the names of their columns; and the table rows,
    each as (its first cell, its sentence)."""
    reader = _ProseReader()
    reader.feed(body_html)
    reader.close()
    return " ".join(reader.sentences), tuple(reader.rows)


@lru_cache(maxsize=512)
def _sections_cached(version_pk: int, content_hash: str, body_html: str) -> tuple[Section, ...]:
    return split_sections(body_html)


def version_sections(version) -> tuple[Section, ...]:
    return _sections_cached(version.pk, version.content_hash, version.body_html)


def find_section(version, anchor: str) -> Section | None:
    return next((s for s in version_sections(version) if s.anchor == anchor), None)
