"""Writing the answer a suggestion offers: a short answer that fits the question, and the
one to three sentences of the cited text that support it.

The short answer follows the question's kind (see reading.py): Yes or No for a yes/no
question (No when the supporting sentence says the thing is not done), one of the sheet's
own options when it offers some, a frequency, a duration or a number taken from the quoted
sentences, a name for "who". An approved library answer keeps its own short answer when it
already fits. It is never blank.
"""

import math
import re
from dataclasses import dataclass
from functools import lru_cache

from trustcenter.questionnaires import bounds, reading
from trustcenter.questionnaires.analysis import analyze, other_side, sides_of
from trustcenter.questionnaires.synonyms import SYNONYMS

MAX_QUOTE_SENTENCES = 3
MAX_QUOTE_CHARS = 600
MAX_SHORT_CHARS = 160
TITLE_SHARE = 0.5
# A sentence says No to a question only when its clause that denies something names more than
# this share of what the question asks, by weight (answering.py `_says_not`). Measured on the
# dev splits and the sets written here: 0.2 turned three wrong Nos into Yes and no right one
# round; 0.3 one right No ("Do you support on-premises deployment ...?") into a Yes too.
NO_SHARE = 0.2
# A "not" denies what lies within this many words of it.
NOT_REACH = 6
# Words between a negation and what it denies ("cannot be overlooked", "is not ever used").
_NOT_YET = frozenset("be been being ever always also have has had able to get yet".split())
# "has never received", "have not had": what has happened so far; asked about only by a
# question that is itself about it ("Have you ever received ...?").
_PERFECT = frozenset({"has", "have", "had"})
_PERFECT_QUESTION = re.compile(r"^\s*(?:(?:if (?:yes|so),?\s+)?(?:has|have|had)\b|.*\bever\b)", re.I)

_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9\"(])")
# "Not done" in a sentence: a negating word anywhere in it, or "no" shortly before the word.
_NOT = r"not|never|cannot|can't|don't|doesn't|isn't|aren't"
_DENIED = r"prohibited|disabled|removed|blocked|forbidden|refused|denied"  # said of what comes before
_NEGATION = re.compile(rf"\b(?:{_NOT}|{_DENIED})\b", re.I)
_NOT_RE = re.compile(rf"\b(?:{_NOT})\b", re.I)
_DENIED_RE = re.compile(rf"\b(?:{_DENIED})\b", re.I)
# Problems an audit or a test may find: "no" put before one ("no critical issues", "no major
# nonconformities") is good news, not a control missing, unless the question asks whether
# there were any ("Did the audit raise any major nonconformities?").
_PROBLEMS = (
    r"issues?|findings?|incidents?|breach(?:es)?|nonconformit(?:y|ies)|non-conformit(?:y|ies)|exceptions?|"
    r"deviations?|vulnerabilit(?:y|ies)|defects?|violations?|qualifications?"
)
_NO_PROBLEM = re.compile(
    r"(?:(?:critical|high|major|minor|significant|material|open|known|reportable|qualified)\W+){0,2}"
    rf"(?P<noun>{_PROBLEMS})\b",
    re.I,
)
_ASKS_ANY_PROBLEM = re.compile(rf"\bany\b[^?]{{0,60}}?\b(?:{_PROBLEMS})\b", re.I)
# "Which standard / framework / certification ...?" and the names that answer it.
_ASKS_STANDARD = re.compile(r"\b(?:standards?|frameworks?|certifications?|attestations?|accreditations?)\b", re.I)
_STANDARD_NAME = re.compile(
    r"\b(?:ISO(?:/IEC)? ?\d{4,5}(?:-\d+)?(?::\d{4})?|SOC [123](?: Type (?:II|I|1|2)\b)?|PCI[ -]DSS(?: v?\d(?:\.\d)?)?|"
    r"NIST (?:SP )?\d{3}-\d+|NIST CSF(?: 2\.0)?|CSA STAR|Cyber Essentials(?: Plus)?|FedRAMP|TISAX|HITRUST)"
)
_OR_NOT = re.compile(r"\bor\s+(?:not|never)\b", re.I)
_PARENTHESES = re.compile(r"\([^()]*\)")
# The words a "no" is put before, up to four, not past the end of its clause ("with no standing
# credentials, container images are signed" denies no container images).
_NO_BEFORE = re.compile(r"\bno\s+(?=((?:[\w-]+[^\w,;:.]*){0,4}))", re.I)  # overlapping: "no VPN and no SSH"
_FREQUENCY = re.compile(
    r"\b(continuous(?:ly)?|real[- ]time|hourly|nightly|daily|weekly|monthly|quarterly|annually|yearly|"
    r"twice a year|once a (?:year|quarter|month|week|day)|every (?:business )?(?:day|week|month|quarter|year)|"
    r"every (?:\d+|two|three|four|six|twelve) (?:hours|days|weeks|months|years)|at least (?:annually|yearly|"
    r"quarterly|monthly|once a year|every \w+ \w+)|each (?:year|quarter|month))\b",
    re.I,
)
_MONTH = r"(?:January|February|March|April|May|June|July|August|September|October|November|December)"
_DATE = re.compile(rf"\b(?:\d{{1,2}} {_MONTH} \d{{4}}|{_MONTH} \d{{4}}|\d{{4}}-\d{{2}}-\d{{2}}|Q[1-4] \d{{4}})\b")
# The date a period ends on: "valid 7 April 2025 to 6 April 2028", "expires on 6 April 2028".
_END_DATE = re.compile(rf"\b(?:to|until|through|expires(?: on)?)\s+(?P<date>{_DATE.pattern})")
# "every year" as a questionnaire's frequency column writes it.
_PERIODIC = {"year": "Annually", "quarter": "Quarterly", "month": "Monthly", "week": "Weekly", "day": "Daily"}
_EVERY = re.compile(r"^(?:every|once a|each)(?: business)? (year|quarter|month|week|day)$", re.I)
_DURATION = re.compile(
    r"\b(?:within |under |up to |at most |after )?(?:\d[\d,.]*|one|two|three|four|five|six|seven|ten|twelve|"
    r"fourteen|thirty)(?:-| )(?:business |calendar |working )?(?:minutes?|hours?|days?|weeks?|months?|years?)\b",
    re.I,
)
_NUMBER = re.compile(
    r"\b\d[\d,.]*\s*%|\b\d[\d,.]*\b(?:\s+[a-z]+){0,2}|\b(?:one|two|three|four|five|six|eleven|ten)\s+\w+", re.I
)
_ROLE = re.compile(
    r"\b(?:Chief [A-Z][a-z]+(?: [A-Z][a-z]+)* Officer(?: \([A-Z]+\))?|CISO|CTO|CEO|DPO|VP [A-Z][a-z]+|"
    r"Head of [A-Z][\w ,]+?(?= |$|,|\.)|"
    # A team or body by its name: "Security Engineering", "Detection and Response", "the GRC
    # team", "Audit and Risk Committee".
    r"(?!(?:Our|The|This|That|Each|Every|All|Any|An?|In|On|For|If|When|Where)\b)"
    r"(?:[A-Z][a-z]+ (?:(?:and|&) )?)+(?:Engineering|Operations|Response|Committee|Council|Board|Office|"
    r"Department|Team)\b(?! [A-Z])|[A-Z]{2,} team\b|"
    # Someone outside: "an independent CREST-accredited firm", "a specialist provider".
    r"\b(?:[Aa]n?|[Oo]ur) (?:(?:independent|external|third[- ]party|specialist|qualified|accredited|licensed|"
    r"certified|[A-Z]{2,}[- ](?:accredited|certified|approved))\s+)+(?:[a-z-]+ )?"
    r"(?:firm|company|provider|auditor|assessor|tester|partner|vendor|laborator(?:y|ies))s?\b|"
    r"(?i:(?:system|data|asset|business|application|service|risk|control|process|resource) owners?|"
    r"(?:at least one|a second|another) (?:engineer|reviewer|approver)"
    r"(?: other than the (?:author|requester))?)(?![\w-])|"
    # "managers", "their manager"; not a product ("AWS Secrets Manager", "our secrets manager").
    r"(?:^|(?<=[.;:] ))(?:Line managers?|Managers)(?![\w-])|"
    r"(?:line managers?|managers|(?:their|the requester's|the employee's|his or her) manager)(?![\w-]))"
)
# Clauses of a sentence: a negation in one ("SSL ... disabled") says nothing of another.
_CLAUSE = re.compile(r"[;:]|,\s*(?:and|but|while|whereas|although|so)\b|\s(?:but|whereas|while|although)\s")
# The parts of a sentence, a bracket kept whole ("AWS eu-central-1 (Frankfurt, Germany)").
_PIECES = re.compile(r"(?:[,;:]|\s(?:and|but|while)\s)(?![^()]*\))")
# The same, a colon kept ("medium: 90 days" is one part).
_PARTS = re.compile(r"(?:[,;]|\s(?:and|but|while)\s)(?![^()]*\))")
# ", from a firm that does not perform our external audits,": a relative clause set off by
# commas describes a noun; a negation inside it says nothing of the sentence's own verb.
_ASIDE = re.compile(r",\s[^,;:]*?\b(?:that|which|who|whose)\b[^,;:]*,")
# A question that asks whether something is kept apart or stopped ("Is production segmented
# from development?", "Are users prevented from installing software?"): "no network path
# between them" or "no local admin rights" answers it Yes.
_KEPT_APART = re.compile(
    r"\b(prevent(?:s|ed)?|restrict(?:s|ed)?|limit(?:s|ed)?|separat(?:e|es|ed)|segment(?:s|ed)|segregat(?:e|es|ed)|"
    r"isolat(?:e|es|ed))\b",
    re.I,
)
# "Do you have a (documented) ... policy / process / plan?": asks whether it exists.
_EXISTS = re.compile(
    r"^(?:(?:do|does)\s+(?:you|your\s+(?:company|organi[sz]ation|firm))\s+(?:currently\s+)?(?:have|maintain)|"
    r"is\s+there)\s+"
    r"(?P<named>(?:a|an)\s+(?:[\w/-]+\s+){0,5}(?:policy|policies|process|procedure|plan|program|programme|standard))"
    # "... in place?", "... approved by senior management?": still whether it exists.
    r"(?:\s+in place|,?\s+(?:(?:that|which)\s+(?:is|has been)\s+)?(?:formally\s+)?"
    r"(?:approved|reviewed|endorsed|signed off|owned|communicated|maintained)\b[^?]*)?\s*\??$",
    re.I,
)
# "Does your security policy cover mobile devices?", "Do your policies address the use of AI
# tools?", "Is there a policy governing remote work?": whether a policy speaks of it, which a
# section on it answers Yes, whatever it allows.
_ASKS_COVERED = re.compile(
    r"^(?:(?:do|does)\s+(?:your|the)\s+(?:[\w/-]+\s+){0,3}(?:policy|policies|standards?|procedures?)\s+"
    r"(?:cover|address|include|govern|apply to|define|specify|describe)|"
    r"is\s+there\s+(?:a|an)\s+(?:[\w/-]+\s+){0,3}(?:policy|standard|procedure)\s+"
    r"(?:that\s+(?:covers|addresses|governs)|covering|addressing|governing|on|for)\b)",
    re.I,
)
# "Do support staff need customer permission to access an account?", "Is approval required
# for production changes?": asks whether a control stands before something, which "staff
# cannot browse customer workspaces by default" says Yes to, not No.
_CONTROLS = r"approvals?|permission|consent|authori[sz]ation|reviews?|sign-off|notice|escorts?"
_ASKS_NEEDED = re.compile(
    rf"\b(?:need|needs|require|requires|required|must (?:have|get|obtain|request))\b[^?]{{0,40}}?\b(?:{_CONTROLS})\b|"
    rf"\b(?:{_CONTROLS})\s+(?:is\s+|are\s+)?(?:needed|required|mandatory)\b",
    re.I,
)
# A question's key words: those weighing at least this share of its heaviest one.
KEY_SHARE = 0.5
# A library answer written for a question sharing less than this share of the words asked
# (and none of the key ones) is about something else: its short answer is not repeated.
TITLE_SHARED = 0.2
# ... and one sharing at least this share was written for it (`_written_for`).
WRITTEN_FOR = 0.5
# Where a follow-up's value is looked for in a sentence, a word only the question above has
# counts this share of the follow-up's own.
ABOVE_SHARE = 0.5
# The words with which a question asks for a period or a frequency, not what it is of.
_VALUE_WORDS = frozenset(analyze("how long often kept keep retain retained retention held frequently frequency"))
# "How long do new hires have to complete training?": a deadline, which a text gives as
# "within 14 days". ("Within what timeframe are critical vulnerabilities fixed?" is not read
# so: "7 days" comes before "critical within 72 hours" for internet-facing ones.)
_ASKS_DEADLINE = re.compile(r"\bhow (?:long|many \w+) (?:do|does|did|will|would|should) [^?]{0,60}?\bhave to\b", re.I)
_WITHIN = re.compile(r"(?:within|under|up to|at most)\b", re.I)
_CONTACT = re.compile(r"\b(contact|reach|report|email|e-mail|notify|write to)\b", re.I)
# A question that asks where to write: whom to contact, how to report something.
_CONTACT_DETAILS = re.compile(
    r"\bcontact (?:details|information|address|point|e-?mail)|\be-?mail address|\bsecurity contact\b|"
    r"\bwho (?:should|do|can) (?:we|i|customers|users) (?:contact|notify|report)|"
    r"\bwho should be (?:contacted|notified)|"
    r"\bhow (?:do|can|should) (?:customers|users|clients|researchers|we|you|third parties) "
    r"(?:report|contact|reach|notify)\b",
    re.I,
)
_EMAIL = re.compile(r"\b[\w.+-]+@[\w-]+(?:\.[\w-]+)+\b")
# "What grade does the application receive on SSL Labs?", "What is your SecurityScorecard
# rating?": an outside rating, which a text that gives no grade or score does not answer.
_ASKS_RATING = re.compile(
    r"\b(?:what|which) (?:grade|rating|score)\b|\b(?:grade|rating|score) (?:do|does|did|is|was)\b", re.I
)
_RATING = re.compile(r"\b(?:grade[sd]?|rating|rated|scored?)\b[^.;]{0,40}", re.I)
# A later question that asks which, what, where or who ("Against which standard?").
_ASKS_WHICH = re.compile(
    r"(?:^|\?\s+)(?:(?:if (?:so|yes),?\s+)?(?:against |to |by |in |with |on )?(?:which|what|where|who))\b", re.I
)
# An approved answer written for a question asking where, or which one.
_WHERE_OR_WHICH = re.compile(r"^(?:in |on |at |from )?(?:where|which|what)\b", re.I)
_YES_NO_SHORT = re.compile(r"^(yes|no)\b[,.;:]?\s*", re.I)
# "If yes, please describe.", "Explain why", "Provide details": asks how or why, naming
# nothing of its own.
_ASKS_DETAILS = re.compile(r"\b(?:describe|explain|elaborate|details?)\b", re.I)
_YES_PREFIX = re.compile(r"^yes\s*[,;:]\s*(?=\S)", re.I)  # "Yes, TLS 1.2+": not a bare "Yes"


