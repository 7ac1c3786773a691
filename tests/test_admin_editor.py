"""Writing a policy version in the admin: preview, validation and publication."""

import pytest

from tests.conftest import mfa_activate
from trustcenter.policies.models import Policy, PolicyVersion

pytestmark = pytest.mark.usefixtures("published")


def form_data(policy, **changes):
    current = policy.current_version
    data = {
        "title": current.title,
        "category": current.category.slug,
        "summary": current.summary,
        "version": policy.latest_number() + 1,
        "effective": "2026-11-01",
        "reviewed": "2026-11-02",
        "owner": current.owner,
        "visibility": current.visibility,
        "body": current.body_markdown + "\n## New section\n\nAdded in the admin.\n",
    }
    data.update(changes)
    return data


def url(policy):
    return f"/admin/policies/policy/{policy.pk}/write/"


def test_staff_preview_shows_sanitized_html_and_publishes_nothing(client, security_admin):
    client.force_login(security_admin)
    policy = Policy.objects.get(slug="security-program")
    data = form_data(policy, body="## Hi\n\n<script>alert(1)</script>[x](javascript:alert(1))", _preview="Preview")
    response = client.post(url(policy), data)
    assert response.status_code == 200
    html = response.content.decode()
    assert '<h2 id="hi">Hi</h2>' in html
    assert "alert(1)" not in html.split('id="preview-heading"')[1]
    assert policy.versions.count() == 1


def test_staff_publish_a_new_version_through_the_publish_rules(client, security_admin):
    client.force_login(security_admin)
    policy = Policy.objects.get(slug="security-program")
    response = client.post(url(policy), form_data(policy, _publish="Publish"))
    assert response.status_code == 302
    policy.refresh_from_db()
    assert policy.current_version.number == 2
    assert policy.current_version.published_by == security_admin
    assert policy.current_version.source == "admin"
    assert "Added in the admin." in client.get("/policies/security-program/").content.decode()


def test_an_already_used_version_number_is_refused_with_the_reason(client, security_admin):
    client.force_login(security_admin)
    policy = Policy.objects.get(slug="data-protection")
    response = client.post(url(policy), form_data(policy, version=3, _publish="Publish"))
    assert response.status_code == 200
    assert "version 3 already published with other text; set `version: 4`" in response.content.decode()
    assert policy.versions.count() == 3


def test_front_matter_rules_apply_in_the_admin(client, security_admin):
    client.force_login(security_admin)
    policy = Policy.objects.get(slug="security-program")
    response = client.post(url(policy), form_data(policy, reviewed="2026-01-01", _publish="Publish"))
    assert "is before `effective`" in response.content.decode()
    assert policy.versions.count() == 1
    # A page written with `#` sections is taken as it is meant: every heading one level down.
    response = client.post(url(policy), form_data(policy, body="# Top heading\n\ntext", _publish="Publish"))
    assert response.status_code == 302
    version = policy.versions.get(number=2)
    assert version.body_markdown.startswith("## Top heading") and "<h1" not in version.body_html


def test_staff_can_write_a_brand_new_policy(client, security_admin):
    client.force_login(security_admin)
    data = {
        "slug": "ai-governance",
        "title": "AI Governance",
        "category": "governance",
        "summary": "How we use machine learning responsibly.",
        "version": 1,
        "effective": "2026-11-01",
        "reviewed": "2026-11-01",
        "owner": "CISO",
        "visibility": "public",
        "body": "## Scope\n\nText.",
        "_publish": "Publish",
    }
    assert client.post("/admin/policies/policy/write/", data).status_code == 302
    assert client.get("/policies/ai-governance/").status_code == 200
    # the same slug again is refused
    response = client.post("/admin/policies/policy/write/", data)
    assert "a policy with the slug &#x27;ai-governance&#x27; exists" in response.content.decode()


@pytest.mark.parametrize("who", ["anonymous", "prospect"])
def test_non_staff_cannot_open_the_editor(client, who, prospect):
    if who == "prospect":
        client.force_login(prospect)
    policy = Policy.objects.get(slug="security-program")
    response = client.get(url(policy))
    assert response.status_code == 302 and "/admin/login/" in response["Location"]
    response = client.post(url(policy), form_data(policy, _publish="Publish"))
    assert response.status_code == 302
    assert policy.versions.count() == 1


def test_staff_without_the_permission_cannot_publish(client, django_user_model):
    user = django_user_model.objects.create_user(email="viewer@kestrel.example", password="x" * 12, is_staff=True)
    mfa_activate(user)
    client.force_login(user)
    policy = Policy.objects.get(slug="security-program")
    assert client.get(url(policy)).status_code == 403


def test_published_versions_are_read_only_in_the_admin(client, security_admin):
    client.force_login(security_admin)
    version = PolicyVersion.objects.get(policy__slug="data-protection", number=1)
    change_url = f"/admin/policies/policyversion/{version.pk}/change/"
    response = client.get(change_url)
    assert response.status_code == 200
    assert 'name="body_markdown"' not in response.content.decode()
    before = version.body_markdown
    client.post(change_url, {"body_markdown": "tampered"})
    version.refresh_from_db()
    assert version.body_markdown == before
    assert client.post(f"/admin/policies/policyversion/{version.pk}/delete/", {"post": "yes"}).status_code == 403
    assert PolicyVersion.objects.filter(pk=version.pk).exists()
