"""Reading a questionnaire question as a person does.

A question on a sheet is more than its own cell: it sits under a section heading ("Clients >
Logging"), it may follow up the question above it ("If yes, describe..."), and the sheet may
offer the answers it accepts (a choices column, a drop-down list, Yes/No/N/A columns). Some
questions are about the customer's own product, ask for feedback or ask what has happened
(breaches, incidents); no policy answers those. This module turns a question and its
surroundings into a `Question` the ranking and the answer writer use. Plain functions, no
database.
"""

import re
from dataclasses import dataclass, field

from trustcenter.questionnaires.analysis import analyze

# What kind of short answer a question wants.
YES_NO, CHOICE, FREQUENCY, DURATION, NUMBER, DATE, NAME, PRODUCT, DESCRIBE = (
    "yes_no",
    "choice",
    "frequency",
    "duration",
    "number",
    "date",  # when something was last done: "When was the last penetration test?"
    "name",
    "product",  # the name of a product, tool or vendor: "Which EDR product do you use?"
    "describe",
)

_AUXILIARY = r"(is|are|was|were|do|does|did|has|have|had|can|could|will|would|shall|should|may|must)\b"
# A yes/no question may open with a phrase that sets the scene: "Upon termination of the
# contract, will the data be returned?", "For production systems, is MFA enforced?".
_YES_NO_START = re.compile(
    rf"^((?!(how|what|which|who|whom|whose|when|where|why)\b)[^,?]{{3,80}},\s+)?{_AUXILIARY}", re.I
)
_FOLLOW_UP = re.compile(
    r"^(if (yes|so|no|not|applicable|available|the answer is (yes|no))\b|otherwise\b|"
    r"(please )?(provide|give) (more |further |additional )?(details?|information|evidence)\b|"
    r"(please )?(explain|describe|elaborate|specify|list)( (how|why|where|which|what|them|it|this|these|the))?\b|"
    r"(and )?(how|when|where|who|why) (is|are|was|were|does|do) (it|this|that|these|they)\b|"
    r"details?:?$|comments?:?$|evidence:?$)",
    re.I,
)
# After "Describe" or "Provide details", a subject of the question's own: "(of) your
# password policy", "how you manage vulnerabilities" (not "the termination point", "it").
_OWN_SUBJECT = re.compile(
    r"^(?:(?:of|on|about|for|regarding|in)\s+)?(?:how\s+|what\s+|where\s+|when\s+|why\s+)?"
    r"(?:your|you|the company's|the organi[sz]ation's|the vendor's|any)\b\s*\S+",
    re.I,
)
# A bare question word opening a question of three words or fewer: "How often?", "When?".
_BARE = re.compile(
    r"^(?:(?:within|in|at|to|for|by|from|on|with|under|after|before|since|until|over|per|of|against|through|"
    r"via|into|across|between)\s+)?"
    r"(how|when|where|which|what|who|whom|why)\b",
    re.I,
)
# "After how many failed attempts?", "For how long?": how long, how many or how often, and no
# verb: the question above's subject, asked one thing more.
_AMOUNT_FRAGMENT = re.compile(
    rf"^(?:(?:within|in|at|for|by|after|before|until|over)\s+)?how (?:long|many|much|often|frequently|soon|quickly|far)"
    rf"\b(?!.*\b(?:{_AUXILIARY}|your\b|our\b|you\b|we\b|the\b))(?:[\s,]+[\w-]+){{0,6}}\W*$",
    re.I,
)
# "What is the retention period?", "What is the review frequency?": a property of something
# the question does not name (one word at most before the kind of value): the question
# above's subject.
_PROPERTY_OF_ABOVE = re.compile(
    r"^(?:what|which) (?:is|are|was|were) the (?:[\w-]+ )?"
    r"(?:period|time|timeframe|frequency|interval|duration|cadence|deadline|limit|owner)s?\W*$",
    re.I,
)
# "Provide more details on the scope", "Describe the methodology": "the" and a word for a
# part or property of something, which the question above names.
_PART_OF_ABOVE = re.compile(
    r"^(?:on |of |about |regarding )?the (?:[\w-]+ )?"
    r"(?:scope|scopes|coverage|methodology|method|methods|approach|process|procedure|results?|outcome|findings|"
    r"frequency|cadence|timeline|timelines|timeframe|provider|vendor|tool|tools|mechanism|mechanisms|"
    r"implementation|configuration|exceptions?|criteria|requirements|owner|details|steps)\W*$",
    re.I,
)
# Words that only make sense with the question above ("it", "this", "the policy" ...).
_ANAPHORA = re.compile(r"\b(it|this|that|these|those|they|them|its|their|such|the above|above)\b", re.I)
_FUNCTION_WORDS = frozenset(
    "how often what which where when who why is are was were do does did can could will would should has have "
    "and or of for to in on at by with the a an if so yes please describe explain".split()
)
_FREQUENCY = re.compile(r"\b(how often|how frequently|frequency|at what interval|how regularly|cadence)\b", re.I)
_DURATION = re.compile(
    r"\b(how long|how quickly|how fast|how soon|within what (time|period|timeframe)|what is the (maximum )?time|"
    r"timeframe|time frame|turnaround|retention period|retained for|slas? for \w+ing|"
    r"how many (business |working |calendar )?(minutes|hours|days|weeks|months|years)|"
    r"how much (advance |prior )?(notice|time|warning|lead time)|how (far|long) in advance)\b",
    re.I,
)
_NUMBER = re.compile(
    r"\b(how many|how much|what (percentage|number|proportion)|headcount|number of|(what is the|what's the) size of|"
    r"how (big|large) is|(completion|pass|participation|success|failure|click) rate)\b",
    re.I,
)
# A typed phrase that asks for the value ("how often", "what percentage") and is not only
# mentioned in a yes/no question ("retained for", "frequency").
_ASKS = re.compile(r"(how|what|within what|at what)\b", re.I)
# "Provide a summary of the last test, including the number of findings": a request for a
# description that names a value among what it should cover asks for the description.
# "Please confirm that policies are reviewed annually.", "Confirm whether you hold insurance.":
# a yes or no, however it opens.
_CONFIRM = re.compile(r"^(?:(?:please|kindly)\s+)?confirm\s+(?:that|whether|if)\b", re.I)
_REQUEST = re.compile(r"^(please\s+)?(provide|give|share|describe|explain|outline|summari[sz]e|detail)\b", re.I)
# A follow-up's condition: "If yes, ...", "If not, ...", "Otherwise ...".
_CONDITION = re.compile(
    r"^(?:if (?:yes|so|not|no|applicable|available)|if the answer is (?:yes|no)|otherwise)\b\s*[,:;-]?\s*", re.I
)
_IF_YES = re.compile(r"^(?:if (?:yes|so|applicable)|if the answer is yes)\b", re.I)
_IF_NO = re.compile(r"^(?:if (?:no|not)|if the answer is no|otherwise)\b", re.I)
# A short statement to confirm rather than a question or an instruction: no question mark,
# no closing colon, not opening with a verb that asks for a text ("Describe", "Provide",
# "List") or a question word.
_STATEMENT = re.compile(
    r"^(?!.*[?:]\s*$)(?!(?:please|kindly)\b)(?!(?:describe|explain|provide|give|list|specify|state|outline|detail|"
    r"summari[sz]e|attach|upload|name|identify|indicate|elaborate|share|include|enter|add|confirm|tell|how|what|"
    r"when|where|why|who|which|if|otherwise|comments?|notes?|details?|evidence)\b)(?:\S+\s+){0,9}\S+$",
    re.I,
)
# A longer statement of a control, in the passive: "Source code repositories are protected by
# access controls and branch protection." Confirmed or denied like the short ones.
_CONTROL_STATEMENT = re.compile(r"\b(?:is|are|must be|shall be)\s+(?:\w+ly\s+)?\w+(?:ed|en)\b", re.I)
LONG_STATEMENT_WORDS = 40
_PRODUCT = re.compile(
    r"^(which|what)\b[^?]{0,40}?\b(products?|tools?|vendors?|brands?|solutions?|software|technolog(y|ies)|"
    r"providers?|compan(y|ies)|auditors?|firms?|processors?|suppliers?|partners?|manufacturers?|insurers?)\b"
    # The name is what is asked for, not a word in front of another noun ("What is your
    # procedure if a company laptop is lost?", "What software development method ...?"): a
    # verb ("processes", "used", "do"), a small word or the end follows it.
    r"(?! (?:category|categories|type|types|class|classes)\b)"
    r"(?=\s*(?:$|[?,.:;()/'’]|(?:do|did|is|are|was|were|will|would|can|could|have|you|your|we|our|for|to|in|"
    r"on|at|that|which|who|use|provide|perform|host|run|of|and|or|with|[a-z]+(?:s|ed))\b))",
    re.I,
)
# "Which SIEM do you use?", "What IdP does the platform use?": a thing named by an acronym that
# is used, whose name is wanted.
_NAMED_THING = re.compile(
    r"^(?i:which|what)\s+(?P<thing>[A-Z][A-Z0-9]{1,}|[A-Z][a-z]*[A-Z]\w*)s?\s+(?:do|does|is|are)\s+"
    r"(?:you|we|your \w+|the \w+)\s+(?:currently\s+)?use\b"
)
_NAME = re.compile(r"^(who\b|which (person|role|team|individual))", re.I)
_DATE = re.compile(
    r"^(when (was|were|did)\b|((what|which) (is|was) )?the date of\b|date of\b|on what date\b|"
    r"when (does|do|will) .{0,60}\b(expire|end|lapse|run out)\b)",
    re.I,
)
# "When does the certificate expire?": the end of a period, not its start.
ASKS_END = re.compile(r"\b(?:expire[sd]?|expiry|end|lapse|run out)\b", re.I)
_CHOICE = re.compile(r"\b(which|what type|what kind|what types|what kinds|select|choose)\b", re.I)
# "Do you act as a processor, a controller, or both?", "Are you a data processor or controller?"
# ask which, not whether.
# "..., or both?", and two ways of doing one thing set against each other ("Is the SOC run
# in-house or outsourced?", "Is the application hosted on-premises or as SaaS?"): which one,
# not a Yes.
_OWN_WAY = (
    r"in[- ]house|internal(?:ly)?|on[- ]?prem(?:ise|ises)?|manual(?:ly)?|by you|"
    r"by your (?:own )?(?:staff|team|employees)|yourselves|self[- ]hosted|onshore"
)
_OTHER_WAY = (
    r"external(?:ly)?|outsourced|(?:by )?(?:a )?third[- ]part(?:y|ies)|(?:as |in |by )?(?:a |the )?(?:cloud|saas)|"
    r"automat(?:ed|ically)|(?:by )?(?:a )?managed (?:service|security)|offshore|(?:by )?(?:a |the )?(?:vendor|provider)"
)
_ALTERNATIVES = re.compile(
    r"\b(?:data\s+)?(?:processor|controller)\s+or\s+(?:an?\s+|the\s+)?(?:data\s+)?(?:controller|processor)\b|"
    rf"\bor (both|neither)\b|\b(?:{_OWN_WAY})(?:\s+\w+)?\s+or\s+(?:an?\s+|the\s+)?(?:{_OTHER_WAY})\b|"
    rf"\b(?:{_OTHER_WAY})(?:\s+\w+)?\s+or\s+(?:an?\s+|the\s+)?(?:{_OWN_WAY})\b",
    re.I,
)

