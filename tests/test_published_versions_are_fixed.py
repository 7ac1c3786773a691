"""A published policy version or NDA text is never changed or deleted, whichever way code asks."""

import pytest

from trustcenter.access.models import NdaVersion
from trustcenter.lib.immutable import ImmutableError
from trustcenter.policies.models import Policy, PolicyVersion
from trustcenter.policies.services import content_publish

pytestmark = pytest.mark.usefixtures("published")


def _policy_version():
    return Policy.objects.get(slug="data-protection").current_version


def _nda():
    return NdaVersion.objects.current()


@pytest.fixture(params=["policy version", "NDA"])
def row(request):
    return _policy_version() if request.param == "policy version" else _nda()


def test_saving_a_changed_row_is_refused_and_nothing_changes(row):
    before = row.body_html
    row.body_html = "<p>Quietly rewritten.</p>"
    with pytest.raises(ImmutableError, match="never changed; publish a new version"):
        row.save()
    with pytest.raises(ImmutableError):
        row.save(update_fields=["body_html"])
    assert type(row).objects.get(pk=row.pk).body_html == before


def test_deleting_a_row_is_refused(row):
    with pytest.raises(ImmutableError, match="never deleted"):
        row.delete()
    assert type(row).objects.filter(pk=row.pk).exists()


@pytest.mark.parametrize("model", [PolicyVersion, NdaVersion])
def test_queryset_updates_and_deletes_are_refused(model):
    count = model.objects.count()
    with pytest.raises(ImmutableError, match="never changed"):
        model.objects.filter(pk__gt=0).update(title="Rewritten")
    with pytest.raises(ImmutableError, match="never deleted"):
        model.objects.all().delete()
    assert model.objects.count() == count
    assert not model.objects.filter(title="Rewritten").exists()


def test_a_new_version_is_still_published_as_a_new_row(published):
    old = _policy_version()
    path = published / "policies" / "data-protection.md"
    text = path.read_text().replace(f"version: {old.number}", f"version: {old.number + 1}", 1)
    path.write_text(text + "\nA new paragraph.\n")
    report = content_publish(root=published)
    assert report.created == 1
    new = _policy_version()
    assert new.number == old.number + 1 and new.pk != old.pk
    assert PolicyVersion.objects.get(pk=old.pk).body_markdown == old.body_markdown