# Single words of the vocabulary, calendar words and web terms: capitalised, yet no
# product's name.
_GENERIC_WORDS = frozenset(
    {variant for _concept, variants in SYNONYMS for variant in variants if " " not in variant}
    | {"we", "our", "the", "all", "every", "each", "monday", "friday", "january", "december"}
    | {"april", "march", "may", "june", "july", "august", "september", "october", "november", "february"}
    | {"api", "apis", "rest", "saas", "sdk", "sdks", "url", "urls", "http", "json", "csv", "sql", "ui", "id"}
)


def sentences(text: str) -> list[str]:
    out = []
    for paragraph in re.split(r"\n+", text or ""):
        for sentence in _SENTENCE_END.split(paragraph.strip()):
            sentence = sentence.strip(" -*")
            if len(sentence) > 12:
                out.append(sentence)
    return out


@lru_cache(maxsize=4096)
def _tokens(text: str) -> frozenset:
    """The tokens of a text the library repeats across questions (a row's first cell, an
    answer's title and text): analysed once, not for every question."""
    return frozenset(analyze(text))


@lru_cache(maxsize=4096)
def _analysed_sentences(text: str) -> tuple[tuple[str, frozenset], ...]:
    """The sentences of a document with their tokens; documents repeat across questions."""
    return tuple((sentence, frozenset(analyze(sentence))) for sentence in sentences(text))


def _scored_sentences(text: str, query_tokens: dict, title: str = "") -> list[tuple[float, int, str]]:
    """(score, -position, sentence) for every sentence of `text`, best first: what it
    shares with the question, idf-weighted. A word of the document's title counts
    TITLE_SHARE of its weight: the whole text is about it, so it does not tell which sentence
    answers ("Do employees have admin rights on their laptops?", in an answer on laptops,
    is answered by the sentence on admin rights, not by the one that names laptops most)."""
    topic = frozenset(analyze(title))
    weights = {t: w * (TITLE_SHARE if t in topic else 1.0) for t, (w, _part) in query_tokens.items()}
    scored = []
    for position, (sentence, tokens) in enumerate(_analysed_sentences(text)):
        # fsum: the same total whatever order the set gives its tokens in (ties stay ties).
        score = math.fsum(weights.get(t, 0.0) for t in tokens)
        # Long run-on sentences (flattened tables) score on more words; damp them.
        score /= 1 + max(len(sentence) - 300, 0) / 300
        scored.append((score, -position, sentence))
    scored.sort(reverse=True)
    return scored


def best_sentences(scored: list[tuple[float, int, str]]) -> list[str]:
    """The 1-3 sentences that share the most (idf-weighted) with the question, in their
    original order; `scored` as `_scored_sentences` gives them."""
    if not scored:
        return []
    best = scored[0][0]
    chosen = [item for item in scored[:MAX_QUOTE_SENTENCES] if item[0] >= 0.5 * best and item[0] > 0] or scored[:1]
    chosen.sort(key=lambda item: -item[1])
    quote, total = [], 0
    for _score, _position, sentence in chosen:
        if total and total + len(sentence) > MAX_QUOTE_CHARS:
            break
        quote.append(sentence if len(sentence) <= MAX_QUOTE_CHARS else _cut(sentence, MAX_QUOTE_CHARS))
        total += len(sentence)
    return quote


def _cut(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    cut = text.rfind(" ", 0, limit)
    return text[: cut if cut > 0 else limit].rstrip(" ,;:") + " ..."


def _first(pattern: re.Pattern, texts: list[str]) -> str:
    for text in texts:
        match = pattern.search(text)
        if match:
            return match.group(0).strip()
    return ""


_TIME_UNIT = re.compile(r"(?:minute|hour|day|week|month|year)s?\b", re.I)
_ASKS_SHARE = re.compile(r"\b(?:percent|percentage|proportion|share|ratio|rate)\b|%", re.I)


# What comes before a year ("in 2026", "since April 2026", "Q3 2026", "(2026)").
_YEAR_BEFORE = re.compile(
    rf"(?:(?:\b(?:in|since|by|from|until|to|of|during|before|after)|{_MONTH}|\bQ[1-4])\s+|\()$", re.I
)
_HOW_MANY = re.compile(r"\bhow many ((?:[\w-]+ ){0,2}[\w-]+)", re.I)


def _count(texts: list[str], question: str, counted: frozenset = frozenset()) -> str:
    """The first number in `texts` that can answer "how many ...?": a count of people or
    things, not a period ("four weeks") nor, unless a share is asked for, a percentage.
    With `counted` (what `counted_things` says is counted), only a number of those ("10
    login attempts" to "After how many failed attempts?", not "12 characters")."""
    share = _ASKS_SHARE.search(question)
    for text in texts:
        for match in _NUMBER.finditer(text):
            value = match.group(0).strip()
            after = value.split(maxsplit=1)[1:]
            if (after and _TIME_UNIT.match(after[0])) or value.endswith("%") != bool(share):
                continue
            if _YEAR_BEFORE.search(text[: match.start()]) and re.match(r"(?:19|20)\d\d\b", value):
                continue  # "Since April 2026 every employee ...": a year, not a count
            # What is counted: up to three words after the number ("10 failed login attempts").
            if counted and not counted.intersection(analyze(" ".join(text[match.start() :].split()[1:4]))):
                continue
            return value
    return ""


_AUXILIARY = frozenset("do does did is are was were have has had will would can could should must may".split())
# Words for people: "How many security staff ...?" is answered by "eleven people".
_PEOPLE = frozenset(
    analyze("people person persons staff employees employee personnel headcount fte ftes members individuals workers")
)


def counted_things(question: str) -> frozenset:
    """What "how many ..." counts, by its last word before a verb: "attempts" in "After how
    many failed attempts?"; any word for people when it names people ("How many full-time
    security staff do you employ?" is answered by "eleven people", not "three teams")."""
    match = _HOW_MANY.search(question)
    if not match:
        return frozenset()
    words = match.group(1).split()
    words = words[: next((n for n, word in enumerate(words) if word.lower() in _AUXILIARY), len(words))]
    if _PEOPLE.intersection(analyze(" ".join(words))):
        return _PEOPLE
    content = [word for word in words if analyze(word)]
    return frozenset(analyze(content[-1])) if content else frozenset()


def _lower_first(text: str) -> str:
    """ "Quarterly" -> "quarterly", but a name stays as it is: "EU (Frankfurt)", "AWS KMS",
    "Argon2id hashes", "WebAuthn", "Chief Information Security Officer"."""
    words = text.split(maxsplit=2)
    first = words[0] if words else ""
    if (
        (len(text) > 1 and text[1].isupper())
        or re.search(r"\d|.[A-Z]", first)
        or (len(words) > 1 and re.fullmatch(r"[A-Z][a-z]+[,;.]?", words[1]))
    ):
        return text
    return text[:1].lower() + text[1:]


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]