# Questions about the customer's product or about the sheet itself: no policy answers them.
_PRODUCT_SPECIFIC = re.compile(
    r"(\b(the )?(name|version|url|address) of (the|your|this) (application|product|service|software|solution|"
    r"system|app|platform)\b|^(application|product|service|solution|software|vendor|company) (name|version)\b|"
    r"^(?!who\b).*\bname and (role|title|position|email)\b|\bperson completing\b|\bcompleted by\b|"
    r"\bwhat frameworks? does the (application|product|software)\b|"
    r"\b(programming )?languages? (is|are) the (application|product|software)\b|"
    r"\bwhich (programming )?languages?\b|\bdescribe (the|your) (product|application|solution)\b|"
    r"\bpricing\b|\blicen[cs]e (cost|fee)s?\b)",
    re.I,
)
_FEEDBACK = re.compile(
    r"(\banything else\b|\bany (other|additional|further) (comments?|information|remarks|notes)\b|"
    r"^(other )?comments?:?$|^notes?:?$|\bsatisf(ied|action)\b|\bfeedback\b|\bis there anything\b)",
    re.I,
)
# Questions about what has happened ("Have you had a security breach in the last three
# years?"): policies say what the company does, not its history; someone who knows answers.
_HISTORY = re.compile(
    r"\b(have|has)\b[^?]{0,40}\b(had|experienced|suffered|been|reported|disclosed|notified|informed|paid|"
    r"received|incurred|faced|(identified|detected) any)\b"
    r"[^?]{0,40}\b(breach(es|ed)?|incidents?|compromised?|hacked|attack(s|ed)?|fined|fines|lawsuits?|litigation|"
    r"ransomware|penalt(y|ies)|enforcement actions?|regulatory actions?|sanctions|risks|complaints|investigations)\b",
    re.I,
)
# An outline number before a question: "1.2 ", "A.1.2) ", "Q12: ".
NUMBERING = re.compile(r"^\s*(?:[A-Z]{0,4}[-.]?)?\d+(?:[.\-]\d+)*[.):]?\s+")

