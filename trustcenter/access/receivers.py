"""Organization memberships follow verified addresses and organization domains.

`post_save` of allauth's EmailAddress catches every way an address becomes verified or
primary (allauth's confirmation and "make primary", invitations, the admin, imports);
allauth's own `email_confirmed` and `email_changed` signals carry the request, so a newly
proven address at another organization's domain is also reported in the audit log.
"""

from allauth.account import signals as account_signals
from allauth.account.models import EmailAddress
from django.db.models.signals import post_save

from trustcenter.access.models import OrganizationDomain
from trustcenter.access.services import membership_bind_domain, membership_reevaluate


def address_saved(sender, instance, **kwargs):
    if instance.verified and not kwargs.get("raw"):
        membership_reevaluate(user=instance.user)


def address_confirmed(sender, request, email_address, **kwargs):
    membership_reevaluate(user=email_address.user, email=email_address.email, request=request, report_mismatch=True)


def primary_changed(sender, request, user, from_email_address, to_email_address, **kwargs):
    membership_reevaluate(user=user, email=to_email_address.email, request=request, report_mismatch=True)


def domain_saved(sender, instance, **kwargs):
    if not kwargs.get("raw"):
        membership_bind_domain(domain=instance.domain)


_RECEIVERS = [
    (post_save, address_saved, EmailAddress),
    (account_signals.email_confirmed, address_confirmed, None),
    (account_signals.email_changed, primary_changed, None),
    (post_save, domain_saved, OrganizationDomain),
]


def connect():
    for signal, receiver, sender in _RECEIVERS:
        signal.connect(receiver, sender=sender, dispatch_uid=f"trustcenter.access.{receiver.__name__}")
