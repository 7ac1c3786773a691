"""The public trust center: every page, its status code, and the NDA lock for each user."""

import re

import defusedxml.ElementTree as ET
import pytest
from django.utils import timezone

from trustcenter.policies.models import Policy

pytestmark = pytest.mark.usefixtures("published")

PUBLIC_URLS = [
    "/",
    "/policies/data-protection/",
    "/policies/data-protection/v/1/",
    "/policies/data-protection/changes/?from=1&to=3",
    "/changes/",
    "/changes/feed/",
    "/search/?q=encryption",
    "/.well-known/security.txt",
    "/robots.txt",
    "/sitemap.xml",
    "/brand.css",
]


@pytest.mark.parametrize("url", PUBLIC_URLS)
def test_public_pages_answer_200_to_anonymous_visitors(client, url):
    assert client.get(url).status_code == 200


@pytest.mark.parametrize("url", PUBLIC_URLS[:6])
def test_public_pages_refuse_post(client, url):
    assert client.post(url).status_code == 405


@pytest.mark.parametrize("url", ["/", "/policies/data-protection/", "/changes/", "/search/?q=backup"])
def test_pages_load_nothing_from_other_hosts_and_have_no_inline_script(client, url):
    html = client.get(url).content.decode()
    for attr in re.findall(r'(?:src|href)="([^"]+)"', html):
        if attr.startswith(("http://", "https://", "//")):
            # links a reader may follow are fine; nothing is loaded from them
            assert not re.search(rf'<(?:script|link|img)[^>]+(?:src|href)="{re.escape(attr)}"', html), attr
    assert "<script>" not in html and " style=" not in html and "<style" not in html


def test_overview_shows_company_certifications_categories_subprocessors_faq_and_contact(client, published):
    html = client.get("/").content.decode()
    assert "Kestrel Analytics" in html
    assert "SOC 2 Type II" in html and "Current" in html
    assert "Security programme and governance" in html
    assert "Amazon Web Services" in html
    assert 'id="faq"' in html and "<summary>" in html
    assert "mailto:security@kestrel.example" in html
    # every published policy is listed with its version and review date
    for policy in Policy.objects.published():
        assert policy.get_absolute_url() in html
    assert "Last reviewed" in html


def test_nda_policies_are_listed_with_a_lock(client):
    html = client.get("/").content.decode()
    block = html[html.index("/policies/network-architecture/") :][:600]
    assert 'class="lock"' in block


def test_policy_page_shows_body_toc_version_dates_and_owner(client):
    policy = Policy.objects.get(slug="data-protection")
    html = client.get("/policies/data-protection/").content.decode()
    version = policy.current_version
    assert f'<h1 id="policy-title">{version.title}</h1>' in html
    assert "On this page" in html
    first = version.toc[0]
    assert f'href="#{first["id"]}"' in html and f'id="{first["id"]}"' in html
    assert f"<dd>{version.number} (current)</dd>" in html
    assert version.owner in html
    assert version.effective.strftime("%Y-%m-%d") in html


def test_an_old_version_is_marked_superseded(client):
    html = client.get("/policies/data-protection/v/1/").content.decode()
    assert "superseded by" in html and 'href="/policies/data-protection/v/3/"' in html
    assert '<link rel="canonical" href="/policies/data-protection/">' in html


def test_unknown_policy_and_version_are_404_in_the_site_design(client):
    for url in ["/policies/nope/", "/policies/data-protection/v/99/", "/policies/data-protection/v/0/"]:
        response = client.get(url)
        assert response.status_code == 404
        assert "Page not found" in response.content.decode()


class TestNdaPolicyGate:
    """NDA pages: listed for everyone, body only for users the access rule allows."""

    url = "/policies/network-architecture/"

    def secret_sentence(self):
        text = Policy.objects.get(slug="network-architecture").current_version.body_text
        return text[200:260]

    def test_anonymous_visitor_sees_the_lock_page_not_the_body(self, client):
        response = client.get(self.url)
        assert response.status_code == 403
        html = response.content.decode()
        assert "shared with customers and prospects under a non-disclosure agreement" in html
        assert self.secret_sentence() not in html

    def test_registered_prospect_sees_the_lock_page(self, client, prospect):
        client.force_login(prospect)
        response = client.get(self.url)
        assert response.status_code == 403
        assert self.secret_sentence() not in response.content.decode()

    def test_staff_read_the_body(self, client, security_admin):
        client.force_login(security_admin)
        response = client.get(self.url)
        assert response.status_code == 200
        assert self.secret_sentence() in response.content.decode().replace("&#x27;", "'").replace("&quot;", '"')

    def test_versions_and_diffs_are_gated_too(self, client):
        policy = Policy.objects.get(slug="network-architecture")
        number = policy.current_version.number
        assert client.get(f"{self.url}v/{number}/").status_code == 403
        assert client.get(f"{self.url}changes/").status_code == 403

    def test_search_never_returns_nda_text(self, client):
        words = self.secret_sentence().split()[2:5]
        html = client.get("/search/", {"q": " ".join(words)}).content.decode()
        assert self.url not in html


