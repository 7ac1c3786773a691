from django.contrib.sitemaps import Sitemap
from django.urls import reverse

from trustcenter.policies.models import Policy


class PageSitemap(Sitemap):
    changefreq = "weekly"

    def items(self):
        return ["policies:overview", "policies:all_changes"]

    def location(self, item):
        return reverse(item)


class PolicySitemap(Sitemap):
    changefreq = "monthly"

    def items(self):
        return Policy.objects.public().select_related("current_version").order_by("slug")

    def lastmod(self, policy):
        return policy.current_version.published_at
