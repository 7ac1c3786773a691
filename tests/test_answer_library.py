"""The answer library: seed answers, citations, staleness, staff pages and the public FAQ."""

import datetime

import pytest
import time_machine
from django.core.management import call_command
from django.core.management.base import CommandError

from trustcenter.lib.contentfiles import ContentErrors
from trustcenter.policies.services import content_publish
from trustcenter.questionnaires.models import Answer, AnswerStatus, Citation
from trustcenter.questionnaires.seed import SEED_FILE, answers_seed

pytestmark = pytest.mark.django_db


# --- Seed library -------------------------------------------------------------------


def test_the_seed_library_has_at_least_80_approved_answers_with_resolving_citations(answer_library):
    approved = Answer.objects.approved()
    assert approved.count() >= 80
    assert Citation.objects.count() >= 80
    for answer in approved.prefetch_related("citations__policy__current_version"):
        assert answer.last_reviewed is not None
        for citation in answer.citations.all():
            section = citation.current_section()
            assert section is not None, f"{answer.seed_key} cites {citation}"
            assert citation.version_number == citation.policy.current_version.number
            assert section.digest == citation.section_digest


def test_seeding_twice_changes_nothing_and_keeps_staff_edits(answer_library, sales):
    edited = Answer.objects.get(seed_key="encryption-at-rest")
    edited.short_answer = "Yes (AES-256, KMS)"
    edited.updated_by = sales
    edited.save()
    report = answers_seed()
    assert report.created == [] and report.updated == []
    assert "encryption-at-rest" in report.kept_edited
    assert Answer.objects.get(seed_key="encryption-at-rest").short_answer == "Yes (AES-256, KMS)"


def test_a_citation_that_does_not_resolve_is_reported_with_its_line_and_nothing_is_loaded(published, tmp_path):
    bad = tmp_path / "answers.yaml"
    bad.write_text(
        "reviewed: 2026-11-02\nanswers:\n"
        "- key: fine\n  question: Q?\n  short: 'Yes'\n  answer: A.\n  cite: [data-protection#encryption-at-rest]\n"
        "- key: broken\n  question: Q2?\n  short: 'Yes'\n  answer: B.\n  cite: [data-protection#no-such-heading]\n"
    )
    with pytest.raises(ContentErrors) as excinfo:
        answers_seed(path=bad)
    message = str(excinfo.value)
    assert f"{bad}:8:" in message and "no section 'no-such-heading'" in message and "encryption-at-rest" in message
    assert Answer.objects.count() == 0


def test_unquoted_yes_is_refused_with_a_hint(published, tmp_path):
    bad = tmp_path / "answers.yaml"
    bad.write_text("reviewed: 2026-11-02\nanswers:\n- key: a\n  question: Q?\n  short: Yes\n  answer: A.\n")
    with pytest.raises(ContentErrors, match="quote Yes and No"):
        answers_seed(path=bad)


def test_the_command_reports_counts_and_fails_cleanly(published, tmp_path, capsys):
    call_command("answers_seed")
    assert "created" in capsys.readouterr().out
    call_command("answers_seed", "--check")
    assert "valid" in capsys.readouterr().out
    with pytest.raises(CommandError, match="no such file"):
        call_command("answers_seed", "--file", str(tmp_path / "missing.yaml"))


def test_seed_file_is_the_shipped_one():
    assert SEED_FILE.exists()


# --- Staleness ----------------------------------------------------------------------


def _answer(key):
    return Answer.objects.prefetch_related("citations__policy__current_version").get(seed_key=key)


def test_an_answer_goes_stale_when_its_review_is_too_old(answer_library, settings):
    settings.ANSWER_REVIEW_MONTHS = 12
    answer = _answer("encryption-at-rest")
    reviewed = answer.last_reviewed
    assert answer.stale_reasons(today=reviewed + datetime.timedelta(days=364)) == []
    reasons = answer.stale_reasons(today=reviewed.replace(year=reviewed.year + 1))
    assert len(reasons) == 1 and "more than 12 months ago" in reasons[0]


