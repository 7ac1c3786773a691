"""Reading a questionnaire as a person does: section headings, follow-up questions, the
sheet's answer options (an options column, Yes/No columns, drop-down lists), product and
feedback questions left to an expert, and short answers that fit the question. Real
workbooks written with openpyxl, the real database with the demo content and seed library."""

import io
import json
import os
import subprocess
import sys

import openpyxl
import pytest
from openpyxl.worksheet.datavalidation import DataValidation

from trustcenter.lib.markup import render_markdown
from trustcenter.questionnaires import reading
from trustcenter.questionnaires.analysis import analyze, sides_of
from trustcenter.questionnaires.answering import (
    MAX_QUOTE_CHARS,
    asks_for_a_copy,
    compose,
    product_names,
    same_value,
    sentences,
)
from trustcenter.questionnaires.models import Answer, Questionnaire, RowKind, RowStatus
from trustcenter.questionnaires.ranking import (
    COMPANY,
    CUSTOMER,
    Document,
    Ranked,
    Suggestion,
    other_scope,
    scopes_named,
    who_tests,
    whose_tests,
)
from trustcenter.questionnaires.reading import read_question, split_options
from trustcenter.questionnaires.sections import html_to_prose
from trustcenter.questionnaires.services import (
    library_index,
    questionnaire_configure,
    questionnaire_process,
    questionnaire_read,
    questionnaire_upload,
)

# Runs in the first pass of `make test` only: reading and answering questions is the same on any database.
pytestmark = [pytest.mark.django_db, pytest.mark.any_backend]


def workbook_bytes(rows, *, validations=(), lists=None) -> bytes:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "Questionnaire"
    for row in rows:
        sheet.append(row)
    if lists:
        hidden = workbook.create_sheet("Lists")
        for value in lists:
            hidden.append([value])
        hidden.sheet_state = "hidden"
    for formula, cells in validations:
        rule = DataValidation(type="list", formula1=formula, allow_blank=True)
        sheet.add_data_validation(rule)
        rule.add(cells)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def imported(data: bytes, sales, *, column=1, header_row=0) -> Questionnaire:
    questionnaire = questionnaire_upload(data=data, filename="vendor.xlsx", actor=sales)
    questionnaire = questionnaire_read(questionnaire_id=questionnaire.pk)  # the import job, run here
    questionnaire_configure(
        questionnaire=questionnaire, sheet_name="Questionnaire", question_column=column, header_row=header_row
    )
    while questionnaire_process(questionnaire=questionnaire):
        pass
    return questionnaire


def row(questionnaire, start: str):
    return questionnaire.rows.get(kind=RowKind.QUESTION, question__startswith=start)


SHEET = [
    ["Ref", "Question", "Response", "Comments"],
    ["1", "Clients"],
    ["1.1", "Logging"],
    ["1.1.1", "Are the logs stored in a central location?"],
    ["1.1.2", "How long are they kept?"],
    ["2", "Configuring SSL/TLS"],
    ["2.1", "Do you terminate TLS at a load balancer or at the edge?"],
    ["2.2", "Provide more details on the termination point"],
    ["3", "General"],
    ["3.1", "The name of the application"],
    ["3.2", "Anything else you would like to tell us?"],
]


def test_section_headings_and_the_question_above_are_kept_with_each_question(answer_library, sales):
    questionnaire = imported(workbook_bytes(SHEET), sales)
    central = row(questionnaire, "Are the logs stored")
    assert central.context["section"] == "Clients > Logging"
    kept = row(questionnaire, "How long are they kept")
    assert kept.context["previous"] == "Are the logs stored in a central location?"
    details = row(questionnaire, "Provide more details")
    assert details.context["section"] == "Configuring SSL/TLS"
    assert details.context["previous"].startswith("Do you terminate TLS")


def test_in_a_sheet_without_numbers_checklist_statements_are_questions_and_noun_phrases_headings(answer_library, sales):
    rows = [
        ["Question", "Response"],
        ["Web Application"],
        ["Sessions & Cookies"],
        ["Cookies set with Secure flag"],
        ["Session ID is regenerated after successful login"],
        ["Configuring SSL/TLS"],
        ["HSTS enabled"],
        ["Minimum TLS version supported"],
        ["Is TLS enforced for all connections?"],
        ["Session token handling"],
        ["Are session tokens rotated?"],
        ["Data retention"],
        ["Backups encrypted"],
        ["Date of the last restore test"],
        ["How long are backups kept?"],
    ]
    questionnaire = imported(workbook_bytes(rows), sales, column=0)
    sections = [r.context.get("section") for r in questionnaire.rows.filter(kind=RowKind.QUESTION).order_by("position")]
    questions = list(questionnaire.rows.filter(kind=RowKind.QUESTION).values_list("question", flat=True))
    assert questions == [r[0] for r in rows[3:5] + rows[6:9] + rows[10:11] + rows[12:15]]
    # A statement is no heading: the rows after it stay under the sheet's own heading.
    assert (
        sections
        == ["Web Application > Sessions & Cookies"] * 2
        + ["Web Application > Configuring SSL/TLS"] * 3
        + ["Web Application > Session token handling"]
        + ["Web Application > Data retention"] * 3
    )


def test_a_follow_up_is_answered_from_its_section_not_from_a_shared_word(answer_library, sales):
    questionnaire = imported(workbook_bytes(SHEET), sales)
    kept = row(questionnaire, "How long are they kept")
    # "they" are the logs of the question above: log retention, with a duration.
    assert kept.suggestions[0]["source"]["policy"] == "logging-monitoring"
    assert any(ch.isdigit() for ch in kept.suggestions[0]["short_answer"])
    details = row(questionnaire, "Provide more details on the termination point")
    top = details.suggestions[0]
    # Under "Configuring SSL/TLS" the termination point is TLS termination, never leavers.
    assert top["source"]["policy"] in ("network-security", "data-protection", "network-architecture")
    assert "offboard" not in top["key"] and "leaver" not in top["key"]


def test_a_chain_of_follow_ups_stays_with_the_question_they_follow(answer_library, sales):
    rows = [
        ["Question", "Answer"],
        ["People"],
        ["Do you run security awareness training for staff?"],
        ["If yes, please describe."],
        ["If yes, how often?"],
        ["Describe your password policy."],
    ]
    questionnaire = imported(workbook_bytes(rows), sales, column=0)
    how_often = row(questionnaire, "If yes, how often")
    assert "awareness training" in how_often.context["previous"]
    # The approved short answer, whole: "At onboarding and annually".
    assert how_often.suggestions[0]["short_answer"].lower().endswith("annually")
    # A question with its own subject starts a new chain.
    password = row(questionnaire, "Describe your password policy")
    assert "password" in password.suggestions[0]["title"].lower()


def test_a_follow_up_opening_with_a_preposition_is_answered_from_the_question_above(answer_library):
    # Read alone, "standard" meets the coding standards; after "Is your ISMS certified?" it asks
    # which standard the certificate is against.
    question = read_question("Against which standard?", section="Organisation", previous="Is your ISMS certified?")
    ranked = library_index().rank_many([question])[0]
    top = ranked.suggestions[0]
    assert top.short_answer == "ISO/IEC 27001:2022", (top.document.title, top.short_answer)
    assert not ranked.needs_expert, (top.confidence, ranked.reason)


def test_a_request_for_a_copy_of_a_policy_is_answered_with_its_published_version(answer_library):
    # The sheet gets the permalink of the version the answer cites, not a sentence of it.
    ranked = library_index().rank_many([read_question("Please attach your incident response plan.")])[0]
    top = ranked.suggestions[0]
    assert not ranked.needs_expert
    assert top.short_answer.startswith("Incident Response, version "), top.short_answer
    assert top.short_answer.endswith(f"/policies/incident-response/v/{top.document.source['version']}/")
    ranked = library_index().rank_many([read_question("Please provide a link to your privacy policy.")])[0]
    assert "/policies/privacy-retention/v/" in ranked.suggestions[0].short_answer
    # What a policy requires, or details of it, is asked about, not for a copy.
    assert asks_for_a_copy("Please provide your password policy requirements.") == ""
    assert asks_for_a_copy("Please provide details of your backup policy.") == ""
    assert asks_for_a_copy("Provide a copy of your information security policy, if available.")
    # A policy published under NDA says so.
    nda = Document("section:network-architecture#x", "section", "x", "", "", {"version_url": "u", "policy_title": "t"})
    nda.source.update(version=3, visibility="nda")
    short, _quote, _fits = compose(read_question("Please share your network policy."), nda, query_tokens={})
    assert short == "t, version 3: u (under NDA)", short


def test_which_named_thing_is_used_wants_its_name(answer_library):
    # "Which SIEM do you use?" asks for a product's name: the SIEM sentence gives none (the
    # AWS services it names are what is sent to the SIEM), so it is for a person.
    question = read_question("Which SIEM do you use?", section="Logging")
    assert question.kind == reading.PRODUCT
    assert reading.named_thing(question.text) == "SIEM"
    ranked = library_index().rank_many([question])[0]
    assert ranked.needs_expert and ranked.reason == "no-value", (ranked.suggestions[0].short_answer, ranked.reason)
    # Which version is a choice, not a name.
    assert read_question("Which TLS version do you use?").kind == reading.CHOICE


def test_a_fragment_first_under_its_heading_is_completed_by_the_heading(answer_library):
    # "Frequency?" as the first row under "Penetration testing" asks how often penetration
    # tests are done, as surely as the question written out.
    fragment = library_index().rank_many([read_question("Frequency?", section="Penetration testing")])[0]
    whole = library_index().rank_many([read_question("Penetration testing frequency?")])[0]
    assert fragment.suggestions[0].short_answer == "Annually"
    assert fragment.suggestions[0].confidence >= whole.suggestions[0].confidence - 25, (
        fragment.suggestions[0].confidence,
        whole.suggestions[0].confidence,
    )
    who = library_index().rank_many(
        [read_question("Performed by?", section="Penetration testing", previous="Frequency?")]
    )[0]
    assert who.suggestions[0].short_answer == "An independent CREST-accredited firm"


def test_a_follow_up_is_never_surer_than_the_question_it_follows(answer_library):
    index = library_index()
    lead_text = "Do you perform background checks?"
    follow_up = read_question("If yes, describe the checks.", section="People", previous=lead_text)
    # Alone, the follow-up leans on the lead's words and comes out sure of itself ...
    alone = index.rank(follow_up)
    assert not alone.needs_expert and alone.suggestions[0].confidence >= 70
    # ... but after a lead the reviewer must check, it is no surer than that lead.
    unsure = Ranked([Suggestion(alone.suggestions[0].document, 0.0, 40)], needs_expert=True, reason="weak")
    capped = index.rank(follow_up, lead=unsure)
    assert capped.needs_expert and capped.suggestions[0].confidence <= 40
    # rank_many ranks the lead itself and applies the same rule.
    for lead in ("Do you use a third-party hosting provider?", lead_text):
        question = read_question("If so, which one?", section="Web Application > General", previous=lead)
        ranked_lead, ranked_follow_up = index.rank_many(
            [read_question(lead, section="Web Application > General"), question]
        )
        assert ranked_follow_up.suggestions[0].confidence <= ranked_lead.suggestions[0].confidence
        assert ranked_follow_up.needs_expert or not ranked_lead.needs_expert


def test_a_short_follow_up_answered_from_the_same_source_is_as_sure_as_the_question_above(answer_library):
    index = library_index()
    section = "Web Application > Authentication"
    lead = read_question("Are passwords hashed?", section=section)
    follow_up = read_question("Which algorithm?", section=section, previous=lead.text)
    ranked_lead, ranked = index.rank_many([lead, follow_up])
    assert not ranked_lead.needs_expert
    # Alone, "Which algorithm?" shares no word with the library: it would be left to an expert.
    assert index.rank(read_question("Which algorithm?", section=section)).needs_expert
    assert not ranked.needs_expert
    assert ranked.suggestions[0].document.key == ranked_lead.suggestions[0].document.key
    assert ranked.suggestions[0].confidence == ranked_lead.suggestions[0].confidence
    assert "Argon2id" in ranked.suggestions[0].short_answer


def test_numbered_leaves_are_questions_and_numbered_parents_are_headings(answer_library, sales):
    rows = [
        ["ID", "Question", "Response"],
        ["1", "Web Application"],
        ["1.1", "Configuring SSL/TLS"],
        ["1.1.1", "Is TLS enabled on all endpoints?"],
        ["1.1.2", "HSTS enabled"],
        ["1.2", "Policies"],
        ["1.2.1", "Written information security policy"],
        ["1.2.2", "Background checks for new hires"],
    ]
    questionnaire = imported(workbook_bytes(rows), sales, column=1, header_row=0)
    questions = list(questionnaire.rows.filter(kind=RowKind.QUESTION).order_by("position"))
    assert [q.question for q in questions] == [
        "Is TLS enabled on all endpoints?",
        "HSTS enabled",
        "Written information security policy",
        "Background checks for new hires",
    ]
    assert questions[1].context["section"] == "Web Application > Configuring SSL/TLS"
    assert questions[3].context["section"] == "Web Application > Policies"


