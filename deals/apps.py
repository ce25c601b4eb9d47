from django.apps import AppConfig


class DealsConfig(AppConfig):
    name = "deals"
    verbose_name = "Deals"

    def ready(self) -> None:
        from activities.rollup import register_recomputer
        from deals import receivers  # noqa: F401  (org defaults, demo data, goal sources)
        from deals.rollup import won_deals

        register_recomputer(won_deals)
