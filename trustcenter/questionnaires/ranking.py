"""Suggestions for questionnaire questions: BM25 and sentence vectors over the answer library
and policy sections.

Text on both sides goes through the same analysis: lower-case, split into words, Snowball
(Porter 2) stemming, then the security vocabulary in `synonyms.py` adds a concept token for
every known phrase ("2FA", "multi-factor", "FIDO2 security key" all add `mfa`). BM25 then
ranks documents; that is what lets "Do you encrypt data at rest?" find "AES-256 for stored
customer data". The index is plain Python and small (a few hundred documents); see
bench/questionnaire/ for what a thousand questions take.

Words alone miss what control catalogues mean ("Is the authenticity of communications
sessions protected?" shares no useful word with a section on TLS), so each document also
has a sentence vector (all-MiniLM-L6-v2, `embedding.py`), computed once per library, and
every question one, computed in batches: the cosine between them is added to the lexical
score and is a feature of the calibrated confidence (bench/questionnaire/README.md has the
measurements).
"""

import math
import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field

import numpy as np

from trustcenter.questionnaires.analysis import SIDES, analyze, other_side, sides_of
from trustcenter.questionnaires.answering import (
    asks_for_a_copy,
    asks_whether_it_exists,
    asks_which_held,
    compose,
    leading_word,
    same_value,
    wants_typed_answer,
)
from trustcenter.questionnaires.embedding import encode
from trustcenter.questionnaires.reading import (
    FEEDBACK,
    HISTORY,
    applies_when,
    is_short,
    read_question,
    split_compound,
)
from trustcenter.questionnaires.synonyms import STANDARDS

K1 = 1.2
B = 0.75
# Below this confidence (0-100) a question is marked "needs an expert" instead of guessed.
DEFAULT_THRESHOLD = 70
MAX_SUGGESTIONS = 3


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
    text: str = ""  # the whole text quotes are taken from
    parent: str = ""  # key of the enclosing section, for a subsection
    rows: dict = field(default_factory=dict)  # sentence -> its first cell, per table row (of `evidence` too)
    evidence: str = ""  # for an answer, the text of the sections it cites


@dataclass
class Suggestion:
    document: Document
    score: float
    confidence: int
    short_answer: str = ""
    quote: str = ""
    reason: str = ""

    def as_dict(self) -> dict:
        doc = self.document
        return {
            "key": doc.key,
            "kind": doc.kind,
            "title": doc.title,
            "short_answer": self.short_answer or doc.short_answer,
            "detail": self.quote or doc.detail,
            "quote": self.quote,
            "reason": self.reason,
            "confidence": self.confidence,
            "source": doc.source,
            "sources": doc.sources,
            "answer_pk": doc.answer_pk,
        }


@dataclass
class Ranked:
    suggestions: list[Suggestion]
    needs_expert: bool
    reason: str = ""  # why it is left to an expert, for the reviewer
    features: dict = field(default_factory=dict)  # of the first suggestion, for calibration


# Why a question is left to an expert.
REASON_NONE = "no-section"
REASON_CONFLICT = "conflict"
REASON_WEAK = "weak"
REASON_NO_VALUE = "no-value"  # the closest section gives no name, number, period or option asked for
REASON_PRODUCT = "product-specific"
REASON_SCOPE = "scope"  # the closest section applies the control to other systems (laptops, not servers)
REASON_FEEDBACK = "feedback"
REASON_HISTORY = "history"

# How much each part of what the sheet says weighs in the query: the question itself, the
# question it follows up, the section heading it sits under.
QUESTION_WEIGHT, PREVIOUS_WEIGHT, HEADING_WEIGHT = 1.0, 0.6, 0.35
SHORT_HEADING_WEIGHT = 0.8
# A word of the heading weighs at most this share of the question's heaviest word: the
# heading tells sections apart, it does not pick one by itself ("Data handling" is a phrase
# of the data-classification concept, yet "Is customer data encrypted at rest?" under it
# is about encryption). 0.5-1.0 measured the same on the dev splits; 0.5 answered 3 more.
HEADING_CAP = 0.5
# A concept from the vocabulary ("~mfa") says more about what a question means than any one
# of its words: it counts double (measured on the dev splits).
CONCEPT_WEIGHT = 2.0

# Calibration: a logistic model over the features below, fitted on the development split of
# the benchmark (bench/questionnaire/run.py --fit prints these numbers); its output is the
# probability that the first suggestion cites a right section.
CALIBRATION = {
    "bias": -6.97,
    "answer": 0.639,
    "coverage": 1.907,
    "distinct": 2.113,
    "dominance": 0.695,
    "heading": 0.181,
    "margin": 1.801,
    "margin_root": 1.801,
    "semantic": 3.906,
    "semantic_first": -0.58,
    "semantic_margin": 1.486,
    "strength": 1.765,
    "unknown": 0.286,
}