PRODUCT_SPECIFIC = "product-specific"
FEEDBACK = "feedback"
HISTORY = "history"


@dataclass(frozen=True)
class Question:
    """A question with what the sheet says around it."""

    text: str
    section: str = ""  # the heading(s) it sits under, outermost first, joined with " > "
    previous: str = ""  # the question above it in the same section
    options: tuple[str, ...] = ()  # the answers the sheet accepts, if it says
    kind: str = DESCRIBE
    follow_up: bool = False
    expert_reason: str = ""  # PRODUCT_SPECIFIC, FEEDBACK or HISTORY when no policy can answer it
    multiple: bool = False  # "which of the following ... (select all that apply)"
    extra: dict = field(default_factory=dict, compare=False)


def clean(text: str) -> str:
    return NUMBERING.sub("", " ".join(str(text).split())).strip()


# A short label with no verb whose last word names a value ("Password minimum length",
# "Security team size", "Last penetration test date", "Session timeout", "RTO"), and the kind
# of value each asks for.
_LABEL_KINDS = (
    ("length|size|count|headcount|number", NUMBER),
    ("date|expiry|expiration", DATE),
    ("period|timeout|time-?out|timeframe|deadline|rto|rpo|retention", DURATION),
    ("email|e-mail|contact|owner", NAME),
    ("location|locations|region|regions|country|countries|url|link|address", DESCRIBE),
)
# A fragment asking who: "Performed by?", "Approved by:".
_BY_WHOM = re.compile(r"^(?:[\w-]+\s+){0,2}by\s*[?:]?\s*$", re.I)
# A one- or two-word fragment naming a state to confirm: "Encrypted?", "Tamper-proof?".
_STATE_FRAGMENT = re.compile(
    r"^(?:[\w-]+\s+)?(?:[\w-]+(?:ed|able|ible|proof)|offsite|off-site|onsite|on-site|mandatory|automatic|"
    r"immutable|available|supported|enforced|required)\s*\?\s*$",
    re.I,
)
_VALUE_LABEL = re.compile(
    r"^(?!.*\b(?:is|are|was|were|do|does|did|has|have|had|can|could|will|would|must|should|shall|may)\b)"
    r"(?!(?:describe|explain|provide|list|please)\b)(?:[\w/&().,'-]+\s+){0,5}"
    rf"(?P<noun>{'|'.join(words for words, _kind in _LABEL_KINDS)})\s*[?:]?\s*$",
    re.I,
)


