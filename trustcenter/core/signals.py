"""Receivers that keep sessions honest; connected in CoreConfig.ready()."""

from django.db import transaction

from trustcenter.core.services import user_sessions_end


def end_sessions_on_deactivation(sender, instance, **kwargs):
    """pre_save on User: when an active account is switched off, end all its sessions after the commit."""
    if instance.pk is None or instance.is_active:
        return
    was_active = sender.objects.filter(pk=instance.pk, is_active=True).exists()
    if was_active:
        user_id = instance.pk
        transaction.on_commit(lambda: user_sessions_end(user_id=user_id))