def test_a_follow_up_whose_condition_the_answer_above_rules_out_is_not_applicable(answer_library, sales):
    rows = [
        ["Question", "Answer"],
        ["Policies"],
        ["Do you have a written information security policy?"],
        ["If not, explain why."],
        ["Testing"],
        ["Is production customer data used in test environments?"],
        ["If yes, describe the safeguards."],
        ["If no, how is test data produced?"],
    ]
    questionnaire = imported(workbook_bytes(rows), sales, column=0)
    for text in ("If not, explain why", "If yes, describe the safeguards"):
        skipped = row(questionnaire, text)
        assert not skipped.needs_expert
        assert skipped.suggestions[0]["short_answer"] == "N/A"
        assert skipped.suggestions[0]["source"]["url"]  # it cites what answered the question above
    # The follow-up that does apply is answered.
    applies = row(questionnaire, "If no, how is test data produced")
    assert applies.suggestions[0]["short_answer"] != "N/A"
    assert "test" in applies.suggestions[0]["title"].lower()


def test_product_and_feedback_questions_are_left_to_an_expert_with_the_reason(answer_library, sales):
    questionnaire = imported(workbook_bytes(SHEET), sales)
    name = row(questionnaire, "The name of the application")
    assert name.needs_expert and name.expert_reason == "product-specific" and name.suggestions == []
    anything = row(questionnaire, "Anything else")
    assert anything.needs_expert and anything.expert_reason == "feedback"


def test_the_last_one_of_what_the_question_above_asks_about_is_a_follow_up():
    previous = "How often are these plans tested?"
    assert read_question("When was the last test performed?", previous=previous).previous == previous
    # The last of something else stands alone.
    assert read_question("When was the last audit?", previous=previous).previous == ""
    assert read_question("Are backups encrypted?", previous=previous).previous == ""


@pytest.mark.parametrize(
    ("text", "product"),
    [
        ("Name and title of the person completing this questionnaire", True),
        ("Contact name and email", True),
        ("What is the version of the application?", True),
        # Who holds a role is in the security programme, even when the sheet asks for a name.
        ("Who is responsible for the information security program (name and title)?", False),
        ("Who is the executive accountable for information security (name and title)?", False),
    ],
)
def test_questions_about_the_product_or_the_sheet_are_told_apart_from_who_holds_a_role(text, product):
    assert (reading.expert_reason(text) == reading.PRODUCT_SPECIFIC) is product


@pytest.mark.parametrize(
    ("text", "history"),
    [
        ("Have you had a security breach in the last three years?", True),
        ("Has your company ever been the victim of a ransomware attack?", True),
        ("Have you experienced any security incidents affecting customer data in the past 12 months?", True),
        ("Has your organisation been fined by a data protection authority?", True),
        ("Has your organisation identified any material security risks in the past 12 months?", True),
        ("Have you notified any customers of a breach in the past 12 months?", True),
        ("Have you ever paid a ransom after a ransomware attack?", True),
        ("Have you received any fines from a data protection authority?", True),
        ("Has your company faced regulatory actions in the last five years?", True),
        ("Have you received any government requests for customer data?", False),
        # What the company does, not what has happened to it.
        ("Has the application been penetration tested by a third party in the last 12 months?", False),
        ("How quickly will you notify us of a security breach?", False),
        ("Have you documented an incident response plan?", False),
        ("Have you identified and documented your information security risks?", False),
    ],
)
def test_questions_about_what_has_happened_are_left_to_an_expert(answer_library, text, history):
    assert (reading.expert_reason(text) == reading.HISTORY) is history
    ranked = library_index().rank(read_question(text))
    if history:
        assert ranked.needs_expert and ranked.reason == "history" and ranked.suggestions == []
    else:
        assert ranked.suggestions and ranked.reason != "history"


def test_a_drop_down_list_gives_the_answer_options(answer_library, sales):
    rows = [
        ["Question", "Answer"],
        ["Do you encrypt customer data at rest?", None],
        ["How often are user access rights reviewed?", None],
    ]
    data = workbook_bytes(
        rows,
        validations=[('"Yes,No,N/A"', "B2"), ("Lists!$A$1:$A$4", "B3")],
        lists=["Monthly", "Quarterly", "Annually", "Never"],
    )
    questionnaire = imported(data, sales, column=0)
    encrypt = row(questionnaire, "Do you encrypt")
    assert encrypt.context["options"] == ["Yes", "No", "N/A"]
    assert encrypt.suggestions[0]["short_answer"] == "Yes"
    reviews = row(questionnaire, "How often")
    assert reviews.context["options"] == ["Monthly", "Quarterly", "Annually", "Never"]
    assert reviews.suggestions[0]["short_answer"] == "Quarterly"


def test_a_y_n_list_is_a_yes_no_question_answered_in_the_sheets_own_letters(answer_library, sales):
    # "Y/N" written without spaces, and a drop-down of "Y,N": the sheet's Yes is "Y".
    assert split_options("Y/N") == ("Y", "N")
    assert split_options("Yes/No/N/A") == ("Yes", "No", "N/A")
    assert split_options("ISO/IEC 27001") == ("ISO/IEC 27001",)
    rows = [["Question", "Answer"], ["Do you encrypt customer data at rest?", None]]
    questionnaire = imported(workbook_bytes(rows, validations=[('"Y,N"', "B2")]), sales, column=0)
    encrypt = row(questionnaire, "Do you encrypt")
    assert encrypt.context["options"] == ["Y", "N"]
    assert encrypt.suggestions[0]["short_answer"] == "Y"
    question = read_question("Do you have a documented incident response plan? (Y/N)")
    assert question.options == ("Y", "N") and question.kind == reading.YES_NO
    # The answer column's header may say it: "Response (Y/N/N/A)".
    rows = [["Question", "Response (Y/N/N/A)"], ["Do you encrypt customer data at rest?", None]]
    questionnaire = imported(workbook_bytes(rows), sales, column=0)
    encrypt = row(questionnaire, "Do you encrypt")
    assert encrypt.context["options"] == ["Y", "N", "N/A"]
    assert encrypt.suggestions[0]["short_answer"] == "Y"


def test_an_options_column_and_yes_no_columns_give_the_answer_options(answer_library, sales):
    rows = [
        ["Question", "Possible answers", "Response"],
        ["Which TLS versions do you support?", "SSL 3.0, TLS 1.0, TLS 1.1, TLS 1.2, TLS 1.3", None],
    ]
    questionnaire = imported(workbook_bytes(rows), sales, column=0)
    tls = row(questionnaire, "Which TLS versions")
    assert tls.context["options"] == ["SSL 3.0", "TLS 1.0", "TLS 1.1", "TLS 1.2", "TLS 1.3"]
    # The policies name all five, the old ones as disabled: the answer is the two accepted.
    assert tls.suggestions[0]["short_answer"] == "TLS 1.2, TLS 1.3"
    rows = [["Question", "Yes", "No", "N/A"], ["Do you run phishing simulations for employees?", None, None, None]]
    questionnaire = imported(workbook_bytes(rows), sales, column=0)
    phishing = row(questionnaire, "Do you run phishing")
    assert phishing.context["options"] == ["Yes", "No", "N/A"]
    assert phishing.suggestions[0]["short_answer"] == "Yes"


@pytest.mark.parametrize(
    ("question", "kind", "check"),
    [
        ("Is customer data encrypted at rest?", reading.YES_NO, lambda s: s.startswith("Yes")),
        ("Is production customer data used in test environments?", reading.YES_NO, lambda s: s.startswith("No")),
        ("How often are user access rights reviewed?", reading.FREQUENCY, lambda s: "quarter" in s.lower()),
        # "standard" names the kind of answer, not the topic: not the ISO 27701 answer
        # ("In progress"), whose title says "another privacy standard".
        ("Which standard is your ISMS certified against?", reading.CHOICE, lambda s: "27001" in s),
        # Failing over without manual action is the redundancy across zones, not the DR plan.
        ("Is failover automatic?", reading.YES_NO, lambda s: s.startswith("Yes")),
        # "SSL/TLS" is one protocol: "SSL ... disabled" in the policy does not make it a No.
        ("Is SSL/TLS used to protect all traffic?", reading.YES_NO, lambda s: s.startswith("Yes")),
        # "often" says a frequency is wanted, not which one: not the answer titled "How often
        # are backups taken" ("daily"), but the restore tests ("quarterly").
        ("How often are backups tested?", reading.FREQUENCY, lambda s: s == "Quarterly"),
        # A rate is a share: "99.4% completion", not "at onboarding and annually".
        ("What was the completion rate of security awareness training?", reading.NUMBER, lambda s: "99.4%" in s),
        ("How long are security logs retained?", reading.DURATION, lambda s: "3 years" in s),
        ("What is the size of your security team?", reading.NUMBER, lambda s: "eleven" in s),
        # "work on security" is the security team ("The security function has eleven people"),
        # not remote work.
        ("How many people work on security full time?", reading.NUMBER, lambda s: "eleven" in s),
        # Staff are people: "eleven people", not "three teams".
        ("How many full-time security staff do you employ?", reading.NUMBER, lambda s: s == "eleven people"),
        (
            "How many people work in your information security team?",
            reading.NUMBER,
            lambda s: "eleven" in s.lower() or any(c.isdigit() for c in s),
        ),
        (
            "Who is responsible for information security?",
            reading.NAME,
            lambda s: "Chief Information Security Officer" in s or "CISO" in s,
        ),
        # "Who should we contact" wants an address, which the cited text gives.
        ("Who should we contact to report a vulnerability?", reading.NAME, lambda s: "@" in s),
        # Who did it: the name the text gives after "by", not a bare Yes or a sentence.
        ("Who is your ISO 27001 certification body?", reading.NAME, lambda s: s == "Nordmark Zertifizierung GmbH"),
        ("Which auditor performed your SOC 2 examination?", reading.PRODUCT, lambda s: s == "Harrow & Lindqvist LLP"),
        # Asked for a name, an approved bare "Yes" is not an answer; the sentence is.
        ("Who is your Data Protection Officer?", reading.NAME, lambda s: "Data Protection Officer" in s),
        ("What is the contact email for privacy requests?", reading.DESCRIBE, lambda s: s == "privacy@kestrel.example"),
        # The library's "Yes, TLS 1.2+ ..." answers "Do you...?", not "Which...?".
        ("Which TLS versions do you support for data in transit?", reading.CHOICE, lambda s: s.startswith("TLS 1.2")),
        ("How often are penetration tests performed?", reading.FREQUENCY, lambda s: s == "Annually"),
        # "they are never kept in source code": "they" are the secrets the clause before names.
        ("Are secrets stored in code?", reading.YES_NO, lambda s: s.startswith("No")),
        # "Passwords are never stored; only an Argon2id hash is kept": stored hashed, Yes; a
        # name keeps its capital after "Yes, ".
        ("Are passwords stored hashed?", reading.YES_NO, lambda s: s == "Yes, Argon2id hashes"),
        ("Are passwords stored in plain text?", reading.YES_NO, lambda s: s.startswith("No")),
        # Asked of one version, the approved "Yes, TLS 1.2+" written for "which versions?" does
        # not stand against "SSL, TLS 1.0 and 1.1 are disabled".
        ("Is TLS 1.0 supported?", reading.YES_NO, lambda s: s.startswith("No")),
        # "1.1" is in "TLS 1.0 and 1.1 are disabled", not in "accept only TLS 1.2 and 1.3".
        ("Is TLS 1.1 enabled?", reading.YES_NO, lambda s: s.startswith("No")),
        # "connecting to the office Wi-Fi grants no access to production".
        ("Is Wi-Fi in the office connected to production?", reading.YES_NO, lambda s: s.startswith("No")),
        # The approved Yes to "Is multi-factor authentication required for all employees?" lacks
        # the question's most telling word; its sentence says "SMS ... factors are disabled".
        ("Is SMS supported as a second factor?", reading.YES_NO, lambda s: s.startswith("No")),
        # "Critical: 7 days; high: 30 days": the part the question's own word leads.
        ("How quickly are high vulnerabilities patched?", reading.DURATION, lambda s: s == "30 days"),
        ("How quickly are critical vulnerabilities patched?", reading.DURATION, lambda s: s == "7 days"),
        # "Support tickets" is light beside "how long ... retained", and still what the row of
        # the cited retention schedule must name.
        ("How long are support tickets retained?", reading.DURATION, lambda s: s == "3 years"),
        # A terse column label that names a value wants the value, not a Yes.
        ("Password minimum length", reading.NUMBER, lambda s: s.startswith("12")),
        ("Security team size", reading.NUMBER, lambda s: s == "eleven people"),
        ("ISO 27001 certificate expiry", reading.DATE, lambda s: s == "6 April 2028"),
        ("Session timeout", reading.DURATION, lambda s: s == "8 hours"),
        ("Last penetration test date", reading.DATE, lambda s: s == "July 2026"),
        # A label that names a control is still one to confirm.
        ("Encryption at rest", reading.YES_NO, lambda s: s.startswith("Yes")),
        # When something was last done wants the date the text gives.
        ("When was the most recent penetration test completed?", reading.DATE, lambda s: s == "July 2026"),
        ("Date of the last disaster recovery exercise", reading.DATE, lambda s: "May 2026" in s),
        # The library answer found is about customer data ("24 months"); its sentence says
        # "backups are kept 35 days".
        ("How long are backups retained?", reading.DURATION, lambda s: "35 days" in s),
        # In that list "kept" is said of the backups alone, yet of every part: the part about
        # application logs gives their period ("application debug logs 30 days").
        ("How long are application logs kept?", reading.DURATION, lambda s: s == "30 days"),
        # An approved short answer that says it is kept whole, not cut to its first duration.
        (
            "How long is customer data retained after contract termination?",
            reading.DURATION,
            lambda s: "30" in s,
        ),
        # "If yes, please provide contact details." after the DPO question wants the address.
        (
            "Is there a Data Protection Officer? If yes, please provide contact details.",
            reading.YES_NO,
            lambda s: s.startswith("Yes, ") and "@" in s,
        ),
    ],
)
def test_the_short_answer_fits_the_kind_of_question(answer_library, question, kind, check):
    read = read_question(question)
    assert read.kind == kind
    ranked = library_index().rank(read)
    top = ranked.suggestions[0]
    assert top.short_answer and check(top.short_answer), top.short_answer
    # The detail quotes the cited text itself, one to three sentences of it: the answer's own
    # text, or a row of a section it cites.
    text = " ".join(f"{top.document.text or top.document.detail} {top.document.evidence}".split())
    quoted = sentences(top.quote)
    assert 1 <= len(quoted) <= 3
    assert all(" ".join(s.removesuffix(" ...").split()) in text for s in quoted), top.quote


