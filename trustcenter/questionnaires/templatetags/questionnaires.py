from django import template
from django.conf import settings

from trustcenter.questionnaires.rules import can_use_questionnaires

register = template.Library()


@register.filter
def shows_questionnaires(request) -> bool:
    """Whether the header shows the staff link. Looks at the user only when a session cookie
    came with the request, so public pages for anonymous visitors never touch the session
    (and stay cacheable, without `Vary: Cookie`)."""
    if request is None or settings.SESSION_COOKIE_NAME not in request.COOKIES:
        return False
    # Error pages answered before the authentication middleware ran (413, 400) have no user.
    return can_use_questionnaires(getattr(request, "user", None))