def question_kind(text: str, options: tuple[str, ...] = ()) -> str:
    # "If yes, are changes tested?" is a yes/no question once its condition is set aside.
    text = _CONDITION.sub("", clean(text)) or clean(text)
    if options and not is_yes_no_options(options):
        return CHOICE
    # "Are logs retained for at least six months?" is yes or no; "Do you review access? If so,
    # how often?" wants the frequency (answering.py puts the Yes in front of it).
    yes_no = bool(_YES_NO_START.match(text) or _CONFIRM.match(text))
    request = bool(_REQUEST.match(text))
    for pattern, kind in ((_FREQUENCY, FREQUENCY), (_DURATION, DURATION), (_NUMBER, NUMBER)):
        match = pattern.search(text)
        if match and request and "," in text[: match.start()]:
            continue
        if match and (not yes_no or _ASKS.match(match.group(0))):
            return kind
    if _DATE.search(text):
        return DATE
    if _NAME.search(text):
        return NAME
    if _PRODUCT.search(text) or _NAMED_THING.match(text):
        return PRODUCT
    if not options and _ALTERNATIVES.search(text):
        return CHOICE
    if options or yes_no:
        return YES_NO
    if _CHOICE.search(text):
        return CHOICE
    if _BY_WHOM.match(text):
        return NAME  # "Performed by?", "Approved by:"
    if _STATE_FRAGMENT.match(text):
        return YES_NO  # "Encrypted?", "Tamper-proof?", "Offsite?" under a heading
    label = _VALUE_LABEL.match(text)
    if label:
        # "Password minimum length", "ISO 27001 certificate expiry", "RTO": a column that
        # wants the value, not a Yes.
        noun = label.group("noun").lower()
        return next(kind for words, kind in _LABEL_KINDS if re.fullmatch(words, noun))
    if _STATEMENT.match(text):
        # "HSTS enabled", "Written information security policy": a control to confirm.
        return YES_NO
    if (
        not text.rstrip().endswith(("?", ":"))
        and _STATEMENT.match(" ".join(text.split()[:10]))
        and len(text.split()) <= LONG_STATEMENT_WORDS
        and _CONTROL_STATEMENT.search(text)
    ):
        return YES_NO
    return DESCRIBE