@pytest.mark.parametrize(
    ("question", "answer"),
    [
        # "SSL, TLS 1.0 and 1.1 are disabled" sits beside "accept only TLS 1.2 and 1.3": not a No.
        ("Configuring SSL/TLS: Is all traffic to the application encrypted with TLS?", "Yes"),
        # "... personal computers cannot reach internal systems" is not about encryption.
        ("Are company laptops encrypted?", "Yes"),
        # The library's own words say it: "Zero-trust proxy, no VPN or bastions".
        ("Do administrators use a bastion host or VPN?", "No"),
        # The library's short answer says nothing of it; its sentence does: "no local admin rights".
        ("Do employees have local administrator rights on their laptops?", "No"),
        # Without "local" the first sentence of that answer names employees and laptops most;
        # the answer is about laptops, so the sentence on admin rights decides.
        ("Endpoints: Do employees have administrator rights on their laptops?", "No"),
        # "Kestrel runs no data centres of its own", though the short answer names AWS data centres.
        ("Do you operate your own data centres?", "No"),
        # ... but that denial leaves out the fire the question asks about, which the same
        # answer states: "AWS operates ... fire, climate and leak controls".
        ("Physical > Data Center: Is the data center protected against fire and flooding?", "Yes"),
        # "Application secrets are stored in AWS Secrets Manager ...; they are never stored in
        # source code": "they" are the secrets, and the clause that denies it is about the question.
        ("Development: Are secrets stored in source code?", "No"),
        # Asked in other words whether the company runs its own, it is still No.
        ("Physical: Is customer data hosted in company-owned data centers?", "No"),
        ("Physical: Do you use colocation data centres?", "No"),
        # "Production customer data is never used for testing; test suites use synthetic ...":
        # the clause most about the question decides, not the one after it.
        ("Change management: Is production data used in testing?", "No"),
        # "Kestrel has no corporate VPN and no SSH bastion hosts": each "no" negates its own words.
        ("Can engineers SSH into production servers?", "No"),
        # Whether a policy exists, not what it allows: the BYOD answer's own short answer is
        # "No, except managed mail and chat apps" (to "Are personal devices allowed?").
        ("Do you have a documented BYOD policy?", "Yes"),
        # So does whether a policy covers something.
        ("Policies: Is there a policy governing the use of personal devices?", "Yes"),
        ("Policies: Does your security policy cover the use of personal devices?", "Yes"),
        # Asked whether a control stands before something, "Kestrel staff cannot browse customer
        # workspaces by default" is a Yes.
        ("Access: Do support staff need customer permission to access a customer account?", "Yes"),
        # The library's "N/A" answers "Are you PCI DSS compliant?"; to this question its
        # "Kestrel does not store, process or transmit cardholder data" is a No.
        ("Do you store credit card numbers?", "No"),
        # A statement to confirm gets Yes or No like a question.
        ("Configuring SSL/TLS: HSTS enabled", "Yes"),
        ("Customer data used in test environments", "No"),
        # A question that is itself negative is not turned round.
        ("Are SSL, TLS 1.0 and TLS 1.1 disabled?", "Yes"),
        # Asked whether something is kept apart or stopped, "no network connectivity to
        # staging or development" and "no local admin rights" say Yes.
        ("Is the production network segmented from corporate and development networks?", "Yes"),
        ("Are users prevented from having local administrator rights on their laptops?", "Yes"),
        # The library's "No" answers "Is production data ever used in test?"; its "separate
        # AWS accounts with no network path between them" says Yes to this one.
        ("Are development, test and production environments separated?", "Yes"),
        # ", from a firm that does not perform our external audits," describes the firm: the
        # approved Yes stands.
        ("Do you perform internal audits of your security controls?", "Yes"),
        # "Builds run on CI runners with no standing credentials, container images are signed":
        # the "no" ends at the comma.
        ("Infrastructure > Kubernetes: Are container images signed?", "Yes"),
    ],
)
def test_yes_or_no_follows_what_the_cited_text_says_of_the_thing_asked(answer_library, question, answer):
    section, _, question = question.rpartition(": ")
    top = library_index().rank(read_question(question, section=section)).suggestions[0]
    assert top.short_answer.split(",")[0].split(";")[0] == answer, (top.document.title, top.short_answer, top.quote)


def test_whether_a_policy_exists_is_answered_by_the_one_titled_for_it(answer_library):
    # Under "Data Retention & Deletion" the page on secure deletion mentions the retention
    # policy and shares the heading's words; the retention schedule is the policy asked about.
    question = read_question("Do you have a documented data retention policy?", section="Data Retention & Deletion")
    top = library_index().rank(question).suggestions[0]
    assert "retention" in top.document.title.lower() and "deletion" not in top.document.title.lower()
    assert top.short_answer.startswith("Yes")


def test_a_yes_no_question_followed_by_which_is_answered_from_the_first_and_says_which(answer_library):
    # The first question says what it is about; "Against which standard?" alone would pull
    # the ISO 27701 answer ("another privacy standard"), which mentions the 27001 ISMS.
    question = read_question("Is your ISMS certified? Against which standard?", section="Security Program")
    top = library_index().rank(question).suggestions[0]
    assert top.short_answer.startswith("Yes. ") and "27001" in top.short_answer, (top.document.title, top.short_answer)


def test_a_report_or_certificate_the_library_does_not_hold_is_not_answered_by_another(answer_library):
    # "SOC 1" is not "SOC 2", and "Type II" after "SOC 1" says nothing of SOC 2.
    assert "~soc2" not in analyze("Do you have a SOC 1 Type II report?")
    assert "~soc1" in analyze("Can you share your ISAE 3402 report?")
    index = library_index()
    for text in ("Do you have a SOC 1 report?", "Do you have a SOC 1 Type II report?", "Are you ISO 27017 certified?"):
        ranked = index.rank(read_question(text, section="Compliance"))
        assert ranked.needs_expert, (text, ranked.suggestions[0].document.title, ranked.suggestions[0].confidence)
    # The one it holds still is.
    ranked = index.rank(read_question("Do you have a SOC 2 Type II report?", section="Compliance"))
    assert not ranked.needs_expert and ranked.suggestions[0].short_answer.startswith("Yes")


def test_a_control_customers_can_switch_on_is_not_a_yes_to_whether_it_is_enforced(answer_library):
    index = library_index()
    top = index.rank(read_question("Is MFA enforced for all customer users by default?")).suggestions[0]
    # "workspace administrators can require TOTP or WebAuthn": the customer's choice, quoted.
    assert top.short_answer.startswith("Configurable: "), top.short_answer
    assert "can require" in top.quote
    # A sheet's "Partial" is that choice; without one, it can be enforced: "Yes".
    asked = read_question("Is MFA enforced for all customer users by default?", options=("Yes", "No", "Partial"))
    assert index.rank(asked).suggestions[0].short_answer == "Partial"
    asked = read_question("Is MFA enforced for all customer users by default?", options=("Yes", "No", "N/A"))
    assert index.rank(asked).suggestions[0].short_answer == "Yes"
    # Asked whether it can be enforced, it can; and the workforce's MFA is compulsory.
    for text in ("Can MFA be enforced for all end users of the application?", "Is MFA required for all employees?"):
        top = index.rank(read_question(text)).suggestions[0]
        assert top.short_answer.startswith("Yes"), (text, top.short_answer)


def test_a_heading_word_does_not_outweigh_the_question(answer_library):
    # "Data handling" is a phrase of the data-classification concept; the question under it
    # is about encryption at rest, and the library answers exactly that question.
    index = library_index()
    question = read_question("Is customer data encrypted at rest?", section="Web Application > Data handling")
    top = index.rank(question).suggestions[0]
    assert top.document.title == "Is customer data encrypted at rest?"
    assert top.short_answer.startswith("Yes")
    # The heading still tells apart what the question alone cannot.
    follow_up = read_question("How long are they kept?", section="Logging", previous="Do you keep security logs?")
    assert "log" in index.rank(follow_up).suggestions[0].document.title.lower()


@pytest.mark.parametrize(
    ("text", "follow_up"),
    [
        ("If yes, please describe.", True),
        ("Provide more details on the termination point", True),
        # A bare question word and no more than three words: it asks about the row above.
        ("How often?", True),
        ("Which library?", True),
        ("Frequency?", True),
        ("Within what timeframe?", True),
        # How long, how many, how often, and no verb: one thing more about the row above.
        ("After how long?", True),
        ("After how many failed attempts, and for how long?", True),
        ("How much advance notice?", True),
        # A property of something it does not name: of what the question above names.
        ("What is the retention period?", True),
        ("What is the review frequency?", True),
        ("What is the data retention period for backups?", False),
        ("What is your recovery time objective?", False),
        ("How many people work in your security team?", False),
        ("How often are backups tested?", False),
        ("Encryption at rest", False),
        ("HSTS enabled", False),
        ("Describe how it is tested", True),
        ("Details:", True),
        # These name their own subject: the question above says nothing about them.
        ("Describe your password policy.", False),
        ("Please provide details of your vulnerability management process.", False),
        ("Explain how you manage encryption keys", False),
        # "their" points back only with nothing but question words before it.
        ("How are their keys rotated?", True),
        ("Are they encrypted?", True),
        ("Can customers export their data?", False),
        ("Who has access to them?", True),
        # A bare "which" after a preposition: "Against which standard?" after "Is your ISMS certified?"
        ("Against which standard?", True),
        ("Do you tell customers before you change them?", True),
        ("Do employees return their laptops?", False),
    ],
)
def test_a_describe_question_leans_on_the_one_above_only_without_a_subject_of_its_own(text, follow_up):
    assert reading.is_follow_up(text) is follow_up


@pytest.mark.parametrize(
    ("previous", "text", "follow_up"),
    [
        (
            "Do you terminate TLS at a load balancer or at the edge?",
            "Provide more details on the termination point",
            True,
        ),
        ("How long are backups kept?", "Where are they stored?", True),
        ("Do you have a disaster recovery plan?", "Describe how it is tested", True),
        ("Do you have a disaster recovery plan?", "Details:", True),
        # What "the ..." names, the question above does not: a subject of its own.
        (
            "Does the application support SCIM for automated provisioning?",
            "Describe the session timeout applied to customer accounts.",
            False,
        ),
        ("Do you have a disaster recovery plan?", "Provide more details on the termination point", False),
        # A part or property ("the scope", "the methodology") of what the question above names.
        ("Do you perform penetration testing?", "Provide more details on the scope.", True),
        ("Do you run vulnerability scans?", "Describe the methodology.", True),
        # "If yes, ..." is about the question above whatever it names.
        ("Is production data used in testing?", "If yes, describe the masking techniques applied.", True),
    ],
)
def test_a_describe_question_naming_what_the_one_above_does_not_stands_alone(previous, text, follow_up):
    question = read_question(text, previous=previous)
    assert question.follow_up is follow_up
    assert bool(question.previous) is follow_up


def test_a_question_with_its_own_subject_is_not_answered_from_the_question_above(answer_library):
    question = read_question("Describe your password policy.", previous="Do you have a disaster recovery plan?")
    top = library_index().rank(question).suggestions[0]
    assert "password" in top.document.title.lower(), top.document.title


