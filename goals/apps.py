from django.apps import AppConfig


class GoalsConfig(AppConfig):
    name = "goals"
    verbose_name = "Goals"

    def ready(self) -> None:
        from goals import receivers  # noqa: F401  (rollup hook, org defaults, demo data)
