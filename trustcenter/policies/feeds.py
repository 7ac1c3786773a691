from django.contrib.syndication.views import Feed
from django.utils.feedgenerator import Atom1Feed

from trustcenter.core.company import load_company
from trustcenter.policies.models import PolicyVersion, Visibility


class ChangesFeed(Feed):
    """Every publication, newest first. NDA pages appear with their title and summary only."""

    feed_type = Atom1Feed
    link = "/changes/"

    def title(self):
        return f"{load_company().name} trust center: policy changes"

    def subtitle(self):
        return f"New and updated security policies published by {load_company().name}."

    def author_name(self):
        return load_company().name

    def items(self):
        return PolicyVersion.objects.select_related("policy", "category").order_by("-published_at", "-pk")[:50]

    def item_title(self, item):
        return f"{item.title} v{item.number}"

    def item_description(self, item):
        if item.visibility == Visibility.NDA:
            return f"{item.summary} (Available under NDA.)"
        return item.summary

    def item_link(self, item):
        return item.get_absolute_url()

    def item_guid(self, item):
        return f"urn:trustcenter:policy:{item.policy.slug}:v{item.number}"

    item_guid_is_permalink = False

    def item_pubdate(self, item):
        return item.published_at

    def item_updateddate(self, item):
        return item.published_at

    def item_categories(self, item):
        return [item.category.name] if item.category_id else []
