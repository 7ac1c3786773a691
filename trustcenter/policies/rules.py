"""Who may read the body of an NDA-visibility policy.

One function, so the gating work (the `access` app) replaces the rule here and every
view, feed and export follows.
"""

from trustcenter.policies.models import Visibility


def can_read_version(user, version) -> bool:
    if version.visibility == Visibility.PUBLIC:
        return True
    # NDA pages follow the same rule as NDA documents: verified email, signed NDA, active grant.
    from trustcenter.access.rules import decide

    return decide(user, version).allowed
