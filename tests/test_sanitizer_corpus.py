"""Every XSS vector in tests/xss_corpus.py, published through the real pipeline and read back as a browser would.

The vectors are written into a temporary content folder, published with `content_publish`
(Markdown, then the nh3 allowlist in trustcenter/lib/markup.py), and each policy page is
fetched and parsed with html5lib. On the whole page there must be no element that can run
script or load active content, no event-handler attribute, no `style`, and no URL whose
scheme is other than http, https or mailto. If a vector gets through, fix the sanitizer.
"""

import re
import shutil

import html5lib
import pytest
from django.conf import settings
from django.db import transaction
from django.test import Client, override_settings

from tests.xss_corpus import VECTORS
from trustcenter.core.company import load_company
from trustcenter.policies.services import content_publish

# Runs in the first pass of `make test` only: the sanitizer's output is the same whatever stores the page.
pytestmark = pytest.mark.any_backend

SCRIPT_CAPABLE = {
    "script", "style", "iframe", "frame", "frameset", "object", "embed", "applet", "base", "svg", "math",
    "template", "noscript", "portal", "xml", "noembed", "noframes", "xmp", "plaintext", "listing", "isindex",
    "bgsound", "handler", "video", "audio", "source", "track", "picture", "map", "area", "image", "keygen",
}  # fmt: skip
HEAD_ONLY = {"meta", "link", "title"}
FORM_ELEMENTS = {"form", "input", "button", "textarea", "select", "option", "dialog"}
# Written here, not imported from markup.py, so the test checks the sanitizer against an independent list.
PROSE_TAGS = {
    "a", "abbr", "b", "blockquote", "br", "caption", "code", "dd", "del", "details", "dl", "dt", "em", "h2",
    "h3", "h4", "h5", "h6", "hr", "i", "img", "ins", "kbd", "li", "ol", "p", "pre", "s", "strong", "sub",
    "summary", "sup", "table", "tbody", "td", "tfoot", "th", "thead", "tr", "ul",
}  # fmt: skip
URL_ATTRIBUTES = {
    "href", "src", "action", "formaction", "data", "poster", "background", "srcset", "cite", "longdesc",
    "lowsrc", "dynsrc", "ping", "manifest", "codebase", "icon", "profile", "usemap", "srcdoc", "xlink:href",
}  # fmt: skip
SAFE_SCHEMES = {"http", "https", "mailto"}
_SCHEME_RE = re.compile(r"^([a-zA-Z][a-zA-Z0-9+.\-]*):")
_C0_OR_SPACE = "".join(chr(c) for c in range(0x21))

FRONT_MATTER = """---
title: XSS vector {slug}
category: {category}
summary: Sanitizer regression vector.
version: 1
effective: 2026-01-01
reviewed: 2026-01-02
owner: Test
visibility: public
---

## Vector

Vector {slug} begins here.

"""


def url_scheme(value: str) -> str | None:
    """The scheme a browser would see: trim C0 controls and spaces, drop tabs and newlines."""
    cleaned = value.strip(_C0_OR_SPACE)
    cleaned = re.sub(r"[\t\n\r]", "", cleaned)
    match = _SCHEME_RE.match(cleaned)
    return match[1].lower() if match else None


def local(name: str) -> str:
    """Element or attribute name without its namespace: html5lib writes `{ns}name`."""
    return name.rsplit("}", 1)[-1].lower()


def problems_in(page: str) -> list[str]:
    document = html5lib.parse(page, treebuilder="etree", namespaceHTMLElements=False)
    found = []
    body = document.find("body")
    body_elements = set(body.iter()) if body is not None else set()
    for element in document.iter():
        if not isinstance(element.tag, str):
            continue  # comments
        tag = local(element.tag)
        if element.tag.startswith("{"):
            found.append(f"foreign-namespace element <{element.tag}>")
        if tag in SCRIPT_CAPABLE:
            found.append(f"<{tag}> element")
        if element in body_elements and tag in HEAD_ONLY:
            found.append(f"<{tag}> in the body")
        for name, value in element.attrib.items():
            attribute = local(name)
            if attribute.startswith("on"):
                found.append(f"<{tag} {attribute}=...>")
            if attribute == "style":
                found.append(f"<{tag} style=...>")
            if attribute in URL_ATTRIBUTES or name.endswith("}href"):
                for candidate in value.split(",") if attribute == "srcset" else [value]:
                    scheme = url_scheme(candidate)
                    if scheme is not None and scheme not in SAFE_SCHEMES:
                        found.append(f"<{tag} {attribute}={value!r}> with scheme {scheme}")
            if tag == "meta" and attribute == "http-equiv":
                found.append("<meta http-equiv>")
    prose = [el for el in document.iter() if isinstance(el.tag, str) and "prose" in el.get("class", "").split()]
    if len(prose) != 1:
        found.append(f"expected one policy body, found {len(prose)}")
    else:
        for element in prose[0].iter():
            if element is prose[0] or not isinstance(element.tag, str):
                continue
            tag = local(element.tag)
            if tag not in PROSE_TAGS:
                found.append(f"<{tag}> inside the policy body")
            if tag in FORM_ELEMENTS:
                found.append(f"form element <{tag}>")
    return found


