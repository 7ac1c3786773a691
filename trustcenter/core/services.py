"""Account-wide actions that are not tied to one request."""

from importlib import import_module

from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.contrib.sessions.models import Session
from django.utils import timezone


def user_sessions_end(*, user_id: int, except_key: str | None = None) -> int:
    """Delete every stored session signed in as `user_id` (but `except_key`); return how many.

    Used when staff deactivate an account: Django already refuses inactive users on each
    request, but deleting the sessions means re-activating the account later cannot bring
    an old cookie back to life. Sessions are not indexed by user, so this reads every live
    session once; deactivation is rare enough for that to be cheap.
    """
    store = import_module(settings.SESSION_ENGINE).SessionStore
    ended = 0
    for row in Session.objects.filter(expire_date__gt=timezone.now()).iterator():
        if row.session_key == except_key:
            continue
        if str(row.get_decoded().get(SESSION_KEY)) == str(user_id):
            store(session_key=row.session_key).delete()
            ended += 1
    return ended
