"""PDF exports of single policy versions: read back with pypdf."""

import datetime
import threading

import pytest
import time_machine
from django.core.files.storage import default_storage

from tests.exports_helpers import DAY, NOW, embedded_files, outline_titles, page_texts, read_pdf, toc_page_numbers
from trustcenter.exports import services
from trustcenter.exports.render import policy_html, render_pdf
from trustcenter.policies.models import Policy
from trustcenter.policies.services import content_publish

TITLE = "Data Protection and Encryption"
NDA_SLUG = "network-architecture"
pytestmark = pytest.mark.usefixtures("export_env")


def _version(slug, number=None):
    policy = Policy.objects.select_related("current_version__category").get(slug=slug)
    version = policy.current_version if number is None else policy.versions.get(number=number)
    version.policy = policy
    version.category  # noqa: B018 - loaded here so threads below need no database
    return version


def _get_pdf(client, url):
    response = client.get(url)
    assert response.status_code == 200, response.content[:300]
    assert response["Content-Type"] == "application/pdf"
    return response


def test_the_current_version_downloads_as_a_dated_pdf(published, client):
    response = _get_pdf(client, "/policies/data-protection/pdf/")
    assert response["Content-Disposition"] == f'attachment; filename="kestrel-analytics-data-protection-v3-{DAY}.pdf"'
    reader = read_pdf(response.content)
    meta = reader.metadata
    assert meta.title == f"{TITLE} (version 3)"
    assert meta.author == "Kestrel Analytics, Inc."
    assert meta.subject.startswith("All customer data is encrypted at rest")
    assert meta["/CreationDate"] == "D:20261129"  # the export date, not the time of rendering
    assert meta.creation_date == datetime.datetime(2026, 11, 29)
    assert meta.modification_date == meta.creation_date
    texts = page_texts(reader)
    assert len(texts) >= 3
    for number, text in enumerate(texts, start=1):
        assert TITLE in text, f"page {number}: {text[:200]}"
        assert "version 3" in text.lower(), f"page {number}: {text[:200]}"
        assert f"Exported {DAY}" in text, f"page {number}"
        assert f"Page {number} of {len(texts)}" in text, f"page {number}"
    assert "Chief Information Security Officer" in texts[0]


def test_the_table_of_contents_and_bookmarks_point_at_the_right_pages(published, client):
    reader = read_pdf(_get_pdf(client, "/policies/data-protection/pdf/").content)
    texts = page_texts(reader)
    names = [entry["name"] for entry in _version("data-protection").toc]
    assert len(names) >= 8
    contents_page = next(i for i, text in enumerate(texts) if "Contents" in text)
    printed = toc_page_numbers(texts[contents_page], names)
    for name, page in printed.items():
        assert name in texts[page - 1], f"{name!r} is listed on page {page} but is not there"
    bookmarks = outline_titles(reader)
    assert [title for _depth, title, _page in bookmarks if title in names] == names
    for _depth, title, page in bookmarks:
        if title in printed:
            assert page == printed[title] - 1
    assert bookmarks[0][1] == TITLE and bookmarks[0][2] == 0
    # The contents entries are working internal links.
    annotations = [a.get_object() for a in reader.pages[contents_page].get("/Annots") or []]
    internal = [a for a in annotations if "/Dest" in a or a.get("/A", {}).get("/S") == "/GoTo"]
    assert len(internal) >= len(names)


def test_the_pdf_is_tagged_with_embedded_pinned_fonts(published, client):
    reader = read_pdf(_get_pdf(client, "/policies/data-protection/pdf/").content)
    root = reader.trailer["/Root"]
    assert root["/MarkInfo"]["/Marked"]
    assert "/StructTreeRoot" in root
    assert root["/Lang"] == "en"
    fonts = set()
    for page in reader.pages:
        for font in page["/Resources"]["/Font"].values():
            descriptor = font.get_object()["/DescendantFonts"][0].get_object()["/FontDescriptor"]
            assert "/FontFile2" in descriptor or "/FontFile3" in descriptor, "font not embedded"
            fonts.add(str(font.get_object()["/BaseFont"]).split("+", 1)[1])
    assert fonts and all(name.startswith(("TC-Sans", "TC-Mono")) for name in fonts), fonts


def test_any_version_has_its_own_pdf(published, client):
    response = _get_pdf(client, "/policies/data-protection/v/1/pdf/")
    assert f"kestrel-analytics-data-protection-v1-{DAY}.pdf" in response["Content-Disposition"]
    texts = page_texts(read_pdf(response.content))
    assert "1 (superseded)" in texts[0]
    assert all("Version 1" in text or "version 1" in text for text in texts)


@pytest.mark.parametrize(
    "url, status",
    [
        ("/policies/no-such-policy/pdf/", 404),
        ("/policies/data-protection/v/99/pdf/", 404),
        ("/policies/data-protection/v/0/pdf/", 404),
    ],
)
def test_missing_policies_and_versions_are_404(published, client, url, status):
    assert client.get(url).status_code == status


