"""Search over current public policy versions, with highlighted snippets."""

import re

import pytest

from trustcenter.policies.models import Policy
from trustcenter.policies.search import search_policies
from trustcenter.policies.services import content_publish

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
    # A page may quote markup as code; its plain text (what search reads) then holds the tag.
    path = published / "policies" / "data-protection.md"
    text = re.sub(r"^version: \d+$", "version: 9", path.read_text(), count=1, flags=re.MULTILINE)
    path.write_text(text + "\nKeys `<script>alert(1)</script>` follow the quasquicentennial schedule.\n")
    content_publish(root=published)
    version = Policy.objects.get(slug="data-protection").current_version
    assert version.number == 9 and "<script>alert(1)</script>" in version.body_text
    hit = next(h for h in search_policies("quasquicentennial") if h.version.pk == version.pk)
    assert "&lt;script&gt;" in hit.snippet_html and "<script>" not in hit.snippet_html
    assert "<mark>quasquicentennial</mark>" in hit.snippet_html


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