def _publish_new_data_protection(content_dir, *, change_encryption_at_rest: bool):
    path = content_dir / "policies" / "data-protection.md"
    text = path.read_text()
    text = text.replace("version: 3", "version: 4")
    if change_encryption_at_rest:
        text = text.replace(
            "All stored customer data is encrypted with AES-256.",
            "All stored customer data is encrypted with AES-256 and ML-KEM wrapped keys.",
        )
    else:
        text = text.replace(
            "This policy is reviewed at least annually by the CISO",
            "This policy is reviewed at least once a year by the CISO",
        )
    path.write_text(text)
    content_publish(root=content_dir)


def test_an_answer_goes_stale_when_a_cited_section_changes_in_a_newer_version(answer_library):
    _publish_new_data_protection(answer_library, change_encryption_at_rest=True)
    reasons = _answer("encryption-at-rest").stale_reasons()
    assert any("Encryption at rest" in r and "changed in version 4" in r and "version 3" in r for r in reasons)
    # An answer citing another section of the same policy is not affected.
    assert _answer("key-management").stale_reasons() == []


def test_a_new_version_that_leaves_the_cited_section_alone_does_not_make_it_stale(answer_library):
    _publish_new_data_protection(answer_library, change_encryption_at_rest=False)
    assert _answer("encryption-at-rest").stale_reasons() == []


def test_approving_again_clears_the_staleness_and_moves_citations_to_the_new_version(
    answer_library, security_admin, client_for
):
    _publish_new_data_protection(answer_library, change_encryption_at_rest=True)
    answer = _answer("encryption-at-rest")
    response = client_for(security_admin).post(f"/staff/answers/{answer.pk}/approve/")
    assert response.status_code == 302
    answer = _answer("encryption-at-rest")
    assert answer.stale_reasons() == []
    assert answer.reviewed_by == security_admin
    assert {c.version_number for c in answer.citations.all()} == {4}


def test_citation_links_resolve_to_the_current_version_url(answer_library, client_for, sales):
    answer = _answer("encryption-at-rest")
    citation = answer.citations.get()
    assert citation.url() == "/policies/data-protection/#encryption-at-rest"
    html = client_for(sales).get(answer.get_absolute_url()).content.decode()
    assert 'href="/policies/data-protection/#encryption-at-rest"' in html and "v3" in html


# --- Staff pages --------------------------------------------------------------------


def test_staff_search_the_library(answer_library, client_for, sales):
    html = client_for(sales).get("/staff/answers/", {"q": "penetration"}).content.decode()
    assert "third-party penetration tests" in html
    assert "Do you perform background checks" not in html


def test_the_stale_filter_lists_only_answers_needing_review(answer_library, client_for, sales):
    _publish_new_data_protection(answer_library, change_encryption_at_rest=True)
    html = client_for(sales).get("/staff/answers/", {"status": "stale"}).content.decode()
    assert "Is customer data encrypted at rest?" in html
    assert "Do you perform background checks" not in html


def test_sales_add_a_draft_with_a_citation(answer_library, client_for, sales):
    response = client_for(sales).post(
        "/staff/answers/new/",
        {
            "question": "Do you support IP allowlisting for warehouse sync?",
            "short_answer": "Yes",
            "full_answer": "Customers can allowlist our **published egress IPs**.\n\n<script>alert(1)</script>",
            "tags": "egress, allowlist",
            "citations": "network-security#encryption-in-transit",
            "action": "save",
        },
    )
    assert response.status_code == 302
    answer = Answer.objects.get(question__startswith="Do you support IP allowlisting")
    assert answer.status == AnswerStatus.DRAFT and answer.updated_by == sales
    assert "<strong>published egress IPs</strong>" in answer.full_answer_html
    assert "<script" not in answer.full_answer_html
    assert answer.citations.get().heading == "Encryption in transit"


