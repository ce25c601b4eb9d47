from django.apps import AppConfig


class ActivitiesConfig(AppConfig):
    name = "activities"
    verbose_name = "Activities"

    def ready(self) -> None:
        from activities import (
            defaults,  # noqa: F401  (org defaults + demo data receivers)
            jobs,  # noqa: F401  (records every periodic job's completion)
            types,  # noqa: F401  (a type change gives its organisation a new stamp)
        )
        from activities.services import ActivityImporter
        from salesmgmt.imports import register_importer

        register_importer(ActivityImporter)