# A document whose title names a standard or regulation (ISO 27701, PCI DSS) when the question
# names others only (ISO 27001) counts this share of its score less: it answers for another
# ("Are you ISO 27001 certified?": "In progress" was the ISO 27701 answer's, close behind).
# 0.3-0.5 measured the same on the dev splits; on the sets written here 0.5 answered 2 more
# right and 1 fewer confident wrong.
OTHER_STANDARD = 0.5
_NOT_YET_HELD = re.compile(r"^\s*(?:in progress|planned|not yet|on (?:our|the) roadmap)\b", re.I)
STANDARD_TOKENS = frozenset(f"~{concept}" for concept in STANDARDS)

# Semantic similarity: cosine above SEMANTIC_FLOOR, times SEMANTIC_WEIGHT, is added to the
# lexical score (BM25 divided by what the question could score); measured on the dev splits.
SEMANTIC_WEIGHT, SEMANTIC_FLOOR = 1.0, 0.2
# A question's vector mixes in its heading and the question above it, like the lexical query.
SEMANTIC_PREVIOUS, SEMANTIC_HEADING = 0.5, 0.3
SEMANTIC_CANDIDATES = 20
# The margin's runner-up is looked for among this many of the best documents.
RIVAL_CANDIDATES = MAX_SUGGESTIONS + 8
# A first suggestion ahead of a document that says something else by less than this share of
# its score is a coin toss between them, whatever else the calibration sees: left to an
# expert as a conflict. On the dev splits 0.01 took one confident wrong answer back and no
# right one ("Is MFA enforced for administrative access?": least privilege under 1% ahead of
# privileged access, customer MFA 4% behind); 0.02 and more cost right answers.
TIED = 0.01
# The share of a heading's weight the headings above it in a path get.
OUTER_HEADING = 0.5
# A question of this many words or fewer with no question above it is a fragment its heading
# completes.
FRAGMENT_WORDS = 2
# Typed questions (answering.wants_typed_answer): the best TYPED_CANDIDATES are checked for a
# fitting answer, and those without one count UNFIT_PENALTY times their score. The catalogues
# have few typed questions: 0.5-1.0 left the dev splits unchanged (0.5: +1 on written-here);
# 0.7 was chosen on hand-written vendor-style questions and keeps a strong match ahead.
TYPED_CANDIDATES, UNFIT_PENALTY = 5, 0.7
# Documents a penalty lets rise into the best TYPED_CANDIDATES are checked in turn, for at
# most this many rounds.
TYPED_ROUNDS = 3
# "Do you have a documented X policy?": a document whose title covers X counts up to
# 1 + EXISTS_TITLE times its score (0.3-1.0 measured the same on the dev splits).
EXISTS_TITLE = 0.3
# "Do you have a documented vulnerability management policy?" when a policy of that name is
# published: answered by its being there, at this confidence (a fact, not a match). The
# words of such a question that name no topic, and those that make an approved answer's
# title one about a policy or plan.
EXISTS_CONFIDENCE = 95
EXISTS_GENERIC = frozenset(
    analyze(
        "policy policies documented document written formal formally process procedure plan program programme standard"
    )
)
EXISTS_KIND = frozenset(analyze("policy policies plan plans program programme"))
# "Is your ISMS certified? Against which standard?": the words only the later question adds
# weigh this share (0.5-0.7 measured the same on the dev splits).
LATER_WEIGHT = 0.5


# "Which standard is ...", "What tool do you ...": the noun after the question word names
# the kind of answer wanted; it weighs this share of its weight (0-0.5 measured the same on
# the dev splits, one question fewer answered right on the test splits).
_TYPE_NOUN = re.compile(
    r"^(?:if (?:yes|so),?\s+)?(?:which|what)\s+([a-z]+)\b(?=\s+(?:is|are|do|does|did|was|were|has|have|can|will)\b)",
    re.I,
)
TYPE_NOUN_WEIGHT = 0.25


# A policy's own housekeeping sections ("Scope", "Review": what the policy applies to, who
# reviews it and when) answer questions about the policy itself, not about the controls it
# names in passing ("Who manages encryption keys?" is not answered by "This policy is reviewed
# ... by the CISO, and whenever we change ... key management services"). Such a section counts
# this share of its score less when the question does not name what its heading does.
_HOUSEKEEPING = re.compile(r"^(?:purpose(?: and scope)?|scope|review|policy review|document control)$", re.I)
HOUSEKEEPING = 0.5


def _not_applicable(question, lead: Ranked) -> Ranked | None:
    """ "If not, explain why." after a question answered Yes (or "If yes, describe." after a
    No) does not apply: answered "N/A", citing what answered the question above, as sure as
    that answer. None when the follow-up does apply."""
    wanted = applies_when(question.text)
    if not wanted or lead.needs_expert or not lead.suggestions:
        return None
    first = lead.suggestions[0]
    said = leading_word(first.short_answer)
    if said not in ("yes", "no") or said == wanted:
        return None
    suggestion = Suggestion(first.document, first.score, first.confidence, "N/A", first.quote)
    return Ranked([suggestion], needs_expert=False)


