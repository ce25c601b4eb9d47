from django.apps import AppConfig


class DashboardsConfig(AppConfig):
    name = "dashboards"
    verbose_name = "Dashboards"

    def ready(self) -> None:
        from activities.my_day import MyDayPanel, register_my_day_panel
        from dashboards import invalidation
        from dashboards.selectors import my_day_panel

        # Cached dashboards are dropped by every write that can move their numbers.
        invalidation.connect()

        # Today's and this week's targets, and deals whose next step is due, on "my day".
        register_my_day_panel(
            MyDayPanel(
                name="day_panel", template="dashboards/_my_day_targets.html", build=my_day_panel
            )
        )