@pytest.mark.parametrize(
    ("text", "options", "kind"),
    [
        (
            "Which of the following MFA methods are supported: SMS, TOTP, WebAuthn or push notifications?",
            ("SMS", "TOTP", "WebAuthn", "push notifications"),
            reading.CHOICE,
        ),
        ("Which one of these providers hosts the service (AWS, GCP, Azure)?", ("AWS", "GCP", "Azure"), reading.CHOICE),
        # A bracket that ends a "which" question lists the answers to choose from.
        (
            "Which cloud provider(s) host the service (AWS, Azure, GCP, other)?",
            ("AWS", "Azure", "GCP", "other"),
            reading.CHOICE,
        ),
        ("Do you encrypt backups? (Yes/No/N/A)", ("Yes", "No", "N/A"), reading.YES_NO),
        (
            "If yes, which mechanism is relied upon? (Standard Contractual Clauses, Binding Corporate Rules, other)",
            ("Standard Contractual Clauses", "Binding Corporate Rules", "other"),
            reading.CHOICE,
        ),
        # Listed with commas, a slash is part of an item's name.
        (
            "Which of the following do you hold? (ISO/IEC 27017, ISO/IEC 27018, PCI DSS, other)",
            ("ISO/IEC 27017", "ISO/IEC 27018", "PCI DSS", "other"),
            reading.CHOICE,
        ),
        # Brackets that give examples, not answers, and a colon that is no list either.
        ("Is data encrypted (at rest)?", (), reading.YES_NO),
        ("What access controls are in place at your offices (badges, CCTV, visitor logs)?", (), reading.DESCRIBE),
        ("Is traffic between microservices encrypted (e.g., mTLS, IPsec)?", (), reading.YES_NO),
        ("Note: describe your backup strategy", (), reading.DESCRIBE),
        # "(select all that apply):" before the list.
        (
            "Certifications held (select all that apply): ISO 27001 / SOC 1 / SOC 2 / PCI DSS",
            ("ISO 27001", "SOC 1", "SOC 2", "PCI DSS"),
            reading.CHOICE,
        ),
    ],
)
def test_answer_options_written_in_the_question_are_read(text, options, kind):
    question = read_question(text)
    assert question.options == options
    assert question.kind == kind


@pytest.mark.parametrize(
    "text",
    [
        "Who should be contacted at your company to report a security incident?",
        "How do customers report a suspected security incident?",
        "How can researchers report vulnerabilities?",
    ],
)
def test_a_question_on_whom_to_contact_is_answered_with_an_address(answer_library, text):
    # A section that only names incidents (post-incident reviews, definitions) has nowhere to
    # write to; the one that gives the address is first, even from below the best five.
    question = read_question(text, section="Security & Privacy Program > Incident Response")
    top = library_index().rank(question).suggestions[0]
    assert "security@" in top.short_answer, (top.document.key, top.short_answer)


def test_an_outside_rating_is_not_answered_from_a_text_that_gives_none(answer_library):
    # The TLS section says which versions and ciphers, not what grade a scanner gives them.
    question = read_question("What grade does the application receive on SSL Labs?", section="Configuring SSL/TLS")
    ranked = library_index().rank(question)
    assert ranked.needs_expert and ranked.reason == "no-value", (ranked.suggestions[0].confidence, ranked.reason)


def test_the_short_answer_picks_the_options_the_cited_text_names(answer_library):
    question = read_question("Which of the following MFA methods are supported: SMS, TOTP, WebAuthn, push?")
    top = library_index().rank(question).suggestions[0]
    assert top.short_answer == "TOTP, WebAuthn", (top.document.title, top.short_answer)
    # Which ones, from a bracket: all that the text names. Listed answers that no document
    # names (Azure, GCP) do not count as words the question asks about and left unmatched.
    question = read_question("Which cloud provider(s) host the service (AWS, Azure, GCP, other)?")
    assert question.multiple
    ranked = library_index().rank(question)
    assert ranked.suggestions[0].short_answer == "AWS", ranked.suggestions[0].document.title
    assert ranked.features["unknown"] == 0
    # "Kestrel runs no data centres of its own" names "own data centre" only to deny it.
    question = read_question("Which provider(s) host production? (AWS, Microsoft Azure, own data centre, other)")
    assert library_index().rank(question).suggestions[0].short_answer == "AWS"
    # The library's "N/A" is the sheet's own N/A, not a Yes.
    question = read_question("Are you PCI DSS compliant? (Yes/No/N/A)")
    assert library_index().rank(question).suggestions[0].short_answer == "N/A"


@pytest.mark.parametrize(
    "text",
    [
        "Which of the following certifications do you hold: ISO 27001, SOC 1, SOC 2, PCI DSS, HITRUST?",
        "Certifications held (select all that apply): ISO 27001 / SOC 1 / SOC 2 / PCI DSS / CSA STAR",
    ],
)
def test_the_certifications_held_are_picked_from_all_that_the_answer_cites(answer_library, text):
    # The ISO answer names ISO 27001; the sections it cites name the SOC 2 report too. "SOC 1"
    # is "SOC" and "1": the "SOC 2" a text names is not it.
    top = library_index().rank(read_question(text)).suggestions[0]
    assert top.short_answer == "ISO 27001, SOC 2", (top.document.title, top.short_answer)


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        # A follow-up is read without its condition.
        ("If yes, are changes tested before deployment?", reading.YES_NO),
        ("If not, explain why.", reading.DESCRIBE),
        # Alternatives to choose from, not a yes or no.
        ("Do you act as a processor, a controller, or both, for our data?", reading.CHOICE),
        ("Are you a data processor or controller?", reading.CHOICE),
        # A confirmation asked for is a yes or no, whatever figure it names ...
        ("Please confirm that your security policies are reviewed at least annually.", reading.YES_NO),
        ("Confirm whether you hold cyber insurance.", reading.YES_NO),
        # ... unless it asks for the value.
        ("Confirm the date of your last penetration test.", reading.DESCRIBE),
        ("Do you act as a controller or a processor for our data?", reading.CHOICE),
        # A short statement to confirm is answered Yes or No ...
        ("HSTS enabled", reading.YES_NO),
        ("Written information security policy", reading.YES_NO),
        # ... and so is a longer one in the passive.
        (
            "Source code repositories and build pipelines are protected by access controls, branch protection "
            "and signed commits or artefacts.",
            reading.YES_NO,
        ),
        ("Describe how source code repositories are protected.", reading.DESCRIBE),
        # ... an instruction, a prompt or a long statement is not.
        ("Describe your password policy.", reading.DESCRIBE),
        ("Explain where the uploaded files are stored:", reading.DESCRIBE),
        ("Provide a copy of your most recent SOC 2 report", reading.DESCRIBE),
        # Mentioning a duration or a frequency does not stop a yes/no question being one ...
        ("Are logs retained for at least six months?", reading.YES_NO),
        ("Is there a defined frequency for access reviews?", reading.YES_NO),
        # ... asking for it does.
        ("Do you perform access reviews? If so, how often?", reading.FREQUENCY),
        ("How long are logs retained?", reading.DURATION),
        ("When was the last penetration test performed?", reading.DATE),
        ("When are access reviews performed?", reading.DESCRIBE),  # not a date in the past
        ("Within how many days of termination is the data deleted?", reading.DURATION),
        # Notice is given some time ahead: a period, not a count.
        ("How much notice do you give before adding a new subprocessor?", reading.DURATION),
        ("How far in advance are customers notified of changes?", reading.DURATION),
        ("How much data can be lost in a disaster?", reading.NUMBER),
        ("How many staff work in security?", reading.NUMBER),
        ("When does your ISO 27001 certificate expire?", reading.DATE),
        # An SLA for doing something is how long it may take.
        ("What is the SLA for updating a dependency with a known critical CVE?", reading.DURATION),
        ("Do you offer an uptime SLA?", reading.YES_NO),
        # A phrase that sets the scene does not stop a yes/no question being one ...
        ("Upon termination of the contract, will our data be returned in a standard format?", reading.YES_NO),
        ("For production systems, is MFA enforced?", reading.YES_NO),
        # ... but a question word before the comma does.
        ("How often, and by whom, are logs reviewed?", reading.FREQUENCY),
        ("What, if anything, is logged?", reading.DESCRIBE),
        # A request for a description that lists a value among what it should cover wants
        # the description; one that asks for the value itself wants the value.
        ("Give an overview of your last DR exercise, including how long the restore took.", reading.DESCRIBE),
        ("Summarise the latest audit, with the number of exceptions found.", reading.DESCRIBE),
        ("Please provide the number of employees in your security team.", reading.NUMBER),
        ("Explain how often firewall rules are reviewed.", reading.FREQUENCY),
        # Fragments under a heading: a state to confirm, who, a value.
        ("Encrypted?", reading.YES_NO),
        ("Tamper-proof?", reading.YES_NO),
        ("Performed by?", reading.NAME),
        ("Retention?", reading.DURATION),
        ("Backup retention period", reading.DURATION),
        ("Security contact email", reading.NAME),
        ("Data centre location", reading.DESCRIBE),
        # An outline number before it, however written, is not part of the question.
        ("Q12: Describe your patch management process.", reading.DESCRIBE),
        ("A.1.2) Do you have a documented incident response plan?", reading.YES_NO),
    ],
)
def test_a_yes_no_question_is_typed_only_when_it_asks_for_the_value(text, kind):
    assert reading.question_kind(text) == kind


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("Which endpoint protection product do you use?", reading.PRODUCT),
        ("Which WAF product/service?", reading.PRODUCT),
        ("Which company performs your certification audit?", reading.PRODUCT),
        ("What tools are used for static analysis?", reading.PRODUCT),
        ("Which role approves access requests?", reading.NAME),
        ("What product categories do you sell?", reading.DESCRIBE),
        ("Which hosting provider runs the database?", reading.PRODUCT),
        ("Which payment processor do you use?", reading.PRODUCT),
        ("Which insurer provides your cyber cover?", reading.PRODUCT),
        # The word in front of another noun is not what is asked for.
        ("What is the process when a company phone is stolen?", reading.DESCRIBE),
        ("Which software development method is followed?", reading.CHOICE),
    ],
)
def test_a_question_that_asks_which_product_or_vendor_wants_a_name(text, kind):
    assert read_question(text).kind == kind


def test_a_product_or_vendor_is_answered_only_where_the_text_names_one(answer_library):
    index = library_index()
    # The library names its payment processor ...
    top = index.rank(read_question("Which payment provider processes card payments?")).suggestions[0]
    assert "Stripe" in top.short_answer and top.confidence >= 70
    # ... but not the maker of its EDR agent: "An EDR agent is installed" is no product's name.
    ranked = index.rank(read_question("Which EDR product do you use?", section="Endpoints"))
    assert ranked.needs_expert and ranked.suggestions[0].short_answer != "Yes"
    # and the reviewer is told why: the closest section does not give what is asked for.
    assert ranked.reason == "no-value"
    # "Detection and Response" is a team (the library writes "detection" in lower case too).
    assert product_names("reporting to our Detection and Response team", common=index.common) == []
    names = product_names("alerts from AWS Security Hub and CrowdStrike feed our SIEM")
    assert names == ["AWS", "Security", "Hub", "CrowdStrike"]


def test_a_yes_no_question_that_asks_how_often_is_answered_yes_and_how_often(answer_library):
    top = library_index().rank(read_question("Do you perform user access reviews? If so, how often?")).suggestions[0]
    assert top.short_answer == "Yes, quarterly", top.short_answer
    retained = library_index().rank(read_question("Are security logs retained for at least six months?"))
    assert retained.suggestions[0].short_answer.startswith("Yes, 3 years"), retained.suggestions[0].short_answer


def compose_alone(text, doc):
    """compose() for a question on its own, every word of it weighing the same."""
    question = read_question(text)
    return compose(question, doc, query_tokens={t: (1.0, "question") for t in analyze(question.text)})


def compose_follow_up(question, doc):
    """compose() for a follow-up, every word weighing the same, a word of the question itself
    counting as the question's rather than the one above's."""
    query = {t: (1.0, "previous") for t in analyze(question.previous)}
    query |= {t: (1.0, "question") for t in analyze(question.text)}
    return compose(question, doc, query_tokens=query)


def test_a_short_answer_from_a_long_sentence_ends_at_a_clause_not_mid_phrase():
    long = (
        "Engineers follow written coding standards for Go, TypeScript and Python covering parameterised "
        "queries, output encoding, server-side authorisation, safe deserialisation, secrets handling and "
        "the review of every change by a second engineer before it merges."
    )
    doc = Document(
        key="section:secure-development#standards",
        kind="section",
        title="Secure development: Standards",
        short_answer="",
        detail="",
        source={},
        text=f"Our teams ship every day. {long}",
    )
    short, quote, _fits = compose_alone("Describe your secure coding standards.", doc)
    # The sentence most about the question, up to the last clause that fits, marked as cut.
    assert short.endswith(" ...") and long.startswith(short.removesuffix(" ..."))
    assert long[len(short.removesuffix(" ..."))] in ",;:"
    assert len(short) <= 160
    assert long in quote


def test_the_root_password_is_not_a_customer_password(answer_library):
    # The policies say how customer passwords are stored, not where the root account's is kept.
    ranked = library_index().rank(read_question("Where is the root password stored?", section="Infrastructure"))
    assert ranked.needs_expert or "customer" not in ranked.suggestions[0].quote.lower()


def test_a_control_on_laptops_does_not_answer_for_servers(answer_library):
    index = library_index()
    laptops = index.rank(read_question("Is anti-malware installed on all company laptops?"))
    assert not laptops.needs_expert and laptops.suggestions[0].short_answer.startswith("Yes")
    # The same answer names laptops only: whether servers run it is for a person to say.
    servers = index.rank(read_question("Is anti-malware installed on all servers?"))
    assert servers.suggestions[0].document.key == laptops.suggestions[0].document.key
    assert servers.needs_expert and servers.reason == "scope"
    servers, laptops = scopes_named("Is EDR deployed on servers?"), scopes_named("EDR runs on every laptop.")
    assert other_scope(servers, laptops)
    assert not other_scope(servers, scopes_named("An EDR agent runs on every host and laptop."))
    assert not other_scope(scopes_named("Is EDR deployed on all endpoints?"), laptops)