# What a control is applied to. A question about one ("Is EDR deployed on servers?") is not
# answered by a text that names only another ("an EDR agent ... on every company laptop").
SCOPES = {
    "servers": re.compile(
        r"\b(?:servers?|hosts?|instances?|virtual machines?|vms?|containers?|workloads?|nodes?|clusters?)\b", re.I
    ),
    "laptops": re.compile(
        r"\b(?:laptops?|workstations?|desktops?|end[- ]user devices?|employee devices?|computers?)\b", re.I
    ),
    "mobile": re.compile(r"\b(?:mobile (?:devices?|phones?|apps?|applications?)|smartphones?|tablets?)\b", re.I),
}


def scopes_named(text: str) -> frozenset:
    """Which of SCOPES `text` names."""
    return frozenset(name for name, pattern in SCOPES.items() if pattern.search(text))


def other_scope(asked: frozenset, named: frozenset) -> bool:
    """Whether a question naming the scopes `asked` (servers, laptops, mobile devices) is
    answered by a text naming only others (`named`, none of them)."""
    return bool(asked and named and not asked & named)


# A document whose title names one side (analysis.SIDES) counts this share of its score less
# for a question that names the other, in its own words or the question above it ("Which 2FA
# methods are supported?" under "Web Application > Authentication" asks what the application
# offers, not about the employees' security keys; "Do you undergo external audits?" is not
# answered by the internal audit). 0.3 and 0.5 measured the same on the dev splits: no answer
# changed but for the surer right ones.
OTHER_SIDE = 0.5
PRODUCT = SIDES[0][0]
_PRODUCT_HEADING = re.compile(
    r"\b(?:web (?:application|app)s?|product|platform|saas|end users?|customer users?|client[- ]side|"
    r"customer[- ]facing)\b",
    re.I,
)


# Who tests or audits: "Do you perform penetration testing?" asks about the company's own
# tests, "May we perform our own penetration test?" about the customer's. Read from how a
# question (and an approved answer's own question) opens; a document whose question has the
# other one counts OTHER_SIDE less.
_TESTING = r"(?:perform|conduct|run|carry out|test|audit|assess|scan|pen-?test)\w*"
_BY_COMPANY = re.compile(
    r"^(?:(?:how often|when)\s+)?(?:do|does|did|will|can|could|is|are)\s+"
    rf"(?:you|your (?:company|organi[sz]ation|firm|team))\s+(?:\w+ly\s+|also\s+)?(?:re)?{_TESTING}\b"
    # "Do you have an internal audit function?": the company's own auditors.
    r"|^(?:do|does)\s+(?:you|your (?:company|organi[sz]ation|firm))\s+have\s+(?:an?\s+)?"
    r"(?:(?:internal|independent|dedicated|formal)\s+)*(?:audit|testing)\s+(?:function|team|programme|program)\b",
    re.I,
)
_BY_CUSTOMER = re.compile(
    rf"^(?:may|can|could|do|will|are)\s+(?:we|our \w+|customers?|the customer|clients?|the client)\s+"
    rf"(?:be allowed to\s+|(?:also\s+)?)?{_TESTING}\b",
    re.I,
)
# "When was your last penetration test?", "Who performed your most recent audit?": the company's.
_YOUR_TEST = re.compile(
    r"\byour\s+(?:(?:last|latest|most recent|recent|previous|annual|yearly|external|third[- ]party|independent)\s+)*"
    r"(?:pen(?:etration)?[- ]?tests?|pentests?|security tests?|audits?)\b",
    re.I,
)
# A section headed for the customer's own tests: "Customer-initiated testing".
_CUSTOMERS_TESTS = re.compile(
    r"^(?:[^:]*:\s*)?(?:customer|client)s?['’]?(?:[- ](?:initiated|led|run|owned))?\s+(?:own\s+)?"
    r"(?:penetration\s+|security\s+)?(?:test|pen-?test|audit|scan)",
    re.I,
)
COMPANY, CUSTOMER = "company", "customer"
CUSTOMER_STEM = "custom"
# A question that names no customer and asks no permission ("Who performs penetration
# tests?", "How often are audits performed?") is about the company's own tests.
_NAMES_CUSTOMER = re.compile(
    r"\b(?:customers?|clients?|tenants?|we|us|our|ourselves|allow\w*|permit\w*|may|authori[sz]\w*)\b", re.I
)


def who_tests(text: str) -> str:
    """Who the question says tests or audits: COMPANY, CUSTOMER or "" (neither said)."""
    text = text.strip()
    if _BY_COMPANY.match(text) or _YOUR_TEST.search(text):
        return COMPANY
    return CUSTOMER if _BY_CUSTOMER.match(text) else ""


def whose_tests(question) -> str:
    """Who a question's tests or audits are by: what it says (or, for a follow-up, the
    question above it says), else the company's own when it names no customer."""
    said = who_tests(question.text) or (who_tests(question.previous) if question.follow_up else "")
    if said:
        return said
    context = f"{question.text} {question.previous}" if question.follow_up else question.text
    return "" if _NAMES_CUSTOMER.search(context) else COMPANY