def test_only_get_and_head_are_allowed(published, client):
    assert client.post("/policies/data-protection/pdf/").status_code == 405
    assert client.head("/policies/data-protection/pdf/").status_code == 200


def test_a_policy_page_links_to_its_pdf(published, client):
    page = client.get("/policies/data-protection/").content.decode()
    assert 'href="/policies/data-protection/pdf/"' in page
    old = client.get("/policies/data-protection/v/2/").content.decode()
    assert 'href="/policies/data-protection/v/2/pdf/"' in old


# NDA policies: the permission matrix


@pytest.fixture
def customer(django_user_model):
    """A customer's account (the default role) with no NDA signed and no grant."""
    return django_user_model.objects.create_user(
        email="cleo@northwind.example", password="correct-horse-battery", full_name="Cleo Customer", company="Northwind"
    )


@pytest.mark.parametrize("who", ["anonymous", "prospect", "customer"])
def test_nda_policy_pdfs_are_locked_for_readers_without_access(published, client_for, request, who):
    user = None if who == "anonymous" else request.getfixturevalue(who)
    client = client_for(user)
    for url in (f"/policies/{NDA_SLUG}/pdf/", f"/policies/{NDA_SLUG}/v/1/pdf/"):
        response = client.get(url)
        assert response.status_code == 403
        assert response["Content-Type"].startswith("text/html")
        assert b"%PDF" not in response.content
    assert not default_storage.exists("exports") or not default_storage.listdir("exports")[0]


@pytest.mark.parametrize("who", ["sales", "security_admin"])
def test_nda_policy_pdfs_are_watermarked_for_each_reader(published, client_for, request, who):
    user = request.getfixturevalue(who)
    response = _get_pdf(client_for(user), f"/policies/{NDA_SLUG}/pdf/")
    assert response["Cache-Control"] == "private, no-store" or set(response["Cache-Control"].split(", ")) == {
        "private",
        "no-store",
    }
    assert "ETag" not in response
    from trustcenter.audit.models import AuditEvent

    event = AuditEvent.objects.get(kind="policy.pdf_downloaded")
    assert event.actor == user
    assert event.subject == f"policy:{NDA_SLUG}:v1"
    assert event.data["filename"] == f"kestrel-analytics-{NDA_SLUG}-v1-{DAY}.pdf"
    texts = page_texts(read_pdf(response.content))
    for number, text in enumerate(texts, start=1):
        assert f"Download id {event.seq}" in text, f"page {number} lacks the download id"
        assert user.email in text, f"page {number} lacks the reader"
        assert user.full_name in text
        assert f"Exported {DAY}" in text
        assert "Network Architecture (Detailed)" in text
    assert "Confidential" in texts[0]


def test_public_pdfs_are_not_watermarked(published, client_for, sales):
    from trustcenter.audit.models import AuditEvent

    texts = page_texts(read_pdf(_get_pdf(client_for(sales), "/policies/data-protection/pdf/").content))
    assert not any(sales.email in text for text in texts)
    assert not AuditEvent.objects.filter(kind="policy.pdf_downloaded").exists()


def test_the_interface_language_is_part_of_the_key(published):
    from django.utils import translation

    version = _version("data-protection")
    day = datetime.date(2026, 11, 29)
    with translation.override("en"):
        english = services.policy_key(version, day)
    with translation.override("de"):
        german = services.policy_key(version, day)
    assert english != german


# Cache, publication, determinism


def test_a_second_download_is_served_from_storage(published):
    version = _version("data-protection")
    first = services.policy_export(version=version)
    second = services.policy_export(version=version)
    assert first.rendered and not second.rendered
    assert first.data == second.data
    assert default_storage.exists(services._storage_name(first.key))


def test_the_export_date_changes_the_file(published):
    version = _version("data-protection")
    today = services.policy_export(version=version)
    tomorrow = services.policy_export(version=version, day=datetime.date(2026, 11, 30))
    assert tomorrow.rendered and tomorrow.key != today.key
    assert tomorrow.filename.endswith("-2026-11-30.pdf")
    assert "Exported 2026-11-30" in page_texts(read_pdf(tomorrow.data))[-1]


def test_the_export_date_is_the_date_in_the_site_time_zone(published, client, settings):
    settings.TIME_ZONE = "Pacific/Auckland"  # 2026-11-30 01:00 there
    response = _get_pdf(client, "/policies/data-protection/pdf/")
    assert "v3-2026-11-30.pdf" in response["Content-Disposition"]


def test_same_content_and_date_give_identical_bytes(published):
    version = _version("data-protection")
    html = policy_html(version, day=datetime.date(2026, 11, 29))
    key = services.policy_key(version, datetime.date(2026, 11, 29))
    first = render_pdf(html, identifier=key)
    with time_machine.travel(NOW + datetime.timedelta(hours=7), tick=False):
        second = render_pdf(policy_html(version, day=datetime.date(2026, 11, 29)), identifier=key)
    assert first == second


