"""The updates app's part of `publish`: update posts, the subprocessor register, policy digests.

Runs inside the publish transaction (policies.services.content_publish), so a bad update file
rolls back everything. Mail leaves only after the commit, through the task queue.
"""

import datetime
import hashlib
import json
from pathlib import Path

from django.db import transaction
from django.utils import timezone

from trustcenter.core.company import Company
from trustcenter.lib.markup import render_markdown
from trustcenter.lib.pagecache import publication_bump
from trustcenter.lib.visibility import Visibility
from trustcenter.updates.models import (
    POST_TOPIC,
    ChangeKind,
    Notice,
    SubprocessorChange,
    SubprocessorList,
    Topic,
    UpdatePost,
)
from trustcenter.updates.sources import PostSource, collect_posts
from trustcenter.updates.tasks import notice_send

COMPARED_FIELDS = ("purpose", "data", "location")


def updates_check_files(*, root: Path, company: Company) -> int:
    return len(collect_posts(root))


def updates_publish_step(*, root: Path, company: Company, created_versions, actor=None) -> list[str]:
    posts = collect_posts(root)
    now = timezone.now()
    lines: list[str] = []
    notices: list[Notice] = []
    for source in posts:
        line, notice = post_publish(source=source, now=now)
        if line:
            lines.append(line)
        if notice:
            notices.append(notice)
    line, notice = subprocessors_publish(company=company, now=now)
    if line:
        lines.append(line)
    if notice:
        notices.append(notice)
    if created_versions:
        notice = Notice.objects.create(kind=Notice.Kind.POLICY_DIGEST, topic=Topic.POLICIES, created_at=now)
        notice.policy_versions.set(created_versions)
        notices.append(notice)
    if lines:
        # Update pages are public pages: start a new publication for the page cache (the policies
        # of this run may have changed nothing, which would otherwise leave old pages cached).
        publication_bump(other_processes=False)
        transaction.on_commit(publication_bump)
    for notice in notices:
        notice_enqueue(notice)
    return lines


def notice_enqueue(notice: Notice) -> None:
    """Hand the notice to the queue once the transaction that created it has committed."""

    notice_id = notice.pk
    transaction.on_commit(lambda: notice_send.enqueue(notice_id=notice_id))


def document_added(sender, instance, created, raw=False, **kwargs) -> None:
    """Signal receiver: a document was uploaded. Listed ones are mailed to the documents topic
    (their titles are on the public documents page, NDA or not)."""
    if not created or raw or not instance.listed:
        return
    notice = Notice.objects.create(
        kind=Notice.Kind.DOCUMENT, topic=Topic.DOCUMENTS, document=instance, created_at=timezone.now()
    )
    notice_enqueue(notice)


def post_publish(*, source: PostSource, now) -> tuple[str, Notice | None]:
    """Create or correct one post. A new public post is mailed; a correction is not."""
    digest = source.content_hash()
    post = UpdatePost.objects.select_for_update().filter(slug=source.slug).first()
    if post is not None and post.content_hash == digest:
        return "", None
    created = post is None
    if created:
        post = UpdatePost(slug=source.slug, published_at=now)
    post.date = source.date
    post.title = source.title
    post.type = source.type
    post.visibility = source.visibility
    post.summary = source.summary
    post.body_markdown = source.body
    post.body_html = render_markdown(source.body).html
    post.content_hash = digest
    post.source = source.path
    post.updated_at = now
    post.full_clean()
    post.save()
    if not created:
        return f"update corrected: {post.slug} ({source.path})", None
    notice = None
    # NDA posts are never mailed: an email address cannot show that its reader may see them.
    if post.visibility == Visibility.PUBLIC:
        notice = Notice.objects.create(
            kind=Notice.Kind.POST, topic=POST_TOPIC.get(post.type, Topic.ALL), post=post, created_at=now
        )
    return f"update created: {post.slug} ({source.path})", notice


def _entries(company: Company) -> list[dict]:
    return [
        {"name": s.name, "purpose": s.purpose, "data": s.data, "location": s.location, "website": s.website}
        for s in company.subprocessors
    ]


def subprocessor_diff(before: list[dict], after: list[dict]) -> list[dict]:
    """Added, removed and changed (purpose, data, location) subprocessors, matched by name."""
    old = {entry["name"]: entry for entry in before}
    new = {entry["name"]: entry for entry in after}
    changes = []
    for name, entry in new.items():
        if name not in old:
            changes.append({"kind": ChangeKind.ADDED, "name": name, "before": None, "after": entry, "fields": []})
            continue
        fields = [f for f in COMPARED_FIELDS if old[name].get(f, "") != entry.get(f, "")]
        if fields:
            changes.append(
                {"kind": ChangeKind.CHANGED, "name": name, "before": old[name], "after": entry, "fields": fields}
            )
    for name, entry in old.items():
        if name not in new:
            changes.append({"kind": ChangeKind.REMOVED, "name": name, "before": entry, "after": None, "fields": []})
    return changes


def subprocessors_publish(*, company: Company, now) -> tuple[str, Notice | None]:
    """Store the list when it differs from the last published one; changes get a notice.

    The first list ever published is the starting point, not a change.
    """
    entries = _entries(company)
    digest = hashlib.sha256(json.dumps(entries, sort_keys=True).encode()).hexdigest()
    latest = SubprocessorList.objects.select_for_update().order_by("-number").first()
    if latest is not None and latest.content_hash == digest:
        return "", None
    register = SubprocessorList.objects.create(
        number=(latest.number + 1) if latest else 1, entries=entries, content_hash=digest, published_at=now
    )
    if latest is None:
        return f"subprocessor list v{register.number} published ({len(entries)} subprocessors)", None
    changes = subprocessor_diff(latest.entries, entries)
    if not changes:  # only a website or the order changed: a new version, nothing to give notice of
        return f"subprocessor list v{register.number} published (no change needing notice)", None
    effective = timezone.localdate(now) + datetime.timedelta(days=company.subprocessor_notice_days)
    SubprocessorChange.objects.bulk_create(
        SubprocessorChange(register=register, published_at=now, effective_on=effective, **change) for change in changes
    )
    notice = Notice.objects.create(
        kind=Notice.Kind.SUBPROCESSORS, topic=Topic.SUBPROCESSORS, register=register, created_at=now
    )
    return (
        f"subprocessor list v{register.number}: {len(changes)} change notice(s), effective {effective.isoformat()}",
        notice,
    )