def pick_options(options, texts: list[str], *, multiple: bool) -> list[str]:
    """The sheet's options that the supporting text names, in a clause that does not deny
    them: to "Which TLS versions do you support?", "accept TLS 1.2 and TLS 1.3 only. SSL 3.0,
    TLS 1.0 and TLS 1.1 are disabled." names two."""
    clauses = [
        clause.lower() for text in texts for sentence in sentences(text) or [text] for clause in _CLAUSE.split(sentence)
    ]
    found = []
    for option in options:
        # "TLS 1.0" is "tls" and "1.0", "SOC 1" "soc" and "1": numbers count, one-letter words do not.
        words = [w for w in re.findall(r"[a-z0-9]+(?:\.[0-9]+)*", option.lower()) if len(w) > 1 or w.isdigit()]
        if not words:
            continue
        naming = [c for c in clauses if all(re.search(r"\b" + re.escape(w) + r"(?!\.?\d)", c) for w in words)]
        # "no data centres of its own" denies "own data centre": "no" before any of its words.
        denied = re.compile(r"\bno\s+(?:[\w-]+\s+){0,2}(?:" + "|".join(map(re.escape, words)) + r")")
        if any(not _NEGATION.search(c) and not denied.search(c) for c in naming):
            found.append(option)
    return found if multiple else found[:1]


def leading_word(short: str) -> str:
    """ "yes" for "Yes, quarterly" or "Yes; summary under NDA", "no" for "No", lower case:
    what a short answer says before any detail."""
    words = re.split(r"[,;\s]+", short.strip(), maxsplit=1)
    return words[0].strip(".:").lower() if words else ""


def _option_for(options, answer: str) -> str:
    """The sheet's own Yes, No or N/A option for a short answer ("Not applicable. We do
    not store card data" is the sheet's "N/A" when it offers one)."""
    if leading_word(answer) in ("n/a", "na", "not"):
        for option in options:
            if option.strip().lower().rstrip(".") in ("n/a", "na", "not applicable"):
                return option
    if leading_word(answer) == "configurable":
        # Enforced where the customer chooses to: the sheet's "Partial" when it has one.
        for option in options:
            if option.strip().lower().rstrip(".") in ("partial", "partially"):
                return option
    return yes_no_option(options, leading_word(answer) != "no")


def yes_no_option(options, yes: bool) -> str:
    """The sheet's own word for Yes or No: "Yes", or "Y" where it offers "Y/N"."""
    wanted = ("yes", "y") if yes else ("no", "n")
    return next((o for o in options if o.strip().lower().rstrip(".") in wanted), "Yes" if yes else "No")


def compose(question, doc, *, query_tokens: dict, common: frozenset = frozenset()) -> tuple[str, str, bool]:
    """(short answer, quote, fits) for `doc` as an answer to `question` (a reading.Question).
    `fits` is False when the question asks for a frequency, a duration, a number, a name or
    one of the sheet's options and the cited text gives none: a sign of the wrong section.
    `common`: the words the library writes in lower case somewhere (no product names)."""
    scored = _scored_sentences(doc.text or doc.detail, query_tokens, doc.title)
    quote_sentences = best_sentences(scored)
    # The sentence most about the question says whether the thing asked is done. A table
    # row speaks of what its first cell names ("Amazon MSK: method Not backed up"): it says
    # that only for a question that names it too.
    named = {t for t, (_w, part) in query_tokens.items() if part != "heading"}
    telling = [
        item for item in scored if item[0] > 0 and (item[2] not in doc.rows or named & _tokens(doc.rows[item[2]]))
    ]
    focus = telling[0][2] if telling else (quote_sentences[0] if quote_sentences else "")
    asked = Asked.of(query_tokens, text=question.text)
    # A short follow-up ("How long are they kept?") is about what the question above names
    # ("How often are backups taken?"): an approved short answer that does not name it is
    # written for something else, and the value is looked for where the text names it.
    about = asked
    if reading.is_short(question.text):
        about = Asked.of(query_tokens, ("question", "previous"), question.text)
    if question.kind in _VALUES:
        # "How long are VPC flow logs kept?" and an approved answer on security logs in
        # general: the row of a section it cites that names VPC flow logs gives the value,
        # and is quoted first.
        cited = _cited_sentence(doc, about)
        if cited:
            focus = cited
            quote_sentences = [cited, *quote_sentences[: MAX_QUOTE_SENTENCES - 1]]
    if question.kind == reading.DESCRIBE and doc.kind == "answer" and _written_for(asked, doc.title):
        # "Describe how customer data is segregated." and the approved answer written for it:
        # its text is the description and starts with it ("Every record carries a workspace
        # identifier ..."), which the quote keeps beside the sentences that share the most
        # with the question (which may repeat only a word of it).
        quote_sentences = _with_opening(scored, quote_sentences)
    # "Is MFA enforced for all users?" and a sentence saying administrators can require it:
    # the short answer says so (`_short`), and the sentence is quoted.
    chosen = _chosen(question, [focus, *quote_sentences, doc.text or doc.detail], asked)
    if chosen and chosen not in quote_sentences:
        quote_sentences = [chosen, *quote_sentences[: MAX_QUOTE_SENTENCES - 1]]
    short, fits = _short(question, doc, quote_sentences, focus, asked, common, about, chosen)
    published = _where_published(doc) if asks_for_a_copy(question.text) else ""
    short = published or short
    quote_sentences = _with_value(short, quote_sentences, doc)
    return _cut(short, MAX_SHORT_CHARS) or doc.title, _naming_subject(quote_sentences, doc, named), fits


_FIGURE = re.compile(r"\d+(?:[.,]\d+)*")


def _with_value(short: str, quote_sentences: list[str], doc) -> list[str]:
    """The quote with the sentence that gives the short answer's figure in it: "7 days" to
    "How are servers patched, and how quickly?" is quoted with "Critical: 7 days; high: 30
    days ...", not only with the sentence that shares the most words ("97.4% of critical
    and high findings were fixed within deadline"). The evidence says what the answer says."""
    quoted = " ".join(quote_sentences)
    # A figure on its own, not inside another one ("7" is not in "97.4").
    missing = [
        pattern
        for pattern in (re.compile(rf"(?<![\d.,]){re.escape(f)}(?!\d)") for f in _FIGURE.findall(short))
        if not pattern.search(quoted)
    ]
    if not missing:
        return quote_sentences
    giving = next((s for s in sentences(doc.text or doc.detail) if missing[0].search(s)), "")
    return _led_by(giving, quote_sentences) if giving else quote_sentences


def _led_by(first: str, quote_sentences: list[str]) -> list[str]:
    """`first`, then as many of the quote's sentences as the limits leave room for."""
    kept = [_cut(first, MAX_QUOTE_CHARS)]
    for sentence in quote_sentences[: MAX_QUOTE_SENTENCES - 1]:
        if sum(map(len, kept)) + len(sentence) > MAX_QUOTE_CHARS:
            break
        kept.append(sentence)
    return kept


def _with_opening(scored: list[tuple[float, int, str]], quote_sentences: list[str]) -> list[str]:
    """The quote with the text's first sentence in it, in the text's order: the best
    sentences make way for it, the least telling first."""
    opening = next((item for item in scored if item[1] == 0), None)
    if opening is None or opening[2] in quote_sentences:
        return quote_sentences
    kept = [item for item in scored if item[2] in quote_sentences]
    while kept and (
        len(kept) >= MAX_QUOTE_SENTENCES or sum(len(item[2]) for item in kept) + len(opening[2]) > MAX_QUOTE_CHARS
    ):
        kept.remove(min(kept))
    return [item[2] for item in sorted([opening, *kept], key=lambda item: -item[1])]


def _naming_subject(quote_sentences: list[str], doc, named: set) -> str:
    """The quote: its sentences, joined. One from a policy section names what the question asks about: when none of its
    sentences names a word the question shares with the section's heading ("Is a WAF
    deployed in front of the service?" quoted "New rules are deployed in log-only mode ..."
    from the section on the WAF), the first sentence that does comes first. (An approved
    answer's title is a question of many words: sharing one says less.)"""
    quote = " ".join(quote_sentences)
    if doc.kind != "section":
        return quote
    subject = named & _tokens((doc.source or {}).get("heading") or doc.title)
    if not subject or any(subject & _tokens(sentence) for sentence in quote_sentences):
        return quote
    first = next((s for s, tokens in _analysed_sentences(doc.text or doc.detail) if subject & tokens), "")
    return " ".join(_led_by(first, quote_sentences)) if first else quote


# Questions that ask for a value a sentence of a cited section can give.
_VALUES = (reading.FREQUENCY, reading.DURATION, reading.NUMBER, reading.DATE)


def _cited_sentence(doc, about: "Asked") -> str:
    """For an approved answer whose own text does not name what is asked: the table row of
    a section it cites whose first cell names it ("VPC Flow Logs: ... 1 year"), the most
    about the question of those; "" when none does or nothing is missing."""
    if not doc.evidence:
        return ""
    # What the question names, not the words asking for the value ("How long ... retained?"):
    # "support tickets" is light beside "retained", and still what the row must name.
    named = about.keys | {t for t in about.weights if t not in _VALUE_WORDS and not t.startswith("~")}
    missing = named - _VALUE_WORDS - _tokens(doc.title) - _tokens(doc.text or doc.detail)
    rows = [
        sentence
        for sentence, _tokens_of_sentence in _analysed_sentences(doc.evidence)
        if sentence in doc.rows and missing & _tokens(doc.rows[sentence])
    ]
    return _most_about(rows, about)


@dataclass(frozen=True)
class Asked:
    """What a question asks about: its own words and concepts with their weights, and the
    key ones, which weigh at least KEY_SHARE of its most telling one (its rarest in the
    library)."""

    weights: dict
    keys: frozenset
    text: str = ""  # the question as the sheet words it

    @classmethod
    def of(cls, query_tokens: dict, parts: tuple = ("question",), text: str = "") -> "Asked":
        own = {t: w for t, (w, part) in query_tokens.items() if part in parts}
        top = max(own.values(), default=0.0)
        return cls(own, frozenset(t for t, w in own.items() if w >= KEY_SHARE * top), text)

    def named_in(self, text: str) -> bool:
        return bool(self.keys.intersection(analyze(text)))

    @property
    def words(self) -> frozenset:
        """Its own words, not the vocabulary's concepts."""
        return frozenset(t for t in self.weights if not t.startswith("~"))


def _problem_named(phrase: str, asked: Asked) -> bool | None:
    """For the words after a "no": None when they name no problem an audit or a test may
    find; else whether the question names that problem ("no critical issues")."""
    problem = _NO_PROBLEM.match(phrase)
    return None if problem is None else bool(asked.words.intersection(analyze(problem.group("noun"))))


# "no data centres of its own": owning them is denied, not having them.
_OF_ITS_OWN = re.compile(r"(?:[\w-]+\s+){1,4}?of (?:its|our|their) own\b", re.I)
_ASKS_OWN = re.compile(
    r"\b(?:own|owns|owned|operate[sd]?|operating|run|runs|running|in-house|on-prem\w*|self-(?:hosted|managed)|"
    r"proprietary|private|colocation|co-location|colo)\b",
    re.I,
)


