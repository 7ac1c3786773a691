from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "trustcenter.core"
    label = "core"
    verbose_name = "Core"

    def ready(self):
        from django.contrib.auth.signals import user_logged_in

        from trustcenter.core.middleware import session_started

        user_logged_in.connect(session_started, dispatch_uid="trustcenter.core.session_started")