class TestDiff:
    def test_it_shows_added_and_removed_words_between_versions(self, client):
        policy = Policy.objects.get(slug="data-protection")
        v1, v3 = policy.versions.get(number=1), policy.versions.get(number=3)
        response = client.get("/policies/data-protection/changes/", {"from": 1, "to": 3})
        html = response.content.decode()
        assert 'From <a href="/policies/data-protection/v/1/">v1</a> to' in html
        assert "<ins>" in html and "<del>" in html
        assert re.search(r"\d+ paragraphs? changed, \d+ added, \d+ removed", html)
        # a paragraph only in v3 appears as inserted
        only_new = [b for b in v3.body_markdown.split("\n\n") if b.strip() and b not in v1.body_markdown]
        assert only_new

    def test_default_compares_the_current_version_with_the_one_before(self, client):
        html = client.get("/policies/data-protection/changes/").content.decode()
        assert 'href="/policies/data-protection/v/2/">v2</a> to <a href="/policies/data-protection/v/3/">v3' in html

    def test_a_bad_version_parameter_is_a_clear_400(self, client):
        response = client.get("/policies/data-protection/changes/", {"from": "abc"})
        assert response.status_code == 400
        assert "`from` must be a version number, like from=1" in response.content.decode()

    def test_a_missing_version_is_404(self, client):
        assert client.get("/policies/data-protection/changes/", {"from": 1, "to": 9}).status_code == 404

    def test_a_policy_with_one_version_says_so(self, client):
        slug = next(p.slug for p in Policy.objects.public() if p.versions.count() == 1)
        html = client.get(f"/policies/{slug}/changes/").content.decode()
        assert "only one published version" in html


def test_changes_page_lists_every_publication_newest_first(client):
    html = client.get("/changes/").content.decode()
    assert html.count('class="badge badge-version"') >= Policy.objects.count()
    assert 'href="/policies/data-protection/v/3/"' in html and 'href="/policies/data-protection/v/1/"' in html


def test_atom_feed_parses_and_has_an_entry_per_version(client):
    from trustcenter.policies.models import PolicyVersion

    response = client.get("/changes/feed/")
    assert response["Content-Type"].startswith("application/atom+xml")
    ns = {"a": "http://www.w3.org/2005/Atom"}
    root = ET.fromstring(response.content)
    entries = root.findall("a:entry", ns)
    assert len(entries) == min(50, PolicyVersion.objects.count())
    ids = {e.find("a:id", ns).text for e in entries}
    assert "urn:trustcenter:policy:data-protection:v3" in ids
    titles = {e.find("a:title", ns).text for e in entries}
    assert any(t.endswith(" v3") for t in titles)
    nda = next(e for e in entries if "network-architecture" in e.find("a:id", ns).text)
    assert "(Available under NDA.)" in nda.find("a:summary", ns).text


def test_security_txt_follows_rfc_9116(client):
    response = client.get("/.well-known/security.txt")
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    fields = dict(line.split(": ", 1) for line in response.content.decode().strip().splitlines())
    assert fields["Contact"] == "mailto:security@kestrel.example"
    expires = timezone.datetime.fromisoformat(fields["Expires"].replace("Z", "+00:00"))
    now = timezone.now()
    assert now < expires < now + timezone.timedelta(days=365)
    assert fields["Canonical"].endswith("/.well-known/security.txt")
    assert "en" in fields["Preferred-Languages"]


def test_robots_and_sitemap(client):
    robots = client.get("/robots.txt").content.decode()
    assert "Disallow: /admin/" in robots and "Sitemap: " in robots
    root = ET.fromstring(client.get("/sitemap.xml").content)
    locs = [el.text for el in root.iter("{http://www.sitemaps.org/schemas/sitemap/0.9}loc")]
    assert any(loc.endswith("/policies/data-protection/") for loc in locs)
    assert not any("network-architecture" in loc for loc in locs)


def test_brand_colour_comes_from_company_yaml(client, published):
    import yaml

    color = yaml.safe_load((published / "company.yaml").read_text())["primary_color"]
    css = client.get("/brand.css").content.decode()
    # The demo colour is readable on both schemes' backgrounds in light mode, so it is used as it is.
    assert css.startswith(f":root {{ --brand: {color}; --on-brand: #ffffff;")


def test_500_page_is_in_the_site_design_and_has_no_traceback(client, settings):
    from django.test import Client

    client = Client(raise_request_exception=False)
    from unittest import mock

    with mock.patch("trustcenter.policies.views.search_policies", side_effect=RuntimeError("boom")):
        response = client.get("/search/", {"q": "x"})
    assert response.status_code == 500
    html = response.content.decode()
    assert "Something went wrong on our side" in html and "boom" not in html and "Traceback" not in html
