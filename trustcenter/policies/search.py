"""Search over the current public policy versions.

`search_policies` is the one entry point. On PostgreSQL it uses full-text search (English
stemming, a GIN-indexed tsvector column kept by the database, migration 0003): "encrypting"
finds "encryption", every word also matches as a prefix, and title, summary and body weigh
A, B and C. On SQLite it scores in Python, which is fast for the hundreds of pages a trust
center has. Both rank pages that contain every word above pages that contain some, and
both highlight the same way; the same tests run on both.
"""

import math
import re
from dataclasses import dataclass

from django.db import connection
from django.db.models import BooleanField, FloatField
from django.db.models.expressions import RawSQL
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from trustcenter.policies.models import PolicyVersion

MAX_QUERY_LENGTH = 200
SNIPPET_CHARS = 220
_TERM_RE = re.compile(r"[\w][\w.+-]*", re.UNICODE)


@dataclass
class SearchHit:
    version: PolicyVersion
    score: float
    title_html: SafeString
    snippet_html: SafeString


def query_terms(query: str) -> list[str]:
    terms = []
    for term in _TERM_RE.findall(query.lower()[:MAX_QUERY_LENGTH]):
        term = term.strip(".+-")
        if len(term) >= 2 and term not in terms:
            terms.append(term)
    return terms[:12]


def _pattern(terms: list[str]) -> re.Pattern:
    # Match whole words and their longer forms: "encrypt" finds "encryption".
    return re.compile(r"\b(" + "|".join(re.escape(t) for t in terms) + r")\w*", re.IGNORECASE)


def _highlight(text: str, pattern: re.Pattern) -> SafeString:
    out, last = [], 0
    for match in pattern.finditer(text):
        out.append(escape(text[last : match.start()]))
        out.append(f"<mark>{escape(match.group(0))}</mark>")
        last = match.end()
    out.append(escape(text[last:]))
    return mark_safe("".join(out))  # noqa: S308 - every piece is escaped above


def _snippet(text: str, terms: list[str], pattern: re.Pattern) -> SafeString:
    lowered = text.lower()
    positions = [m.start() for t in terms for m in [re.search(r"\b" + re.escape(t), lowered)] if m]
    if not positions:
        return _highlight(text[:SNIPPET_CHARS] + ("..." if len(text) > SNIPPET_CHARS else ""), pattern)
    start = max(0, min(positions) - SNIPPET_CHARS // 4)
    if start:
        space = text.find(" ", start)
        start = space + 1 if 0 <= space < start + 20 else start
    end = min(len(text), start + SNIPPET_CHARS)
    if end < len(text):
        space = text.rfind(" ", start, end)
        end = space if space > start else end
    fragment = ("..." if start else "") + text[start:end] + ("..." if end < len(text) else "")
    return _highlight(fragment, pattern)


def _tsquery(term: str) -> str:
    """One word as a to_tsquery operand: quoted (so `.`, `+` and `-` are literal), matched as a prefix."""
    return "'" + term.replace("'", "''") + "':*"


def _rank_postgresql(versions, terms: list[str]):
    column = f'"{PolicyVersion._meta.db_table}"."search_vector"'
    any_term = " | ".join(_tsquery(t) for t in terms)
    matched = " + ".join(f"({column} @@ to_tsquery('english', %s))::int" for _ in terms)
    # ts_rank_cd with normalization 32 scales to 0..1; pages with every word rank above pages with some.
    score = f"ts_rank_cd({column}, to_tsquery('english', %s), 32) * ({matched}) / {len(terms)}.0"
    return (
        versions.annotate(
            # The SQL text holds only the table name and a count; every word a visitor typed is a parameter.
            hit=RawSQL(f"{column} @@ to_tsquery('english', %s)", [any_term], output_field=BooleanField()),  # noqa: S611
            score=RawSQL(score, [any_term, *[_tsquery(t) for t in terms]], output_field=FloatField()),  # noqa: S611
        )
        .filter(hit=True)
        .order_by("-score", "title")
    )


def _rank_python(versions, terms: list[str]):
    term_patterns = [re.compile(r"\b" + re.escape(t), re.IGNORECASE) for t in terms]
    scored = []
    for version in versions:
        score, matched = 0.0, 0
        for term_re in term_patterns:
            in_title = len(term_re.findall(version.title))
            in_summary = len(term_re.findall(version.summary))
            in_body = len(term_re.findall(version.body_text))
            if in_title or in_summary or in_body:
                matched += 1
            score += 6 * in_title + 3 * in_summary + math.log1p(in_body)
        if not matched:
            continue
        # Pages that contain every term rank above pages that contain some.
        version.score = score * matched / len(terms)
        scored.append(version)
    scored.sort(key=lambda version: (-version.score, version.title))
    return scored


def search_policies(query: str, *, limit: int = 25) -> list[SearchHit]:
    terms = query_terms(query)
    if not terms:
        return []
    pattern = _pattern(terms)
    versions = (
        PolicyVersion.objects.current()
        .public()
        .select_related("policy", "category")
        .only("title", "summary", "body_text", "number", "policy__slug", "category__name", "effective")
    )
    if connection.vendor == "postgresql":
        ranked = list(_rank_postgresql(versions, terms)[:limit])
    else:
        ranked = _rank_python(versions, terms)[:limit]
    return [
        SearchHit(
            version=version,
            score=round(version.score, 3),
            title_html=_highlight(version.title, pattern),
            snippet_html=_snippet(version.body_text, terms, pattern),
        )
        for version in ranked
    ]