# Whose control: "Do your vendors have cyber insurance?", "Are your suppliers required to be ISO
# 27001 certified?" ask what the company asks of its vendors, not whether it has insurance or a
# certificate itself. A document whose title names no vendor counts OTHER_SIDE less, and is
# not sure enough to answer (a question's own "the vendor", singular, is the company itself).
_VENDORS_DO = re.compile(
    r"^(?:do|does|are|is|must|have|has|will|shall|should|can)\s+(?:(?:all|your|the|any|critical|key|each|every|"
    r"third[- ]party)\s+)*(?:vendors|suppliers|sub-?processors|sub-?contractors|third[- ]parties|"
    r"(?:service|outsourc\w*) providers)\b",
    re.I,
)
VENDOR_TOKENS = frozenset({"~vendor", "~subprocessor"})

# What a notice is of: "Are customers notified of changes to the application?" is not answered
# by the notice of subprocessor changes, nor "Are users notified after credential resets?" by
# the breach notification. A document whose title, tags and short answer do not name the
# heaviest word of what the notice is of is not sure enough to answer.
_NOTICE_OF = re.compile(
    r"\bnotif(?:y|ied|ies|ication|ications)\b(?:\s+\w+){0,3}?\s+(?:of|about|after|before|when|whenever|if|on)\s+"
    r"(?P<what>[^?.;:]+)",
    re.I,
)


# What a text sets aside is not what it is about: "Service health is monitored separately from
# security events" does not match "How do you monitor for security events?", nor "security
# groups reference other security groups rather than IP ranges" a question on IP ranges.
_SET_ASIDE = re.compile(
    r"\b(?:separately from|apart from|rather than|instead of|unlike)\s+(?:(?:the|a|an)\s+)?[\w-]+(?:\s+[\w-]+)?",
    re.I,
)


def calibrated(features: dict) -> float:
    z = CALIBRATION["bias"] + sum(CALIBRATION.get(name, 0.0) * value for name, value in features.items())
    return 1 / (1 + math.exp(-max(min(z, 30), -30)))


def document_text(doc: Document) -> str:
    """What a document's sentence vector is computed from: its title and its text."""
    return f"{doc.title}. {doc.text or doc.detail}"


