"""`manage.py publish`: validation, idempotence, the version rule, rollback and --check."""

import io
import textwrap

import pytest
from django.core.management import CommandError, call_command

from trustcenter.policies.models import Category, Policy, PolicyVersion

GOOD = """\
---
title: Example Policy
category: governance
summary: A short summary.
version: {version}
effective: 2026-01-01
reviewed: 2026-02-01
owner: CISO
visibility: public
---
## Purpose

{body}
"""


def write(content_dir, slug, text):
    path = content_dir / "policies" / f"{slug}.md"
    path.write_text(textwrap.dedent(text))
    return path


def publish(content_dir, *args):
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("publish", str(content_dir), *args, stdout=out, stderr=err)
    except CommandError as exc:
        return False, out.getvalue(), err.getvalue() + str(exc)
    return True, out.getvalue(), err.getvalue()


@pytest.fixture
def fresh(db, content_dir):
    """An empty database and the demo content on disk."""
    return content_dir


def test_it_publishes_every_policy_and_its_history(fresh):
    ok, out, _ = publish(fresh)
    assert ok, out
    files = list((fresh / "policies").glob("*.md"))
    history = list((fresh / "history").glob("*/v*.md"))
    assert PolicyVersion.objects.count() == len(files) + len(history)
    assert Policy.objects.count() == len(files)
    assert Category.objects.count() == 12
    data_protection = Policy.objects.get(slug="data-protection")
    assert sorted(data_protection.versions.values_list("number", flat=True)) == [1, 2, 3]
    assert data_protection.current_version.number == 3
    assert "created: data-protection v1" in out


def test_a_second_run_reports_no_change(fresh):
    publish(fresh)
    before = PolicyVersion.objects.count()
    ok, out, _ = publish(fresh)
    assert ok
    assert out.strip().splitlines()[-1].startswith("No change: 0 created")
    assert PolicyVersion.objects.count() == before


def test_changed_text_under_the_same_version_is_refused_with_file_and_line(fresh):
    publish(fresh)
    path = fresh / "policies" / "data-protection.md"
    path.write_text(path.read_text().replace("## ", "## Changed ", 1))
    ok, _, err = publish(fresh)
    assert not ok
    assert "policies/data-protection.md:5: version 3 already published with other text; set `version: 4`" in err
    assert "nothing was published" in err


def test_a_bumped_version_is_published_and_becomes_current(fresh):
    publish(fresh)
    path = fresh / "policies" / "data-protection.md"
    path.write_text(path.read_text().replace("version: 3", "version: 4").replace("## ", "## Changed ", 1))
    ok, out, _ = publish(fresh)
    assert ok, out
    policy = Policy.objects.get(slug="data-protection")
    assert policy.current_version.number == 4
    assert "created: data-protection v4" in out


def test_the_same_version_in_two_files_is_refused(fresh):
    path = fresh / "policies" / "data-protection.md"
    path.write_text(path.read_text().replace("version: 3", "version: 2"))
    ok, _, err = publish(fresh)
    assert not ok
    assert "version 2 of 'data-protection' is also in" in err
    assert "each version must appear once" in err


def test_an_older_version_number_with_new_text_is_refused(fresh):
    write(fresh, "example", GOOD.format(version=5, body="First text."))
    publish(fresh)
    write(fresh, "example", GOOD.format(version=4, body="Other text."))
    ok, _, err = publish(fresh)
    assert not ok
    assert "policies/example.md:5: version 4 is older than the published version 5; set `version: 6`" in err


def test_a_new_review_date_alone_updates_the_page_without_a_new_version(fresh):
    publish(fresh)
    path = fresh / "policies" / "security-program.md"
    text = path.read_text()
    import re

    path.write_text(re.sub(r"reviewed: \S+", "reviewed: 2026-11-20", text, count=1))
    ok, out, _ = publish(fresh)
    assert ok
    policy = Policy.objects.get(slug="security-program")
    assert str(policy.last_reviewed) == "2026-11-20"
    assert "review date updated: security-program" in out
    assert policy.versions.count() == 1


def test_one_bad_file_rolls_back_the_whole_run(fresh):
    write(fresh, "zzz-broken", GOOD.format(version=1, body="Text.").replace("visibility: public", "visibility: secret"))
    ok, _, err = publish(fresh)
    assert not ok
    assert "policies/zzz-broken.md:9: `visibility` must be `public` or `nda`, got 'secret'" in err
    assert PolicyVersion.objects.count() == 0
    assert Category.objects.count() == 0