def _negates(clause: str, asked: Asked) -> bool:
    # "no local admin rights", "no corporate VPN": the question names what "no" is put before,
    # in its own words; a concept is not enough ("no VPN" does not deny that remote access
    # is monitored, though both are ways in from outside).
    for match in _NO_BEFORE.finditer(clause):
        if _problem_named(match.group(1), asked) is False:
            # "It found no critical issues" is good news to "Are critical findings
            # remediated?", not a control missing; to "Did it find any critical issues?" it is No.
            continue
        denied = set(analyze(match.group(1)))
        if _OF_ITS_OWN.match(clause, match.end()) and not _ASKS_OWN.search(asked.text):
            # "Kestrel runs no data centres of its own" says whose they are: No to "Do you
            # run your own data centres?", nothing against "Is the data center protected
            # against fire?".
            continue
        if asked.keys & denied and asked.words & denied:
            return True
        if asked.words & denied and asked.keys & _tokens(clause[: match.start()]) and not asked.keys & denied:
            # "connecting to the office Wi-Fi grants no access to production" to "Is the office
            # Wi-Fi connected to production?": the subject is the question's, and what it is
            # given none of is in the question's words.
            return True
    # "can be truncated or not stored at all" offers a choice, and "(the last octet is
    # removed by default)" is an aside: neither denies what the clause states.
    clause = _OR_NOT.sub("", _PARENTHESES.sub("", clause))
    for match in _NOT_RE.finditer(clause):
        # What is denied is near the negation: its subject before it or what follows it
        # names the question ("Customer passwords are never stored"; not "in a parallel
        # environment that does not affect customers" to a question on replication).
        before = clause[: match.start()].split()[-NOT_REACH:]
        after = clause[match.end() :].split()[:NOT_REACH]
        verb = next((w for w in after if w.lower() not in _NOT_YET), "")
        if (
            before
            and before[-1].lower() in _PERFECT
            and not _PERFECT_QUESTION.match(asked.text)
            and not asked.words.intersection(analyze(verb))
        ):
            # "Kestrel has never received a government request" tells what has happened so
            # far, not whether it would notify the customer of one (it does say No to "Do you
            # receive government requests?").
            continue
        if asked.keys.intersection(analyze(" ".join(after))):
            return True
        if asked.keys.intersection(analyze(" ".join(before))):
            # Its subject names the question; what is denied of it is the word after the
            # negation: "screens cannot be overlooked" says nothing of whether they lock.
            if verb and set(analyze(verb)) and not asked.words.intersection(analyze(verb)):
                continue
            return True
    # "SMS and one-time code factors are disabled" denies what comes before it, which the
    # question must name in its own words (it does not deny that MFA is enforced).
    denied = _DENIED_RE.search(clause)
    return bool(denied) and bool((asked.words & asked.keys).intersection(analyze(clause[: denied.start()])))


# What a test or an audit finds, in the words sheets use for it: "no critical issues" answers
# "any critical findings?" too.
_FOUND_KINDS = (
    frozenset(analyze("issue issues finding findings vulnerability vulnerabilities defect defects")),
    frozenset(analyze("nonconformity nonconformities non-conformity exception exceptions deviation deviations")),
)
_SEVERITY = re.compile(r"\b(?:critical|high|major|minor|significant|material|medium|low)\b", re.I)


def _none_found(text: str, asked: Asked) -> bool:
    """The text says none of the problems the question asks about were found ("no major
    nonconformities" to "... any major nonconformities?", "no critical issues" to "any
    critical findings?"; not to "any critical or high findings?")."""
    for match in _NO_BEFORE.finditer(text or ""):
        problem = _NO_PROBLEM.match(match.group(1))
        if problem is None:
            continue
        said = set(analyze(problem.group("noun")))
        if not (_problem_named(match.group(1), asked) or any(said & k and asked.words & k for k in _FOUND_KINDS)):
            continue
        # What severity it denies: all of them ("no findings"), or every one the question names.
        denied = {w.lower() for w in _SEVERITY.findall(problem.group(0))}
        wanted = {w.lower() for w in _SEVERITY.findall(asked.text)}
        if not denied or (wanted and wanted <= denied):
            return True
    return False


# A clause that opens with a word standing for what the clause before it names.
_PRONOUN = re.compile(r"^\s*(?:they|it|these|those)\b", re.I)


def _says_not(text: str, asked: Asked) -> bool:
    """The text says the thing asked about is not done: the clause most about the question
    (sharing the most of its words, by weight, the first of equals: a sentence leads with
    what it states) names one of its key words and negates it. "SSL, TLS 1.0 and 1.1 are
    disabled" alone says No; after "Public endpoints accept only TLS 1.2 and 1.3" it does
    not. "Production customer data is never used for testing; test suites use synthetic
    data" says No to "Is production data used in testing?"."""
    pieces = _CLAUSE.split(_ASIDE.sub("", text or ""))
    # A clause that opens with "they" or "it" is read with the one before it, which names
    # what they are: "Application secrets are stored in AWS Secrets Manager; they are never
    # stored in source code" is most about "Are secrets stored in source code?" in its second
    # clause.
    read = [f"{pieces[n - 1]} {piece}" if n and _PRONOUN.match(piece) else piece for n, piece in enumerate(pieces)]
    versions = _VERSION.findall(asked.text)
    naming = [
        piece
        for piece in read
        if versions and all(re.search(rf"(?<![\d.]){re.escape(v)}(?![\d])", piece) for v in versions)
    ]
    # "Is TLS 1.1 enabled?": the clause that names that version ("SSL, TLS 1.0 and 1.1 are
    # disabled"), which the words alone do not tell from "accept only TLS 1.2 and 1.3".
    most = naming[0] if len(naming) == 1 else _most_about(read, asked)
    if not most:
        return False
    best = pieces[read.index(most)]
    # A clause that names a fifth of the question or less denies something else:
    # "long-lived IAM user keys are blocked" says nothing of whether the identities and
    # credentials of users, services and hardware are managed.
    named = _tokens(most)
    if sum(w for t, w in asked.weights.items() if t in named) <= NO_SHARE * sum(asked.weights.values()):
        return False
    at = read.index(most)
    after = pieces[at + 1] if at + 1 < len(pieces) else ""
    if _INSTEAD.match(after) and (asked.keys & _tokens(after)) - _tokens(best):
        # "Customer passwords are never stored; only an Argon2id hash is kept": what the
        # question asks about ("stored hashed") is what is done instead.
        return False
    if _negates(best, asked):
        return True
    if best != most and asked.keys & _tokens(pieces[at - 1]):
        # "Application secrets live in AWS Secrets Manager; they are never kept in source code":
        # "they" are what the question names, and what is denied of them is in its words.
        return _denies_words(best, asked)
    return False


# A clause saying what is done instead of what the clause before it denies.
_INSTEAD = re.compile(r"^\s*(?:only|instead|rather|but only)\b", re.I)


def _denies_words(clause: str, asked: Asked) -> bool:
    """A negation in `clause` followed, past its verb, by one of the question's own words
    ("never kept in source code" to "Are secrets stored in code?"; not "not stored in plain
    text", which denies nothing the question names but the storing)."""
    for match in _NOT_RE.finditer(clause):
        after = clause[match.end() :].split()[:NOT_REACH]
        rest = after[1:] if after and after[0].lower() not in _NOT_YET else after[2:]
        if asked.words.intersection(analyze(" ".join(rest))):
            return True
    return False


def _most_about(pieces, asked: Asked) -> str:
    """The piece sharing the most of the question's words, by weight, that names one of its
    key words (the first of equals); "" when none does."""
    best, most = "", 0.0
    for piece in pieces:
        tokens = set(analyze(piece))
        weight = sum(w for t, w in asked.weights.items() if t in tokens)
        if asked.keys & tokens and weight > most + 1e-9:
            best, most = piece, weight
    return best


# A product or vendor name: "GuardDuty", "AWS", "Okta", "CrowdStrike Falcon", a capitalised word
# inside a sentence or in brackets ("Amazon Web Services (AWS)").
_PROPER = re.compile(r"(?:(?<=[\w,;:(] )|(?<=\())(?:[A-Z][a-z]*[A-Z][\w-]*|[A-Z]{2,}[\w-]*|[A-Z][a-z]{2,}[\w-]*)")


def product_names(text: str, question: str = "", common: frozenset = frozenset()) -> list[str]:
    """The names in `text` that may be a product's or a vendor's: capitalised words inside a
    sentence that are not the question's own words, not words the library also writes in
    lower case (`common`: "Detection and Response team" names a team, not a product) and
    not words of the security vocabulary ("EDR", "WAF": kinds of thing, not products)."""
    asked = {w.lower() for w in re.findall(r"\w+", question)}
    names = []
    for match in _PROPER.finditer(text or ""):
        word = match.group(0)
        if word.lower() in asked or word.lower() in _GENERIC_WORDS or word.lower() in common:
            continue
        names.append(word)
    return names


def same_value(question, short: str, other: str, common: frozenset = frozenset()) -> bool:
    """Whether two typed short answers say the same: the same options of the sheet or the
    same value, or for "Which cloud provider ...?" a product name in common ("AWS" in "the
    Amazon Web Services (AWS) data centres" and in "hosted in AWS facilities")."""
    if question.kind == reading.PRODUCT and not question.options:
        names = {name.lower() for name in product_names(short, question.text, common)}
        if names & {name.lower() for name in product_names(other, question.text, common)}:
            return True

    def value(text):
        return _YES_NO_SHORT.sub("", text.strip()).lower()

    return value(short) == value(other)


def wants_typed_answer(question) -> bool:
    """The question asks for a frequency, a duration, a number, a name or one of the sheet's
    options: a document whose text gives none does not fit it (`compose`'s `fits`)."""
    typed = (reading.FREQUENCY, reading.DURATION, reading.NUMBER, reading.DATE, reading.NAME, reading.PRODUCT)
    return (
        question.kind in typed
        or bool(question.options and not reading.is_yes_no_options(question.options))
        or bool(_CONTACT_DETAILS.search(question.text))
        or bool(_ASKS_RATING.search(question.text))
    )


# "What certifications do you hold?", "List your attestations.": which ones, of all there are.
_ASKS_HELD = re.compile(
    r"\b(?:which|what|list)\b[^?]{0,40}\b(?:certifications|certificates|attestations|accreditations|standards)\b|"
    # "Certifications held (select all that apply): ..."
    r"^(?:current\s+)?(?:security\s+)?(?:certifications|certificates|attestations|accreditations)\s+"
    r"(?:held|obtained|achieved|in place)\b",
    re.I,
)


def asks_which_held(text: str) -> bool:
    return bool(_ASKS_HELD.search(text))


# "Please attach your information security policy.", "Provide a copy of your incident response
# plan", "Please provide a link to your privacy policy": a request for the document itself.
_COPY_OF = re.compile(
    r"^(?:please\s+)?(?:provide|attach|upload|share|send|supply|submit|enclose|include)\s+(?:us\s+)?(?:with\s+)?"
    r"(?:(?:a\s+)?(?:copy|copies|link|links|url)\s+(?:of|to)\s+)?(?:your|the)\s+"
    r"(?P<named>(?:[\w/-]+\s+){0,5}(?:policy|policies|plan|procedure|procedures|programme|program|standard))\b"
    # Nothing more asked of it ("... policy requirements" asks what it requires).
    r",?(?:\s+(?:for (?:our )?review|if available|where available|as evidence|or (?:a )?summary))?"
    r"(?:\s*\([^)]*\))?\s*[.?:]?$",
    re.I,
)


def asks_for_a_copy(text: str) -> str:
    """ "Please attach your information security policy.": the words that name the document
    asked for ("information security policy"), or ""."""
    match = _COPY_OF.match(text.strip())
    return f"a {match.group('named')}" if match else ""