def test_a_bad_citation_is_shown_with_the_sections_that_exist_and_nothing_is_saved(answer_library, client_for, sales):
    before = Answer.objects.count()
    response = client_for(sales).post(
        "/staff/answers/new/",
        {
            "question": "Q?",
            "short_answer": "Yes",
            "full_answer": "A.",
            "citations": "data-protection#nope\nnot-a-policy#x",
            "action": "save",
        },
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "Line 1:" in html and "no section" in html and "encryption-at-rest" in html
    assert "Line 2:" in html and "not-a-policy" in html
    assert Answer.objects.count() == before


def test_sales_cannot_approve_and_their_edit_of_an_approved_answer_becomes_a_draft(answer_library, client_for, sales):
    answer = _answer("backups")
    client = client_for(sales)
    assert client.post(f"/staff/answers/{answer.pk}/approve/").status_code == 403
    data = {
        "question": answer.question,
        "short_answer": "Daily",
        "full_answer": answer.full_answer,
        "tags": answer.tags,
        "owner": answer.owner,
        "category": answer.category_id,
        "citations": "\n".join(f"{c.policy.slug}#{c.anchor}" for c in answer.citations.all()),
        "action": "approve",
    }
    assert client.post(f"/staff/answers/{answer.pk}/edit/", data).status_code == 403
    data["action"] = "save"
    response = client.post(f"/staff/answers/{answer.pk}/edit/", data, follow=True)
    assert "security admin must approve" in response.content.decode()
    answer.refresh_from_db()
    assert answer.status == AnswerStatus.DRAFT and answer.short_answer == "Daily"


def test_security_admin_saves_and_approves_and_publishes_in_the_faq(answer_library, client_for, security_admin):
    answer = _answer("time-sync")
    assert not answer.show_in_faq
    data = {
        "question": answer.question,
        "short_answer": answer.short_answer,
        "full_answer": answer.full_answer,
        "citations": "logging-monitoring#what-we-log",
        "show_in_faq": "on",
        "action": "approve",
    }
    assert client_for(security_admin).post(f"/staff/answers/{answer.pk}/edit/", data).status_code == 302
    answer.refresh_from_db()
    assert answer.show_in_faq and answer.is_approved and answer.last_reviewed == datetime.date.today()
    html = client_for(None).get("/faq/").content.decode()
    assert "Are system clocks synchronised" in html


def test_a_draft_cannot_be_put_in_the_faq(answer_library, client_for, security_admin):
    response = client_for(security_admin).post(
        "/staff/answers/new/",
        {"question": "Q?", "short_answer": "Yes", "full_answer": "A.", "show_in_faq": "on", "action": "save"},
    )
    assert response.status_code == 200 and "Only approved answers appear in the public FAQ" in response.content.decode()


def test_the_public_faq_shows_only_approved_faq_answers(answer_library, client):
    draft = _answer("hipaa")
    draft.status = AnswerStatus.DRAFT
    draft.save()
    html = client.get("/faq/").content.decode()
    assert "Is customer data encrypted at rest?" not in html  # approved, not flagged
    assert "Can we bring our own" not in html
    assert "How quickly will you notify us of a security breach" in html
    assert "HIPAA" not in html
    assert 'href="/policies/incident-response/#customer-notification"' in html


def test_ask_the_assistant_page(answer_library, client_for, sales):
    html = client_for(sales).post("/staff/answers/ask/", {"question": "Do you encrypt data at rest?"}).content.decode()
    assert "Is customer data encrypted at rest?" in html and "%" in html
    html = client_for(sales).post("/staff/answers/ask/", {"question": "What colour is the CEO's car?"}).content.decode()
    assert "Needs an expert" in html


# --- Permissions: every page, every member of the cast ----------------------------------

STAFF_GET_PAGES = [
    "/staff/answers/",
    "/staff/answers/new/",
    "/staff/answers/ask/",
    "/staff/answers/{pk}/",
    "/staff/answers/{pk}/edit/",
]


@pytest.mark.parametrize("who", ["anonymous", "prospect", "sales", "security_admin"])
def test_library_pages_are_for_sales_and_security_staff_only(answer_library, client_for, request, who):
    user = None if who == "anonymous" else request.getfixturevalue(who)
    pk = Answer.objects.get(seed_key="backups").pk
    client = client_for(user)
    for path in STAFF_GET_PAGES:
        response = client.get(path.format(pk=pk))
        if who == "anonymous":
            assert response.status_code == 302 and "next=" in response["Location"], path
        elif who == "prospect":  # a signed-in customer
            assert response.status_code == 403, path
        else:
            assert response.status_code == 200, path
            assert "no-cache" in response["Cache-Control"] or "max-age=0" in response["Cache-Control"]


@pytest.mark.parametrize(
    "who,expected", [("anonymous", 302), ("prospect", 403), ("sales", 403), ("security_admin", 302)]
)
def test_only_security_admins_approve(answer_library, client_for, request, who, expected):
    user = None if who == "anonymous" else request.getfixturevalue(who)
    answer = Answer.objects.get(seed_key="backups")
    answer.status = AnswerStatus.DRAFT
    answer.save()
    response = client_for(user).post(f"/staff/answers/{answer.pk}/approve/")
    assert response.status_code == expected
    answer.refresh_from_db()
    assert answer.is_approved == (who == "security_admin")


def test_wrong_methods_and_unknown_ids(answer_library, client_for, security_admin):
    client = client_for(security_admin)
    pk = Answer.objects.get(seed_key="backups").pk
    assert client.get(f"/staff/answers/{pk}/approve/").status_code == 405
    assert client.post("/staff/answers/").status_code == 405
    assert client.delete(f"/staff/answers/{pk}/edit/").status_code == 405
    assert client.get("/staff/answers/999999/").status_code == 404
    assert client.post("/staff/answers/999999/approve/").status_code == 404
    assert client_for(None).post("/faq/").status_code == 405


@pytest.mark.parametrize(
    "who,shown", [("anonymous", False), ("prospect", False), ("sales", True), ("security_admin", True)]
)
def test_the_header_links_staff_to_the_questionnaires(published, client_for, request, who, shown):
    user = None if who == "anonymous" else request.getfixturevalue(who)
    response = client_for(user).get("/")
    assert ('href="/staff/answers/"' in response.content.decode()) == shown
    assert 'href="/faq/"' in response.content.decode()


def test_public_pages_stay_cacheable_for_anonymous_visitors(published, client):
    # Reading the session for the staff link would make the page personal and uncacheable.
    response = client.get("/")
    assert response["Cache-Control"].startswith("public, ")


@time_machine.travel(datetime.datetime(2028, 1, 15, 12, tzinfo=datetime.UTC), tick=False)
def test_the_seed_library_ages_into_needing_review(answer_library, client_for, sales):
    html = client_for(sales).get("/staff/answers/", {"status": "stale"}).content.decode()
    assert "Is customer data encrypted at rest?" in html and "Needs review" in html


def test_error_pages_answered_before_authentication_still_render_the_header(published, client_for, sales, settings):
    # The 413 page is rendered by middleware that runs before the user is known.
    client = client_for(sales)
    too_big = b"x" * (settings.REQUEST_BODY_MAX_BYTES + 1)
    response = client.post("/search/", data=too_big, content_type="application/octet-stream")
    assert response.status_code == 413
    assert 'href="/faq/"' in response.content.decode()


@pytest.mark.parametrize(
    "fields,allowed",
    [
        ({"role": "customer", "is_staff": True}, False),  # the admin flag alone is not a staff role
        ({"role": "sales"}, True),
        ({"role": "customer", "is_superuser": True, "is_staff": True}, True),
        ({"role": "sales", "is_active": False}, False),
    ],
)
def test_the_rule_follows_roles_not_the_admin_flag(django_user_model, fields, allowed):
    from trustcenter.questionnaires.rules import can_approve_answers, can_use_questionnaires

    user = django_user_model.objects.create_user(email="x@kestrel.example", password="x" * 16, **fields)
    assert can_use_questionnaires(user) is allowed
    assert can_approve_answers(user) is (allowed and fields.get("is_superuser", False))


def test_staff_without_mfa_are_sent_to_set_it_up(answer_library, client_for, staff_without_mfa):
    from django.urls import reverse

    response = client_for(staff_without_mfa).get("/staff/answers/")
    assert response.status_code == 302 and response["Location"] == reverse("mfa_activate_totp")
