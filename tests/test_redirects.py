"""The one check for `next=` addresses (trustcenter/lib/redirects.py), and the pages that use it."""

import pytest
from django.test import RequestFactory

from trustcenter.lib.redirects import safe_next


@pytest.mark.parametrize(
    "target, secure, expected",
    [
        ("/documents/", False, "/documents/"),
        ("/policies/data-protection/?tab=history#scope", True, "/policies/data-protection/?tab=history#scope"),
        ("http://testserver/documents/", False, "http://testserver/documents/"),
        ("https://testserver/documents/", True, "https://testserver/documents/"),
        # Over HTTPS, never back to plain HTTP, even on this host.
        ("http://testserver/documents/", True, "/fallback/"),
        ("https://evil.example/", False, "/fallback/"),
        ("//evil.example/", False, "/fallback/"),
        ("/\\evil.example/", False, "/fallback/"),
        ("javascript:alert(1)", False, "/fallback/"),
        ("", False, "/fallback/"),
        (None, False, "/fallback/"),
    ],
)
def test_only_addresses_on_this_site_are_followed(target, secure, expected):
    request = RequestFactory().get("/", secure=secure)
    assert safe_next(request, target, default="/fallback/") == expected


@pytest.mark.parametrize("path", ["/language/de/", "/admin/login/"])
def test_the_pages_that_follow_next_refuse_another_site(client, db, path):
    response = client.get(path, {"next": "https://evil.example/"})
    assert response.status_code == 302
    assert "evil.example" not in response["Location"]


def test_the_language_switch_keeps_an_https_page_on_https(client, db):
    response = client.get("/language/de/", {"next": "http://testserver/policies/"}, secure=True)
    assert response["Location"] == "/"
