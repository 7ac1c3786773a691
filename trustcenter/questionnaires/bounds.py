"""Limits a yes/no question sets, and whether what a text says keeps within them.

"Will you notify us within 24 hours of a breach?" is not answered Yes by "within 48 hours";
"Are access rights reviewed at least monthly?" not by "quarterly"; "Is the minimum password
length at least 8 characters?" is answered Yes by "at least 12 characters". A question sets
a limit on a time (a duration or how often) or on a count of a named unit; the text's values
of the same measure are compared with it.
"""

import re
from dataclasses import dataclass

HOUR = 1.0
# "30 days" keeps within "a month", "52 weeks" within "a year".
SLACK = 0.05
_UNIT_HOURS = {
    "minute": HOUR / 60,
    "hour": HOUR,
    "day": 24 * HOUR,
    "week": 7 * 24 * HOUR,
    "month": 730 * HOUR,
    "quarter": 3 * 730 * HOUR,
    "year": 8760 * HOUR,
}
_WORD_NUMBERS = {
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "eleven": 11,
    "twelve": 12,
    "fourteen": 14,
    "eighteen": 18,
    "twenty-four": 24,
    "thirty": 30,
    "ninety": 90,
}
_NUM = r"(?:\d+(?:[.,]\d+)?|" + "|".join(_WORD_NUMBERS) + r")"
_UNITS = r"(?:minute|hour|day|week|month|quarter|year)s?"
# "48 hours", "35 days", "three business days", "12-month".
_AMOUNT = re.compile(rf"\b({_NUM})[- ](?:business |calendar |working )?({_UNITS})\b", re.I)
# How often, as the time between two runs.
_PERIODS = (
    (r"continuous(?:ly)?|real[- ]time|on every (?:change|commit|pull request|build|deploy(?:ment)?)", 0.0),
    (r"hourly|every hour", HOUR),
    (r"daily|nightly|every (?:business )?day|once a day|each day", 24 * HOUR),
    (r"weekly|every week|once a week|each week", 7 * 24 * HOUR),
    (r"monthly|every month|once a month|each month", 730 * HOUR),
    (r"quarterly|every quarter|once a quarter|each quarter", 3 * 730 * HOUR),
    (r"twice a year|semi-?annually|every six months|biannually", 6 * 730 * HOUR),
    (r"annually|yearly|every year|once a year|each year|every twelve months|every 12 months", 8760 * HOUR),
)
_PERIOD_RES = [(re.compile(rf"\b(?:{pattern})\b", re.I), hours) for pattern, hours in _PERIODS]
_EVERY_AMOUNT = re.compile(rf"\bevery ({_NUM})[- ]({_UNITS})\b", re.I)

# What sets a limit, in front of (or after) the value.
_AT_MOST_BEFORE = (
    r"within|in under|under|less than|fewer than|no (?:more|longer) than|not more than|at most|up to|"
    r"a maximum of|maximum of|max\.?"
)
_AT_LEAST_BEFORE = r"at least|a minimum of|minimum of|minimum|no less than|not less than|more than|longer than|over"
_AT_MOST_AFTER = r"or (?:less|fewer|sooner|shorter|earlier)|at most|maximum"
_AT_LEAST_AFTER = r"or (?:more|longer|greater|higher)|at least|minimum"
# A count of a unit a question may set a limit on ("at least 12 characters", "2048-bit").
_COUNTED = r"(?:characters?|bits?|-bit|digits?|copies|replicas?|zones?|regions?|years? of experience)"


@dataclass(frozen=True)
class Limit:
    measure: str  # "time" (a duration), "period" (how often) or a counted unit ("character")
    value: float  # hours for a time or a period, else the count
    at_least: bool  # the value must be at least this (else at most)


def _number(text: str) -> float:
    text = text.lower()
    return float(_WORD_NUMBERS[text]) if text in _WORD_NUMBERS else float(text.replace(",", ""))


def _unit(text: str) -> str:
    return text.lower().removeprefix("-").rstrip("s") or text.lower()


def _hours(number: str, unit: str) -> float:
    return _number(number) * _UNIT_HOURS[_unit(unit)]


