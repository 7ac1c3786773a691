"""Markdown rendering and the nh3 allowlist, with the exact HTML that comes out."""

import pytest

from trustcenter.lib.markup import render_markdown


def html(source: str) -> str:
    return render_markdown(source).html.strip()


CASES = [
    # (name, markdown, expected HTML)
    ("script tag", "<script>alert(1)</script>\n\nText", "<p>Text</p>"),
    ("script inside a paragraph", "Hi <script>alert(1)</script> there", "<p>Hi  there</p>"),
    ("event handler", '<p onclick="alert(1)">x</p>', "<p>x</p>"),
    ("img onerror", '<img src="/static/img/a.png" onerror="alert(1)">', '<p><img src="/static/img/a.png"></p>'),
    ("javascript inline link", "[x](javascript:alert(1))", '<p><a rel="noopener noreferrer">x</a></p>'),
    (
        "javascript reference link",
        "[x][r]\n\n[r]: javascript:alert(1)",
        '<p><a rel="noopener noreferrer">x</a></p>',
    ),
    ("entity-obfuscated scheme", "[x](jav&#x09;ascript:alert(1))", '<p><a rel="noopener noreferrer">x</a></p>'),
    (
        "entity-obfuscated scheme in raw html",
        '<a href="&#106;avascript:alert(1)">x</a>',
        '<p><a rel="noopener noreferrer">x</a></p>',
    ),
    ("upper-case scheme", '<a href="JaVaScRiPt:alert(1)">x</a>', '<p><a rel="noopener noreferrer">x</a></p>'),
    ("vbscript", '<a href="vbscript:msgbox(1)">x</a>', '<p><a rel="noopener noreferrer">x</a></p>'),
    ("data url link", "[x](data:text/html;base64,PHNjcmlwdD4=)", '<p><a rel="noopener noreferrer">x</a></p>'),
    ("data url image", "![a](data:image/png;base64,AAAA)", '<p><img alt="a"></p>'),
    ("external image", "![a](https://tracker.example/p.gif)", '<p><img alt="a"></p>'),
    ("loopback image", "![a](http://127.0.0.1:8000/admin/)", '<p><img alt="a"></p>'),
    ("file image", "![a](file:///etc/passwd)", '<p><img alt="a"></p>'),
    ("local image", "![Diagram](/static/img/diagram.png)", '<p><img alt="Diagram" src="/static/img/diagram.png"></p>'),
    ("iframe", '<iframe src="https://evil.example"></iframe>', ""),
    ("object", '<object data="x.swf"></object>', ""),
    ("form", '<form action="https://evil.example"><input name="q"></form>', ""),
    ("style tag", "<style>body{display:none}</style>\n\nText", "<p>Text</p>"),
    ("style attribute", '<p style="color:red">x</p>', "<p>x</p>"),
    ("svg", "<svg><script>alert(1)</script></svg>", "<p></p>"),
    ("html comment", "a <!-- secret --> b", "<p>a  b</p>"),
    (
        "external link gets rel",
        "[site](https://example.com)",
        '<p><a href="https://example.com" rel="noopener noreferrer">site</a></p>',
    ),
    (
        "mailto link",
        "[mail](mailto:security@kestrel.example)",
        '<p><a href="mailto:security@kestrel.example" rel="noopener noreferrer">mail</a></p>',
    ),
    (
        "relative link",
        "[other](/policies/access-control/#mfa)",
        '<p><a href="/policies/access-control/#mfa" rel="noopener noreferrer">other</a></p>',
    ),
    (
        "target attribute dropped",
        '<a href="/x" target="_blank">x</a>',
        '<p><a href="/x" rel="noopener noreferrer">x</a></p>',
    ),
    ("bad heading id dropped", '<h2 id="a b&quot;">x</h2>', "<h2>x</h2>"),
    ("h1 is not allowed in a body", "<h1>Big</h1>", "Big"),
]


@pytest.mark.parametrize(("name", "source", "expected"), CASES, ids=[c[0] for c in CASES])
def test_sanitizer_output(name, source, expected):
    assert html(source) == expected


def test_headings_get_stable_ids_and_a_table_of_contents():
    rendered = render_markdown("## Encryption at rest\n\ntext\n\n### Key management\n\n## Encryption at rest\n")
    assert '<h2 id="encryption-at-rest">Encryption at rest</h2>' in rendered.html
    assert '<h3 id="key-management">Key management</h3>' in rendered.html
    assert '<h2 id="encryption-at-rest_1">' in rendered.html
    assert [e["id"] for e in rendered.toc] == ["encryption-at-rest", "encryption-at-rest_1"]
    assert rendered.toc[0]["children"][0] == {
        "id": "key-management",
        "name": "Key management",
        "level": 3,
        "children": [],
    }


def test_tables_fenced_code_and_lists_render():
    source = "| Severity | SLA |\n|:--|--:|\n| Critical | 7 days |\n\n```\nkms rotate\n```\n\n1. one\n2. two\n"
    out = html(source)
    assert '<th align="left">Severity</th>' in out
    assert '<td align="right">7 days</td>' in out
    assert "<pre><code>kms rotate\n</code></pre>" in out
    assert "<ol>\n<li>one</li>\n<li>two</li>\n</ol>" in out


def test_plain_text_is_extracted_for_search():
    rendered = render_markdown("## Title\n\nAll **stored** data &amp; backups.")
    assert rendered.text == "Title All stored data & backups."


# Forms a browser rewrites into another host or scheme: backslashes read as slashes, tabs and
# newlines dropped anywhere, controls and spaces trimmed at the ends.
BROWSER_NORMALISED = [
    '<img src="/\\127.0.0.1:9999/x.png">',
    '<img src="\\\\127.0.0.1:9999/x.png">',
    '<img src="&#x5c;&#x5c;127.0.0.1/x.png">',
    '<img src="/&#9;/127.0.0.1/x.png">',
    '<img src="&#1;//127.0.0.1/x.png">',
    '<a href="/\\evil.example/">x</a>',
    '<a href="\\\\evil.example/">x</a>',
    '<a href="https:\\\\evil.example/">x</a>',
    '<a href="https:/\\evil.example/">x</a>',
    '<a href="java&#9;script:alert(1)">x</a>',
    '<a href="java&#10;script:alert(1)">x</a>',
    '<a href="&#1;javascript:alert(1)">x</a>',
]


@pytest.mark.parametrize("source", BROWSER_NORMALISED)
def test_browser_normalised_urls_are_refused(source):
    out = html(source)
    assert "src=" not in out and "href=" not in out, out
    assert "evil" not in out and "127.0.0.1" not in out and "script" not in out


def test_ordinary_links_survive_in_the_form_a_browser_reads():
    assert html('<a href="ht&#10;tps://ok.example/">x</a>') == (
        '<p><a href="https://ok.example/" rel="noopener noreferrer">x</a></p>'
    )
    assert html("[a](/policies/x/) [b](#s) [c](mailto:a@b.example)").count("href=") == 3