@pytest.mark.parametrize(
    ("question", "cited"),
    [
        # A published policy of that name: cited by its first section ...
        ("Do you have a vulnerability management policy?", "section:vulnerability-management#"),
        ("Is there a documented network security policy?", "section:network-security#"),
        # ... by the section on it, in a policy on two things ("Privacy and Data Retention") ...
        ("Do you have a data retention policy?", "section:privacy-retention#retention-schedule"),
        # ... or by the approved answer written for the question, which says more.
        ("Do you have a written incident response plan?", "answer:"),
        # Whether it is in place or approved is still whether it exists.
        ("Is there a documented network security policy in place?", "section:network-security#"),
        ("Do you have a vulnerability management policy approved by senior management?", "section:vulnerability-"),
    ],
)
def test_a_policy_that_is_published_answers_whether_there_is_one(answer_library, question, cited):
    ranked = library_index().rank(read_question(question, section="Policies"))
    top = ranked.suggestions[0]
    assert not ranked.needs_expert and top.short_answer.startswith("Yes"), top.short_answer
    assert top.document.key.startswith(cited)
    assert top.confidence >= 90
    if cited == "answer:":
        assert any(key.startswith("section:incident-response#") for key in top.document.cites)


def test_a_policy_whose_name_fits_no_published_one_is_not_answered_by_existence(answer_library):
    # No published policy is on cryptocurrency: no policy's being there answers it.
    ranked = library_index().rank(read_question("Do you have a cryptocurrency trading policy?", section="Policies"))
    assert ranked.needs_expert


def approved_answer(question, short, text):
    """An approved library answer on its own, for compose()."""
    return Document(key="answer:1", kind="answer", title=question, short_answer=short, detail="", source={}, text=text)


def test_the_quote_gives_the_figure_the_short_answer_gives():
    deadlines = approved_answer(
        "What are your timelines for remediating vulnerabilities by severity?",
        "Critical 7 days, high 30",
        "Critical: 7 days; high: 30 days; low: 180 days. Last year 97.4% of critical and high findings were "
        "patched on servers within deadline.",
    )
    short, quote, _fits = compose_alone("How quickly are servers patched?", deadlines)
    assert "7 days" in short, short
    # The sentence sharing most words ("patched on servers") is quoted, after the one that
    # says "7 days".
    assert quote.startswith("Critical: 7 days;") and "97.4%" in quote, quote


def test_a_value_is_taken_for_the_term_the_sentence_most_about_the_question_defines():
    objectives = approved_answer(
        "What are your recovery objectives?",
        "",
        "The recovery point objective (RPO) is the maximum acceptable data loss. The recovery time objective "
        "(RTO) is the maximum time to restore service. Loss of a region: RPO 5 minutes; RTO 4 hours.",
    )
    # The RTO's 4 hours, not the first period given (the RPO's).
    assert compose_alone("How long would it take to restore service?", objectives)[0] == "4 hours"


def test_a_deadline_is_the_period_given_with_within():
    training = approved_answer(
        "Do all employees complete security awareness training?",
        "Yes, at onboarding and annually",
        "New starters complete about 60 minutes of security training within 14 days, before any access.",
    )
    # Not the 60 minutes the training takes.
    assert compose_alone("How long do new hires have to complete security training?", training)[0] == "Within 14 days"
    assert compose_alone("How long is the security training?", training)[0] == "60 minutes"


def test_a_library_short_answer_written_for_another_question_is_not_tacked_onto_yes():
    offices = approved_answer(
        "What physical security controls protect your offices?",
        "Badge access, escorted visitors, alarms",
        "Access is by personal badge; visitors are escorted; staff follow a clear-desk rule.",
    )

    # Asked about what it was written for, the approved short answer says more than Yes ...
    short = compose_alone("Are visitors to your offices escorted?", offices)[0]
    assert short == "Yes, badge access, escorted visitors, alarms"
    # ... asked about something it does not name, it would read as an answer to another question.
    assert compose_alone("Do staff follow a clear-desk rule?", offices)[0] == "Yes"


def test_an_approved_answer_written_for_the_question_is_not_turned_round_by_what_it_forbids():
    pentest = approved_answer(
        "May we perform our own penetration test against your service?",
        "Yes, with notice (Enterprise)",
        "Enterprise customers may run their own tests after notifying us. Penetration testing of other "
        "tenants, denial of service and social engineering of our staff are not permitted.",
    )
    # What is not permitted is something else than what is asked: the approved Yes stands.
    assert compose_alone("Do you permit customers to conduct their own penetration testing?", pentest)[0] == (
        "Yes, with notice (Enterprise)"
    )
    # Asked about what it forbids, the text says No.
    assert compose_alone("Is denial of service testing permitted?", pentest)[0] == "No"


def test_a_short_follow_up_takes_its_value_from_what_the_question_above_asks_about():
    retention = approved_answer(
        "How long do you keep customer data?",
        "24 months by default, configurable",
        "Event data is kept for 24 months by default, backups are kept 35 days and security logs 3 years.",
    )
    question = read_question("How long are they kept?", previous="How often are backups taken?")
    assert question.follow_up
    # "They" are the backups: the approved short answer, written for customer data, is not it.
    assert compose_follow_up(question, retention)[0] == "35 days"
    # Asked about what it was written for, the approved short answer is kept whole.
    alone = compose_alone("How long do you keep customer data?", retention)[0]
    assert alone == "24 months by default, configurable"


def test_a_count_is_of_what_the_question_counts():
    passwords = approved_answer(
        "What are your password rules?",
        "12+ characters, breached-password check, lockout",
        "Passwords must be at least 12 characters; accounts lock after 10 failed login attempts in an hour.",
    )
    question = read_question("After how many attempts?", previous="Are accounts locked after failed logins?")
    assert question.follow_up and question.kind == reading.NUMBER
    # Not the approved short answer's "12+ characters": the number of attempts.
    assert compose_follow_up(question, passwords)[0] == "10 failed login"
    # Asked about the characters, the characters.
    assert compose_alone("How many characters must a password have?", passwords)[0] == "12 characters"
    # A year is not a count, after "since April" or in brackets.
    keys = approved_answer(
        "Do staff use security keys?",
        "Yes",
        "Since April 2026 every employee signs in with a FIDO2 key (2026 rollout); each employee gets two keys.",
    )
    assert compose_alone("How many keys does each employee get?", keys)[0] == "two keys"
    assert "2026" not in compose_alone("How many employees use security keys?", keys)[0]


def test_every_answered_row_has_a_short_answer_and_a_versioned_citation(answer_library, sales):
    questionnaire = imported(workbook_bytes(SHEET), sales)
    for question in questionnaire.rows.filter(kind=RowKind.QUESTION, needs_expert=False):
        top = question.suggestions[0]
        assert top["short_answer"].strip()
        assert top["source"]["version"] >= 1 and top["source"]["url"].endswith("#" + top["source"]["anchor"])


def test_accept_many_takes_only_confident_suggestions_not_left_to_an_expert(answer_library, sales, client_for):
    questionnaire = imported(workbook_bytes(SHEET), sales)
    client = client_for(sales)
    response = client.post(f"/staff/questionnaires/{questionnaire.pk}/accept-many/", {"min_confidence": "0"})
    assert response.status_code == 302
    questions = questionnaire.rows.filter(kind=RowKind.QUESTION)
    accepted = questions.filter(status=RowStatus.ACCEPTED)
    assert accepted.count() == questions.filter(needs_expert=False).count() > 0
    assert not questions.filter(needs_expert=True).exclude(status=RowStatus.PENDING).exists()
    for accepted_row in accepted:
        assert accepted_row.answer and accepted_row.source_url and accepted_row.reviewed_by == sales
    page = client.get(f"/staff/questionnaires/{questionnaire.pk}/review/?show=expert").content.decode()
    assert "It asks about your product or the sheet itself" in page
    assert client.get(f"/staff/questionnaires/{questionnaire.pk}/accept-many/").status_code == 405


BACKUPS_MARKDOWN = """
Backups are encrypted and copied to a second region.

| Store | Method | Retention |
|-------|--------|-----------|
| PostgreSQL | Daily snapshots | 35 days |
| Message queue | Not backed up; replayed from the archive | 72 hours on brokers |
| VPC Flow Logs | Searchable in SIEM for 90 days | 1 year in the archive |

- Restores are tested every quarter
- A failed backup pages the on-call engineer
"""


def table_section():
    prose, rows = html_to_prose(render_markdown(BACKUPS_MARKDOWN).html)
    doc = Document(
        key="section:business-continuity#backups",
        kind="section",
        title="Business Continuity: Backups",
        short_answer="",
        detail=prose,
        source={},
        text=prose,
        rows=dict((sentence, subject) for subject, sentence in rows),
    )
    return prose, rows, doc


def test_a_table_row_is_a_sentence_that_names_its_columns():
    prose, rows, _doc = table_section()

    assert "PostgreSQL: method Daily snapshots; retention 35 days." in sentences(prose)
    assert [subject for subject, _sentence in rows] == ["PostgreSQL", "Message queue", "VPC Flow Logs"]
    # List items end sentences of their own instead of running into each other.
    assert "Restores are tested every quarter." in sentences(prose)
    assert "A failed backup pages the on-call engineer." in sentences(prose)


def test_a_table_row_says_no_only_of_what_its_first_cell_names():
    _prose, _rows, doc = table_section()

    # "Message queue: method Not backed up" is about the message queue, not customer data ...
    assert compose_alone("Is customer data backed up?", doc)[0] == "Yes"
    # ... and it is what answers a question about the message queue.
    assert compose_alone("Is the message queue backed up?", doc)[0] == "No"


def test_a_value_in_a_table_is_taken_from_the_column_the_question_asks_about():
    _prose, _rows, doc = table_section()

    short, quote, fits = compose_alone("How long are VPC flow logs retained in the archive?", doc)
    assert (short, fits) == ("1 year", True)
    assert "VPC Flow Logs: method Searchable in SIEM for 90 days; retention 1 year in the archive." in quote


def test_an_approved_answer_takes_a_value_it_does_not_give_from_a_table_row_of_a_cited_section():
    prose, rows, _section = table_section()
    backups = approved_answer(
        "How long are backups kept?",
        "35 days",
        "Backups are kept for 35 days, encrypted and copied to a second region.",
    )
    backups.evidence = prose
    backups.rows = {sentence: subject for subject, sentence in rows}

    # The answer was written for backups in general: its own value stands for them ...
    assert compose_alone("How long are backups kept?", backups)[0] == "35 days"
    # ... and for the message queue the row that names it gives the value, quoted first.
    short, quote, _fits = compose_alone("How long is data kept on the message queue?", backups)
    assert short == "72 hours"
    assert quote.startswith("Message queue: method Not backed up")


def test_a_follow_up_asking_to_explain_gets_the_details_not_the_short_answer_to_the_question_above():
    regions = approved_answer(
        "In which regions is our data stored?",
        "EU or US, your choice",
        "You choose the hosting region when the workspace is created. Backups are replicated to a second "
        "region in the same jurisdiction, so the service can recover from the loss of a whole region.",
    )
    previous = "Is customer data ever replicated outside the selected region?"

    short = compose_follow_up(read_question("If yes, explain why", previous=previous), regions)[0]
    assert short.startswith("Backups are replicated to a second region")
    # A question that says what it wants keeps the approved short answer.
    assert compose_alone("Where is our data stored?", regions)[0] == "EU or US, your choice"


def test_a_which_question_the_approved_short_answer_does_not_name_gets_the_clause_that_does():
    tls = approved_answer(
        "Which TLS versions do you support?",
        "TLS 1.2+ (1.3 preferred)",
        "Public endpoints accept only TLS 1.2 and 1.3. TLS 1.2 is limited to ECDHE key exchange with "
        "AES-GCM or ChaCha20-Poly1305, so every session has forward secrecy.",
    )

    assert compose_alone("Which TLS versions are supported?", tls)[0] == "TLS 1.2+ (1.3 preferred)"
    short = compose_alone("Which cipher suites are enabled?", tls)[0]
    assert short == "TLS 1.2 is limited to ECDHE key exchange with AES-GCM or ChaCha20-Poly1305"


def test_the_period_of_what_the_question_above_names_is_taken_from_its_table_row(answer_library):
    index = library_index()
    section = "Client Side & Integrations > Customer Logs"
    lead = read_question("Are audit logs available to the customer?", section=section)
    follow_up = read_question("What is the retention period?", section=section, previous=lead.text)
    _ranked_lead, ranked = index.rank_many([lead, follow_up])
    # The audit log's 13 months (a row of the log retention table), not customer data's 24.
    assert "13 months" in ranked.suggestions[0].short_answer
    assert "24 months" not in ranked.suggestions[0].short_answer


