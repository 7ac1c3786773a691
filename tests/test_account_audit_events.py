"""Every account event in the receivers' table becomes an audit row about that account."""

from allauth.account import signals as account_signals
from allauth.account.models import EmailAddress
from allauth.mfa import signals as mfa_signals
from allauth.mfa.models import Authenticator
from django.contrib.auth import signals as auth_signals

from tests.conftest import mfa_activate
from trustcenter.audit.models import AuditEvent


def _last():
    return AuditEvent.objects.order_by("-seq").first()


def test_an_email_change_is_recorded_with_both_addresses(prospect):
    old = EmailAddress.objects.get(user=prospect)
    new = EmailAddress.objects.create(user=prospect, email="pat.new@prospect.example", verified=True)
    account_signals.email_changed.send(
        sender=EmailAddress, request=None, user=prospect, from_email_address=old, to_email_address=new
    )
    event = _last()
    assert (event.kind, event.actor, event.subject) == ("account.email_changed", prospect, f"user:{prospect.pk}")
    assert event.data == {"from": "pat@prospect.example", "to": "pat.new@prospect.example"}


def test_a_removed_email_is_recorded(prospect):
    extra = EmailAddress.objects.create(user=prospect, email="old@prospect.example", verified=True)
    account_signals.email_removed.send(sender=EmailAddress, request=None, user=prospect, email_address=extra)
    event = _last()
    assert (event.kind, event.data) == ("account.email_removed", {"email": "old@prospect.example"})


def test_a_confirmed_email_names_its_account(prospect):
    address = EmailAddress.objects.get(user=prospect)
    account_signals.email_confirmed.send(sender=EmailAddress, request=None, email_address=address)
    event = _last()
    assert (event.kind, event.actor, event.subject) == ("account.email_confirmed", prospect, f"user:{prospect.pk}")


def test_resetting_an_authenticator_is_told_apart_from_new_recovery_codes(prospect):
    mfa_activate(prospect)
    for kind, expected in (
        (Authenticator.Type.TOTP, "mfa.reset"),
        (Authenticator.Type.RECOVERY_CODES, "mfa.recovery_codes_regenerated"),
    ):
        authenticator = Authenticator.objects.get(user=prospect, type=kind)
        mfa_signals.authenticator_reset.send(
            sender=Authenticator, request=None, user=prospect, authenticator=authenticator
        )
        event = _last()
        assert (event.kind, event.data) == (expected, {"type": kind})


def test_signing_out_a_session_that_was_never_signed_in_records_nothing(db):
    before = AuditEvent.objects.count()
    auth_signals.user_logged_out.send(sender=None, request=None, user=None)
    assert AuditEvent.objects.count() == before