def named_thing(text: str) -> str:
    """For "Which SIEM do you use?", the thing whose name is wanted ("SIEM"), or ""."""
    match = _NAMED_THING.match(clean(text))
    return match.group("thing") if match else ""


def starts_yes_no(text: str) -> bool:
    """The question opens as a yes/no one ("Do you...", "Is there..."), whatever it asks after."""
    return bool(_YES_NO_START.match(clean(text)))


def is_yes_no_options(options) -> bool:
    words = {o.strip().lower().rstrip(".") for o in options}
    return bool(words) and words <= {
        "yes",
        "no",
        "y",
        "n",
        "n/a",
        "na",
        "not applicable",
        "partial",
        "partially",
        "unsure",
    }


# A question of this many words or fewer leans on its heading and the question above it
# ("How long are they kept?").
SHORT_QUESTION = 10


def is_short(text: str) -> bool:
    return len(text.split()) <= SHORT_QUESTION


def is_follow_up(text: str, previous: str = "") -> bool:
    """A question that leans on the one above it (`previous`, when known): "If yes,
    describe...", "Provide details:", or a short question whose subject is "it"/"this".
    "Describe your password policy" and "Provide details of your vulnerability management
    process" name their own subject: they stand alone. So does "Describe the session timeout
    for customer accounts" after a question on SCIM: what it names, the question above does
    not ("Provide more details on the termination point" after "Do you terminate TLS at a
    load balancer?" is about what the question above names)."""
    text = clean(text)
    match = _FOLLOW_UP.match(text)
    if match:
        rest = text[match.end() :].strip(" :.?")
        if _OWN_SUBJECT.match(rest):
            return False
        # ("Describe the methodology": the lead-in took the "the".)
        if _PART_OF_ABOVE.match(f"the {rest}" if re.search(r"\bthe$", match.group(0), re.I) else rest):
            return True  # "Provide more details on the scope."
        if previous and not _CONDITION.match(text) and not _ANAPHORA.search(text):
            # At least half of what it names is named above: "the termination point" after
            # "Do you terminate TLS ...?", not "the session timeout applied to customer
            # accounts" after "Does the application support SCIM?".
            named = set(analyze(rest))
            return 2 * len(named & set(analyze(previous))) >= len(named)
        return True
    words = text.split()
    if len(words) <= 3 and (_BARE.match(text) or (len(words) == 1 and text.endswith("?"))):
        return True  # "How often?", "Which library?", "Frequency?"
    if _AMOUNT_FRAGMENT.match(text):
        return True  # "After how many failed attempts?"
    if _PROPERTY_OF_ABOVE.match(text):
        return True  # "What is the retention period?"
    if len(words) > 8:
        return False
    match = _ANAPHORA.search(text)
    if match and match.group(1).lower() == "them" and not text[match.end() :].strip(" ?.:"):
        return True  # "Who has access to them?": the things above.
    if match and match.group(1).lower() in ("its", "their", "them"):
        # "Can customers export their data?": "their" are the customers just named. Only with
        # nothing but question words before it ("How are their keys rotated?") does it point
        # at the question above.
        before = re.findall(r"[a-z']+", text[: match.start()].lower())
        return all(word in _FUNCTION_WORDS for word in before)
    return bool(match)