@pytest.mark.parametrize(
    ("text", "seed_key", "short"),
    [
        ("Is your ISMS certified against a recognised standard?", "iso27001", "Yes"),
        ("Are you ISO 27001 certified?", "iso27001", "Yes"),
        ("Are you certified to any privacy standard?", "iso27701", "In progress"),
    ],
)
def test_a_question_on_one_standard_is_not_answered_by_the_answer_on_another(answer_library, text, seed_key, short):
    ranked = library_index().rank(read_question(text))
    top = ranked.suggestions[0]
    assert Answer.objects.get(pk=top.document.answer_pk).seed_key == seed_key
    assert top.short_answer == short
    assert not ranked.needs_expert
    # The answer on another standard is not a close second.
    assert all(s.confidence < 70 for s in ranked.suggestions[1:])


@pytest.mark.parametrize(
    ("section", "text", "seed_key"),
    [
        # Under a heading on the product, the methods the application offers (TOTP, WebAuthn),
        # not the employees' security keys.
        (
            "Web Application > Authentication",
            "Which 2FA methods are supported (SMS, TOTP, hardware keys)?",
            "customer-mfa",
        ),
        # Asked of the staff, the employees' keys, not the application's options.
        ("Authentication", "Which 2FA methods do employees use (SMS, TOTP, hardware keys)?", "workforce-mfa"),
        # A "client side" heading is about the product too: the customer's users leave through
        # SCIM, not as the employees do.
        ("Client Side > Sign-in", "How quickly is access removed when a user is deprovisioned?", "customer-scim"),
    ],
)
def test_a_control_for_the_staff_does_not_answer_for_the_products_users(answer_library, section, text, seed_key):
    top = library_index().rank(read_question(text, section=section)).suggestions[0]
    assert Answer.objects.get(pk=top.document.answer_pk).seed_key == seed_key, top.short_answer


def test_the_companys_own_tests_are_not_answered_by_the_customers_right_to_test(answer_library):
    # "Do you perform ...?" asks about the company's own tests; the approved answer to "May we
    # perform our own penetration test ...?" is about the customer's.
    assert who_tests("Do you perform penetration testing?") == COMPANY
    assert who_tests("May we perform our own penetration test against your service?") == CUSTOMER
    assert who_tests("Can we audit your security controls?") == CUSTOMER
    assert who_tests("Do you encrypt data at rest?") == ""
    top = library_index().rank(read_question("Do you perform penetration testing?")).suggestions[0]
    assert Answer.objects.get(pk=top.document.answer_pk).seed_key == "penetration-testing"
    top = library_index().rank(read_question("Can customers perform their own pen tests?")).suggestions[0]
    assert Answer.objects.get(pk=top.document.answer_pk).seed_key == "customer-pentest"
    # "Your last penetration test" is the company's too.
    assert who_tests("When was your last penetration test?") == COMPANY
    assert who_tests("Can we see the results of your most recent pen test?") == COMPANY
    top = library_index().rank(read_question("Who performed your last penetration test?")).suggestions[0]
    assert top.document.answer_pk is not None
    assert Answer.objects.get(pk=top.document.answer_pk).seed_key == "penetration-testing"


def test_a_question_naming_no_customer_is_about_the_companys_own_tests(answer_library):
    # "Who performs penetration tests?" says neither "you" nor "we": it is not about what the
    # customer may do, which the approved answer on customers' own tests says.
    assert whose_tests(read_question("Who performs penetration tests?")) == COMPANY
    assert whose_tests(read_question("Is penetration testing by customers allowed?")) == ""
    for text in ("Who performs penetration tests?", "How often are penetration tests performed?"):
        ranked = library_index().rank(read_question(text, section="Application"))
        top = ranked.suggestions[0]
        assert Answer.objects.get(pk=top.document.answer_pk).seed_key == "penetration-testing", text
        assert not ranked.needs_expert, (text, top.confidence)
    # Who: the outside party the sentence names.
    top = library_index().rank(read_question("Who performs penetration tests?")).suggestions[0]
    assert top.short_answer == "An independent CREST-accredited firm", top.short_answer


def test_a_name_on_the_other_side_does_not_answer(answer_library):
    # "Internal audit: an independent internal auditor, ..." names who does the internal
    # audits; asked who does the external ones, it is no answer.
    ranked = library_index().rank(read_question("Who performs your external audits?"))
    assert "internal auditor" not in ranked.suggestions[0].short_answer.lower() or ranked.needs_expert
    assert sides_of(analyze("an independent internal auditor")) == {"internal"}
    assert sides_of(analyze("audited by an independent third party")) == {"extern"}


def test_a_follow_up_on_the_companys_tests_is_not_answered_by_the_section_on_customers_tests(answer_library):
    question = read_question(
        "Provide more details on the scope.",
        section="Vulnerability Management",
        previous="Do you perform penetration tests?",
    )
    top = library_index().rank(question).suggestions[0]
    assert top.document.key == "section:vulnerability-management#penetration-testing", top.document.key


def test_the_customers_own_audit_is_not_answered_by_the_companys_audits(answer_library):
    # The company's own auditors, however the question that asks about them opens.
    assert who_tests("Do you have an internal audit function that tests your security controls?") == COMPANY
    assert who_tests("How often do you reassess critical vendors?") == COMPANY
    # Whether the customer may audit is not answered, surely, by a text on the company's
    # internal or external audits: it is for a person (or a text on customers' audits).
    ranked = library_index().rank(read_question("Can we audit your security controls?"))
    assert ranked.needs_expert, ranked.suggestions[0]
    ranked = library_index().rank(read_question("May we perform our own penetration test?"))
    top = ranked.suggestions[0]
    assert not ranked.needs_expert
    assert Answer.objects.get(pk=top.document.answer_pk).seed_key == "customer-pentest"


def test_an_internal_control_does_not_answer_for_an_external_one(answer_library):
    # "An independent internal auditor, from a firm that does not perform our external
    # audits" shares "external audits"; the external audits are SOC 2 and ISO 27001.
    top = library_index().rank(read_question("Do you undergo annual external audits?")).suggestions[0]
    assert "internal" not in top.document.title.lower(), top.document.title
    assert "SOC 2" in top.quote, top.quote
    # An audit "by an independent third party" is an external one too.
    question = read_question("Has your organization been audited by an independent third party in the last 12 months?")
    top = library_index().rank(question).suggestions[0]
    assert "internal" not in top.document.title.lower(), top.document.title


def test_a_follow_ups_value_is_looked_for_by_its_own_words_before_those_of_the_question_above():
    logs = approved_answer(
        "How long are security logs retained, and how are they protected?",
        "3 years, immutable",
        "Security logs are searchable in the SIEM for 13 months and kept for 3 years in a log archive.",
    )
    question = read_question("How long are they retained?", previous="Are the logs stored in a central location?")

    # "stored in a central location" (the SIEM) is what the question above asked about.
    assert compose_follow_up(question, logs)[0] == "3 years"


def test_a_follow_up_naming_nothing_takes_the_period_of_what_the_question_above_names():
    periods = approved_answer(
        "How long do you retain customer data?",
        "24 months by default",
        "Backups are kept 35 days, the customer-facing audit log 13 months and security logs 3 years.",
    )
    question = read_question("How long is it kept?", previous="Does the application keep an audit trail?")
    # Not the backups', though "kept" is said of them.
    assert compose_follow_up(question, periods)[0] == "13 months"


def test_a_describe_question_is_not_answered_with_a_bare_period_written_for_another():
    breach = approved_answer(
        "How quickly will you notify customers of a breach?",
        "Within 48 hours",
        "We notify affected customers within 48 hours of confirming a breach, by email to the security "
        "contact, with what happened, the data affected and the steps taken.",
    )

    assert compose_alone("How quickly will you notify customers of a breach?", breach)[0] == "Within 48 hours"
    short = compose_alone("Describe your process for notifying customers of a breach.", breach)[0]
    assert short.startswith("We notify affected customers within 48 hours of confirming a breach")


def test_when_something_expires_is_the_date_its_period_ends():
    iso = approved_answer(
        "Are you ISO/IEC 27001 certified?",
        "Yes",
        "Our ISMS is certified to ISO/IEC 27001:2022 (certificate valid 7 April 2025 to 6 April 2028).",
    )

    assert compose_alone("When does your ISO 27001 certificate expire?", iso)[0] == "6 April 2028"
    assert compose_alone("When was your ISO 27001 certificate issued?", iso)[0] == "7 April 2025"


def test_a_place_written_for_where_is_not_tacked_onto_yes_to_another_question():
    regions = approved_answer(
        "In which regions will our data be stored?",
        "EU or US, your choice",
        "You choose the region when the workspace is created. Backups are copied to a second region.",
    )

    assert compose_alone("Are backups copied to a separate region?", regions)[0] == "Yes"
    # Asked what it was written for, the place stands beside the Yes.
    assert compose_alone("Will our data be stored in a region we choose?", regions)[0] == "Yes, EU or US, your choice"


def test_documents_that_pick_the_same_option_agree(answer_library):
    question = read_question(
        "Which cloud provider(s) host the service (AWS, Azure, GCP, other)?",
        section="Infrastructure & Operations > Hosting & Cloud Infrastructure",
    )
    ranked = library_index().rank(question)
    # The hosting section and the data-centre answer both say AWS: not rivals.
    assert [s.short_answer for s in ranked.suggestions[:2]] == ["AWS", "AWS"]
    assert not ranked.needs_expert


def test_documents_that_name_the_same_product_agree(answer_library):
    ranked = library_index().rank(read_question("Which cloud provider hosts the service?", section="Infrastructure"))
    # The physical-security overview, the data-centre answer and the data-location answer all
    # name AWS: they agree, so the first is not left to an expert for want of a margin ...
    assert not ranked.needs_expert
    # ... and its short answer is the clause that names the provider, not the sentence's
    # lead-in ("Physical security therefore has three parts, ...").
    short = ranked.suggestions[0].short_answer
    assert "AWS" in short and short[0].isupper() and not short.startswith("Physical")


def test_a_name_in_brackets_is_a_product_name_and_two_answers_naming_it_say_the_same():
    assert product_names("the Amazon Web Services (AWS) data centres") == ["Amazon", "Web", "Services", "AWS"]
    question = read_question("Which cloud provider hosts the service?")
    assert same_value(question, "Hosted in AWS facilities", "The Amazon Web Services (AWS) data centres")
    assert not same_value(question, "Hosted in AWS facilities", "Hosted in Azure")
    # For a value, the same value: "Yes, quarterly" and "Quarterly".
    assert same_value(read_question("How often are backups tested?"), "Yes, quarterly", "Quarterly")


def test_a_bracket_is_kept_whole_in_a_short_answer():
    location = approved_answer(
        "Where is customer data stored?",
        "EU or US, your choice",
        "EU workspaces are stored and processed in AWS eu-central-1 (Frankfurt, Germany), "
        "and backups are kept in eu-west-1 (Ireland).",
    )
    short = compose_alone("Which cloud provider processes the data?", location)[0]
    assert short == "Processed in AWS eu-central-1 (Frankfurt, Germany)"


def intrusion_prevention(text):
    """A policy section on intrusion prevention with `text`."""
    return Document(
        key="section:network#intrusion-prevention",
        kind="section",
        title="Network Security: Intrusion prevention",
        short_answer="",
        detail=text,
        source={"heading": "Intrusion prevention"},
        text=text,
    )


def test_a_quote_from_a_section_names_what_the_question_asks_about():
    text = (
        "The intrusion prevention system inspects all traffic to the office network. "
        "Signature updates are installed automatically within a day of release. "
        "Blocked connections are reported to the on-call engineer."
    )
    doc = intrusion_prevention(text)

    # The heading's words count half in choosing sentences (every sentence of the section is
    # about it), so "installed", "updated", "automatically" pick the second sentence alone,
    # which does not say there is one at all: the first that names it comes first.
    _short, quote, _fits = compose_alone("Is intrusion prevention installed and updated automatically?", doc)
    assert quote == (
        "The intrusion prevention system inspects all traffic to the office network. "
        "Signature updates are installed automatically within a day of release."
    )
    # A quote that names it already is left as it was.
    _short, quote, _fits = compose_alone("Does intrusion prevention inspect traffic to the office network?", doc)
    assert quote == "The intrusion prevention system inspects all traffic to the office network."


def test_a_clause_that_denies_something_else_does_not_say_no():
    machines = approved_answer(
        "How do you manage service accounts and other machine identities?",
        "Workload identity, no static keys",
        "Workloads authenticate with short-lived tokens issued at runtime; static user keys are blocked in "
        "production by an organisation policy.",
    )

    # "static user keys are blocked" names one word of this question: it denies something else.
    short = compose_alone(
        "Are the identities and credentials of users, services and devices managed centrally by the company?",
        machines,
    )[0]
    assert short == "Yes, workload identity, no static keys", short
    # To a question about those keys, it is the answer.
    assert compose_alone("Are static user keys allowed in production?", machines)[0].startswith("No")


def test_no_before_another_way_of_doing_the_thing_asked_does_not_say_no():
    remote = approved_answer(
        "How do engineers reach production from home?",
        "Identity-aware proxy, no VPN",
        "Engineers connect through an identity-aware proxy that checks the device and the person; there is "
        "no VPN or jump host.",
    )

    # "Remote access" and "VPN" are one concept in the vocabulary, but "no VPN" does not deny
    # that remote access is controlled ...
    assert compose_alone("Is remote access controlled?", remote)[0].startswith("Yes")
    # ... while it is the answer to a question on VPNs.
    assert compose_alone("Do engineers connect through a VPN?", remote)[0].startswith("No")


