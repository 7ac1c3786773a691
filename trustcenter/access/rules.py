"""The one access decision: may this user read this document or NDA policy version?

Every view, list and export asks `decide()`; nothing else looks at visibility, NDAs or
grants. A refusal carries the next step a person can take (a message, a label and a URL).
"""

from dataclasses import dataclass

from django.utils.translation import gettext as _

from trustcenter.core.company import load_company


@dataclass(frozen=True)
class NextStep:
    message: str
    label: str = ""
    url: str = ""


@dataclass(frozen=True)
class Decision:
    allowed: bool
    reason: str
    next_step: NextStep | None = None

    def __bool__(self) -> bool:
        return self.allowed


ALLOWED_PUBLIC = "public"
REFUSED_NDA = "nda"


def _is_public(obj) -> bool:
    return getattr(obj, "visibility", None) == "public"


def decide(user, obj) -> Decision:
    """Decide whether `user` (possibly anonymous) may read `obj` (a Document or PolicyVersion)."""
    if _is_public(obj):
        return Decision(True, ALLOWED_PUBLIC)
    email = load_company().security_email
    return Decision(
        False,
        REFUSED_NDA,
        NextStep(
            _("This document is shared under NDA. Write to %(email)s to request a copy.") % {"email": email},
            _("Email the security team"),
            f"mailto:{email}",
        ),
    )
