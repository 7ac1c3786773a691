"""Counts what sales care about, after the page is answered.

Anonymous visitors are only counted: one counter per page and day in the shared cache (no IP
address, no cookie, no database query, so a page served from the page cache stays free);
`engagement_flush` moves the counts into the database. A signed-in customer reading a policy
under NDA is recorded against their account and organization.
"""

from trustcenter.api import counts
from trustcenter.api.services import engagement_page_read
from trustcenter.policies.models import Policy

POLICY_VIEWS = {"policies:detail", "policies:version"}


class EngagementMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if (
            request.method == "GET"
            and response.status_code == 200
            and response.get("Content-Type", "").startswith("text/html")
            and counts.counted_path(request.path)
        ):
            self.record(request)
        return response

    def record(self, request):
        # Set by AuthenticationMiddleware unless the page cache answered first (anonymous then).
        user = request.__dict__.get("user")
        signed_in = user is not None and user.is_authenticated
        if not signed_in:
            counts.page_view(path=request.path)
            return
        match = request.resolver_match
        if match is None or match.view_name not in POLICY_VIEWS or getattr(user, "needs_mfa", False):
            return
        policy = Policy.objects.filter(slug=match.kwargs.get("slug"), visibility="nda").first()
        if policy is not None:
            engagement_page_read(user=user, path=request.path, title=policy.title)
