"""Suggestions for questionnaire questions: BM25 over the answer library and policy sections.

Text on both sides goes through the same analysis: lower-case, split into words, Snowball
(Porter 2) stemming, then the security vocabulary in `synonyms.py` adds a concept token for
every known phrase ("2FA", "multi-factor", "FIDO2 security key" all add `mfa`). BM25 then
ranks documents; that is what lets "Do you encrypt data at rest?" find "AES-256 for stored
customer data". The index is plain Python and small (a few hundred documents), so a
thousand questions take about a second; see bench/questionnaire/.

Measured against the embedding option (bench/questionnaire/README.md): a local
sentence-embedding model would need PyTorch (several hundred MB) in production for no gain
on the labelled set, so BM25 with synonyms is what runs.
"""

import math
import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from functools import lru_cache

import snowballstemmer

from trustcenter.questionnaires.synonyms import SELF_REFERENCES, STOPWORDS, SYNONYMS

K1 = 1.2
B = 0.75
# Below this confidence (0-100) a question is marked "needs an expert" instead of guessed.
DEFAULT_THRESHOLD = 50
MAX_SUGGESTIONS = 3

_WORD_RE = re.compile(r"[a-z0-9]+")
_SELF_RE = re.compile(r"\b(" + "|".join(re.escape(p) for p in SELF_REFERENCES) + r")\b")
_stemmer = snowballstemmer.stemmer("english")


@lru_cache(maxsize=50_000)
def _stem(word: str) -> str:
    return _stemmer.stemWord(word)


def _words(text: str) -> list[str]:
    text = _SELF_RE.sub(" ", text.lower().replace("'s ", " ").replace("’s ", " "))
    return [_stem(w) for w in _WORD_RE.findall(text)]


def _build_phrases() -> dict[tuple[str, ...], set[str]]:
    phrases: dict[tuple[str, ...], set[str]] = defaultdict(set)
    for concept, variants in SYNONYMS:
        for variant in variants:
            key = tuple(_words(variant))
            if key:
                phrases[key].add(concept)
    return dict(phrases)


_PHRASES = _build_phrases()
_MAX_PHRASE = max(len(k) for k in _PHRASES)
_FIRST_WORDS = frozenset(k[0] for k in _PHRASES)
_STOP_STEMS = frozenset(_stem(w) for w in STOPWORDS) | STOPWORDS


def analyze(text: str) -> list[str]:
    """Stemmed content words plus concept tokens (prefixed with '~') for known phrases."""
    words = _words(text)
    tokens = []
    for i, word in enumerate(words):
        if word not in _STOP_STEMS and len(word) > 1 or word.isdigit():
            tokens.append(word)
        if word in _FIRST_WORDS:
            for length in range(1, min(_MAX_PHRASE, len(words) - i) + 1):
                concepts = _PHRASES.get(tuple(words[i : i + length]))
                if concepts:
                    tokens.extend("~" + c for c in concepts)
    return tokens


@dataclass
class Document:
    """Something that can be suggested: an approved answer or a policy section."""

    key: str  # "answer:<pk>" or "section:<policy slug>#<anchor>"
    kind: str  # "answer" or "section"
    title: str
    short_answer: str
    detail: str
    source: dict  # policy, title, version, anchor, heading, url
    fields: list[tuple[str, float]] = field(default_factory=list)  # (text, weight)
    cites: frozenset = frozenset()  # section keys an answer cites
    boost: float = 1.0
    answer_pk: int | None = None
    sources: list = field(default_factory=list)  # every cited section, for an answer


@dataclass
class Suggestion:
    document: Document
    score: float
    confidence: int

    def as_dict(self) -> dict:
        doc = self.document
        return {
            "key": doc.key,
            "kind": doc.kind,
            "title": doc.title,
            "short_answer": doc.short_answer,
            "detail": doc.detail,
            "confidence": self.confidence,
            "source": doc.source,
            "sources": doc.sources,
            "answer_pk": doc.answer_pk,
        }


@dataclass
class Ranked:
    suggestions: list[Suggestion]
    needs_expert: bool


class Index:
    def __init__(self, documents: list[Document], *, threshold: int = DEFAULT_THRESHOLD):
        self.documents = documents
        self.threshold = threshold
        self.postings: dict[str, list[tuple[int, float]]] = defaultdict(list)
        lengths = []
        for number, doc in enumerate(documents):
            counts: Counter = Counter()
            for text, weight in doc.fields:
                for token in analyze(text):
                    counts[token] += weight
            length = sum(counts.values())
            lengths.append(length)
            for token, tf in counts.items():
                self.postings[token].append((number, tf))
        self.avg_length = (sum(lengths) / len(lengths)) if lengths else 1.0
        self.norms = [K1 * (1 - B + B * length / self.avg_length) for length in lengths]
        total = len(documents)
        self.idf = {
            token: math.log(1 + (total - len(posts) + 0.5) / (len(posts) + 0.5))
            for token, posts in self.postings.items()
        }

    def rank(self, question: str, *, limit: int = MAX_SUGGESTIONS) -> Ranked:
        tokens = analyze(question)
        query = Counter(tokens)
        scores: dict[int, float] = defaultdict(float)
        matched: dict[int, float] = defaultdict(float)
        possible = 0.0
        for token, qtf in query.items():
            idf = self.idf.get(token)
            if idf is None:
                # A word the library has never seen still counts against confidence.
                possible += math.log(1 + len(self.documents)) * min(qtf, 2)
                continue
            weight = idf * min(qtf, 2)
            possible += weight
            for number, tf in self.postings[token]:
                scores[number] += weight * tf * (K1 + 1) / (tf + self.norms[number])
                matched[number] += weight
        if not scores:
            return Ranked([], needs_expert=True)
        for number in scores:
            scores[number] *= self.documents[number].boost
        order = sorted(scores, key=lambda n: (-scores[n], self.documents[n].key))
        suggestions: list[Suggestion] = []
        covered: set[str] = set()
        for number in order:
            doc = self.documents[number]
            # A section already cited by a better-ranked answer adds nothing new.
            if doc.key in covered:
                continue
            coverage = matched[number] / possible if possible else 0.0
            strength = 1 - math.exp(-scores[number] / max(possible, 1e-9) * 1.6)
            confidence = round(100 * (0.55 * coverage + 0.45 * strength))
            if suggestions:
                # Later suggestions are scaled by how far their score falls behind the first.
                first = suggestions[0]
                confidence = min(confidence, round(first.confidence * scores[number] / first.score))
            suggestions.append(Suggestion(doc, scores[number], confidence))
            covered |= doc.cites
            if len(suggestions) == limit:
                break
        return Ranked(suggestions, needs_expert=suggestions[0].confidence < self.threshold)
