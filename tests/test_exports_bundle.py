"""The whole trust center as one PDF, and `manage.py export_pdf`."""

import pytest
import time_machine
from django.core.cache import cache
from django.core.management import CommandError, call_command
from django.db import transaction
from django.test import override_settings

from tests.exports_helpers import (
    DAY,
    NOW,
    embedded_files,
    outline_titles,
    page_texts,
    private_storages,
    read_pdf,
    toc_page_numbers,
)
from trustcenter.exports import services
from trustcenter.policies.models import Policy
from trustcenter.policies.services import content_publish

pytestmark = pytest.mark.usefixtures("export_env")


@pytest.fixture(scope="module")
def bundle(demo_content, django_db_blocker, tmp_path_factory):
    """The bundle of the demo content for DAY, rendered once for the module (56 pages take
    seconds) into private storage that every test here shares, as a running site would.
    Returns (the storage folder, the export)."""
    location = tmp_path_factory.mktemp("bundle-storage")
    with (
        django_db_blocker.unblock(),
        override_settings(STORAGES=private_storages(location)),
        time_machine.travel(NOW, tick=False),
        transaction.atomic(),
    ):
        demo_content.restore()
        exported = services.bundle_export()
        transaction.set_rollback(True)
    cache.clear()
    return location, exported


@pytest.fixture
def export_storage(bundle):
    return bundle[0]


def _bundle(client):
    response = client.get("/trust-center.pdf")
    assert response.status_code == 200, response.content[:300]
    assert response["Content-Type"] == "application/pdf"
    return response


@pytest.fixture(scope="module")
def bundle_read(bundle):
    """The module's bundle read back with pypdf, once (extracting 56 pages' text takes seconds)."""
    _location, exported = bundle
    reader = read_pdf(exported.data)
    return reader, page_texts(reader)


def test_the_bundle_covers_every_public_policy_in_category_order_with_contents_and_bookmarks(
    published, client, bundle, bundle_read
):
    response = _bundle(client)
    assert response["Content-Disposition"] == f'attachment; filename="kestrel-analytics-trust-center-{DAY}.pdf"'
    assert response.content == bundle[1].data  # the module's render, read back once below
    reader, texts = bundle_read
    meta = reader.metadata
    assert meta.title == "Kestrel Analytics Trust Center"
    assert meta.author == "Kestrel Analytics, Inc."
    assert DAY in meta.subject
    assert meta["/CreationDate"] == "D:20261129"

    public = list(
        Policy.objects.public().select_related("current_version", "category").order_by("category__order", "title")
    )
    nda = list(Policy.objects.published().exclude(pk__in=[p.pk for p in public]))
    assert len(public) >= 12 and nda
    titles = [p.title for p in public]

    # Every page: the export date and "Page X of Y"; the company in the running header.
    for number, text in enumerate(texts, start=1):
        assert f"Exported {DAY}" in text, f"page {number}"
        assert f"Page {number} of {len(texts)}" in text, f"page {number}"
        assert "Kestrel Analytics" in text, f"page {number}"

    contents = next(i for i, text in enumerate(texts) if text.startswith("Contents"))
    printed = toc_page_numbers(texts[contents], titles)
    # In category order, each on the page the contents say, with its title and version on every page of it.
    assert list(printed.values()) == sorted(printed.values())
    starts = sorted(printed.values())
    for policy in public:
        first = printed[policy.title]
        page_text = texts[first - 1]
        assert policy.title in page_text
        assert f"Version {policy.current_version.number}" in page_text
        later = [s for s in starts if s > first]
        last = (later[0] - 1) if later else first
        for page in range(first, last + 1):
            running = f"{policy.title} · Version {policy.current_version.number}"
            if page > first and not any(c.name in texts[page - 1][:200] for c in [policy.category]):
                assert running in texts[page - 1], f"page {page} lacks {running!r}"
    # NDA policies are not in the public bundle.
    everything = " ".join(texts)
    for policy in nda:
        assert policy.title not in everything
    # Certifications and subprocessors are in it too.
    assert "SOC 2 Type II" in everything
    assert "Subprocessors" in everything

    # Bookmarks: categories at the top, then policies, then their sections.
    bookmarks = outline_titles(reader)
    top = [title for depth, title, _page in bookmarks if depth == 0]
    assert top[:3] == ["Kestrel Analytics Trust Center", "Contents", "About Kestrel Analytics"]
    assert "Data protection and encryption" in top
    nested = {title: (depth, page) for depth, title, page in bookmarks}
    assert nested["Data Protection and Encryption"][0] == 1
    assert nested["Encryption at rest"][0] == 2
    assert embedded_files(reader) == []


def test_the_bundle_is_cached_and_changes_with_a_publication(published, client, bundle):
    _location, rendered = bundle
    first = services.bundle_export()
    again = services.bundle_export()
    assert rendered.rendered and not first.rendered and not again.rendered
    assert first.key == rendered.key and first.data == again.data == rendered.data
    policy = Policy.objects.get(slug="people-security")
    path = published / "policies" / "people-security.md"
    text = path.read_text().replace(f"version: {policy.current_version.number}", "version: 9", 1)
    path.write_text(text.replace("## ", "## Induction\n\nNew in version nine.\n\n## ", 1))
    content_publish(root=published)
    changed = services.bundle_export()
    assert changed.rendered and changed.key != first.key
    assert "New in version nine." in " ".join(page_texts(read_pdf(changed.data)))


def test_the_overview_links_to_the_bundle(published, client):
    assert 'href="/trust-center.pdf"' in client.get("/").content.decode()


def test_the_bundle_is_rate_limited_and_get_only(published, client, settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "pdf_export": "1/h"}
    assert client.post("/trust-center.pdf").status_code == 405
    assert client.get("/policies/data-protection/pdf/").status_code == 200
    response = client.get("/trust-center.pdf")
    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0


# manage.py export_pdf


def test_export_pdf_writes_named_policies(published, tmp_path, capsys):
    out = tmp_path / "out"
    call_command("export_pdf", "data-protection", "access-control", "--date", "2026-12-24", "--out", str(out))
    names = sorted(p.name for p in out.iterdir())
    assert names == [
        "kestrel-analytics-access-control-v2-2026-12-24.pdf",
        "kestrel-analytics-data-protection-v3-2026-12-24.pdf",
    ]
    texts = page_texts(read_pdf((out / names[1]).read_bytes()))
    assert all("Exported 2026-12-24" in text for text in texts)
    assert "Exported 2 PDFs dated 2026-12-24." in capsys.readouterr().out


def test_export_pdf_all_writes_every_public_policy_and_the_bundle(published, tmp_path):
    out = tmp_path / "out"
    call_command("export_pdf", "--all", "--out", str(out))
    names = {p.name for p in out.iterdir()}
    public = Policy.objects.public().count()
    assert len(names) == public + 1
    assert f"kestrel-analytics-trust-center-{DAY}.pdf" in names
    assert not any("network-architecture" in name for name in names)


@pytest.mark.parametrize(
    "args, message",
    [
        ([], "Name one or more policies"),
        (["no-such-policy"], "No published policy 'no-such-policy'. Published policies: access-control"),
        (["network-architecture"], "shared under NDA"),
        (["data-protection", "--date", "29.11.2026"], "use a date like 2026-11-29"),
        (["data-protection", "--all"], "not both"),
    ],
)
def test_export_pdf_explains_what_is_wrong(published, tmp_path, args, message):
    out = tmp_path / "out"
    with pytest.raises(CommandError, match=message):
        call_command("export_pdf", *args, "--out", str(out))
    assert not out.exists()
