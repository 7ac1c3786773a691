"""Update emails: HTML and plain text in the recipient's language, with the headers mail
clients and providers expect from a list (Message-ID, List-Id, RFC 8058 one-click unsubscribe)."""

from functools import cache
from urllib.parse import urlsplit

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, make_msgid
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from trustcenter.core.company import load_company
from trustcenter.policies.models import PolicyVersion
from trustcenter.updates.models import Notice, Subscriber, Topic
from trustcenter.updates.tokens import subscriber_token


def absolute(path: str) -> str:
    return f"{settings.SITE_URL}{path}"


@cache
def _site_host() -> str:
    return urlsplit(settings.SITE_URL).hostname or "localhost"


def list_id() -> str:
    """RFC 2919: a stable identifier for the list, under the site's own domain."""
    name = load_company().name.replace('"', "")
    return f'"{name} trust center updates" <updates.{_site_host()}>'


def subscriber_links(subscriber: Subscriber) -> dict[str, str]:
    token = subscriber_token(subscriber)
    return {
        "manage_url": absolute(reverse("updates:manage", args=[token])),
        "unsubscribe_url": absolute(reverse("updates:unsubscribe", args=[token])),
    }


def _message(*, to: str, subject: str, template: str, context: dict, headers: dict) -> EmailMultiAlternatives:
    context = {"company": load_company(), "site_url": settings.SITE_URL, **context}
    text = render_to_string(f"updates/email/{template}.txt", context)
    html = render_to_string(f"updates/email/{template}.html", context)
    message = EmailMultiAlternatives(
        subject=subject, body=text, to=[to], headers={"Message-ID": make_msgid(domain=_site_host()), **headers}
    )
    message.attach_alternative(html, "text/html")
    return message


def notice_subject(notice: Notice, data: dict) -> str:
    company = load_company().name
    if notice.kind == Notice.Kind.POST:
        return _("%(company)s: %(title)s") % {"company": company, "title": data["post"].title}
    if notice.kind == Notice.Kind.SUBPROCESSORS:
        return _("%(company)s: subprocessor changes, effective %(date)s") % {
            "company": company,
            "date": data["effective"].isoformat(),
        }
    if notice.kind == Notice.Kind.DOCUMENT:
        return _("%(company)s: new document: %(title)s") % {"company": company, "title": data["document"].title}
    return _("%(company)s: policy changes") % {"company": company}


def notice_message(*, notice: Notice, data: dict, subscriber: Subscriber) -> EmailMultiAlternatives:
    """The notice as mailed to one subscriber, in their language, with their own links."""
    links = subscriber_links(subscriber)
    with translation.override(subscriber.language):
        return _message(
            to=subscriber.email,
            subject=notice_subject(notice, data),
            template=notice.kind,
            context={**data, **links, "notice": notice, "subscriber": subscriber},
            headers={
                "List-Id": list_id(),
                # RFC 8058: a mail client POSTs "List-Unsubscribe=One-Click" to the https URL.
                "List-Unsubscribe": f"<{links['unsubscribe_url']}>",
                "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
            },
        )


def confirmation_message(*, email: str, language: str, confirm_url: str, topics: list[str]) -> EmailMultiAlternatives:

    with translation.override(language):
        labels = [str(Topic(topic).label) for topic in topics]
        return _message(
            to=email,
            subject=_("Confirm your subscription to %(company)s trust center updates")
            % {"company": load_company().name},
            template="confirm",
            context={"confirm_url": confirm_url, "topics": labels, "hours": settings.UPDATES_CONFIRM_HOURS},
            headers={"List-Id": list_id()},
        )


# What a notice says ----------------------------------------------------------------------


def policy_change_url(version: PolicyVersion) -> str:
    """The diff against the previous version, or the page itself for a first version."""
    slug = version.policy.slug
    if version.number > 1:
        return f"{reverse('policies:changes', args=[slug])}?to={version.number}"
    return reverse("policies:version", args=[slug, version.number])


def notice_data(notice: Notice) -> dict:
    """What every copy of a notice shares, read once per batch."""
    site = settings.SITE_URL
    if notice.kind == Notice.Kind.POST:
        post = notice.post
        return {"post": post, "post_url": site + post.get_absolute_url()}
    if notice.kind == Notice.Kind.SUBPROCESSORS:
        changes = list(notice.register.changes.order_by("kind", "name"))
        return {
            "changes": changes,
            "effective": changes[0].effective_on if changes else timezone.localdate(),
            "changes_url": site + reverse("updates:subprocessor_changes"),
            "change_urls": {c.pk: site + c.get_absolute_url() for c in changes},
        }
    if notice.kind == Notice.Kind.DOCUMENT:
        return {"document": notice.document, "documents_url": site + reverse("documents:list")}
    versions = list(notice.policy_versions.select_related("policy").order_by("title"))
    return {"versions": [(v, site + policy_change_url(v)) for v in versions]}
