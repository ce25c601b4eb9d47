from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = "Accounts and organisations"

    def ready(self) -> None:
        from accounts import (  # noqa: F401
            openapi,  # registers the schema extension of our session authentication
            security_log,  # connects the login and audit signal receivers
        )