def _where_published(doc) -> str:
    """Where the cited policy is published, with its version: what a request for a copy of
    it is answered with."""
    source = doc.source or {}
    if not source.get("version_url"):
        return ""
    where = f"{source['policy_title']}, version {source['version']}: {source['version_url']}"
    return f"{where} (under NDA)" if source.get("visibility") == "nda" else where


def asks_whether_it_exists(text: str) -> str:
    """ "Do you have a (documented) ... policy / process / plan?": whether it exists. The words
    that name it ("a documented ... policy", without "approved by management"), or ""."""
    match = _EXISTS.match(text)
    return match.group("named") if match else ""


def _yes_no(question, library: str, focus: str, asked: Asked, title: str = "") -> str:
    """Yes or No, with the library's short answer when it has one. No only when the text
    itself says the thing asked about is not done (a question that is itself negative,
    "Is X disabled?", or asks whether things are kept apart, "Is production segmented?",
    is never turned round: there a "no path between them" is the Yes). An approved
    "Yes"/"No" stands unless the sentence most about the question says otherwise. `title`:
    the question the library answer was written for."""
    if asks_whether_it_exists(question.text) or _ASKS_COVERED.match(question.text):
        # "Do you have a documented BYOD policy?" is answered by the policy being there, not
        # by what it allows ("No, except managed mail and chat apps" is about devices); so is
        # "Does your security policy cover personal devices?".
        return library if library.lower().startswith("yes") else "Yes"
    text = question.text
    if _ASKS_ANY_PROBLEM.search(text) and _none_found(focus, asked):
        # "Did the last audit raise any major nonconformities?": "closed with no major
        # nonconformities" is No, whatever an approved Yes was written for.
        return "No"
    negative_question = bool(
        _NEGATION.search(text) or _NO_BEFORE.search(text) or _KEPT_APART.search(text) or _ASKS_NEEDED.search(text)
    )
    if library and _YES_NO_SHORT.match(library):
        if (
            library.lower().startswith("yes")
            and not negative_question
            and not _written_for(asked, title)
            and _says_not(focus, asked)
        ):
            return "No"  # the cited sentence itself says otherwise
        if library.lower().startswith("no") and _KEPT_APART.search(text):
            # "No" to "Is production data used in test?"; to "Are test and production
            # separated?" the same "separate accounts, no network path between them" is a Yes.
            if _KEPT_APART.search(focus) or _says_not(focus, asked):
                return "Yes"
        return library
    if (
        library.lower() == "n/a"
        and not negative_question
        and _says_not(focus, asked)
        and not set(asked.weights) <= set(analyze(title))
    ):
        # An approved "N/A" answers its own question ("Are you PCI DSS compliant?"); to
        # another ("Do you store credit card numbers?") "Kestrel does not store cardholder
        # data" says No.
        return "No"
    if library and library.lower() not in ("n/a", "in progress"):
        # "Zero-trust proxy, no VPN or bastions" to "Do you use a VPN?" reads as No, and so
        # does "AWS data centres" to "Do you run your own data centres?" when the sentence
        # most about it says "Kestrel runs no data centres of its own".
        named = asked.named_in(library)
        if not negative_question and ((named and _says_not(library, asked)) or _says_not(focus, asked)):
            return "No, " + _lower_first(library) if named else "No"
        in_title = set(analyze(title))
        shared = sum(w for t, w in asked.weights.items() if t in in_title)
        if not named and not asked.keys & in_title and shared < TITLE_SHARED * sum(asked.weights.values()):
            # Written for another question and silent on this one ("Badge access, escorted
            # visitors, alarms" to "Do you have a clean desk policy?"): the quote says the rest.
            return "Yes"
        if not named and _WHERE_OR_WHICH.match(title) and not _written_for(asked, title):
            # A place or a name written for "Where is our data stored?" ("EU (Frankfurt) or
            # US (North Virginia)") says nothing of "Are backups stored in a separate region?".
            return "Yes"
        # "Quarterly" to "Do you review access?" reads as "Yes, quarterly".
        return "Yes, " + _lower_first(library)
    if library:
        return library
    return "No" if not negative_question and _says_not(focus, asked) else "Yes"


# "Are passwords stored in clear text?", "Is data sent unencrypted?": asks whether something is
# left unprotected, which a text saying it is hashed or encrypted answers No.
_ASKS_IN_THE_CLEAR = re.compile(r"\b(?:clear[- ]?text|plain[- ]?text|unencrypted|unhashed|in the clear)\b", re.I)
_WITHOUT = re.compile(r"\b(?:without|no|not|never|avoid\w*|prevent\w*)\b", re.I)
_PROTECTED_TEXT = re.compile(r"\b(?:encrypt\w*|hash(?:es|ed)?|TLS|AES[- ]?\d*|bcrypt|scrypt|Argon2\w*)\b", re.I)


def _in_the_clear(question, answer: str, texts: list[str], asked: Asked) -> str:
    """ "Does the application store passwords in clear text?" and "only an Argon2id hash is
    kept": No, and the sentence that says how it is protected."""
    clear = _ASKS_IN_THE_CLEAR.search(question.text)
    if not answer.lower().startswith("yes") or not clear or _WITHOUT.search(question.text[: clear.start()]):
        # "Is TLS used for all connections, without falling back to unencrypted ones?" asks
        # whether it is protected.
        return answer
    if any(_ASKS_IN_THE_CLEAR.search(text) for text in texts):
        return answer  # the text speaks of it in the clear itself: for the quote to say
    protected = [s for text in texts for s in sentences(text) if _PROTECTED_TEXT.search(s) and asked.named_in(s)]
    if not protected:
        return answer
    # The one sharing most of the question's own words ("Customer passwords are never
    # stored; only an Argon2id hash is kept" to a question on passwords, not the API tokens').
    shared = [sum(w for t, w in asked.weights.items() if t in asked.words and t in _tokens(s)) for s in protected]
    return "No, " + _lower_first(_brief(protected[shared.index(max(shared))]))


# "Can developers deploy to production without review?", "Can data be exported without MFA?":
# asks whether a control can be bypassed, which a text saying the control is applied answers No.
_BYPASS = re.compile(
    r"\bwithout\s+(?:(?:a|an|any|the|prior|first|proper|their|its|formal|peer|second|explicit|written|"
    r"customer|management|\w+['’]s?)\s+){0,2}"
    r"(?P<control>reviews?|reviewers?|approvals?|authori[sz]ation|authentication|MFA|2FA|multi-factor|encryption|"
    r"logging|consent|notice|notification|testing|tickets?|supervision|escorts?|sign-off|permission)\b",
    re.I,
)


# Ways of saying that someone agreed to it.
_CONSENT = frozenset(analyze("consent permission approval approve approved authorisation authorise grant grants"))


def _bypassed(question, answer: str, texts: list[str]) -> str:
    """ "Can developers deploy to production without review?" and "changes need an approved
    pull request and a reviewer": No, and the clause that names the control. Left as it is
    when the text itself speaks of doing without something, or names no such control."""
    bypass = _BYPASS.search(question.text)
    if not bypass or not answer.lower().startswith("yes") or _NEGATION.search(question.text[: bypass.start()]):
        return answer
    if any(re.search(r"\bwithout\b", text, re.I) for text in texts):
        return answer
    control = set(analyze(bypass.group("control")))
    clauses = [clause.strip() for text in texts for sentence in sentences(text) for clause in _CLAUSE.split(sentence)]
    naming = [clause for clause in clauses if control & _tokens(clause)]
    if not naming and control & _CONSENT:
        # "Without the customer's consent" and a text on what the customer approves or grants.
        naming = [clause for clause in clauses if _CONSENT & _tokens(clause)]
    return "No, " + _lower_first(_brief(naming[0])) if naming else answer


# "Can a developer approve their own pull request?", "Can users self-approve access?": asks
# whether whoever asks for something may also grant it, which a text requiring someone else
# to ("approval from an engineer other than the author") answers No.
_APPROVING = r"approv|review|merg|authori[sz]|deploy|grant"  # stems of giving the go-ahead
_ASKS_OWN_APPROVAL = re.compile(
    rf"\b(?:{_APPROVING}|sign(?:s|ed|ing)? off)\w*\s+(?:on\s+)?"
    r"(?:their|his|her|his or her|its|your|our) own\b|\bself-(?:approv|review|merg|grant|authori[sz])\w*",
    re.I,
)
# "Can a single engineer deploy to production?", "Can an administrator grant access alone?":
# the same question, of one person acting with nobody else.
_ALONE = re.compile(
    r"\b(?:a single|any single|one|an individual|a lone)\s+(?:engineer|developer|person|individual|administrator|"
    r"admin|employee|user|staff member|team member)\b|\balone\b|\bby (?:themselves|themself|himself|herself)\b|"
    r"\bunilaterally\b|\bon (?:their|his|her) own\b",
    re.I,
)
_ACTING = re.compile(rf"\b(?:{_APPROVING}|push|releas|promot|sign)\w*", re.I)
_SOMEONE_ELSE = re.compile(
    r"\bother than (?:the|its|their) (?:author|requester|requestor|submitter|developer|engineer|person|owner|user)s?\b|"
    r"\b(?:a|one) second (?:engineer|person|reviewer|approver|administrator|admin)\b|\bsomeone else\b|"
    r"\b(?:segregation|separation) of duties\b|\bfour[- ]eyes\b|\btwo-person\b",
    re.I,
)

_PREVENTED = re.compile(r"\b(?:prevent|prohibit|forbid|disallow|block|restrict)\w*", re.I)


def _self_approved(question, answer: str, texts: list[str]) -> str:
    """ "Can a developer approve their own pull request?" and "every change needs approval
    from at least one engineer other than the author": No, and the part of the sentence that
    says so."""
    alone = _ALONE.search(question.text) and _ACTING.search(question.text)
    if not answer.lower().startswith("yes") or not (_ASKS_OWN_APPROVAL.search(question.text) or alone):
        return answer
    if _NEGATION.search(question.text) or _PREVENTED.search(question.text):
        return answer  # "Are developers prevented from approving their own changes?"
    for text in texts:
        for sentence in sentences(text):
            for piece in _PIECES.split(sentence):
                if _SOMEONE_ELSE.search(piece):
                    return "No, " + _lower_first(_brief(piece.strip()))
    return answer


# Words a question asks about, and words that, said of the same thing, answer it No: "Are
# backups kept in the same account as production?" and "copied ... to a separate AWS
# account"; "Do engineers have standing write access?" and "Standing production access is
# read-only". The thing is the one to three words after the question's word: the text's word
# must be said of it, within CONTRAST_REACH words. The third pattern, when the text says it
# too, leaves the Yes as it is (a text that itself speaks of "the same region").
_CONTRASTS = (
    (
        re.compile(r"\bsame\s+((?:[\w-]+\s+){0,2}[\w-]+)", re.I),
        re.compile(r"\b(?:separate|different|another|distinct|second|paired|independent)\b", re.I),
        re.compile(r"\bsame\b", re.I),
    ),
    (
        re.compile(r"\b(?:separate|different|distinct|another)\s+((?:[\w-]+\s+){0,2}[\w-]+)", re.I),
        re.compile(r"\bsame\b", re.I),
        None,
    ),
    (
        re.compile(r"\b(?:write|modify|change|delete)\s+((?:[\w-]+\s+){0,1}[\w-]+)", re.I),
        re.compile(r"\bread[- ]only\b", re.I),
        None,
    ),
    (
        # "Is there standing administrative access to production?" and "Standing production
        # access is read-only".
        re.compile(
            r"\bstanding\s+(?:administrative|admin|administrator|privileged|root|elevated)\s+((?:[\w-]+\s+){0,1}[\w-]+)",
            re.I,
        ),
        re.compile(r"\bread[- ]only\b", re.I),
        None,
    ),
)
CONTRAST_REACH = 4