_QUESTION_END = re.compile(r"(?<=\?)\s+(?=\S)")


def split_compound(text: str) -> tuple[str, str]:
    """(the first question, what follows it) for "Do you X? If so, how often?"; (text, "")
    for a single question."""
    parts = _QUESTION_END.split(text, maxsplit=1)
    return (parts[0], parts[1]) if len(parts) == 2 else (text, "")


def applies_when(text: str) -> str:
    """ "yes" for "If yes, ...", "no" for "If not, ...", "" for a follow-up with no condition."""
    text = clean(text)
    return "yes" if _IF_YES.match(text) else "no" if _IF_NO.match(text) else ""


def opens_as_follow_up(text: str) -> bool:
    """ "If yes, ...", "Please describe ...", "Provide details ...": a row to answer, never a
    section heading, whether or not it names a subject of its own."""
    return bool(_FOLLOW_UP.match(clean(text)))


def expert_reason(text: str) -> str:
    text = clean(text)
    if _FEEDBACK.search(text):
        return FEEDBACK
    if _PRODUCT_SPECIFIC.search(text):
        return PRODUCT_SPECIFIC
    if _HISTORY.search(text):
        return HISTORY
    return ""


_LAST_ONE = re.compile(r"\bthe (?:last|latest|most recent|previous) ([a-z]{4,})", re.I)


def refers_back(text: str, previous: str) -> bool:
    """ "When was the last test performed?" after "How often are these plans tested?": the
    last one of what the question above asks about."""
    match = _LAST_ONE.search(text)
    if not match:
        return False
    stem = match.group(1).lower()[:4]
    return any(word.lower().startswith(stem) for word in re.findall(r"[A-Za-z]+", previous))


# "SSL/TLS" names one protocol by its old and new names; read as two, "SSL ... disabled" in a
# policy would say No to "Is SSL/TLS used for all traffic?".
_SSL_TLS = re.compile(r"\b(?:SSL\s*/\s*TLS|TLS\s*/\s*SSL)\b", re.I)
# "Where is client data stored?": a sheet's client is the customer, unless it is software
# ("client-side", "client certificates", "client SDKs").
_CLIENT = re.compile(
    r"\b([Cc])lient(s?)\b(?![- ]?(?i:side|sdks?|certificates?|librar(?:y|ies)|apps?|applications?|software|devices?|"
    r"credentials?|secrets?|ids?|hello|tls|connectivity|connections?)\b)"
)


def _as_customer(text: str) -> str:
    return _CLIENT.sub(lambda m: ("C" if m.group(1) == "C" else "c") + "ustomer" + m.group(2), text)


