from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "trustcenter.core"
    label = "core"
    verbose_name = "Core"

    def ready(self):
        from django.contrib.auth.signals import user_logged_in
        from django.db.models.signals import pre_save

        from trustcenter.core.middleware import session_started
        from trustcenter.core.models import User
        from trustcenter.core.signals import end_sessions_on_deactivation

        user_logged_in.connect(session_started, dispatch_uid="trustcenter.core.session_started")
        pre_save.connect(end_sessions_on_deactivation, sender=User, dispatch_uid="trustcenter.core.deactivation")
