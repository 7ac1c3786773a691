"""Text to the tokens that search compares: stemmed content words, plus a concept token
(`~name`) for every known phrase (synonyms.py), so "MFA" and "two-factor" meet."""

import re
from collections import defaultdict
from functools import lru_cache

import snowballstemmer

from trustcenter.questionnaires.synonyms import FILLERS, SELF_REFERENCES, STOPWORDS, SYNONYMS

_WORD_RE = re.compile(r"[a-z0-9]+")
_SELF_RE = re.compile(r"\b(" + "|".join(re.escape(p) for p in (*SELF_REFERENCES, *FILLERS)) + r")\b")
_stemmer = snowballstemmer.stemmer("english")


# Words the stemmer would fold into an unrelated one: "officer" and "office" both become
# "offic", "information" and "inform" "inform", "authenticity" and "authenticator" "authent",
# "containment" and "containers" "contain", "certificate" and "certification" "certif",
# "available" and "availability" "avail", "criticality" and "critical" "critic", "IP" and
# "IPS" "ip", "government" and "governance" "govern", "continuity" and "continuous"
# "continu", "integrity" and "integrations" "integr", "authority" and "authorization"
# "author". These keep a token of their own (what search engines call protected words).
_PROTECTED = {
    "officer": "officer",
    "officers": "officer",
    "information": "information",
    "authenticity": "authenticity",
    "authenticator": "authenticator",
    "authenticators": "authenticator",
    "container": "container",
    "containers": "container",
    "computer": "computer",
    "computers": "computer",
    "certificate": "certificate",
    "certificates": "certificate",
    "availability": "availability",
    "criticality": "criticality",
    "provenance": "provenance",
    "ips": "ips",
    "dependency": "dependency",
    "dependencies": "dependency",
    "government": "government",
    "governments": "government",
    # Stems of words that are stop words in a questionnaire ("if applicable", "please
    # provide", "product", "please share") would take these with them ("production
    # systems", "shared accounts").
    "application": "application",
    "applications": "application",
    "provider": "provider",
    "providers": "provider",
    "production": "production",
    "shared": "shared",
    "sharing": "shared",
    "continuity": "continuity",
    "integrity": "integrity",
    "authority": "authority",
    "authorities": "authority",
    # Words the stemmer gives another word's stem: "accountable" is not about user accounts,
    # a "designated" officer not about design, an "executive" summary not about code
    # execution, a recovery "objective" not about object storage, "personal" data not about
    # a person, "generative" AI not about generated reports.
    "accountable": "accountable",
    "accountability": "accountable",
    "designate": "designate",
    "designated": "designate",
    "designation": "designate",
    "executive": "executive",
    "executives": "executive",
    "objective": "objective",
    "objectives": "objective",
    "objection": "objection",
    "objections": "objection",
    "personal": "personal",
    "personally": "personal",
    "generative": "generative",
    # "Removable" media are not data "removed" from a store.
    "removable": "removable",
}


# British and American spellings meet ("authorisation" and "authorization", "programme" and
# "program", "centre" and "center"): the policies here are written in British English, many
# questionnaires in American. Stems the stemmer leaves apart are mapped to one; a stem of six
# letters or more ending in -is, -iz, -ys or -yz (what -ise, -ize, -yse and -yze leave) loses
# the ending, so "organis" and "organiz" are both "organ", as "organize" already is.
_SPELLING = {
    "programm": "program",
    "centr": "center",
    "licenc": "licens",
    "defenc": "defens",
    "offenc": "offens",
    "catalogu": "catalog",
    "dialogu": "dialog",
    "behaviour": "behavior",
    "colour": "color",
    "favour": "favor",
    "honour": "honor",
    "labour": "labor",
    "judgement": "judgment",
    "practis": "practic",
}
_ISE = re.compile(r"(?<=\w{4})(?:is|iz|ys|yz)$")


@lru_cache(maxsize=50_000)
def _stem(word: str) -> str:
    protected = _PROTECTED.get(word)
    if protected:
        return protected
    stem = _stemmer.stemWord(word)
    return _SPELLING.get(stem) or _ISE.sub("", stem)


