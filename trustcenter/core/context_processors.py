from django.utils.html import format_html
from django.utils.translation import get_language

from trustcenter.core.company import load_company


def site(request):
    company = load_company()
    # Content keeps the language it was written in; when the interface is in another one, content
    # elements carry {{ content_lang }} (` lang="en"`) so screen readers pronounce them right.
    interface = (get_language() or "").split("-")[0]
    content_lang = (
        ""
        if interface == company.content_language.split("-")[0]
        else format_html(' lang="{}"', company.content_language)
    )
    return {"company": company, "content_lang": content_lang}