def test_a_conflict_found_while_writing_rolls_back_earlier_writes(fresh):
    publish(fresh)
    count = PolicyVersion.objects.count()
    # a valid new page (sorted first) and a conflicting change (sorted later)
    write(fresh, "aaa-new-page", GOOD.format(version=1, body="New."))
    path = fresh / "policies" / "vulnerability-management.md"
    path.write_text(path.read_text().replace("## ", "## Edited ", 1))
    ok, _, err = publish(fresh)
    assert not ok
    assert "vulnerability-management.md" in err
    assert PolicyVersion.objects.count() == count
    assert not Policy.objects.filter(slug="aaa-new-page").exists()


def test_check_validates_without_writing(fresh):
    ok, out, _ = publish(fresh, "--check")
    assert ok
    assert "check only, nothing written" in out
    assert PolicyVersion.objects.count() == 0


def test_check_reports_errors_and_fails(fresh):
    write(fresh, "bad", GOOD.format(version=1, body="x").replace("effective: 2026-01-01", "effective: 01/02/2026"))
    ok, _, err = publish(fresh, "--check")
    assert not ok
    assert "policies/bad.md:6: `effective` must be an ISO date like 2026-03-31, got '01/02/2026'" in err


def test_check_detects_version_conflicts_against_the_database(fresh):
    publish(fresh)
    path = fresh / "policies" / "data-protection.md"
    path.write_text(path.read_text() + "\nOne more sentence.\n")
    ok, _, err = publish(fresh, "--check")
    assert not ok
    assert "version 3 already published with other text" in err


FRONT_MATTER_ERRORS = [
    # (change to the good file, expected message fragment with line)
    (lambda t: t.replace("---\ntitle", "title", 1), "bad.md:1: the file must start with a `---` line"),
    (
        lambda t: t.replace("visibility: public\n---", "visibility: public\n"),
        "bad.md:1: the front matter is not closed",
    ),
    (lambda t: t.replace("title: Example Policy\n", ""), "bad.md:1: missing required key `title`"),
    (lambda t: t.replace("owner: CISO\n", ""), "bad.md:1: missing required key `owner`"),
    (
        lambda t: t.replace("version: 1", "version: one"),
        "bad.md:5: `version` must be a whole number from 1 up, got 'one'",
    ),
    (lambda t: t.replace("version: 1", "version: 0"), "bad.md:5: `version` must be a whole number from 1 up, got 0"),
    (lambda t: t.replace("version: 1", "version: 1.5"), "bad.md:5: `version` must be a whole number"),
    (lambda t: t.replace("title: Example Policy", "title: [a, b]"), "bad.md:2: `title` must be text, got list"),
    (
        lambda t: t.replace("category: governance", "category: marketing"),
        "bad.md:3: unknown category 'marketing'; use one of:",
    ),
    (
        lambda t: t.replace("reviewed: 2026-02-01", "reviewed: 2025-12-01"),
        "bad.md:7: `reviewed` (2025-12-01) is before `effective`",
    ),
    (lambda t: t.replace("reviewed: 2026-02-01", "reviewed: 2026-02-31"), "bad.md:7: `reviewed` must be an ISO date"),
    (lambda t: t.replace("owner: CISO", "owner: CISO\nauthor: me"), "bad.md:9: unknown key `author`"),
    (lambda t: t.replace("summary: A short summary.", "summary: [unclosed"), "bad.md:4: invalid YAML"),
    (lambda t: t.split("---\n## Purpose")[0] + "---\n", "bad.md:11: the page has no text after the front matter"),
]


@pytest.mark.parametrize(("change", "expected"), FRONT_MATTER_ERRORS)
def test_each_front_matter_error_names_the_file_line_and_fix(fresh, change, expected):
    text = change(GOOD.format(version=1, body="Text."))
    write(fresh, "bad", text)
    ok, _, err = publish(fresh, "--check")
    assert not ok
    assert expected in err, err


def test_a_bad_file_name_is_refused(fresh):
    write(fresh, "Bad_Name", GOOD.format(version=1, body="x"))
    ok, _, err = publish(fresh)
    assert not ok
    assert "file name 'Bad_Name' is not a valid slug" in err


def test_history_file_version_must_match_its_name(fresh):
    path = fresh / "history" / "data-protection" / "v1.md"
    path.write_text(path.read_text().replace("version: 1", "version: 7", 1))
    ok, _, err = publish(fresh)
    assert not ok
    assert "history/data-protection/v1.md" in err
    assert "the file name says v1" in err


def test_a_broken_company_file_is_reported_with_its_line(fresh):
    path = fresh / "company.yaml"
    path.write_text(path.read_text().replace("status: current", "status: great", 1))
    ok, _, err = publish(fresh)
    assert not ok
    assert "company.yaml:" in err and "`status` must be one of current, in_progress, planned, expired" in err


def test_a_missing_folder_is_a_clear_error(fresh, tmp_path):
    ok, _, err = publish(tmp_path / "nowhere")
    assert not ok
    assert "not a folder" in err