# "US" the country (and the region names "us-east-1") is not "us" the pronoun, a stop word
# ("Will you notify us?" has nothing to do with the US region).
_US_RE = re.compile(r"\b(?:USA?\b|U\.S\.(?:A\.)?|us(?=-(?:east|west|gov)\b))")


# "back up", "backed up", "backing up" are the verb of "backup": one word, so "Do you back up
# customer data?" meets the backups and not "back" of anything else.
_BACK_UP = re.compile(r"\bback(?:ed|ing|s)?[- ]up\b", re.I)


def _words(text: str) -> list[str]:
    text = _BACK_UP.sub(" backup ", _US_RE.sub(" usa ", text))
    text = _SELF_RE.sub(" ", text.lower().replace("'s ", " ").replace("’s ", " "))
    return [_stem(w) for w in _WORD_RE.findall(text)]


def _build_phrases(blocking: bool) -> dict[tuple[str, ...], set[str]]:
    """Phrase -> concepts; with `blocking`, the phrases written "!phrase" in the vocabulary,
    in which the concept's own variants do not count ("TLS termination" is not a contract's)."""
    phrases: dict[tuple[str, ...], set[str]] = defaultdict(set)
    for concept, variants in SYNONYMS:
        for variant in variants:
            if variant.startswith("!") != blocking:
                continue
            key = tuple(_words(variant.removeprefix("!")))
            if key:
                phrases[key].add(concept)
    return dict(phrases)


_PHRASES = _build_phrases(blocking=False)
_BLOCKS = _build_phrases(blocking=True)
_MAX_PHRASE = max(len(k) for k in (*_PHRASES, *_BLOCKS))
_FIRST_WORDS = frozenset(k[0] for k in _PHRASES)
_FIRST_BLOCK_WORDS = frozenset(k[0] for k in _BLOCKS)
_STOP_STEMS = frozenset(_stem(w) for w in STOPWORDS) | STOPWORDS


def analyze(text: str) -> list[str]:
    """Stemmed content words plus concept tokens (prefixed with '~') for known phrases."""
    words = _words(text)
    blocked: set[tuple[int, str]] = set()  # (word position, concept) inside a blocking phrase
    for i, word in enumerate(words):
        if word in _FIRST_BLOCK_WORDS:
            for length in range(1, min(_MAX_PHRASE, len(words) - i) + 1):
                for concept in _BLOCKS.get(tuple(words[i : i + length]), ()):
                    blocked.update((j, concept) for j in range(i, i + length))
    tokens = []
    for i, word in enumerate(words):
        if word not in _STOP_STEMS and len(word) > 1 or word.isdigit():
            tokens.append(word)
        if word in _FIRST_WORDS:
            for length in range(1, min(_MAX_PHRASE, len(words) - i) + 1):
                concepts = _PHRASES.get(tuple(words[i : i + length]))
                if concepts:
                    tokens.extend("~" + c for c in concepts if (i, c) not in blocked)
    return tokens


# Whom a control is for, and where: the company's own staff (the vocabulary's "workforce"
# words) or the users of the product; what is internal or external; while the service runs
# or at its end.
SIDES = (("~product", "~workforce"), ("extern", "internal"), ("~inservice", "~termination"))
# Words that name a side unless the text names the other one itself: an audit "by an
# independent third party" is an external one, "an independent internal auditor" is not.
SIDE_WORDS = {"independ": "extern"}


def sides_of(tokens) -> frozenset:
    """For each pair of SIDES, the one that `tokens` name when they do not name both."""
    tokens = set(tokens)
    partner = {side: other for pair in SIDES for side, other in (pair, pair[::-1])}
    tokens |= {SIDE_WORDS[t] for t in tokens if t in SIDE_WORDS and partner[SIDE_WORDS[t]] not in tokens}
    return frozenset(one if one in tokens else other for one, other in SIDES if (one in tokens) != (other in tokens))


def other_side(asked: frozenset, named: frozenset) -> bool:
    """Whether a text naming the sides `named` stands on the other side of a pair from a
    question naming `asked`."""
    return any({one, other} == {a, b} for one, other in SIDES for a in asked for b in named)