def test_publishing_a_new_version_makes_the_old_pdf_unreachable(published, client):
    old = read_pdf(_get_pdf(client, "/policies/data-protection/pdf/").content)
    assert "Data Protection and Encryption" in old.metadata.title
    path = published / "policies" / "data-protection.md"
    text = path.read_text().replace("version: 3", "version: 4", 1)
    text = text.replace("## Scope", "## Scope\n\nVersion four adds quantum-safe archive keys.", 1)
    path.write_text(text)
    content_publish(root=published)
    response = _get_pdf(client, "/policies/data-protection/pdf/")
    assert f"data-protection-v4-{DAY}.pdf" in response["Content-Disposition"]
    texts = page_texts(read_pdf(response.content))
    assert any("quantum-safe archive keys" in text for text in texts)
    assert not any("quantum-safe archive keys" in text for text in page_texts(old))
    # The superseded version keeps its own permanent PDF.
    v3 = page_texts(read_pdf(_get_pdf(client, "/policies/data-protection/v/3/pdf/").content))
    assert "3 (superseded)" in v3[0]


def test_concurrent_requests_render_a_missing_pdf_once(published):
    version = _version("data-protection")
    key = services.policy_key(version, datetime.date(2026, 11, 29))
    renders = []
    html = policy_html(version, day=datetime.date(2026, 11, 29))

    def render_once():
        renders.append(threading.get_ident())
        return render_pdf(html, identifier=key)

    barrier = threading.Barrier(4)
    results = []

    def worker():
        barrier.wait()
        results.append(services.cached_render(key, render_once))

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert len(renders) == 1
    assert len(results) == 4
    assert len({data for data, _rendered in results}) == 1
    assert sorted(rendered for _data, rendered in results) == [False, False, False, True]


def test_a_truncated_stored_file_is_rendered_again(published):
    version = _version("data-protection")
    first = services.policy_export(version=version)
    name = services._storage_name(first.key)
    default_storage.delete(name)
    default_storage.save(name, __import__("io").BytesIO(first.data[: len(first.data) // 2]))
    again = services.policy_export(version=version)
    assert again.rendered and again.data == first.data


def test_pdf_exports_are_rate_limited_per_ip(published, client, settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "pdf_export": "2/h"}
    assert client.get("/policies/data-protection/pdf/").status_code == 200
    assert client.get("/policies/data-protection/v/1/pdf/").status_code == 200
    response = client.get("/policies/data-protection/pdf/")
    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0


def test_public_pdfs_revalidate_with_an_etag(published, client):
    first = _get_pdf(client, "/policies/data-protection/pdf/")
    # Kept by shared caches only as long as a publication or a new day may take to reach them.
    assert first["Cache-Control"] == "public, max-age=60, stale-while-revalidate=30"
    again = client.get("/policies/data-protection/pdf/", HTTP_IF_NONE_MATCH=first["ETag"])
    assert again.status_code == 304


def test_exports_embed_no_files(published, client):
    assert embedded_files(read_pdf(_get_pdf(client, "/policies/data-protection/pdf/").content)) == []


def test_an_anonymous_visitors_pdf_comes_from_the_page_cache_and_each_day_has_its_own(
    published, client, django_assert_num_queries
):
    first = _get_pdf(client, "/policies/data-protection/pdf/")
    with django_assert_num_queries(0):
        second = _get_pdf(client, "/policies/data-protection/pdf/")
    assert second.content == first.content
    assert second["Content-Disposition"] == first["Content-Disposition"]
    assert second["ETag"] == first["ETag"]
    # The next day the cached copy is not served: the new file carries the new date.
    with time_machine.travel(NOW + datetime.timedelta(days=1), tick=False):
        tomorrow = _get_pdf(client, "/policies/data-protection/pdf/")
    assert "v3-2026-11-30.pdf" in tomorrow["Content-Disposition"]
    assert "Exported 2026-11-30" in page_texts(read_pdf(tomorrow.content))[-1]


def test_cached_pdfs_still_count_against_the_export_limit(published, client, settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "pdf_export": "2/h"}
    statuses = [client.get("/policies/data-protection/pdf/").status_code for _ in range(3)]
    assert statuses == [200, 200, 429]


def test_a_readers_nda_pdf_is_never_kept_in_the_page_cache(published, client_for, sales):
    reader = client_for(sales)
    first = _get_pdf(reader, f"/policies/{NDA_SLUG}/pdf/")
    second = _get_pdf(reader, f"/policies/{NDA_SLUG}/pdf/")
    # Each copy is stamped with its own download id: never one copy served twice.
    assert first.content != second.content
    assert "no-store" in second["Cache-Control"]
