"""Search over current public policy versions, with highlighted snippets."""

import pytest

from trustcenter.policies.search import search_policies

pytestmark = pytest.mark.usefixtures("published")


def test_it_finds_the_page_that_answers_the_question(client):
    hits = search_policies("encryption at rest")
    assert hits[0].version.policy.slug == "data-protection"
    assert "<mark>" in hits[0].snippet_html


def test_word_forms_match(client):
    slugs = [h.version.policy.slug for h in search_policies("backups restore")]
    assert "business-continuity" in slugs[:3]


def test_only_current_versions_are_searched():
    hits = search_policies("AES-256")
    slugs = [h.version.policy.slug for h in hits]
    assert slugs.count("data-protection") == 1
    assert all(h.version.pk == h.version.policy.current_version_id for h in hits)


def test_nda_pages_are_not_searched():
    assert "network-architecture" not in [h.version.policy.slug for h in search_policies("subnet security group")]


def test_the_snippet_is_escaped_and_highlighted(published):
    from trustcenter.policies.models import Policy

    version = Policy.objects.get(slug="data-protection").current_version
    version.body_text = "Keys <script>alert(1)</script> rotate every 90 days."
    version.save(update_fields=["body_text"])
    hit = next(h for h in search_policies("rotate") if h.version.pk == version.pk)
    assert "&lt;script&gt;" in hit.snippet_html and "<script>" not in hit.snippet_html
    assert "<mark>rotate</mark>" in hit.snippet_html


def test_search_page_shows_results_and_counts(client):
    html = client.get("/search/", {"q": "incident notification"}).content.decode()
    assert "result" in html and 'href="/policies/incident-response/"' in html


def test_empty_and_nonsense_queries(client):
    assert client.get("/search/", {"q": ""}).status_code == 200
    html = client.get("/search/", {"q": "zzqxv"}).content.decode()
    assert "0 results" in html and "No published policy mentions that" in html


def test_an_overlong_query_is_refused_clearly(client):
    response = client.get("/search/", {"q": "x" * 500})
    assert response.status_code == 400
    assert b"at most 200 characters" in response.content