def slug_for(vector_id: str) -> str:
    return f"xss-{vector_id}"


@pytest.fixture(scope="module")
def corpus_site(django_db_setup, django_db_blocker, tmp_path_factory):
    """The whole corpus, published once for the module, in a transaction rolled back after it
    (each test's own transaction nests inside it)."""
    root = tmp_path_factory.mktemp("xss") / "content"
    root.mkdir()
    shutil.copy(settings.CONTENT_DIR / "company.yaml", root / "company.yaml")
    (root / "policies").mkdir()
    with override_settings(CONTENT_DIR=root), django_db_blocker.unblock(), transaction.atomic():
        category = load_company(root).categories[0].slug
        for vector_id, vector in VECTORS:
            slug = slug_for(vector_id)
            text = FRONT_MATTER.format(slug=slug, category=category) + vector + "\n"
            (root / "policies" / f"{slug}.md").write_text(text, encoding="utf-8")
        report = content_publish(root=root)
        created = [line for line in report.lines if line.startswith("created: xss-")]
        assert len(created) == len(VECTORS)
        yield root
        transaction.set_rollback(True)


def test_the_corpus_is_large_and_covers_every_category():
    groups = {vector_id.rsplit("-", 1)[0] for vector_id, _ in VECTORS}
    assert len(VECTORS) >= 300
    assert groups == {"script", "event", "tag", "scheme", "svgmath", "mutation", "markdown", "comment", "style"}


@pytest.mark.parametrize(("vector_id", "vector"), VECTORS, ids=[vector_id for vector_id, _ in VECTORS])
def test_a_published_vector_renders_without_anything_that_can_run(corpus_site, db, vector_id, vector):
    slug = slug_for(vector_id)
    with override_settings(CONTENT_DIR=corpus_site):
        response = Client().get(f"/policies/{slug}/")
    assert response.status_code == 200
    page = response.content.decode()
    assert f"Vector {slug} begins here." in page
    assert problems_in(page) == [], vector


@pytest.mark.parametrize(
    ("html", "problem"),
    [
        ('<div class="prose"><script>x</script></div>', "<script> element"),
        ('<div class="prose"><p onclick="x">a</p></div>', "<p onclick=...>"),
        ('<div class="prose"><p style="x">a</p></div>', "<p style=...>"),
        ('<div class="prose"><a href="java&#x09;script:x">a</a></div>', "with scheme javascript"),
        ('<div class="prose"><a href=" &#1;javascript:x">a</a></div>', "with scheme javascript"),
        ('<div class="prose"><img src="data:image/png;base64,AA"></div>', "with scheme data"),
        ('<div class="prose"><svg><a xlink:href="javascript:x"></a></svg></div>', "foreign-namespace"),
        ('<div class="prose"><form><input></form></div>', "form element <form>"),
        ('<div class="prose"><meta http-equiv="refresh"></div>', "<meta> in the body"),
        ('<div class="prose"><span>x</span></div>', "<span> inside the policy body"),
    ],
)
def test_the_checker_itself_catches_each_kind_of_problem(html, problem):
    page = f"<!doctype html><html><head><title>t</title></head><body>{html}</body></html>"
    assert any(problem in found for found in problems_in(page))


def test_the_checker_accepts_safe_markup():
    page = (
        '<!doctype html><html><head><title>t</title></head><body><div class="prose">'
        '<p><a href="https://example.com/">a</a> <a href="mailto:x@example.com">m</a> <a href="/x#y">r</a>'
        ' <img src="/static/x.png" alt=""></p></div></body></html>'
    )
    assert problems_in(page) == []
