"""A yes/no question that sets a limit ("within 24 hours", "at least monthly", "at least 8
characters") is answered Yes only when what the library says keeps within it."""

import pytest

from trustcenter.questionnaires import bounds
from trustcenter.questionnaires.reading import read_question
from trustcenter.questionnaires.services import library_index

DAY, MONTH, YEAR = 24.0, 730.0, 8760.0


@pytest.mark.parametrize(
    ("question", "limit"),
    [
        ("Will you notify us within 24 hours of a breach?", bounds.Limit("time", 24.0, at_least=False)),
        ("Are logs kept for at least six months?", bounds.Limit("time", 6 * MONTH, at_least=True)),
        ("Are logs retained for 12 months or more?", bounds.Limit("time", YEAR, at_least=True)),
        ("Do sessions time out after 30 minutes of inactivity or less?", bounds.Limit("time", 0.5, at_least=False)),
        ("Is the RPO under 15 minutes?", bounds.Limit("time", 0.25, at_least=False)),
        # How often: at most this long between two runs.
        ("Are access rights reviewed at least monthly?", bounds.Limit("period", MONTH, at_least=False)),
        ("Are keys rotated at least every 90 days?", bounds.Limit("period", 90 * DAY, at_least=False)),
        ("Is penetration testing performed at least twice a year?", bounds.Limit("period", 6 * MONTH, at_least=False)),
        ("Are vulnerability scans run weekly or more often?", bounds.Limit("period", 7 * DAY, at_least=False)),
        # A count of a unit.
        ("Is the minimum password length at least 8 characters?", bounds.Limit("character", 8.0, at_least=True)),
        ("Do you use RSA keys of at least 2048 bits?", bounds.Limit("bit", 2048.0, at_least=True)),
        # No limit.
        ("Is MFA enforced?", None),
        ("How long are backups kept?", None),
    ],
)
def test_the_limit_a_question_sets_is_read(question, limit):
    assert bounds.limit_of(question) == limit


def test_every_value_must_keep_within_the_limit_and_a_mixed_text_decides_nothing():
    at_least_two_years = bounds.Limit("time", 2 * YEAR, at_least=True)
    logs = "Security logs are searchable in the SIEM for 13 months and kept for 3 years"
    assert bounds.values(logs, "time") == [13 * MONTH, 3 * YEAR]
    assert bounds.kept(at_least_two_years, [logs]) == (None, logs)
    assert bounds.kept(bounds.Limit("time", 5 * YEAR, at_least=True), [logs])[0] is False
    assert bounds.kept(bounds.Limit("time", YEAR, at_least=True), [logs])[0] is True
    # The first text that gives a value decides; one that gives none is passed over.
    assert bounds.kept(bounds.Limit("time", 24.0, at_least=False), ["promptly", "within 48 hours"]) == (
        False,
        "within 48 hours",
    )
    assert bounds.kept(at_least_two_years, ["no value here"]) == (None, "")
    # "every 90 days" says how often, not how long; "30 days" keeps within "a month".
    assert bounds.values("keys rotate every 90 days", "time") == []
    assert bounds.values("keys rotate every 90 days", "period") == [90 * DAY]
    assert bounds.kept(bounds.Limit("time", MONTH, at_least=False), ["within 30 days"])[0] is True


@pytest.mark.parametrize(
    ("question", "starts"),
    [
        # 48 hours is not within 24 ...
        ("Will you notify us within 24 hours of a breach affecting our data?", "No, within 48 hours"),
        # ... but is within 72.
        ("Will you notify us within 72 hours of a breach affecting our data?", "Yes"),
        # Quarterly is less often than monthly, and more often than yearly.
        ("Are user access rights reviewed at least monthly?", "No, quarterly"),
        ("Are user access rights reviewed at least annually?", "Yes"),
        # The part of the quote about medium findings gives their deadline.
        ("Are medium-severity vulnerabilities remediated within 60 days?", "No, medium: 90 days"),
        ("Are critical vulnerabilities remediated within 30 days?", "Yes"),
        ("Is the minimum password length at least 8 characters?", "Yes"),
        ("Are security logs retained for at least 5 years?", "No"),
    ],
)
def test_a_yes_no_question_that_sets_a_limit_is_answered_by_the_value(answer_library, question, starts):
    top = library_index().rank(read_question(question)).suggestions[0]
    assert top.short_answer.startswith(starts), top.short_answer


def test_values_that_disagree_on_the_limit_leave_the_answer_as_it_was(answer_library):
    # Searchable for 13 months, kept for 3 years: "at least 2 years" is for a person to read.
    top = library_index().rank(read_question("Are security logs retained for at least 2 years?")).suggestions[0]
    assert top.short_answer.startswith("Yes")
