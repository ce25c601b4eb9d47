from django.apps import AppConfig


class MotivationConfig(AppConfig):
    name = "motivation"
    verbose_name = "Motivation"

    def ready(self) -> None:
        from motivation import panels, receivers  # noqa: F401  (panels on other pages, demo data)
