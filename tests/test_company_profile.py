"""content/company.yaml read into the company profile: every part, and every mistake with its line."""

import datetime

import pytest

from trustcenter.core.company import parse_company
from trustcenter.lib.contentfiles import ContentErrors

GOOD = """\
name: Example Co
tagline: Security you can read
legal_name: Example Company, Inc.
website: https://example.com
primary_color: "#123456"
language: de
security_contact:
  email: security@example.com
  preferred_languages: de
categories:
  - slug: data
    name: Data protection
  - slug: people
    name: People
    description: Hiring and training
certifications:
  - name: ISO 27001
    status: current
    period_start: 2026-01-01
    period_end: 2027-01-01
subprocessors:
  - name: Cloud Host
    purpose: Hosting
    location: EU
faq:
  - question: Do you encrypt?
    answer: "Yes, **always**. <script>alert(1)</script>"
"""


def test_a_complete_profile_is_read_whole():
    company = parse_company(GOOD, path="company.yaml")
    assert (company.name, company.legal_name, company.tagline) == (
        "Example Co",
        "Example Company, Inc.",
        "Security you can read",
    )
    assert company.primary_color == "#123456"
    assert company.content_language == "de"
    assert company.security_email == "security@example.com"
    assert company.preferred_languages == ("de",)
    assert [(c.slug, c.order, c.description) for c in company.categories] == [
        ("data", 0, ""),
        ("people", 1, "Hiring and training"),
    ]
    certification = company.certifications[0]
    assert (certification.status, certification.period_start) == ("current", datetime.date(2026, 1, 1))
    assert company.subprocessors[0].location == "EU"
    assert company.faq[0].answer_html == "<p>Yes, <strong>always</strong>. </p>"


def test_optional_fields_take_their_defaults():
    minimal = "name: Co\ntagline: T\nsecurity_contact: {email: s@co.example}\ncategories: [{slug: a, name: A}]\n"
    company = parse_company(minimal, path="company.yaml")
    assert company.legal_name == "Co"
    assert company.primary_color == "#1d4ed8"
    assert company.content_language == "en"
    assert company.preferred_languages == ("en",)
    assert company.certifications == company.subprocessors == company.faq == ()


def test_every_mistake_is_reported_at_once_with_its_line():
    broken = """\
name: ""
tagline: T
website: [not, text]
primary_color: blue
language: "english please"
security_contact: {}
categories:
  - slug: Not A Slug
    name: A
certifications:
  - name: SOC 2
    status: done
  - name: ISO
    status: current
    period_end: someday
subprocessors:
  - purpose: no name
faq:
  - question: no answer
"""
    with pytest.raises(ContentErrors) as raised:
        parse_company(broken, path="company.yaml")
    assert [str(error) for error in raised.value.errors] == [
        "company.yaml:1: `name` is required",
        "company.yaml:3: `website` must be text",
        "company.yaml:4: `primary_color` must look like #1d4ed8, got 'blue'",
        "company.yaml:6: `security_contact.email` is required",
        "company.yaml:5: `language` must be a language tag like en or de, got 'english please'",
        "company.yaml:7: category slug 'Not A Slug' must be unique, lowercase-with-hyphens",
        "company.yaml:10: certification 'SOC 2': `status` must be one of current, in_progress, planned, expired",
        "company.yaml:10: certification 'ISO': `period_end` must be a date like 2026-01-31",
        "company.yaml:16: subprocessor #1 needs a `name`",
        "company.yaml:18: FAQ entry #1 needs `question` and `answer`",
    ]