def read_question(text: str, *, section: str = "", previous: str = "", options=()) -> Question:
    options = tuple(o for o in (str(o).strip() for o in options or ()) if o)
    text = _as_customer(_SSL_TLS.sub("TLS", clean(text)))
    previous = _as_customer(_SSL_TLS.sub("TLS", previous or ""))
    section = _as_customer(section)
    options = options or inline_options(text)
    follow_up = bool(previous) and (is_follow_up(text, previous) or refers_back(text, previous))
    kind = question_kind(text, options)
    # "Which of the following ...", "select all that apply", "Which events are logged (A, B, C)?"
    listed = re.search(r"\b(all that apply|select all|following)\b", text, re.I) or _WHICH.search(text)
    multiple = bool(listed) and kind == CHOICE and not _ONE.search(text)
    return Question(
        text=text,
        section=section,
        previous=clean(previous) if follow_up else "",
        options=options,
        kind=kind,
        follow_up=follow_up,
        expert_reason=expert_reason(text),
        multiple=multiple,
    )


_YES_NO_SLASHED = re.compile(r"(?:y|n|yes|no)(?:\s*/\s*(?:y|n|yes|no|n/a|na))+", re.I)


def split_options(value) -> tuple[str, ...]:
    """ "Yes / No / N/A", "Daily; Weekly; Monthly", one per line ... as a tuple of options."""
    text = str(value or "").strip()
    if not text:
        return ()
    if _YES_NO_SLASHED.fullmatch(text):
        # "Y/N", "Yes/No/N/A": a slash without spaces between answers, "N/A" kept whole.
        return tuple(p for p in re.split(r"\s*/\s*(?!A\b)", text, flags=re.I) if p)
    parts = re.split(r"\s*(?:\n|;|\||,|\s/\s)\s*", text)
    return tuple(p.strip().strip('"') for p in parts if p.strip().strip('"'))


# Options written into the question: "Which of the following ...: SMS, TOTP or WebAuthn?",
# "Do you encrypt backups? (Yes/No/N/A)".
# "Certifications held (select all that apply): ISO 27001 / SOC 2 / PCI DSS" too.
_LISTED = re.compile(
    r"(?:\b(?:following|from|among)\b[^:?]*|\((?:select|choose|pick|tick|check)\b[^()]*\)\s*):\s*"
    r"(?P<items>[^:?]+?)\s*[?.]?\s*$",
    re.I,
)
_BRACKETED = re.compile(r"\((?P<items>[^()]*(?:/|,|;|\bor\b)[^()]*)\)\s*[?.:]?\s*$", re.I)
_EXAMPLES = re.compile(r"\b(e\.\s?g|i\.\s?e|such as|for example|including|etc)\b", re.I)
_PICK = re.compile(r"\b(select|choose|pick|one of|which of the following|all that apply)\b", re.I)
# "Which cloud provider(s) host the service (AWS, Azure, GCP, other)?": a bracket that ends a
# "which" question lists the answers to choose from.
_WHICH = re.compile(r"^(?:if (?:yes|so),?\s+)?which\b", re.I)
_ONE = re.compile(r"\b(one of|single|only one)\b", re.I)
_ITEM_SPLIT = re.compile(r"\s*(?:,|;|\||/|\bor\b|\band\b)\s*", re.I)


def inline_options(text: str) -> tuple[str, ...]:
    """The answers a question lists itself, or () when it lists none (two to twelve short
    items; "N/A" stays one item). A bracket is a list of answers when it holds Yes/No/N/A or
    the question says to pick ("select one", "which of the following", a "which" question);
    otherwise it gives
    examples ("(badges, CCTV, visitor logs)", "(e.g. mTLS)") and is read as part of the question."""
    match = _LISTED.search(text)
    bracket = _BRACKETED.search(text)
    if not match and bracket and not _EXAMPLES.search(bracket.group("items")):
        items = _items(bracket.group("items"))
        if is_yes_no_options(items) or _PICK.search(text) or _WHICH.search(text):
            return items
        return ()
    return _items(match.group("items")) if match else ()


def _items(text: str) -> tuple[str, ...]:
    items = text.replace("N/A", "N\x00A").replace("n/a", "n\x00a")
    if re.search(r"[,;|]", items):
        # Listed with commas, "ISO/IEC 27017" is one item, not two.
        items = items.replace("/", "\x00")
    parts = [p.replace("\x00", "/").strip(" .") for p in _ITEM_SPLIT.split(items)]
    parts = [p for p in parts if p]
    if not 2 <= len(parts) <= 12 or any(len(p.split()) > 5 for p in parts):
        return ()
    return tuple(parts)
