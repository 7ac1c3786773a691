"""Who may read the body of an NDA-visibility policy.

One function, so every view, feed and export asks the same question; the answer is the
access rule's, the same as for NDA documents.
"""

from trustcenter.access.rules import decide
from trustcenter.access.visibility import Visibility


def can_read_version(user, version) -> bool:
    if version.visibility == Visibility.PUBLIC:
        return True
    # NDA pages follow the same rule as NDA documents: verified email, signed NDA, active grant.
    return decide(user, version).allowed
