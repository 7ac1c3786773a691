"""`manage.py import_page`: a saved security page becomes a policy file that `publish` accepts once completed."""

import io

import pytest
from django.core.management import CommandError, call_command

from trustcenter.policies.models import PolicyVersion

SEMANTIC_PAGE = """<!doctype html>
<html><head><title>Security | Example Inc</title>
<meta name="description" content="How Example keeps customer data safe.">
<style>body { color: red }</style><script>track()</script></head>
<body>
<header><a href="/">Example</a><nav><a href="/pricing">Pricing</a><a href="/blog">Blog</a></nav></header>
<div class="cookie-banner">We use cookies <button>OK</button></div>
<main>
  <h1>Security at Example</h1>
  <p>We protect <strong>your data</strong> at every layer. <a href="/trust/soc2">Read about SOC 2</a>.</p>
  <h2>Encryption</h2>
  <ul>
    <li>At rest: AES-256
      <ul><li>Databases</li><li>Backups</li></ul>
    </li>
    <li>In transit: TLS 1.2+</li>
  </ul>
  <h2>Subprocessors</h2>
  <table>
    <thead><tr><th>Name</th><th>Purpose</th></tr></thead>
    <tbody><tr><td>AWS</td><td>Hosting</td></tr><tr><td>Postmark</td><td>Email</td></tr></tbody>
  </table>
  <p><img src="https://cdn.example.com/badge.png" alt="badge"> <a href="javascript:alert(1)">click</a></p>
  <p onclick="steal()">Questions? <a href="mailto:security@example.com">security@example.com</a></p>
</main>
<footer><p>© Example Inc</p><a href="/privacy">Privacy</a></footer>
</body></html>
"""

DIV_SOUP_PAGE = """<html><head><title>Trust - Acme</title></head><body>
<div id="navbar"><a href="/">Home</a><a href="/jobs">Jobs</a></div>
<div class="content">
  <div class="h1">Acme security overview</div>
  <div role="heading" aria-level="2">Access control</div>
  <div><p>Single sign-on with MFA for every employee.</p></div>
  <div class="heading-3">Reviews</div>
  <p>Quarterly access reviews.</p>
  <ol><li>Step one<ol><li>Sub-step</li></ol></li><li>Step two</li></ol>
</div>
<div class="breadcrumbs">Home / Trust</div>
</body></html>
"""

H1_SECTIONS_PAGE = """<html><body><article>
<h1>Data protection</h1><p>We encrypt data.</p>
<h1>Incident response</h1><p>We respond within an hour.</p>
<h2>Escalation</h2><p>On-call engineers escalate to the CISO.</p>
</article></body></html>
"""


def import_page(content_dir, tmp_path, html, *args):
    page = tmp_path / "page.html"
    page.write_text(html, encoding="utf-8")
    out = io.StringIO()
    call_command("import_page", str(page), "--content", str(content_dir), *args, stdout=out)
    return out.getvalue()


def complete(path, category="data-protection", owner="CISO"):
    text = path.read_text(encoding="utf-8")
    for quote in ("''", '""'):
        text = text.replace(f"category: {quote}", f"category: {category}", 1).replace(
            f"owner: {quote}", f"owner: {owner}"
        )
    path.write_text(text, encoding="utf-8")


def test_a_semantic_page_keeps_its_content_and_loses_the_furniture(content_dir, tmp_path, db):
    out = import_page(content_dir, tmp_path, SEMANTIC_PAGE, "--base-url", "https://example.com/security/")
    path = content_dir / "policies" / "security-at-example.md"
    assert f"Wrote {path}" in out
    assert "1 image(s) from other hosts left out" in out
    text = path.read_text(encoding="utf-8")
    front, body = text.split("---\n")[1:3]
    assert "title: Security at Example" in front
    assert "summary: How Example keeps customer data safe." in front
    assert "# to complete: one of" in front and "data-protection" in front
    # Content kept: headings, nested lists, the table, links made absolute.
    assert "## Encryption" in body and "## Subprocessors" in body
    assert "- At rest: AES-256" in body and "  - Databases" in body
    assert "| AWS | Hosting |" in body
    assert "[Read about SOC 2](https://example.com/trust/soc2)" in body
    assert "mailto:security@example.com" in body
    # Furniture and anything unsafe gone.
    for gone in ("Pricing", "cookies", "Privacy", "track()", "color: red", "javascript:", "onclick", "cdn.example.com"):
        assert gone not in body, gone
    assert "# Security at Example" not in body  # the title lives in the front matter


def test_a_completed_import_publishes(content_dir, tmp_path, db):
    import_page(content_dir, tmp_path, SEMANTIC_PAGE)
    path = content_dir / "policies" / "security-at-example.md"
    out, err = io.StringIO(), io.StringIO()
    with pytest.raises(CommandError):
        call_command("publish", str(content_dir), "--check", stdout=out, stderr=err)
    assert "security-at-example.md" in err.getvalue() and "category" in err.getvalue()
    complete(path)
    call_command("publish", str(content_dir), stdout=io.StringIO(), stderr=io.StringIO())
    version = PolicyVersion.objects.get(policy__slug="security-at-example")
    assert "<table>" in version.body_html and "<h2" in version.body_html and "<ul>" in version.body_html


def test_headings_written_as_divs_become_headings(content_dir, tmp_path, db):
    import_page(content_dir, tmp_path, DIV_SOUP_PAGE, "--slug", "acme-security")
    body = (content_dir / "policies" / "acme-security.md").read_text(encoding="utf-8").split("---\n", 2)[2]
    assert "title: Acme security overview" in (content_dir / "policies" / "acme-security.md").read_text()
    assert "## Access control" in body and "### Reviews" in body
    assert "1. Step one" in body and "Sub-step" in body
    assert "Jobs" not in body and "Home / Trust" not in body


def test_a_page_with_h1_sections_moves_every_heading_down(content_dir, tmp_path, db):
    out = import_page(content_dir, tmp_path, H1_SECTIONS_PAGE, "--slug", "practices")
    assert "every heading moved one level down" in out
    body = (content_dir / "policies" / "practices.md").read_text(encoding="utf-8").split("---\n", 2)[2]
    assert "## Incident response" in body and "### Escalation" in body
    assert "\n# " not in "\n" + body


def test_it_never_overwrites_a_policy(content_dir, tmp_path, db):
    import_page(content_dir, tmp_path, SEMANTIC_PAGE, "--slug", "access-control-copy")
    with pytest.raises(CommandError, match="already exists; choose another name with --slug"):
        import_page(content_dir, tmp_path, SEMANTIC_PAGE, "--slug", "access-control-copy")


@pytest.mark.parametrize(
    ("html", "args", "message"),
    [
        ("<html><body><nav>Only a menu</nav></body></html>", [], "no text left"),
        (SEMANTIC_PAGE, ["--slug", "Not A Slug"], "use lowercase letters, digits and hyphens"),
    ],
)
def test_bad_input_gets_a_message_to_act_on(content_dir, tmp_path, db, html, args, message):
    with pytest.raises(CommandError, match=message):
        import_page(content_dir, tmp_path, html, *args)


def test_a_missing_file_says_how_to_get_one(content_dir, tmp_path):
    with pytest.raises(CommandError, match="save the page from your browser first"):
        call_command("import_page", str(tmp_path / "nope.html"), "--content", str(content_dir))