class Index:
    def __init__(
        self, documents: list[Document], *, threshold: int = DEFAULT_THRESHOLD, vectors: np.ndarray | None = None
    ):
        """`vectors`: one unit sentence vector per document (embedding.py), or None to rank
        on words alone."""
        self.documents = documents
        self.threshold = threshold
        self.vectors = vectors
        self.postings: dict[str, list[tuple[int, float]]] = defaultdict(list)
        lengths = []
        for number, doc in enumerate(documents):
            counts: Counter = Counter()
            for text, weight in doc.fields:
                for token in analyze(_SET_ASIDE.sub(" ", text)):
                    counts[token] += weight
            length = sum(counts.values())
            lengths.append(length)
            for token, tf in counts.items():
                self.postings[token].append((number, tf))
        self.avg_length = (sum(lengths) / len(lengths)) if lengths else 1.0
        self.norms = [K1 * (1 - B + B * length / self.avg_length) for length in lengths]
        total = len(documents)
        self.unseen_idf = math.log(1 + total)
        self.idf = {
            token: math.log(1 + (total - len(posts) + 0.5) / (len(posts) + 0.5))
            for token, posts in self.postings.items()
        }
        self.policy_of = [doc.source.get("policy", "") if doc.source else "" for doc in documents]
        self.number_of = {doc.key: number for number, doc in enumerate(documents)}
        # What each document says: its own section or the sections it cites, and those
        # with the sections enclosing them (`_agree`).
        parent = {doc.key: doc.parent for doc in documents if doc.parent}
        self.says = [doc.cites | {doc.key} for doc in documents]
        self.around = [says | {parent[k] for k in says if k in parent} for says in self.says]
        self.title_tokens = [frozenset(analyze(doc.title)) for doc in documents]
        # What a document is about by name: its title, tags or heading, and short answer.
        self.naming_tokens = [
            self.title_tokens[number].union(
                analyze(doc.short_answer), *(analyze(text) for text, weight in doc.fields if weight >= 2)
            )
            for number, doc in enumerate(documents)
        ]
        self.title_standards = [tokens & STANDARD_TOKENS for tokens in self.title_tokens]
        self.sides = [sides_of(tokens) for tokens in self.title_tokens]
        self.testers = [
            who_tests(doc.title) if doc.kind == "answer" else CUSTOMER if _CUSTOMERS_TESTS.match(doc.title) else ""
            for doc in documents
        ]
        self.scopes = [scopes_named(document_text(doc)) for doc in documents]
        heading = [doc.source.get("heading", "") if doc.kind == "section" and doc.source else "" for doc in documents]
        self.housekeeping = {
            number: frozenset(analyze(heading[number]))
            for number in range(len(documents))
            if _HOUSEKEEPING.match(heading[number])
        }
        # Each published policy, for "Do you have a ... policy?": the words of its title and
        # of its name in the address, the words of each later part of a title on several
        # things ("Privacy and Data Retention"), and its sections in order with the words of
        # their headings.
        self.policies: dict[str, tuple[frozenset, list[frozenset], list[tuple[int, frozenset]]]] = {}
        for number, doc in enumerate(documents):
            slug = doc.source.get("policy", "") if doc.kind == "section" and doc.source else ""
            if not slug:
                continue
            if slug not in self.policies:
                title = doc.source.get("policy_title", "")
                parts = [frozenset(analyze(part)) for part in re.split(r"\s+and\s+", title)[1:]]
                self.policies[slug] = (frozenset(analyze(f"{title} {slug.replace('-', ' ')}")), parts, [])
            self.policies[slug][2].append((number, frozenset(analyze(doc.source.get("heading", "")))))
        # Words the library writes in lower case somewhere: not the name of a product.
        self.common = frozenset(
            word
            for doc in documents
            for word in re.findall(r"\b[a-z][a-z-]+\b", f"{doc.title} {doc.text or doc.detail}")
        )

    def _policy_named(self, query: dict, order: list[int]) -> int | None:
        """For "Do you have a documented vulnerability management policy?": the published
        policy whose title names everything the question asks a policy about, as the
        approved answer written for that question (citing the policy) when one is among
        the best, else as the policy's first section; None when no policy or several do.
        A policy on two things ("Privacy and Data Retention") asked about the second is
        cited by its first section on it ("Retention schedule")."""
        asked = {t for t, (_w, part) in query.items() if part == "question" and t not in EXISTS_GENERIC}
        if not asked:
            return None
        named = [slug for slug, (words, _parts, _sections) in self.policies.items() if asked <= words]
        if len(named) != 1:
            return None
        slug = named[0]
        for number in order[:RIVAL_CANDIDATES]:
            title = self.title_tokens[number]
            cited = any(key.startswith(f"section:{slug}#") for key in self.says[number])
            if self.documents[number].kind == "answer" and cited and asked <= title and title & EXISTS_KIND:
                return number
        _words, parts, sections = self.policies[slug]
        for words in parts:
            if asked <= words:
                # The section whose heading names most of it, the first of equals.
                shared = [len(words & heading) for _number, heading in sections]
                if max(shared):
                    return sections[shared.index(max(shared))][0]
        return sections[0][0]

    def _sides(self, question, query: dict) -> frozenset:
        """The sides (SIDES) the question names in its own words or the question above it; a
        heading on the product counts as naming it."""
        named = {t for t, (_w, part) in query.items() if part != "heading"}
        if _PRODUCT_HEADING.search(question.section or ""):
            named.add(PRODUCT)
        return sides_of(named)

    def _tested_by_other(self, number: int, tester: str) -> bool:
        """Whether a document is on the other side from a question that says who tests or
        audits: its own question says the other one, or the customer's tests are asked about
        and its title names neither them nor the customer."""
        if self.testers[number]:
            return self.testers[number] != tester
        return tester == CUSTOMER and CUSTOMER_STEM not in self.title_tokens[number]

    def _agree(self, a: int, b: int) -> bool:
        """Whether two documents say the same thing: an answer and a section it cites, two
        answers citing one section, a section and its subsection."""
        return bool(self.says[a] & self.around[b] or self.says[b] & self.around[a])

    def _query(self, question) -> dict[str, tuple[float, str]]:
        """token -> (weight, part) with the part that gave it its largest weight."""
        parts = [(question.text, QUESTION_WEIGHT, "question")]
        head, tail = split_compound(question.text)
        if tail:
            # The first question says what it is about; the later one adds less.
            parts = [(head, QUESTION_WEIGHT, "question"), (tail, QUESTION_WEIGHT * LATER_WEIGHT, "question")]
        if question.previous:
            # A short follow-up ("How long are they kept?") is about the question above.
            short = is_short(question.text)
            parts.append((question.previous, 1.0 if short else PREVIOUS_WEIGHT, "previous"))
        if question.section:
            # The shorter the question, the more its heading says what it is about. Of a path
            # of headings ("Company & Governance > Risk Management"), the last says it most.
            short = is_short(question.text)
            weight = SHORT_HEADING_WEIGHT if short else HEADING_WEIGHT
            *outer, inner = question.section.split(">")
            if not question.previous and len(question.text.split()) <= FRAGMENT_WORDS:
                # "Frequency?" first under "Penetration testing": the heading is what it asks
                # about, as if the row said "Penetration testing frequency?".
                parts.append((inner, QUESTION_WEIGHT, "question"))
            else:
                parts.append((inner, weight, "heading"))
            if outer:
                parts.append((" ".join(outer), weight * OUTER_HEADING, "heading"))
        # Of the answers a question lists ("AWS, Azure, GCP, other"), one is enough: those
        # that no document names do not count as words it asks about.
        unnamed = {t for t in analyze(" ".join(question.options)) if t not in self.idf}
        query: dict[str, tuple[float, str]] = {}
        top = 0.0
        # "Which standard is your ISMS certified against?": "standard" says what kind of answer
        # is wanted (a name), not what it is about.
        typed = _TYPE_NOUN.search(question.text)
        type_tokens = set(analyze(typed.group(1))) if typed else set()
        for text, part_weight, part in parts:
            for token, count in Counter(analyze(text)).items():
                if part == "question" and token in unnamed:
                    continue
                # A word the heading repeats ("Privacy > Privacy notices") is one topic, not two.
                weight = self.idf.get(token, self.unseen_idf) * min(count, 1 if part == "heading" else 2) * part_weight
                if part == "question" and token in type_tokens:
                    weight *= TYPE_NOUN_WEIGHT
                if token.startswith("~"):
                    weight *= CONCEPT_WEIGHT
                if part == "question":
                    top = max(top, weight)
                elif part == "heading" and top:
                    weight = min(weight, HEADING_CAP * top)
                if weight > query.get(token, (0.0, ""))[0]:
                    query[token] = (weight, part)
        return query

    def question_vectors(self, questions: list) -> list:
        """A unit sentence vector per question (None without document vectors), computed in
        one batch: the question with its heading and the question above it mixed in, more
        of them for a short follow-up."""
        if self.vectors is None:
            return [None] * len(questions)

        texts = sorted({t for q in questions for t in (q.text, q.previous, q.section) if t})
        row = {text: n for n, text in enumerate(texts)}
        encoded = encode(texts) if texts else None
        vectors = []
        for q in questions:
            short = is_short(q.text)
            vector = encoded[row[q.text]].copy() if q.text else np.zeros(self.vectors.shape[1], dtype=np.float32)
            if q.previous:
                vector += (2 if short else 1) * SEMANTIC_PREVIOUS * encoded[row[q.previous]]
            if q.section:
                vector += (2 if short else 1) * SEMANTIC_HEADING * encoded[row[q.section]]
            vectors.append(vector / max(float(np.linalg.norm(vector)), 1e-9))
        return vectors

    def rank_many(self, questions: list, *, limit: int = MAX_SUGGESTIONS) -> list["Ranked"]:
        """`rank` for a batch of questions: their sentence vectors are computed together, and
        each follow-up is ranked with the question it follows (see `rank`'s `lead`)."""
        questions = [read_question(q) if isinstance(q, str) else q for q in questions]
        todo = [q for q in questions if not q.expert_reason]
        leads = {
            (q.previous, q.section): read_question(q.previous, section=q.section)
            for q in todo
            if q.follow_up and q.previous
        }
        encoded = todo + [q for q in leads.values() if not q.expert_reason]
        vectors = dict(zip(map(id, encoded), self.question_vectors(encoded), strict=True))
        led = {key: self.rank(q, limit=limit, vector=vectors.get(id(q))) for key, q in leads.items()}
        return [
            self.rank(q, limit=limit, vector=vectors.get(id(q)), lead=led.get((q.previous, q.section)))
            for q in questions
        ]

    def rank(
        self,
        question,
        *,
        limit: int = MAX_SUGGESTIONS,
        vector: np.ndarray | None = None,
        lead: Ranked | None = None,
    ) -> Ranked:
        """Suggestions for a question (a reading.Question, or plain text), each with a
        calibrated confidence; `needs_expert` with a reason when none is good enough.

        `lead`: for a follow-up ("If so, which one?"), the ranking of the question it
        follows. A follow-up is never surer than its lead: what it asks about is what the
        lead asks about, so when the lead is left to an expert, so is the follow-up."""
        if isinstance(question, str):
            question = read_question(question)
        if question.expert_reason:
            reason = {FEEDBACK: REASON_FEEDBACK, HISTORY: REASON_HISTORY}.get(question.expert_reason, REASON_PRODUCT)
            return Ranked([], needs_expert=True, reason=reason)
        if lead is not None and question.follow_up:
            skipped = _not_applicable(question, lead)
            if skipped is not None:
                return skipped
        if vector is None and self.vectors is not None:
            vector = self.question_vectors([question])[0]
        query = self._query(question)
        asked_scopes = scopes_named(question.text)
        own = {t: w for t, (w, part) in query.items() if part == "question"}
        possible = sum(own.values()) or 1.0
        unknown = sum(w for t, w in own.items() if t not in self.idf)
        scores: dict[int, float] = defaultdict(float)
        matched: dict[int, float] = defaultdict(float)
        tokens_matched: dict[int, list[tuple[float, str]]] = defaultdict(list)
        heading_hit: dict[int, float] = defaultdict(float)
        heading_possible = sum(w for w, part in query.values() if part == "heading") or 1e-9
        for token, (weight, part) in query.items():
            if token not in self.idf:
                continue
            for number, tf in self.postings[token]:
                gain = weight * tf * (K1 + 1) / (tf + self.norms[number])
                scores[number] += gain
                if part == "question":
                    matched[number] += weight
                    tokens_matched[number].append((gain, token))
                elif part == "heading":
                    heading_hit[number] += weight
        lexical = {n: scores[n] / possible for n in scores}
        semantic = self.vectors @ vector if vector is not None else None
        if semantic is not None:
            # The documents closest in meaning compete too, whether or not they share a word.
            for number in np.argsort(-semantic)[:SEMANTIC_CANDIDATES]:
                scores.setdefault(int(number), 0.0)
            for number in scores:
                scores[number] = scores[number] / possible + SEMANTIC_WEIGHT * max(
                    float(semantic[number]) - SEMANTIC_FLOOR, 0.0
                )
        elif not matched:
            return Ranked([], needs_expert=True, reason=REASON_NONE)
        else:
            scores = defaultdict(float, lexical)
        for number in scores:
            scores[number] *= self.documents[number].boost
        asked_standards = {t for t, (_w, part) in query.items() if part != "heading"} & STANDARD_TOKENS
        if not asked_standards and asks_which_held(question.text):
            # "What certifications do you hold?": one that is in progress is not held.
            for number in scores:
                if _NOT_YET_HELD.match(self.documents[number].short_answer):
                    scores[number] *= 1 - OTHER_STANDARD
        if asked_standards:
            for number in scores:
                named = self.title_standards[number]
                if named and not named & asked_standards:
                    scores[number] *= 1 - OTHER_STANDARD
        sides = self._sides(question, query)
        if sides:
            for number in scores:
                if other_side(sides, self.sides[number]):
                    scores[number] *= 1 - OTHER_SIDE
        # A follow-up ("Provide more details on the scope.") is about the tests above it.
        tester = whose_tests(question)
        if tester:
            for number in scores:
                if self._tested_by_other(number, tester):
                    scores[number] *= 1 - OTHER_SIDE
        for number, words in self.housekeeping.items():
            if number in scores and not words & own.keys():
                scores[number] *= 1 - HOUSEKEEPING
        notice = _NOTICE_OF.search(question.text)
        notice_of = ""
        if notice:
            what = {t: own[t] for t in analyze(notice.group("what")) if t in own}
            notice_of = max(what, key=what.get) if what else ""
        of_vendors = bool(_VENDORS_DO.match(question.text.strip()))
        if of_vendors:
            for number in scores:
                if not self.title_tokens[number] & VENDOR_TOKENS:
                    scores[number] *= 1 - OTHER_SIDE
        policy_named = None
        named = asks_whether_it_exists(question.text) or asks_for_a_copy(question.text)
        if named:
            # "Do you have a documented data retention policy?" asks whether a policy on
            # retention exists: a document titled for it, not one that mentions it. What
            # follows its name ("... approved by senior management") does not name it.
            naming = set(analyze(named))
            asked = [t for t, (w, part) in query.items() if part == "question" and t != "~policy" and t in naming]
            for number in scores:
                title = self.title_tokens[number]
                shared = sum(query[t][0] for t in asked if t in title) / (sum(query[t][0] for t in asked) or 1.0)
                scores[number] *= 1 + EXISTS_TITLE * shared
            policy_named = self._policy_named(
                {t: v for t, v in query.items() if t in naming},
                sorted(scores, key=lambda n: (-scores[n], self.documents[n].key)),
            )
            if policy_named is not None:
                # A published policy has that name: the question is answered by its being there.
                scores[policy_named] = max(scores.values(), default=0.0) * 1.01 + 1e-9
        order = sorted(scores, key=lambda n: (-scores[n], self.documents[n].key))
        composed: dict[int, tuple[str, str, bool]] = {}
        if wants_typed_answer(question):
            # A question that wants a frequency, a duration, a number, a name or one of the
            # sheet's options is better answered by a close runner-up that has one than by a
            # document that only shares its words.
            # Those a penalty lets rise into the best are checked in turn.
            for _round in range(TYPED_ROUNDS):
                todo = [n for n in order[:TYPED_CANDIDATES] if n not in composed]
                if not todo:
                    break
                for number in todo:
                    composed[number] = compose(question, self.documents[number], query_tokens=query, common=self.common)
                    if not composed[number][2]:
                        scores[number] *= UNFIT_PENALTY
                order = sorted(scores, key=lambda n: (-scores[n], self.documents[n].key))
        picked: list[int] = []
        covered: set[str] = set()
        for number in order:
            doc = self.documents[number]
            # A section already cited by a better-ranked answer adds nothing new.
            if doc.key in covered:
                continue
            picked.append(number)
            covered |= doc.cites | {doc.key}
            if len(picked) == limit + 1:
                break
        suggestions = []
        first_features: dict = {}
        first_fits, first_scoped, first_tied = True, False, False
        for position, number in enumerate(picked[:limit]):
            doc = self.documents[number]
            # The rivals are the documents that say something else: an answer and the
            # section it cites, or a section and its subsection, agree.
            others = [n for n in order[:RIVAL_CANDIDATES] if n != number and not self._agree(n, number)]
            if number in composed and composed[number][2]:
                # Two documents that give the same value agree: the same options of the sheet,
                # or "AWS" from the hosting section and from the data-centre answer.
                short = composed[number][0]
                others = [
                    n
                    for n in others
                    if not (
                        n in composed and composed[n][2] and same_value(question, short, composed[n][0], self.common)
                    )
                ]
            rival = max((scores[n] for n in others), default=0.0)
            gains = sorted(tokens_matched[number], reverse=True)
            own_gain = sum(g for g, _t in gains) or 1e-9
            concepts = {t for _g, t in gains if t.startswith("~")}
            words = {t for _g, t in gains if not t.startswith("~")}
            features = {
                "coverage": matched[number] / possible,
                "strength": 1 - math.exp(-lexical.get(number, 0.0) * 1.6),
                "margin": (scores[number] - rival) / scores[number] if scores[number] and position == 0 else 0.0,
                "margin_root": math.sqrt(max(scores[number] - rival, 0.0) / scores[number])
                if scores[number] and position == 0
                else 0.0,
                "distinct": min(len(words) + len(concepts), 6) / 6,
                "dominance": gains[0][0] / own_gain if gains else 1.0,
                "heading": heading_hit[number] / heading_possible if question.section else 0.0,
                "answer": 1.0 if doc.kind == "answer" else 0.0,
                "unknown": unknown / possible,
            }
            if semantic is not None:
                rival_semantic = max((float(semantic[n]) for n in others), default=0.0)
                features["semantic"] = float(semantic[number])
                features["semantic_margin"] = float(semantic[number]) - rival_semantic if position == 0 else 0.0
                features["semantic_first"] = 1.0 if int(np.argmax(semantic)) == number else 0.0
            short, quote, fits = composed.get(number) or compose(question, doc, query_tokens=query, common=self.common)
            probability = calibrated(features)
            if number == policy_named:
                # The policy asked about is published: a fact of the library, not a guess.
                probability = max(probability, EXISTS_CONFIDENCE / 100)
            scoped = other_scope(asked_scopes, self.scopes[number])
            if scoped:
                # "Is EDR deployed on servers?" and a text on laptops alone: for a person to check.
                probability = min(probability, (self.threshold - 1) / 100)
            if of_vendors and not self.title_tokens[number] & VENDOR_TOKENS:
                probability = min(probability, (self.threshold - 1) / 100)
            if tester == CUSTOMER and self._tested_by_other(number, tester):
                # "Can we audit your controls?" and a text on the company's own audits.
                probability = min(probability, (self.threshold - 1) / 100)
            if notice_of and notice_of not in self.naming_tokens[number]:
                probability = min(probability, (self.threshold - 1) / 100)
            if not fits:
                # The question asks for a frequency, a duration, a number, a name or one of
                # the sheet's options and the cited text has none: not a confident answer.
                probability = min(probability, (self.threshold - 1) / 100)
            # (The policy a "Do you have a ... policy?" names is put just ahead on purpose.)
            tied = position == 0 and number != policy_named and bool(others) and features["margin"] < TIED
            if tied:
                probability = min(probability, (self.threshold - 1) / 100)
            if position == 0:
                first_features = features
                first_fits = fits
                first_scoped = scoped
                first_tied = tied
            confidence = round(100 * probability)
            if suggestions:
                # Ranked lower, never more likely: the calibration is fitted on first suggestions.
                confidence = min(confidence, suggestions[-1].confidence)
            if lead is not None and question.follow_up:
                led = lead.suggestions[0] if lead.suggestions else None
                if (
                    position == 0
                    and fits
                    and not scoped
                    and is_short(question.text)
                    and led is not None
                    and not lead.needs_expert
                    and self._agree(self.number_of[led.document.key], number)
                ):
                    # A short follow-up ("Which protocols?" after "Does the application support
                    # SSO?") answered from what answered the question above: as sure as that
                    # answer. A longer one names what it asks about and stands on its own.
                    confidence = max(confidence, led.confidence)
                confidence = min(confidence, led.confidence if led else 0)
            suggestions.append(Suggestion(doc, scores[number], confidence, short, quote))
        first = suggestions[0]
        needs_expert = first.confidence < self.threshold
        reason = ""
        if needs_expert:
            second = suggestions[1] if len(suggestions) > 1 else None
            if first_scoped:
                reason = REASON_SCOPE
            elif not first_fits and first.confidence >= self.threshold * 0.6:
                reason = REASON_NO_VALUE
            elif first_tied:
                reason = REASON_CONFLICT
            elif (
                second is not None
                and first.confidence >= self.threshold * 0.6
                and second.score >= 0.9 * first.score
                and self.policy_of[picked[0]] != self.policy_of[picked[1]]
            ):
                reason = REASON_CONFLICT
            elif first.confidence >= self.threshold * 0.6:
                reason = REASON_WEAK
            else:
                reason = REASON_NONE
        for suggestion in suggestions:
            suggestion.reason = reason
        return Ranked(suggestions, needs_expert=needs_expert, reason=reason, features=first_features)