def test_check_works_without_a_database(content_dir, tmp_path):
    """--check on a fresh CI checkout of a content repository: no tables, files still validated."""
    import os
    import subprocess
    import sys

    from django.conf import settings

    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'empty.sqlite3'}",
        "DJANGO_SETTINGS_MODULE": "tests.settings",
    }
    good = subprocess.run(
        [sys.executable, "manage.py", "publish", str(content_dir), "--check"],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert good.returncode == 0, good.stderr
    assert "policy versions are valid (files only, no database)" in good.stdout
    write(content_dir, "bad", GOOD.format(version=1, body="x").replace("visibility: public", "visibility: nope"))
    bad = subprocess.run(
        [sys.executable, "manage.py", "publish", str(content_dir), "--check"],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert bad.returncode != 0
    assert "policies/bad.md:9: `visibility` must be `public` or `nda`" in bad.stderr


def test_a_page_without_section_headings_is_published_with_an_empty_contents_list(fresh):
    text = GOOD.format(version=1, body="x").replace("## Purpose\n", "Just one paragraph, no headings.\n")
    write(fresh, "short-note", text)
    ok, out, err = publish(fresh)
    assert ok, out + err
    version = Policy.objects.get(slug="short-note").current_version
    assert version.toc == []
    assert "Just one paragraph" in version.body_html


def test_publish_names_every_file_from_the_content_folder_on(fresh):
    ok, out, err = publish(fresh)
    assert ok, err
    created = [line for line in out.splitlines() if line.startswith("created:")]
    assert any("NDA" in line for line in created)
    for line in created:
        path = line.rsplit("(", 1)[1].rstrip(")")
        assert path.startswith(f"{fresh.name}/"), line
        assert str(fresh.parent) not in line


def test_a_bad_company_file_is_named_from_the_content_folder_on(fresh):
    (fresh / "company.yaml").write_text("name: [unclosed\n")
    ok, out, err = publish(fresh)
    assert not ok
    assert f"{fresh.name}/company.yaml:" in err and str(fresh.parent) not in err


def test_history_versions_are_marked_imported_and_dated_by_their_effective_date_in_the_change_log(fresh, client):
    import datetime

    assert publish(fresh)[0]
    imported = PolicyVersion.objects.filter(imported=True)
    history = list((fresh / "history").glob("*/v*.md"))
    assert imported.count() == len(history) > 0
    assert not PolicyVersion.objects.filter(imported=False, source__contains="/history/").exists()
    ordered = list(PolicyVersion.objects.in_history_order())
    keys = [v.effective if v.imported else v.published_at.date() for v in ordered]
    assert keys == sorted(keys, reverse=True)
    oldest = ordered[-1]
    assert oldest.imported and oldest.effective < datetime.date.today()

    html = client.get("/changes/").content.decode()
    entry = html[html.index(oldest.get_absolute_url()) :].split("</li>", 1)[0]
    assert "imported from the policy’s earlier history" in entry and "published" not in entry
    feed = client.get("/changes/feed/").content.decode()
    assert f"<published>{oldest.effective.isoformat()}T00:00:00" in feed


def test_a_first_heading_that_repeats_the_title_is_dropped_and_said_so(fresh):
    text = GOOD.format(version=1, body="Text.").replace("## Purpose", "# Example policy\n\n## Purpose")
    write(fresh, "brought", text)
    ok, out, err = publish(fresh)
    assert ok, err
    assert "note: dropped the `#` heading that repeats the title" in out
    version = PolicyVersion.objects.get(policy__slug="brought")
    assert "Example policy" not in version.body_markdown and version.body_markdown.startswith("## Purpose")
    assert "<h1" not in version.body_html
    ok, out, _ = publish(fresh)
    assert ok and "brought" not in out  # the same file again: nothing to do


def test_a_page_with_hash_sections_moves_every_heading_down_one_level(fresh):
    body = "# Scope\n\nText.\n\n## Detail\n\n```\n# a shell comment\n```\n\nOverview\n========\n\nMore."
    write(fresh, "brought", GOOD.format(version=1, body="x").replace("## Purpose\n\nx", body))
    ok, out, err = publish(fresh)
    assert ok, err
    assert "note: the page uses `#` for its sections: moved every heading one level down" in out
    markdown = PolicyVersion.objects.get(policy__slug="brought").body_markdown
    assert "## Scope" in markdown and "### Detail" in markdown and "## Overview" in markdown
    assert "# a shell comment" in markdown and "## a shell comment" not in markdown
    html = PolicyVersion.objects.get(policy__slug="brought").body_html
    assert "<h1" not in html and "<h2" in html and "<h3" in html
