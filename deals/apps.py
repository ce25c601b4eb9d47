from django.apps import AppConfig


class DealsConfig(AppConfig):
    name = "deals"
    verbose_name = "Deals"

    def ready(self) -> None:
        from activities.access import register_deal_rule
        from activities.rollup import register_recomputer
        from deals import receivers  # noqa: F401  (org defaults, demo data, goal sources)
        from deals.access import can_view_deal, deals_to_log_against
        from deals.csv_io import DealImporter
        from deals.rollup import won_deals
        from salesmgmt.imports import register_importer

        register_deal_rule(can_view_deal, deals_to_log_against)  # which deals an activity links
        register_recomputer(won_deals)
        register_importer(DealImporter)
