"""Every public page costs a fixed number of queries, however much content is published (no N+1).

The page cache is switched off here, so each request renders; the counts are asserted
first with the demo content and again after 24 more policies with three versions each.
"""

from pathlib import Path

import pytest

from trustcenter.policies.models import Policy, PolicyVersion
from trustcenter.policies.services import content_publish

# url -> queries with the cache off. Each number is the whole render: no session, no user.
PAGES = {
    "/": 3,  # policies with their current version and category; categories; the latest update posts
    "/policies/data-protection/": 2,  # policy with current version and category; version list
    "/policies/data-protection/v/1/": 3,  # ... plus the old version with its category
    "/policies/data-protection/changes/?from=1&to=3": 2,  # policy; versions with categories
    "/policies/network-architecture/": 2,  # NDA lock page: policy; policy with category
    "/changes/": 1,
    "/changes/feed/": 1,
    "/search/?q=encryption": 1,
    "/sitemap.xml": 2,  # count (the sitemap paginates) and the page
    "/.well-known/security.txt": 0,
    "/robots.txt": 0,
    "/updates/": 1,
    "/updates/feed/": 1,
    "/updates/soc2-type-ii-report-2026/": 1,
    "/subprocessors/changes/": 1,
    "/subprocessors/changes/feed/": 1,
}


def _policy(slug: str, number: int, category: str) -> str:
    body = "\n\n".join(
        f"## Section {i}\n\nVersion {number} of {slug}: encryption, access reviews and backups, part {i}."
        for i in range(1, 4)
    )
    return (
        f"---\ntitle: Generated {slug}\ncategory: {category}\nsummary: A generated policy for the query test.\n"
        f"version: {number}\neffective: 2026-0{number}-01\nreviewed: 2026-0{number}-02\nowner: QA\n"
        f"visibility: public\n---\n{body}\n"
    )


def _add_policies(content_dir: Path, count: int) -> None:
    categories = ["governance", "network", "data-protection", "access-control", "monitoring"]
    for n in range(count):
        slug = f"generated-{n:02d}"
        category = categories[n % len(categories)]
        history = content_dir / "history" / slug
        history.mkdir(parents=True)
        for number in (1, 2):
            (history / f"v{number}.md").write_text(_policy(slug, number, category))
        (content_dir / "policies" / f"{slug}.md").write_text(_policy(slug, 3, category))


@pytest.fixture
def uncached(settings):
    settings.PUBLIC_PAGE_CACHE = False


@pytest.mark.parametrize(("url", "queries"), PAGES.items())
def test_each_public_page_costs_a_fixed_number_of_queries(
    published, uncached, client, django_assert_num_queries, url, queries
):
    with django_assert_num_queries(queries):
        response = client.get(url)
    assert response.status_code in (200, 403)


def test_the_count_does_not_grow_with_the_number_of_policies_and_versions(
    published, uncached, client, django_assert_num_queries
):
    _add_policies(published, 24)
    content_publish(root=published)
    assert Policy.objects.count() >= 38 and PolicyVersion.objects.count() >= 90
    for url, queries in PAGES.items():
        with django_assert_num_queries(queries, info=url):
            response = client.get(url)
        assert response.status_code in (200, 403), url
    assert client.get("/").content.decode().count('href="/policies/generated-') == 24


def test_a_cached_page_costs_no_query_at_all(published, client, django_assert_num_queries):
    # The NDA lock page asks who the user is, so it varies by cookie and is rendered each time.
    for url in [url for url in PAGES if url != "/policies/network-architecture/"]:
        first = client.get(url)
        with django_assert_num_queries(0, info=url):
            again = client.get(url)
        assert again.status_code == first.status_code
        assert again.content == first.content
