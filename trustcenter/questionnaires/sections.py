"""Policy sections: the parts of a published version between its headings.

A citation points at a heading anchor; the cited text is everything from that heading to
the next heading of the same or a higher level (so a section includes its subsections).
Versions never change after publication, so the split is cached per version.
"""

import hashlib
import re
from dataclasses import dataclass
from functools import lru_cache

from trustcenter.lib.markup import html_to_text

_HEADING_RE = re.compile(r'<h([2-6]) id="([^"]+)">(.*?)</h\1>', re.DOTALL)


@dataclass(frozen=True)
class Section:
    anchor: str
    title: str
    level: int
    text: str
    parent_title: str = ""

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
        text = html_to_text(body_html[match.end() : end])
        sections.append(Section(anchor=match.group(2), title=title, level=level, text=text, parent_title=parent))
    return tuple(sections)


@lru_cache(maxsize=512)
def _sections_cached(version_pk: int, content_hash: str, body_html: str) -> tuple[Section, ...]:
    return split_sections(body_html)


def version_sections(version) -> tuple[Section, ...]:
    return _sections_cached(version.pk, version.content_hash, version.body_html)


def find_section(version, anchor: str) -> Section | None:
    return next((s for s in version_sections(version) if s.anchor == anchor), None)