def _contrasted(question, answer: str, texts: list[str]) -> str:
    """A Yes to a question the quoted text says the opposite of, of the same thing: No, and
    the part of the sentence that says it."""
    if not answer.lower().startswith("yes") or _NEGATION.search(question.text):
        return answer
    for asks, opposite, said_too in _CONTRASTS:
        for match in asks.finditer(question.text):
            thing = {t for t in analyze(match.group(1)) if not t.startswith("~")}
            if not thing:
                continue
            for text in texts:
                if said_too is not None and said_too.search(text):
                    continue
                for clause in (piece for s in sentences(text) for piece in _PIECES.split(s)):
                    for found in opposite.finditer(clause):
                        near = (
                            clause[: found.start()].split()[-CONTRAST_REACH:]
                            + clause[found.end() :].split()[:CONTRAST_REACH]
                        )
                        if thing & set(analyze(" ".join(near))):
                            return "No, " + _lower_first(_brief(clause.strip()))
    return answer


# "Is MFA enforced for all users?", "Is SSO required by default?": asks whether it is
# compulsory, which a text saying administrators "can require" it does not say.
_ASKS_COMPULSORY = re.compile(r"\b(?:enforced|required|mandatory|compulsory|by default|forced)\b", re.I)
_CHOSEN = re.compile(
    r"\b(?:can|may|could)\s+(?:\w+\s+){0,2}?(?:require|enforce|enable|turn on|switch on|opt in|choose to)\b|"
    r"\boptional(?:ly)?\b|\bopt-in\b",
    re.I,
)
# "Can MFA be enforced?", "Do you support enforcing SSO?": asks whether it can be, which it can.
_ASKS_CAN = re.compile(r"^(?:can|could|may|is it possible|(?:do|does) (?:you|\w+) (?:support|allow|offer))\b", re.I)


# "Can one customer see another tenant's data?": asks whether the isolation can fail, which a
# text that keeps each customer's data apart answers No. A Yes there would read as a breach.
_ASKS_CROSSING = re.compile(
    r"^(?:can|could|is it possible|is there (?:any )?(?:way|risk|possibility)|(?:are|is) \w+(?: \w+)? able)\b.*"
    r"\b(?:see|view|access|read|reach|query|obtain|retrieve|modify|change|delete)\w*\s+(?:\w+\s+){0,2}?"
    r"(?:another|other|different)\s+(?:tenants?|customers?|clients?|organi[sz]ations?|workspaces?|accounts?)\b",
    re.I,
)
_SEPARATED = re.compile(r"\b(?:separate[ds]?|separation|isolat\w*|segregat\w*|partition\w*)\b", re.I)


def _crossing(question, answer: str, texts: list[str]) -> str:
    """ "Can a user access another customer's data?" and "each customer's data is kept
    separate": No, and the clause that says so."""
    if not answer.lower().startswith("yes") or not _ASKS_CROSSING.search(question.text):
        return answer
    clause = _first_saying(_SEPARATED, texts, pieces=True)
    return "No, " + _lower_first(_brief(clause.rstrip(":"))) if clause else answer


_LEAD_TERM = re.compile(r"^([^:.;]{1,60}):\s")


def _on_side(question, texts: list[str]) -> list[str]:
    """The sentences of `texts` not on the other side from the question: "Who performs your
    external audits?" is not answered by "an independent internal auditor"."""
    asked = sides_of(analyze(question.text))
    if not asked:
        return texts
    # A sentence that opens with what it is about ("Internal audit: ...") is on that side.
    return [
        s
        for text in texts
        for s in sentences(text)
        if not other_side(asked, sides_of(analyze(_LEAD_TERM.match(s).group(1) if _LEAD_TERM.match(s) else s)))
    ]


def _first_saying(pattern: re.Pattern, texts: list[str], *, pieces: bool = False) -> str:
    """The first sentence of `texts` (or part of one, `pieces`) that `pattern` finds, or ""."""
    for text in texts:
        for sentence in sentences(text):
            for piece in _PIECES.split(sentence) if pieces else [sentence]:
                if pattern.search(piece):
                    return piece.strip()
    return ""


# "Is HSTS enabled?" and the "Yes, TLS 1.2+" approved for "Is data encrypted in transit, and
# which TLS versions?": the Yes holds, what follows it answers the other question. Kept when it
# shares a word with the question or the question is mostly the approved answer's own, and
# always when it limits the Yes ("Yes, with notice (Enterprise)", "No, except ...").
QUALIFIER_OWN_SHARE = 0.3
_LIMITING = re.compile(
    r"\b(?:only|except|unless|where|when|if|with notice|on request|upon request|subject to|provided|plans?|"
    r"enterprise|business|tier|not|partial\w*|limited|some|most|in progress|planned|roadmap)\b",
    re.I,
)


def _qualified(question, answer: str, library: str, title: str) -> str:
    match = _YES_NO_SHORT.match(answer)
    added = answer[match.end() :] if match else ""
    if not added or answer != library or _LIMITING.search(added):
        return answer
    asked = set(analyze(question.text))
    if not asked or asked & set(analyze(added)):
        return answer
    if len(asked & set(analyze(title))) / len(asked) >= QUALIFIER_OWN_SHARE:
        return answer
    return _capital(match.group(1).lower())


# "Can we see the full penetration test report?" and an approved "Yes; summary under NDA": the
# summary is what is shared, not the full report; the sentence of the text that says so follows.
_ASKS_FULL = re.compile(
    r"\b(?:full|complete|entire|whole|unredacted|detailed)\s+(?:[\w-]+\s+){0,3}?(?:reports?|results|findings)\b", re.I
)
_SUMMARY = re.compile(r"\b(?:summary|summaries|summarised|summarized|redacted|excerpts?)\b", re.I)


def _only_summary(question, answer: str, library: str, texts: list[str]) -> str:
    if not answer.lower().startswith("yes") or not _ASKS_FULL.search(question.text) or _SUMMARY.search(question.text):
        return answer
    if not _SUMMARY.search(library):
        return answer
    sentence = _first_saying(_SUMMARY, texts)
    return "No; " + _lower_first(_brief(sentence.rstrip("."))) if sentence else answer


# "Is data masked in non-production environments?": asks how data is protected where it is; a
# text that says no such data is there ("Production customer data is never copied to
# staging") makes the question moot, and a "No" would read as "unmasked data is there".
_ASKS_MASKED = re.compile(
    r"\b(?:mask|anonymi[sz]|pseudonymi[sz]|saniti[sz]|scrubb|obfuscat|de-?identif|redact|tokeni[sz])\w*", re.I
)


def _masked(question, answer: str, texts: list[str]) -> str:
    """ "N/A" for a No to a question on masking (anonymising, redacting) data when no text
    says anything of masking it: what the texts deny is that the data is there at all."""
    if not answer.lower().startswith("no") or not _ASKS_MASKED.search(question.text):
        return answer
    if any(_ASKS_MASKED.search(text) for text in texts):
        return answer  # "Data is not masked": the text answers it.
    return "N/A"


def _silent_on_problem(question, answer: str, texts: list[str]) -> bool:
    """ "Were any exceptions noted in your latest SOC 2 report?" and texts that say nothing of
    exceptions: a Yes would say there were some, and the texts do not say either way (not a
    fitting answer: left to an expert)."""
    asks = _ASKS_ANY_PROBLEM.search(question.text) or _ASKS_QUALIFIED.search(question.text)
    if not asks or not answer.lower().startswith("yes"):
        return False
    problem = set(analyze(asks.group(0).split()[-1]))
    return not any(problem & _tokens(text) for text in texts if text)


# "Is your SOC 2 report qualified?": a qualified opinion is a problem the auditor found.
_ASKS_QUALIFIED = re.compile(r"\b(?:report|opinion|audit|attestation)s?\b[^?]{0,40}(?<![\w-])qualified\b", re.I)


# Places data is kept in, each with the regions that hold it: "Is our data stored in Australia?"
# and a text that names the EU and the US regions only is a No; "in Germany" and a text that
# says "the EU" is not (the EU holds Germany), nor "in Europe" and a text that says "Frankfurt,
# Germany".
_PLACES = {
    "eu": ("eu", "european union", "eu-central-1", "eu-west-1", "eu-west-2", "eu-west-3", "eu-north-1"),
    "eea": ("eea", "european economic area"),
    "europe": ("europe", "european"),
    "uk": ("uk", "united kingdom", "britain", "great britain", "england", "scotland", "wales"),
    "us": (
        "usa",
        "united states",
        "u.s.",
        "us-east-1",
        "us-east-2",
        "us-west-1",
        "us-west-2",
        "virginia",
        "oregon",
        "ohio",
        "california",
    ),
    "north-america": ("north america",),
    "canada": ("canada", "canadian"),
    "latin-america": ("latin america", "south america", "brazil", "mexico", "argentina", "chile", "colombia"),
    "germany": ("germany", "german", "frankfurt"),
    "ireland": ("ireland", "irish", "dublin"),
    "france": ("france", "french", "paris"),
    "netherlands": ("netherlands", "dutch", "amsterdam"),
    "nordics": ("sweden", "stockholm", "norway", "denmark", "finland", "nordic", "nordics"),
    "southern-europe": ("spain", "italy", "milan", "portugal", "greece"),
    "switzerland": ("switzerland", "swiss", "zurich"),
    "poland": ("poland", "warsaw"),
    "australia": ("australia", "australian", "sydney", "melbourne", "new zealand", "oceania"),
    "asia": (
        "asia",
        "apac",
        "asia pacific",
        "india",
        "indian",
        "mumbai",
        "china",
        "chinese",
        "japan",
        "tokyo",
        "singapore",
        "hong kong",
        "korea",
        "seoul",
        "indonesia",
        "jakarta",
        "philippines",
        "vietnam",
        "malaysia",
        "thailand",
        "taiwan",
    ),
    "middle-east": (
        "middle east",
        "uae",
        "united arab emirates",
        "dubai",
        "bahrain",
        "saudi arabia",
        "israel",
        "qatar",
    ),
    "africa": ("africa", "south africa", "cape town", "nigeria", "kenya"),
    "russia": ("russia", "russian"),
}
_HELD_BY = {
    "germany": {"eu", "eea", "europe"},
    "ireland": {"eu", "eea", "europe"},
    "france": {"eu", "eea", "europe"},
    "netherlands": {"eu", "eea", "europe"},
    "nordics": {"eu", "eea", "europe"},
    "southern-europe": {"eu", "eea", "europe"},
    "poland": {"eu", "eea", "europe"},
    "eu": {"eea", "europe"},
    "eea": {"europe"},
    "uk": {"europe"},
    "switzerland": {"europe"},
    "us": {"north-america"},
    "canada": {"north-america"},
}
# "US" is a place only in capitals ("notify us" is none).
_PLACE_RE = {
    place: re.compile(
        r"(?<![\w-])(?:"
        + "|".join([re.escape(name) for name in names] + ["(?-i:US)"] * (place == "us"))
        + r")(?![\w-])",
        re.I,
    )
    for place, names in _PLACES.items()
}
# Where the data is kept, as opposed to where it is sent or seen from (which a list of hosting
# regions does not settle).
_ASKS_KEPT = re.compile(r"\b(?:stor\w*|host\w*|resid\w*|locat\w*|kept|keep|held|hold)\b", re.I)


