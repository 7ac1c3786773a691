from django.contrib.syndication.views import Feed
from django.utils.feedgenerator import Atom1Feed
from django.utils.translation import gettext

from trustcenter.core.company import load_company
from trustcenter.lib.visibility import Visibility
from trustcenter.policies.models import PolicyVersion


class ChangesFeed(Feed):
    """Every publication, newest first. NDA pages appear with their title and summary only."""

    feed_type = Atom1Feed
    link = "/changes/"

    def title(self):
        return gettext("%(name)s trust center: policy changes") % {"name": load_company().name}

    def subtitle(self):
        return gettext("New and updated security policies published by %(name)s.") % {"name": load_company().name}

    def author_name(self):
        return load_company().name

    def items(self):
        return PolicyVersion.objects.select_related("policy", "category").in_history_order()[:50]

    def item_title(self, item):
        return f"{item.title} v{item.number}"

    def item_description(self, item):
        if item.visibility == Visibility.NDA:
            return gettext("%(summary)s (Available under NDA.)") % {"summary": item.summary}
        return item.summary

    def item_link(self, item):
        return item.get_absolute_url()

    def item_guid(self, item):
        return f"urn:trustcenter:policy:{item.policy.slug}:v{item.number}"

    item_guid_is_permalink = False

    def item_pubdate(self, item):
        return item.dated

    def item_updateddate(self, item):
        return item.dated

    def item_categories(self, item):
        return [item.category.name] if item.category_id else []
