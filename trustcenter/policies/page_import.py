"""Turn a saved security web page into a policy file, so a company can bring the page it already has.

The page is cut down to its content (navigation, banners, footers, forms and scripts go), headings
written as `<div role="heading">` or `class="h3"` become real headings, and the result goes through
the same sanitizer as published content before markdownify writes Markdown. What the sanitizer
removes (scripts, images from other hosts, unsafe links) never reaches the file.
"""

import datetime
import re
from dataclasses import dataclass, field
from urllib.parse import urljoin, urlsplit

import yaml
from bs4 import BeautifulSoup
from markdownify import markdownify

from trustcenter.lib.markup import sanitize

# Parts of a page that are not its content.
DROPPED_TAGS = ["nav", "header", "footer", "aside", "form", "button", "dialog", "script", "style", "noscript", "svg"]
DROPPED_ROLES = {"navigation", "banner", "contentinfo", "search", "menu", "menubar", "dialog", "alert"}
# Class or id words that mark site furniture rather than content.
FURNITURE_RE = re.compile(r"(^|[-_\s])(cookie|consent|breadcrumbs?|navbar|menu|skip-link|share|social)([-_\s]|$)", re.I)
HEADING_CLASS_RE = re.compile(r"^(?:h|heading-?|title-?)([1-6])$", re.I)


@dataclass
class ImportedPage:
    title: str
    summary: str
    markdown: str
    notes: list[str] = field(default_factory=list)

    def policy_file(self, *, categories: list[str], today: datetime.date) -> str:
        """The policy file: front matter to complete, then the page as Markdown."""
        front = {
            "title": self.title,
            "category": "",
            "summary": self.summary,
            "version": 1,
            "effective": today.isoformat(),
            "reviewed": today.isoformat(),
            "owner": "",
            "visibility": "public",
        }
        dumped = yaml.safe_dump(front, sort_keys=False, allow_unicode=True, width=1000)
        hints = {
            "category:": f"  # to complete: one of {', '.join(categories) or 'the categories in company.yaml'}",
            "owner:": "  # to complete: the role that owns this policy, e.g. CISO",
            "summary:": "  # check: one or two sentences shown on the overview",
        }
        lines = []
        for line in dumped.splitlines():
            hint = next((text for key, text in hints.items() if line.startswith(key)), "")
            lines.append(line + hint)
        return "---\n" + "\n".join(lines) + "\n---\n" + self.markdown


def page_import(*, html: str, base_url: str = "") -> ImportedPage:
    """Read a saved page; return its title, summary and Markdown, with notes on what was left out."""
    soup = BeautifulSoup(html, "html.parser")
    notes: list[str] = []
    _real_headings(soup)
    title = _title(soup)
    summary = _meta(soup, "description") or _meta(soup, "og:description")
    content = _content_root(soup)
    _drop_furniture(content)
    if base_url:
        _absolute_links(content, base_url)
    _drop_title_heading(content, title)
    if content.find("h1"):
        _headings_down_one_level(content)
        notes.append("the page used `#` headings for its sections: every heading moved one level down")
    images = [img for img in content.find_all("img") if urlsplit(img.get("src", "")).netloc]
    for img in images:
        img.decompose()
    if images:
        notes.append(
            f"{len(images)} image(s) from other hosts left out: save them under static/ and link them from the page"
        )
    clean = sanitize(str(content))
    markdown = markdownify(clean, heading_style="ATX", bullets="-")
    markdown = re.sub(r"\n{3,}", "\n\n", markdown).strip() + "\n"
    if not title:
        notes.append("the page has no title (`<h1>` or `<title>`): fill in `title` in the front matter")
    return ImportedPage(title=title, summary=summary, markdown=markdown, notes=notes)


def _text(node) -> str:
    return " ".join(node.get_text(" ").split()) if node else ""


def _meta(soup, name: str) -> str:
    tag = soup.find("meta", attrs={"name": name}) or soup.find("meta", attrs={"property": name})
    return " ".join((tag.get("content") or "").split()) if tag else ""


def _title(soup) -> str:
    main = soup.find("main") or soup.find(attrs={"role": "main"}) or soup
    heading = main.find("h1") or main.find(attrs={"role": "heading", "aria-level": "1"})
    if heading and _text(heading):
        return _text(heading)
    title = _text(soup.find("title"))
    # "Security | Example Inc" → "Security"
    return re.split(r"\s+[|·–—-]\s+", title)[0] if title else ""


def _content_root(soup):
    for candidate in (soup.find("main"), soup.find(attrs={"role": "main"})):
        if candidate is not None:
            return candidate
    articles = soup.find_all("article")
    if len(articles) == 1:
        return articles[0]
    return soup.body or soup


def _drop_furniture(root) -> None:
    for tag in root.find_all(DROPPED_TAGS):
        tag.decompose()
    for tag in root.find_all(True):
        if tag.decomposed:
            continue
        role = (tag.get("role") or "").lower()
        marks = " ".join([*tag.get("class", []), tag.get("id", "")])
        if role in DROPPED_ROLES or tag.get("aria-hidden") == "true" or FURNITURE_RE.search(marks):
            tag.decompose()


def _real_headings(root) -> None:
    """`<div role="heading" aria-level="2">` and `<div class="h2">` become `<h2>`."""
    for tag in root.find_all(True):
        if tag.name in {"h1", "h2", "h3", "h4", "h5", "h6"}:
            continue
        level = None
        if (tag.get("role") or "").lower() == "heading":
            level = tag.get("aria-level", "2")
        else:
            for name in tag.get("class", []):
                match = HEADING_CLASS_RE.match(name)
                if match:
                    level = match.group(1)
                    break
        if level and str(level).isdigit() and 1 <= int(level) <= 6 and _text(tag):
            tag.name = f"h{level}"
            tag.attrs = {}


def _drop_title_heading(root, title: str) -> None:
    first = root.find(["h1", "h2", "h3", "h4", "h5", "h6"])
    if first is not None and first.name == "h1" and _text(first).casefold() == title.casefold():
        first.decompose()


def _headings_down_one_level(root) -> None:
    for tag in root.find_all(["h1", "h2", "h3", "h4", "h5"]):
        tag.name = f"h{int(tag.name[1]) + 1}"


def _absolute_links(root, base_url: str) -> None:
    for link in root.find_all("a", href=True):
        href = link["href"]
        if not href.startswith("#"):
            link["href"] = urljoin(base_url, href)
