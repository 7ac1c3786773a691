"""Who may read the body of an NDA-visibility policy.

One function, so the gating work (the `access` app) replaces the rule here and every
view, feed and export follows.
"""

from trustcenter.policies.models import Visibility


def can_read_version(user, version) -> bool:
    if version.visibility == Visibility.PUBLIC:
        return True
    # Until NDA signatures and grants exist, NDA pages are for staff only.
    return bool(user and user.is_authenticated and user.is_active and user.is_staff)