def _places_named(text: str) -> set[str]:
    """The places of _PLACES that `text` names."""
    return {place for place, pattern in _PLACE_RE.items() if pattern.search(text)}


def _overlap(asked: set[str], said: set[str]) -> bool:
    """Whether a place asked about is one said, holds one or lies within one."""
    return any(a == s or s in _HELD_BY.get(a, ()) or a in _HELD_BY.get(s, ()) for a in asked for s in said)


def _elsewhere(question, answer: str, library: str, texts: list[str]) -> str:
    """ "Do you offer data residency in Australia?" and a text that keeps data in the EU or the
    US only: No, and where it is kept."""
    if not answer.lower().startswith("yes") or not _ASKS_KEPT.search(question.text):
        return answer
    asked = _places_named(question.text)
    if not asked:
        return answer
    said = set().union(*(_places_named(text) for text in texts))
    if not said or _overlap(asked, said):
        return answer
    where = _YES_PREFIX.sub("", library) if library and not _YES_NO_SHORT.fullmatch(library) else ""
    return f"No; {_lower_first(where)}" if where else "No"


def _chosen(question, texts: list[str], asked: Asked) -> str:
    """ "Is MFA enforced for all customer users?" and "workspace administrators can require
    TOTP or WebAuthn": the first sentence naming what is asked that says it can be required,
    enabled or chosen ("" when none does, the question is not yes/no, or it asks whether it
    can be)."""
    if question.kind != reading.YES_NO or not _ASKS_COMPULSORY.search(question.text) or _ASKS_CAN.match(question.text):
        return ""
    for text in texts:
        for sentence in sentences(text):
            if _CHOSEN.search(sentence) and asked.named_in(sentence):
                return sentence
    return ""


_LIMIT_WORDS = frozenset(
    analyze(
        "within under least minimum maximum most more less fewer over minutes hours days weeks months quarters years"
    )
)


def _within_limit(question, answer: str, library: str, claim: str, quote: list[str], about: Asked) -> str:
    """ "Will you notify us within 24 hours?" and "within 48 hours": No, and what the text
    says. A question that sets a limit (bounds.py) is answered Yes only when the values the
    text gives keep within it. Read first: every part of the quote that shares a word with the
    question ("medium: 90 days" for medium findings; both "searchable for 13 months" and
    "kept for 3 years" for log retention, which disagree on "at least 2 years" and leave the
    answer as it is), then the approved short answer, then the whole quote."""
    limit = bounds.limit_of(question.text)
    if limit is None or not answer.lower().startswith("yes"):
        return answer
    value = _YES_PREFIX.sub("", library) if library.lower() not in ("yes", "no") else ""
    parts = [part for text in (claim, *quote) for part in _PARTS.split(text) if bounds.values(part, limit.measure)]
    # The question's own words, not those of the limit, nor the concepts ("critical" and
    # "high-severity" are one severity concept).
    words = {t for t in about.weights if not (t.startswith("~") or t.isdigit() or t in _LIMIT_WORDS)}
    about_it = [part for part in parts if words & _tokens(part)]
    texts = ["; ".join(about_it), value, claim, *quote]
    within, said = bounds.kept(limit, texts)
    if within is False:
        # What the text says: the first part about the question when those decided.
        told = about_it[0] if about_it and said == texts[0] else said
        return "No, " + _lower_first(_brief(told.strip()))
    return answer


def _written_for(asked: Asked, title: str) -> bool:
    """The approved answer was written for this question: its title has most of what is
    asked, by weight ("May we perform our own penetration test?" to "Do you permit customers
    to conduct their own penetration testing?"). What it says then stands against a sentence
    of its text that denies something else ("testing other tenants ... is not permitted")."""
    in_title = set(analyze(title))
    total = sum(asked.weights.values())
    if set(_VERSION.findall(asked.text)) - set(_VERSION.findall(title)):
        # "Is TLS 1.0 supported?" asks of one version; "Is data encrypted in transit, and which
        # TLS versions?" was not written for it.
        return False
    if any(not in_title.intersection(analyze(name)) for name in _ACRONYM.findall(asked.text)):
        # Nor was "Is multi-factor authentication required for all employees?" for "Is SMS
        # supported as a second factor?": a name the question asks about is not in it.
        return False
    return bool(total) and sum(w for t, w in asked.weights.items() if t in in_title) >= WRITTEN_FOR * total


_VERSION = re.compile(r"\b\d+(?:\.\d+)+\b|\b[A-Za-z]+v\d\b")
_ACRONYM = re.compile(r"\b[A-Z][A-Z0-9]+[a-z]?\b")


def _asks_details_only(question) -> bool:
    """ "If yes, please describe.", "If yes, explain why": a short follow-up asking for details
    that names nothing of its own."""
    text = question.text
    return (
        question.follow_up
        and reading.is_short(text)
        and bool(_ASKS_DETAILS.search(text))
        and not analyze(_ASKS_DETAILS.sub(" ", text))
    )


def _answers_a_value(title: str) -> bool:
    """The approved answer was written for a question that wants a name or a frequency ("Who
    is responsible for information security?"): its short answer ("Chief Information Security
    Officer", "Tested annually") describes no programme or process. (A period can be the whole
    of a policy: "24 months by default" is the retention policy.)"""
    return reading.question_kind(title) in (reading.NAME, reading.FREQUENCY)


def _only_a_value(short: str) -> bool:
    """ "Within 48 hours", "Quarterly", "35 days": a short answer that is a period or a
    frequency and nothing more."""
    rest = short.strip(" .")
    for pattern in (_DURATION, _FREQUENCY):
        rest = pattern.sub("", rest)
    return not re.sub(r"[\W_]+|\b(?:of|after|confirmation|notice)\b", "", rest, flags=re.I)


def _row_cells(sentence: str, doc) -> str:
    """A table row's sentence without its first cell ("Message queue: method Not backed up"
    -> "method Not backed up"); any other sentence as it is."""
    subject, sep, cells = sentence.partition(": ")
    return cells if sep and sentence in doc.rows and doc.rows[sentence] == subject else sentence


# "The recovery time objective (RTO) is the maximum time to restore service.": a term the
# sentence defines, by its abbreviation.
_DEFINES = re.compile(r"\((?P<term>[A-Z][A-Za-z]{1,7})\)\s+(?:is|are|means|measures)\b")


def _led_by_question(texts: list[str], asked: Asked) -> str:
    """Of parts written "term: value" ("Critical: 7 days; high: 30 days"), the one part whose
    term the question names in its own words ("high"), when exactly one does; else ""."""
    led = {
        piece.strip()
        for text in texts
        for piece in re.split(r";\s*", text or "")
        for term, sep, _value in [piece.strip().partition(": ")]
        if sep and len(term.split()) <= 3 and set(analyze(term)) and set(analyze(term)) <= asked.words
    }
    return led.pop() if len(led) == 1 else ""


def _defined_value(wanted: re.Pattern, focus: str, texts: list[str]) -> str:
    """ "How long would it take to restore service?" and a sentence most about it that defines
    the RTO as "the maximum time to restore service" but gives no value: the value the other
    texts give for the RTO ("...: RPO 5 minutes; RTO 4 hours"), not the first one they give.
    "" when the sentence defines no term, or gives the value itself."""
    defined = _DEFINES.search(focus)
    if not defined or wanted.search(focus):
        return ""
    for text in texts:
        for cell in re.finditer(rf"\b{re.escape(defined.group('term'))}\b[^;.]*", text):
            value = wanted.search(cell.group(0))
            if value:
                return value.group(0)
    return ""


# "Which auditor ...?", "Who is your certification body?": asks who did it, which a text names
# after "by" ("issued by Harrow & Lindqvist LLP", "certified ... by Nordmark Zertifizierung GmbH").
_ASKS_ISSUER = re.compile(
    r"\b(?:auditors?|audit firm|certification bod(?:y|ies)|certifying bod(?:y|ies)|registrar|assessors?|"
    r"issuer|issued by|certified by|audited by)\b",
    re.I,
)
_BY_NAME = re.compile(r"\bby ((?:[A-Z][\w.'-]*)(?:\s+(?:[A-Z][\w.'-]*|&))*\s+[A-Z][\w.'-]*)")


def _said(library: str, question) -> str:
    """The approved short answer, unless it is a bare Yes or No and the question does not ask
    one ("Who is your Data Protection Officer?" is not answered "Yes")."""
    if library.lower() in ("yes", "no") and not reading.starts_yes_no(question.text):
        return ""
    return library


def _also_yes_no(question, focus: str, asked: Asked, value: str) -> str:
    """ "Do you review access? If so, how often?" is answered "Yes, quarterly" (or "No")."""
    if not reading.starts_yes_no(question.text):
        return value
    return "No" if _yes_no(question, "", focus, asked) == "No" else "Yes, " + _lower_first(value)


def _brief(sentence: str) -> str:
    """A short answer from a sentence: the whole of it when short, else its leading clauses
    up to MAX_SHORT_CHARS and " ...", not a sentence cut off mid-phrase when a clause ends
    earlier (the quote beside it has the whole sentence)."""
    if len(sentence) <= MAX_SHORT_CHARS:
        return sentence
    kept = ""
    for match in re.finditer(r"[^;:,]+[;:,]?", sentence):
        piece = match.group(0)
        if len(kept) + len(piece) > MAX_SHORT_CHARS:
            break
        kept += piece
    kept = kept.rstrip(" ;:,")
    return kept + " ..." if len(kept) >= 40 else _cut(sentence, MAX_SHORT_CHARS)


