from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "trustcenter.accounts"
    label = "accounts"
    verbose_name = "Accounts"

    def ready(self):
        from trustcenter.accounts import receivers

        receivers.connect()
