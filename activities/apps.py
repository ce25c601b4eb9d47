from django.apps import AppConfig


class ActivitiesConfig(AppConfig):
    name = "activities"
    verbose_name = "Activities"

    def ready(self) -> None:
        from activities import (
            defaults,  # noqa: F401  (org defaults + demo data receivers)
            jobs,  # noqa: F401  (records every periodic job's completion)
        )
        from activities.services import ActivityImporter
        from salesmgmt.imports import register_importer

        register_importer(ActivityImporter)
