from django.apps import AppConfig


class SalesmgmtConfig(AppConfig):
    name = "salesmgmt"
    verbose_name = "salesmgmt"

    def ready(self) -> None:
        from salesmgmt import checks  # noqa: F401  (registers the deployment checks)