def _period_of(text: str) -> float | None:
    every = _EVERY_AMOUNT.search(text)
    if every:
        return _hours(every.group(1), every.group(2))
    for pattern, hours in _PERIOD_RES:
        if pattern.search(text):
            return hours
    return None


def limit_of(question: str) -> Limit | None:
    """The limit a yes/no question sets, or None when it sets none."""
    text = " ".join(question.split())
    amount = rf"({_NUM})[- ](?:business |calendar |working )?({_UNITS})"
    for before, at_least in ((_AT_MOST_BEFORE, False), (_AT_LEAST_BEFORE, True)):
        match = re.search(rf"\b(?:{before})\s+(?:once\s+)?(?:every\s+)?{amount}\b", text, re.I)
        if match:
            hours = _hours(match.group(1), match.group(2))
            if re.search(rf"\b(?:{before})\s+(?:once\s+)?every\b", match.group(0), re.I):
                # "at least every 90 days": how often, the time between two runs at most.
                return Limit("period", hours, at_least=False)
            return Limit("time", hours, at_least)
    for after, at_least in ((_AT_MOST_AFTER, False), (_AT_LEAST_AFTER, True)):
        match = re.search(rf"\b{amount}\s+(?:of \w+\s+)?(?:{after})\b", text, re.I)
        if match:
            return Limit("time", _hours(match.group(1), match.group(2)), at_least)
    # "at least monthly", "monthly or more often", "every 90 days": how often, at most this
    # long between two runs.
    period = re.search(r"\bat least\s+([\w -]+?)(?=[?.,;]|$| or\b| and\b)", text, re.I)
    if period and _period_of(period.group(1)) is not None:
        return Limit("period", _period_of(period.group(1)), at_least=False)
    if re.search(r"\bor more (?:often|frequently)\b", text, re.I) and _period_of(text) is not None:
        return Limit("period", _period_of(text), at_least=False)
    every = _EVERY_AMOUNT.search(text)
    if every:
        return Limit("period", _hours(every.group(1), every.group(2)), at_least=False)
    counted = rf"({_NUM})\s*({_COUNTED})"
    for before, at_least in ((_AT_LEAST_BEFORE, True), (_AT_MOST_BEFORE, False)):
        match = re.search(rf"\b(?:{before})\s+{counted}", text, re.I)
        if match:
            return Limit(_unit(match.group(2)), _number(match.group(1)), at_least)
    for after, at_least in ((_AT_LEAST_AFTER, True), (_AT_MOST_AFTER, False)):
        match = re.search(rf"\b{counted}\s+(?:{after})\b", text, re.I)
        if match:
            return Limit(_unit(match.group(2)), _number(match.group(1)), at_least)
    return None


def values(text: str, measure: str) -> list[float]:
    """The values of `measure` a text gives: durations, how often, or counts of a unit."""
    if measure == "time":
        # "every 90 days" says how often, not how long.
        return [
            _hours(m.group(1), m.group(2))
            for m in _AMOUNT.finditer(text)
            if not re.search(r"\bevery\s+$", text[: m.start()], re.I)
        ]
    if measure == "period":
        found = [_hours(n, u) for n, u in _EVERY_AMOUNT.findall(text)]
        spans = [m.span() for m in _EVERY_AMOUNT.finditer(text)]
        for pattern, hours in _PERIOD_RES:
            for match in pattern.finditer(text):
                if not any(start <= match.start() < end for start, end in spans):
                    found.append(hours)
        return found
    unit = re.escape(measure)
    return [_number(n) for n in re.findall(rf"\b({_NUM})\s*-?{unit}s?\b", text, re.I)]


def kept(limit: Limit, texts: list[str]) -> tuple[bool | None, str]:
    """Whether the first of `texts` that gives values of the limit's measure keeps within it,
    and that text: True when every value does, False when none does, None when some do and
    some do not or no text gives one (the person checking reads the quote)."""
    for text in texts:
        found = values(text or "", limit.measure)
        if not found:
            continue
        slack = limit.value * SLACK
        within = [v >= limit.value - slack if limit.at_least else v <= limit.value + slack for v in found]
        if all(within):
            return True, text
        if not any(within):
            return False, text
        return None, text
    return None, ""
