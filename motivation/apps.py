from django.apps import AppConfig


class MotivationConfig(AppConfig):
    name = "motivation"
    verbose_name = "Motivation"

    def ready(self) -> None:
        from motivation import receivers  # noqa: F401  (demo data)