def test_a_choice_or_an_aside_in_brackets_is_not_a_denial():
    addresses = approved_answer(
        "Which features reduce the personal data you collect?",
        "Address truncation, field blocklists",
        "Client addresses can be shortened before storage or not kept at all (the last block is removed by "
        "default), and named fields can be dropped at the edge.",
    )

    short = compose_alone(
        "Can client addresses be shortened before storage to reduce the personal data kept?", addresses
    )
    assert short[0].startswith("Yes"), short


def test_a_denial_of_what_comes_before_it_is_about_that_only():
    sign_in = approved_answer(
        "Do all staff sign in with a second factor?",
        "Yes",
        "Every person signs in with a hardware security key. Text message and voice codes are disabled for "
        "staff accounts.",
    )

    # The codes are disabled, not the second factor asked about.
    assert compose_alone("Is MFA enforced for staff access to internal systems?", sign_in)[0] == "Yes"
    # A question on those codes is answered by it.
    assert compose_alone("Are text message codes allowed for staff sign-in?", sign_in)[0] == "No"


def test_data_removed_from_a_store_says_nothing_of_removable_media(answer_library):
    # "Removable" is not "removed", and "it is removed from the active data stores" denies
    # what comes before it only where that names what the question is most about, not a
    # word it merely shares ("data").
    assert not set(analyze("removed")) & set(analyze("removable"))
    question = read_question("Is customer data ever stored on removable media?", section="Data Protection")
    top = library_index().rank(question).suggestions[0]
    assert top.short_answer != "No", (top.document.title, top.quote)


def test_a_quote_that_puts_the_subject_first_keeps_to_the_length_limit():
    filler = " ".join(["with logging, review and alerting on every change"] * 6)
    text = (
        f"The intrusion prevention system inspects all traffic to the office network {filler}. "
        f"Signature updates are installed automatically within a day of release {filler}. "
        f"Updates installed automatically are verified the next morning {filler}."
    )
    doc = intrusion_prevention(text)

    quote = compose_alone("Is intrusion prevention installed and updated automatically?", doc)[1]
    assert quote.startswith("The intrusion prevention system inspects all traffic")
    assert len(quote) <= MAX_QUOTE_CHARS + len(" ...")


def test_no_problems_found_is_not_a_control_missing():
    pentest = approved_answer(
        "Do you commission an annual penetration test?",
        "Yes; report under NDA",
        "An outside firm tests the service every year. The last test found no critical issues and two "
        "medium ones, both fixed and retested.",
    )

    # "No critical issues" does not deny that critical findings are fixed ...
    assert compose_alone("Are critical findings from the yearly test fixed and retested?", pentest)[0].startswith("Yes")
    # ... and is the answer to whether there were any.
    assert compose_alone("Did the last test find any critical issues?", pentest)[0] == "No"


def test_none_of_the_problems_asked_about_is_no_whatever_the_approved_yes_was_for():
    certified = approved_answer(
        "Are you certified to ISO/IEC 27001?",
        "Yes",
        "Our management system is certified to ISO/IEC 27001. Surveillance audits run every year; the last "
        "one closed with no major nonconformities.",
    )

    assert (
        compose_alone("Did the last ISO 27001 surveillance audit raise any major nonconformities?", certified)[0]
        == "No"
    )
    assert compose_alone("Are you ISO 27001 certified?", certified)[0] == "Yes"


def test_none_found_reads_issues_and_findings_as_one_and_minds_the_severity():
    pentest = approved_answer(
        "Do you conduct annual penetration tests?",
        "Yes; summary under NDA",
        "It found no critical issues, one high (fixed within 6 days) and four medium.",
    )

    # "Critical findings" are the critical issues it did not find ...
    assert compose_alone("Were there any critical findings in your last penetration test?", pentest)[0] == "No"
    # ... but it did find a high one, and findings of other severities.
    assert compose_alone("Were any critical or high vulnerabilities found in the last test?", pentest)[0] != "No"
    assert compose_alone("Did your last penetration test have any findings?", pentest)[0] != "No"


def test_the_full_report_is_a_no_when_the_approved_answer_shares_a_summary():
    pentest = approved_answer(
        "Do you conduct annual penetration tests, and can we see the results?",
        "Yes; summary under NDA",
        "An independent firm tests the platform every year. The executive summary is available under NDA.",
    )

    assert compose_alone("Can we see the full penetration test report?", pentest)[0] == (
        "No; the executive summary is available under NDA"
    )
    # Asked for the results, or for a summary, the approved Yes stands.
    assert compose_alone("Can we see the results of your penetration test?", pentest)[0].startswith("Yes")
    assert compose_alone("Can we see a summary of the full test results?", pentest)[0].startswith("Yes")
    # A report shared whole is a Yes, whatever else the text summarises.
    soc2 = approved_answer(
        "Do you have a current SOC 2 Type II report?",
        "Yes",
        "The SOC 2 Type II report is available under NDA. The SOC 3 report, a general-use summary, is public.",
    )
    assert compose_alone("Will you provide the full SOC 2 report?", soc2)[0] == "Yes"


def test_a_description_is_not_answered_with_a_name_or_a_frequency_written_for_another_question():
    owner = approved_answer(
        "Who is responsible for information security in your organisation?",
        "Chief Information Security Officer (CISO)",
        "Security is led by our CISO, who reports to the CEO. The security function has eleven people.",
    )
    assert compose_alone("Describe your information security program.", owner)[0].startswith("Security is led by")
    assert compose_alone("Who is responsible for security?", owner)[0] == "Chief Information Security Officer (CISO)"
    plan = approved_answer(
        "Do you have an incident response plan, and how often is it tested?",
        "Tested annually",
        "Our plan defines roles, severity levels and a response process. It is tested annually.",
    )
    assert compose_alone("Describe your incident response process.", plan)[0].startswith("Our plan defines roles")
    # A period can be the whole of what is asked: it stays.
    retention = approved_answer(
        "How long do you retain customer data?", "24 months by default", "Event data is kept 24 months by default."
    )
    assert compose_alone("What is your data retention policy?", retention)[0] == "24 months by default"


def test_an_approved_no_to_whether_something_is_allowed_is_yes_to_whether_it_is_limited():
    devices = approved_answer(
        "Are personal devices allowed to access company systems?",
        "No, except managed chat apps",
        "Personal computers may not be used to reach internal systems. Staff may read chat on personal "
        "phones only through a managed app.",
    )

    assert compose_alone("Do you limit the use of personal computers to reach internal systems?", devices)[0] == "Yes"
    assert compose_alone("Are personal devices allowed to access company systems?", devices)[0].startswith("No")


def test_which_certifications_are_held_lists_them_and_not_one_in_progress(answer_library):
    ranked = library_index().rank(read_question("List any security certifications you hold."))
    top = ranked.suggestions[0]
    assert Answer.objects.get(pk=top.document.answer_pk).seed_key == "iso27001"
    # The names the answer and the sections it cites give, each once.
    assert top.short_answer == "ISO/IEC 27001:2022, SOC 2 Type II"
    ranked = library_index().rank(read_question("What certifications do you hold?"))
    assert Answer.objects.get(pk=ranked.suggestions[0].document.answer_pk).seed_key != "iso27701"


def test_which_methods_is_answered_by_the_sentence_that_names_them():
    mfa = approved_answer(
        "Can we require multi-factor authentication for our users?",
        "Yes",
        "For users who sign in with a password, administrators can require TOTP or WebAuthn security keys. "
        "With SSO, MFA is enforced by your own identity provider.",
    )
    short = compose_alone("Which MFA methods do you support?", mfa)[0]
    assert "TOTP or WebAuthn" in short, short
    # Asked whether, the approved Yes.
    assert compose_alone("Do you support MFA?", mfa)[0] == "Yes"


def test_which_standard_is_answered_with_its_name():
    certified = approved_answer(
        "Is your management system certified?",
        "Yes",
        "Our management system is certified to ISO/IEC 27001:2022 by an accredited body. We also hold a SOC 2 "
        "Type II report.",
    )

    assert compose_alone("Against which standard is your management system certified?", certified)[0] == (
        "ISO/IEC 27001:2022"
    )
    # All the quote names, the sentence most about the question first.
    assert compose_alone("Which attestations do you hold?", certified)[0] == "SOC 2 Type II, ISO/IEC 27001:2022"


def test_a_not_denies_only_what_lies_near_it():
    exercise = Document(
        key="section:business-continuity#exercise",
        kind="section",
        title="Business Continuity: Annual disaster recovery exercise",
        short_answer="",
        detail="",
        source={"heading": "Annual disaster recovery exercise"},
        text=(
            "Once a year we replicate the production data to the disaster recovery site and rebuild the "
            "platform there, in a parallel environment that does not affect live traffic."
        ),
    )
    # "does not affect live traffic" says nothing of whether data is replicated ...
    assert compose_alone("Do you replicate customer data to a disaster recovery site?", exercise)[0] == "Yes"
    # ... while a "never" beside what is asked still says No.
    copies = approved_answer(
        "Is production data used in testing?",
        "",
        "Production customer data is never copied to staging or development environments.",
    )
    assert compose_alone("Is production data copied to development environments?", copies)[0] == "No"


def test_a_question_on_data_left_in_the_clear_is_answered_no_by_how_it_is_protected():
    storage = approved_answer(
        "How are user passwords and other credentials stored?",
        "Argon2id hashes",
        "Customer passwords are never stored; only an Argon2id hash with a per-user salt is kept. "
        "API tokens are stored as SHA-256 hashes.",
    )
    short = compose_alone("Does the application store passwords in clear text?", storage)[0]
    assert short.startswith("No"), short
    transit = approved_answer(
        "Is data encrypted in transit?",
        "Yes, TLS 1.2+",
        "All data sent over public networks is encrypted with TLS 1.2 or 1.3; SSL, TLS 1.0 and 1.1 are disabled.",
    )
    assert compose_alone("Is any data sent over public networks unencrypted?", transit)[0].startswith("No")
    # Asked whether it is protected, "without ... unencrypted" is not a question on the clear.
    question = "Is TLS used for all data sent over public networks, without falling back to unencrypted connections?"
    assert compose_alone(question, transit)[0].startswith("Yes")


def test_a_question_on_doing_without_a_control_is_answered_no_by_the_control():
    changes = approved_answer(
        "Describe your change management process for production changes.",
        "Yes, pipeline-only, approved, canary rollout",
        "All production changes go through the deployment pipeline. Standard changes need an approved pull "
        "request and passing checks; emergency changes need one reviewer and a retrospective.",
    )
    short = compose_alone("Are developers able to deploy to production without review?", changes)[0]
    assert short == "No, emergency changes need one reviewer and a retrospective.", short
    short = compose_alone("Can changes be deployed without approval?", changes)[0]
    assert short.startswith("No, standard changes need an approved pull request"), short
    # The control asked about is the approved short answer's.
    support = approved_answer(
        "Can your employees access our data?",
        "Only with your approval, time-limited and logged",
        "When you need help, a workspace administrator grants support access for up to 72 hours.",
    )
    short = compose_alone("Can support staff access customer data without customer approval?", support)[0]
    assert short == "No, only with your approval, time-limited and logged", short
    # The customer's consent, in a text that speaks of what the customer grants.
    granted = approved_answer(
        "Can your employees access our data?",
        "Yes",
        "Staff cannot browse workspaces. When you need help, a workspace administrator grants support access "
        "for up to 72 hours.",
    )
    short = compose_alone("Can support staff view customer data without the customer's consent?", granted)[0]
    assert short.startswith("No, when you need help, a workspace administrator grants support access"), short
    # Doing without something that is no control ("downtime") is not turned round, nor is a
    # text that itself speaks of doing without.
    assert compose_alone("Are changes deployed without downtime?", changes)[0].startswith("Yes")
    zones = approved_answer(
        "Is the service highly available?",
        "Yes, three availability zones",
        "The service survives the loss of a zone without data loss; changes are reviewed before rollout.",
    )
    assert compose_alone("Can a zone fail without review of the change?", zones)[0].startswith("Yes")


def test_a_question_on_approving_ones_own_request_is_answered_no_by_someone_else_approving():
    review = approved_answer(
        "Is code peer reviewed?",
        "Yes",
        "Default branches are protected and every change needs approval from at least one engineer other than "
        "the author. Changes to infrastructure-as-code also need a code owner's approval.",
    )
    short = compose_alone("Can a developer approve their own pull request?", review)[0]
    assert short == "No, every change needs approval from at least one engineer other than the author.", short
    assert compose_alone("Can engineers self-approve changes?", review)[0].startswith("No")
    # One person acting with nobody else is the same question.
    assert compose_alone("Can a single engineer approve a change?", review)[0].startswith("No")
    assert compose_alone("Can a developer merge changes on their own?", review)[0].startswith("No")
    # Asked whether it is prevented, or about another's approval, the Yes stands.
    assert compose_alone("Are developers prevented from approving their own changes?", review)[0].startswith("Yes")
    assert compose_alone("Do changes need approval before merge?", review)[0].startswith("Yes")


