from django.contrib.syndication.views import Feed
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed
from django.utils.translation import gettext

from trustcenter.core.company import load_company
from trustcenter.updates.models import SubprocessorChange, UpdatePost


class UpdatesFeed(Feed):
    """Public update posts, newest first. NDA posts never appear: a feed has no reader to ask about."""

    feed_type = Atom1Feed

    def link(self):
        return reverse("updates:list")

    def title(self):
        return gettext("%(name)s trust center: updates") % {"name": load_company().name}

    def author_name(self):
        return load_company().name

    def items(self):
        return UpdatePost.objects.public().newest_first()[:50]

    def item_title(self, item):
        return item.title

    def item_description(self, item):
        return item.body_html

    def item_guid(self, item):
        return f"urn:trustcenter:update:{item.slug}"

    item_guid_is_permalink = False

    def item_pubdate(self, item):
        return item.published_at

    def item_updateddate(self, item):
        return item.updated_at

    def item_categories(self, item):
        return [item.get_type_display()]


class SubprocessorChangesFeed(Feed):
    feed_type = Atom1Feed

    def link(self):
        return reverse("updates:subprocessor_changes")

    def title(self):
        return gettext("%(name)s trust center: subprocessor changes") % {"name": load_company().name}

    def author_name(self):
        return load_company().name

    def items(self):
        return SubprocessorChange.objects.order_by("-published_at", "name")[:100]

    def item_title(self, item):
        return f"{item.get_kind_display()}: {item.name}"

    def item_description(self, item):
        return gettext("Takes effect on %(date)s.") % {"date": item.effective_on.isoformat()}

    def item_guid(self, item):
        return f"urn:trustcenter:subprocessor-change:{item.pk}"

    item_guid_is_permalink = False

    def item_pubdate(self, item):
        return item.published_at