def _short(
    question, doc, quote: list[str], focus: str, asked: Asked, common: frozenset, about: Asked, chosen: str = ""
) -> tuple[str, bool]:
    kind = question.kind
    library = doc.short_answer.strip() if doc.kind == "answer" else ""
    # What a table row says of the thing its first cell names: its other cells.
    claim = _row_cells(focus, doc)
    if kind != reading.YES_NO and _YES_PREFIX.match(library):
        # "Yes, TLS 1.2+" answers "Do you...?"; to "Where...?" or "Which...?" it is "TLS 1.2+".
        library = _capital(_YES_PREFIX.sub("", library))
    # Without a library answer, the sentence most about the question, briefly.
    brief = _brief(focus)
    if question.options and not reading.is_yes_no_options(question.options):
        texts = quote + [doc.text or doc.detail]
        if asks_which_held(question.text):
            # "Which of the following certifications do you hold: ISO 27001, SOC 2, ...?": those
            # the sections an approved answer cites name too.
            texts.append(doc.evidence)
        picked = pick_options(question.options, texts, multiple=question.multiple)
        if picked:
            return ", ".join(picked), True
        # None of them: what the text says, not a library "Yes" to a "which" question.
        return (library if library.lower() not in ("yes", "no") else "") or brief, False
    if _CONTACT_DETAILS.search(question.text):
        # "If yes, please provide contact details." wants an address ("Yes, dpo@..." when it
        # opens as a yes/no question).
        found = _first(_EMAIL, [library, focus, *quote, doc.text or doc.detail])
        if found:
            return _also_yes_no(question, claim, asked, found), True
        # A text with no address to write to answers something else.
        return (library if library.lower() not in ("yes", "no") else "") or brief, False
    if _ASKS_RATING.search(question.text):
        found = _first(_RATING, [library, focus, *quote])
        if found:
            return _brief(found), True
        return (library if library.lower() not in ("yes", "no") else "") or brief, False
    if kind == reading.YES_NO:
        answer = _yes_no(question, library, claim, asked, doc.title)
        answer = _within_limit(question, answer, library, claim, quote, about)
        answer = _in_the_clear(question, answer, [claim, *quote], asked)
        answer = _bypassed(question, answer, [claim, *quote, doc.text or doc.detail, _YES_PREFIX.sub("", library)])
        answer = _self_approved(question, answer, [claim, *quote, doc.text or doc.detail])
        answer = _contrasted(question, answer, [claim, *quote])
        answer = _crossing(
            question, answer, [_YES_PREFIX.sub("", library), claim, *quote, doc.text or doc.detail, doc.evidence]
        )
        answer = _masked(question, answer, [claim, *quote])
        answer = _elsewhere(question, answer, library, [claim, *quote, doc.text or doc.detail])
        answer = _only_summary(question, answer, library, [*quote, doc.text or doc.detail, doc.evidence])
        answer = _qualified(question, answer, library, doc.title)
        silent = _silent_on_problem(question, answer, [claim, *quote, doc.text or doc.detail, doc.evidence])
        if chosen and answer.lower().startswith("yes"):
            # Not a Yes, but a choice the customer makes.
            answer = "Configurable: " + _lower_first(_brief(chosen))
        if question.options:
            return _option_for(question.options, answer), not silent
        if answer == "Yes" and focus and _ASKS_WHICH.search(reading.split_compound(question.text)[1]):
            # "Is your ISMS certified? Against which standard?": Yes, and what the sentence
            # most about it says ("... certified to ISO/IEC 27001:2022 ...").
            return "Yes. " + _brief(focus), not silent
        return answer, not silent
    # A frequency, a duration, a number or a name: from the library's short answer, then the
    # sentence most about the question, then the rest of the quote.
    look_in = ([library] if library else []) + ([focus] if focus else []) + quote
    led = _led_by_question([claim, focus, *quote], asked)
    if led:
        # "How quickly are high vulnerabilities patched?" and "Critical: 7 days; high: 30 days;
        # medium: 90 days": the part led by what the question names.
        look_in = [led, *look_in]
    if claim != focus:
        # A table row names what is asked and gives a value per column ("VPC Flow Logs:
        # searchable in SIEM 90 days; total retention (archive) 1 year"): first the column
        # most about the question, then the rest of the row.
        piece = _most_about(claim.split(";"), about)
        look_in = ([piece] if piece else []) + [claim] + look_in
    elif library and not about.keys <= set(analyze(f"{doc.title} {library}")):
        # The library answer is about something else than what is asked ("24 months" for
        # customer data, to "How long are backups kept?"): first the part of the sentence
        # most about the question ("backups are kept 35 days").
        # The words of the question above count half of the question's own: "How long are
        # they retained?" after "Are logs stored centrally?" wants "kept for 3 years", not
        # "searchable in the SIEM for 13 months".
        weights = {t: w if t in asked.weights else w * ABOVE_SHARE for t, w in about.weights.items()}
        pieces = _PIECES.split(focus)
        # In "backups are kept 35 days, the audit log 13 months, application debug logs 30
        # days", "kept" is said of every part: what the question itself names tells them
        # apart ("How long are application logs kept?"), not the words asking for the value.
        # A follow-up naming nothing ("How long are they retained?") goes by all its words.
        subject = {t: w for t, w in asked.weights.items() if t not in _VALUE_WORDS}
        if subject:
            piece = _most_about(pieces, Asked(subject, frozenset(subject)))
        else:
            # "How long is it kept?" after "Does the application keep an audit trail?": of the
            # parts that name what the question above names ("the audit log 13 months", not
            # "backups are kept 35 days"), the one most about both.
            above = {t for t in weights if t not in _VALUE_WORDS}
            pieces = [p for p in pieces if above & _tokens(p)] or pieces
            piece = ""
        piece = piece or _most_about(pieces, Asked(weights, about.keys))
        look_in = ([piece] if piece else []) + look_in
    if kind in (reading.NAME, reading.PRODUCT) and _ASKS_ISSUER.search(question.text):
        # "Which auditor performed your SOC 2 examination?": the name after "issued by",
        # "certified ... by", wherever the text gives it.
        name = next((m.group(1) for text in [*look_in, doc.text or doc.detail] for m in _BY_NAME.finditer(text)), "")
        if name:
            return name.rstrip("."), True
    wanted = {
        reading.FREQUENCY: _FREQUENCY,
        reading.DURATION: _DURATION,
        reading.DATE: _DATE,
        reading.NAME: _ROLE,
    }.get(kind)
    if wanted is not None:
        # "Who should we contact about a security issue?" wants an address before a role.
        contact = kind == reading.NAME and _CONTACT.search(question.text)
        found = (_first(_EMAIL, look_in) if contact else "") or _defined_value(
            wanted, focus, [*look_in, doc.text or doc.detail]
        )
        if not found and kind == reading.DURATION and _ASKS_DEADLINE.search(question.text):
            # "How long do new hires have to complete training?": "within 14 days", not the
            # "about 60 minutes" the training takes.
            found = next(
                (m.group(0) for text in look_in for m in _DURATION.finditer(text) if _WITHIN.match(m.group(0))), ""
            )
        found = found or _first(wanted, _on_side(question, look_in) if kind == reading.NAME else look_in)
        if kind == reading.DATE and reading.ASKS_END.search(question.text):
            ends = [match.group("date") for text in look_in for match in [_END_DATE.search(text)] if match]
            found = ends[0] if ends else found
        if found and kind != reading.NAME and look_in[0] == library and wanted.search(library):
            # The approved short answer itself says it: kept whole ("Export for 14 days,
            # deleted within 30" rather than "14 days").
            found = library
        if found and kind == reading.FREQUENCY and _EVERY.match(found):
            found = _PERIODIC[_EVERY.match(found).group(1).lower()]
        if found:
            # A role keeps its capitals ("CISO") and an address its small letters; "system owner"
            # begins the answer with a capital.
            kept = kind == reading.NAME and (found[0].isupper() or "@" in found)
            return _also_yes_no(question, claim, asked, found if kept else _capital(found)), True
        return _said(library, question) or brief, False
    if kind == reading.PRODUCT:
        # "Which EDR product do you use?" wants a name; "An EDR agent is installed" has none.
        # The clause that names it ("The Amazon Web Services (AWS) data centres that host the
        # platform", not the sentence's lead-in to it).
        # "Which SIEM do you use?": a clause that names the SIEM ("AWS CloudTrail and KMS use"
        # are what is sent to it).
        thing = reading.named_thing(question.text)
        for piece in look_in:
            for clause in _CLAUSE.split(piece):
                if thing and not re.search(rf"\b{re.escape(thing)}\b", clause):
                    continue
                if product_names(clause, question.text, common):
                    return _capital(_brief(clause.strip())), True
        return (library if library.lower() not in ("yes", "no") else "") or brief, False
    if kind == reading.NUMBER:
        things = counted_things(question.text)
        counted = _count(look_in, question.text, things) if things else ""
        if counted:
            # A number of the very thing asked about, wherever it is.
            return _also_yes_no(question, claim, asked, library if counted in library else counted), True
        if library and _count([library], question.text):
            return _also_yes_no(question, claim, asked, library), True
        found = _count(look_in[1:] if library else look_in, question.text)
        if found:
            return _also_yes_no(question, claim, asked, found), True
        return _said(library, question) or brief, False
    if (
        kind == reading.DESCRIBE
        and library
        and brief
        and (_only_a_value(library) or _asks_details_only(question) or _answers_a_value(doc.title))
    ):
        # The approved short answer is not the description asked for: "Within 48 hours" (what
        # it was written for) to "Describe the information you will provide in an incident
        # notification", or "EU (Frankfurt) or US (North Virginia)", already given to the
        # question above, to "If yes, explain why". The sentence most about both is.
        return brief, True
    held = asks_which_held(question.text)
    standard = _ASKS_STANDARD.search(question.text) if kind == reading.CHOICE or held else None
    if standard:
        # "Against which standard is your ISMS certified?": the standard's name ("ISO/IEC
        # 27001:2022"), not the sentence that gives it or an approved "Yes"; "Which
        # certifications ...?" all the quote names, and "What certifications do you hold?"
        # all the sections an approved answer cites name too.
        pieces = ([library] if library else []) + ([focus] if focus else []) + quote
        if held:
            pieces.append(doc.evidence)
        names = [[m.group(0) for m in _STANDARD_NAME.finditer(piece)] for piece in pieces]
        if standard.group(0).lower().endswith("s"):
            names = [[name for found in names for name in found]]
        found = next((found for found in names if found), [])
        if found:
            # Each once: "ISO/IEC 27001" is said by "ISO/IEC 27001:2022".
            found = [name for name in dict.fromkeys(found) if not any(o != name and o.startswith(name) for o in found)]
            return ", ".join(found), True
    if kind == reading.CHOICE and library and not asked.named_in(f"{doc.title} {library}"):
        # "Which cipher suites are enabled?" and an approved answer written for TLS versions
        # ("TLS 1.2+ (1.3 preferred)"): the clause that names what is asked, if one does.
        piece = _most_about(_CLAUSE.split(claim), asked)
        if piece:
            return _capital(_brief(piece.strip())), True
    if library and not (kind in (reading.CHOICE, reading.DESCRIBE) and library.lower() in ("yes", "no")):
        return library, True
    if kind == reading.CHOICE and not _NAMES_LISTED.search(focus or ""):
        # "Which MFA methods are supported?": the sentence that names the ones to choose
        # between ("... can require TOTP or WebAuthn security keys"), not the one that only
        # repeats the question's words ("With SSO, MFA is enforced by your identity provider").
        listing = next(
            (
                sentence
                for sentence in [*quote, *sentences(doc.text or doc.detail)]
                if _NAMES_LISTED.search(sentence) and (asked.keys | about.keys) & _tokens(sentence)
            ),
            "",
        )
        if listing:
            return _brief(listing), True
    return (brief or doc.title), True


# Two or more names given as alternatives or a list: "TOTP or WebAuthn", "SAML 2.0 and OpenID
# Connect", "AWS, Cloudflare and Datadog" (not at the start of a sentence).
_NAMES_LISTED = re.compile(
    r"(?<=\s)[A-Z][\w.-]*[A-Z0-9][\w.-]*(?:\s[\d.]+)?(?:,\s+[A-Z][\w.-]+(?:\s[\d.]+)?)*,?\s+(?:or|and)\s+[A-Z][\w.-]*[A-Z0-9]"
)