def test_a_yes_no_question_the_text_says_the_opposite_of_is_answered_no():
    backups = approved_answer(
        "Are backups encrypted?",
        "Yes, daily; encrypted",
        "Backups are kept 35 days, encrypted with AES-256, copied to the recovery region in a separate AWS "
        "account, and locked against deletion.",
    )
    short = compose_alone("Are backups stored in the same account as production data?", backups)[0]
    assert short == "No, copied to the recovery region in a separate AWS account", short
    # The text's "separate" is said of an account, not of the thing asked about.
    assert compose_alone("Are backups kept for the same period as logs?", backups)[0].startswith("Yes")
    access = approved_answer(
        "How is privileged access controlled?",
        "Just-in-time, approved, time-limited",
        "Standing production access is read-only. Write access is requested just in time and expires after 4 hours.",
    )
    short = compose_alone("Do engineers have standing write access to production?", access)[0]
    assert short == "No, standing production access is read-only.", short
    short = compose_alone("Is there standing administrative access to production?", access)[0]
    assert short == "No, standing production access is read-only.", short
    keys = approved_answer(
        "Can we bring our own key?",
        "Yes, on the Enterprise plan",
        "Customers create a KMS key in their own AWS account, in the same region as their workspace.",
    )
    # A text that speaks of the same thing itself is not turned round.
    assert compose_alone("Is the customer key in the same region as the workspace?", keys)[0].startswith("Yes")


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        # Two ways of doing one thing set against each other: which one, not a Yes.
        ("Is the application hosted on-premises or as SaaS?", reading.CHOICE),
        ("Is the SOC operated internally or outsourced to a managed service provider?", reading.CHOICE),
        ("Is penetration testing performed by internal staff or an external firm?", reading.CHOICE),
        ("Is the application hosted by you or by a cloud provider?", reading.CHOICE),
        # Two things either of which would do: yes or no.
        ("Do you use a VPN or a bastion host?", reading.YES_NO),
        ("Is data shared with a third party or a cloud provider?", reading.YES_NO),
        ("Do you process data in-house?", reading.YES_NO),
    ],
)
def test_a_question_setting_two_ways_against_each_other_asks_which(text, kind):
    assert read_question(text).kind == kind


def test_a_description_from_the_approved_answer_written_for_it_quotes_its_opening():
    isolation = approved_answer(
        "How is our data separated from other customers' data?",
        "Workspace isolation at every layer",
        "Every record carries a workspace identifier that the query layer enforces. "
        "Automated tests try cross-workspace queries on every build. "
        "Enterprise customers can opt for a dedicated storage volume.",
    )
    quote = compose_alone("Describe how our data is separated from other customers' data.", isolation)[1]
    # The opening says how; the last sentence only repeats "customers".
    assert quote.startswith("Every record carries a workspace identifier"), quote


def test_segregated_customer_data_is_tenant_isolation_and_a_segregated_network_segmentation():
    assert "~tenant" in analyze("Describe how customer data is segregated.")
    assert "~segment" not in analyze("Describe how customer data is segregated.")
    assert "~segment" in analyze("Is the production network segregated from development?")


def test_third_party_counts_as_its_concept_not_as_two_more_words(answer_library):
    assert analyze("contracts with third parties") == ["contract", "~vendor"]
    question = read_question("Do your contracts with third parties include security and confidentiality requirements?")
    top = library_index().rank(question).suggestions[0]
    # The answer on contract terms, not the vendor assessment that names third-party vendors.
    assert top.document.title.startswith("What security and privacy terms do you require in contracts")


def test_locking_accounts_after_failed_logins_is_the_brute_force_control(answer_library):
    assert "~ddos" in analyze("Does the application lock accounts after repeated failed logins?")
    question = read_question(
        "Does the application lock accounts after repeated failed logins?", section="Authentication"
    )
    ranked = library_index().rank(question)
    top = ranked.suggestions[0]
    assert "lockout" in top.quote and not ranked.needs_expert, (top.document.title, top.confidence)


_SCORE_SENTENCES = """
import json, sys
from trustcenter.questionnaires.answering import _scored_sentences
text = sys.argv[1]
query = {w: (weight, "question") for w, weight in json.loads(sys.argv[2]).items()}
print(json.dumps([[score, position] for score, position, _sentence in _scored_sentences(text, query)]))
"""


def test_a_sentences_score_does_not_depend_on_the_order_a_set_gives_its_words(tmp_path):
    # Scores that are equal but for the order their weights are added in would tie one way
    # in one process and the other way in the next: quotes would change from run to run.
    text = " ".join(f"Sentence {n} names alpha{n} beta gamma delta epsilon zeta eta theta." for n in range(4))
    weights = {"beta": 0.1, "gamma": 0.2, "delta": 0.7, "epsilon": 1 / 3, "zeta": 0.3, "eta": 2 / 7, "theta": 0.45}
    outputs = {
        subprocess.run(
            [sys.executable, "-c", _SCORE_SENTENCES, text, json.dumps(weights)],
            env={**os.environ, "PYTHONHASHSEED": str(seed)},
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        for seed in range(8)
    }
    assert len(outputs) == 1, outputs


def test_masking_data_that_is_never_there_is_not_applicable():
    test_data = approved_answer(
        "Is production customer data used in development or test environments?",
        "No",
        "Production customer data is never copied to staging or development. Test suites use synthetic data.",
    )

    # A No to the question it was written for ...
    assert compose_alone("Is production data used in test environments?", test_data)[0] == "No"
    # ... is no answer to whether that data is masked there: there is none to mask.
    assert compose_alone("Is production data masked in non-production environments?", test_data)[0] == "N/A"
    assert compose_alone("Is production data anonymised before it is used for testing?", test_data)[0] == "N/A"
    # A No from a text that speaks of masking stays a No.
    unmasked = approved_answer(
        "Is production data masked in test environments?",
        "No",
        "Production data copied to staging every week is not masked.",
    )
    assert compose_alone("Is production data masked in non-production environments?", unmasked)[0] == "No"


def test_whether_one_customer_can_reach_anothers_data_is_a_no_when_the_text_keeps_them_apart():
    isolation = approved_answer(
        "How is our data logically separated from other customers' data?",
        "Workspace isolation at every layer",
        "Every record carries a workspace identifier and the query layer adds the workspace filter.",
    )

    # The Yes written for "is it separated?" would say the isolation fails.
    assert compose_alone("Can one user see another tenant's data?", isolation)[0] == (
        "No, workspace isolation at every layer"
    )
    assert compose_alone("Is it possible for a customer to access other customers' data?", isolation)[0].startswith(
        "No"
    )
    # Asked whether it is prevented, or whether a user reaches their own, it stays a Yes.
    assert compose_alone("Do you prevent users from accessing other customers' data?", isolation)[0].startswith("Yes")
    assert compose_alone("Can users access their own data?", isolation)[0].startswith("Yes")


def test_what_an_approved_yes_adds_for_its_own_question_is_left_off_another():
    in_transit = approved_answer(
        "Is data encrypted in transit, and which TLS versions do you support?",
        "Yes, TLS 1.2+ (1.3 preferred)",
        "Public endpoints accept only TLS 1.2 and 1.3. HSTS is sent with a one-year max-age.",
    )

    # Its own question, or one close to it, keeps the whole of it ...
    assert compose_alone("Is data encrypted in transit?", in_transit)[0] == "Yes, TLS 1.2+ (1.3 preferred)"
    # ... another one the text answers gets the Yes alone, the quote saying why.
    short, quote, _fits = compose_alone("Is HSTS enabled?", in_transit)
    assert (short, quote) == ("Yes", "HSTS is sent with a one-year max-age.")
    # What limits the Yes stays, whatever the question.
    own_tests = approved_answer(
        "May we perform our own penetration test against your service?",
        "Yes, with notice (Enterprise)",
        "Enterprise customers may test their own workspace with five business days' notice.",
    )
    assert compose_alone("Will you permit the Bank to run security testing, subject to agreement?", own_tests)[0] == (
        "Yes, with notice (Enterprise)"
    )


def test_what_has_not_happened_so_far_does_not_say_no_to_what_would_be_done():
    requests = approved_answer(
        "How do you handle requests for customer data from law enforcement?",
        "Only when legally compelled; customer notified",
        "We notify the affected customer first. Kestrel has never received a government request for customer data.",
    )

    assert compose_alone("Will you notify us of government requests for our data?", requests)[0].startswith("Yes")
    # Asked what has happened, or whether requests come in, it is the No it says.
    assert compose_alone("Have you ever received a government request for customer data?", requests)[0].startswith("No")
    assert compose_alone("Do you receive government requests for customer data?", requests)[0].startswith("No")


def test_a_place_the_text_does_not_keep_data_in_is_a_no():
    regions = approved_answer(
        "In which regions is our data stored?",
        "EU (Frankfurt) or US (North Virginia)",
        "EU workspaces are stored in AWS eu-central-1 (Frankfurt, Germany). US workspaces use us-east-1 "
        "(North Virginia). We will notify us-based customers of changes.",
    )

    assert compose_alone("Do you offer data residency in Australia?", regions)[0] == (
        "No; EU (Frankfurt) or US (North Virginia)"
    )
    assert compose_alone("Can our data be hosted in Switzerland?", regions)[0].startswith("No")
    # A place the text names, holds or lies within is no No.
    for question in (
        "Is customer data stored in the US?",
        "Is customer data stored in Germany?",
        "Do you host data in Europe?",
        "Is data stored within the EEA?",
    ):
        assert compose_alone(question, regions)[0].startswith("Yes"), question
    # "Notify us" names no place, and where data is sent is not where it is kept.
    assert compose_alone("Is data stored in the UK, and will you notify us?", regions)[0].startswith("No")
    assert not compose_alone("Is data ever transferred to India?", regions)[0].startswith("No;")


def test_a_negation_denies_the_word_it_is_put_before():
    remote = approved_answer(
        "What security requirements apply to remote work?",
        "Managed laptops, private workspace",
        "Remote staff work from a private space where screens cannot be overlooked, and use only their managed laptop.",
    )
    # The screens are not overlooked: nothing said against locking them.
    assert compose_alone("Are employees required to lock their screens?", remote)[0].startswith("Yes")
    # A question on what is denied is answered No.
    assert compose_alone("Can screens be overlooked by others when staff work remotely?", remote)[0].startswith("No")
    passwords = approved_answer(
        "How are passwords protected?", "Hashed", "Customer passwords are never stored; only a salted hash is kept."
    )
    assert compose_alone("Are customer passwords stored?", passwords)[0].startswith("No")


def test_who_is_answered_by_an_owner_or_a_manager_the_text_names():
    reviews = approved_answer(
        "How often are access rights reviewed?",
        "Quarterly",
        "Every quarter managers and system owners confirm or revoke every entitlement; Security Engineering "
        "tracks completion.",
    )
    assert compose_alone("Who reviews user access rights?", reviews)[0] == "Managers"
    requests = approved_answer(
        "How is least privilege enforced?",
        "Role-based groups",
        "Anything outside a role needs the system owner's approval (plus Security Engineering for Restricted data).",
    )
    assert compose_alone("Who approves access requests?", requests)[0] == "System owner"
    review = approved_answer(
        "Is code peer reviewed?",
        "Yes",
        "Every change needs approval from at least one engineer other than the author; changes to "
        "authentication also need approval from Security Engineering.",
    )
    assert compose_alone("Who approves production changes?", review)[0] == "At least one engineer other than the author"
    # An address keeps its small letters.
    contact = approved_answer("How do we report a vulnerability?", "Email us", "Write to security@example.com.")
    assert compose_alone("Who should we contact about a security issue?", contact)[0] == "security@example.com"
    # A secrets manager is a product, not a person who manages anything.
    secrets = approved_answer(
        "How are secrets stored?", "In a vault", "API keys live in our secrets manager and in AWS Secrets Manager."
    )
    assert "anager" not in compose_alone("Who manages the keys?", secrets)[0]


def test_a_yes_to_whether_any_problem_was_found_needs_a_text_that_speaks_of_it():
    report = approved_answer(
        "Do you have a current SOC 2 Type II report?",
        "Yes",
        "Our SOC 2 Type II examination covers the Security and Availability criteria over twelve months.",
    )
    # The approved Yes says a report exists, nothing of exceptions in it: no fitting answer.
    fits = compose_alone("Were any exceptions noted in your most recent SOC 2 report?", report)[2]
    assert fits is False
    # A text that says there were none answers No ...
    clean = approved_answer(
        "Do you have a current SOC 2 Type II report?",
        "Yes",
        "Our SOC 2 Type II report was issued in November; no exceptions were noted by the auditor.",
    )
    short, _quote, fits = compose_alone("Were any exceptions noted in your most recent SOC 2 report?", clean)
    assert short.startswith("No") and fits, short
    # ... and a question on the report itself is still Yes.
    assert compose_alone("Do you have a SOC 2 Type II report?", report)[::2] == ("Yes", True)
    # A qualified opinion is a problem found too; the text says nothing of the opinion.
    assert compose_alone("Is your SOC 2 report qualified?", report)[2] is False
    assert compose_alone("Is the SOC 2 report unqualified?", report)[2] is True
