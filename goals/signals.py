"""Hooks later apps (dashboards) subscribe to; `goals` imports none of them.

`progress_refreshed` is sent after the commit of a whole-goal progress refresh (after a goal
is created, edited or cascaded, the nightly reconcile, closing ended goals) with `goal_ids`.
The drain's own refresh is not announced here: `activities.rollup`'s followers see it.
"""

from django.dispatch import Signal

progress_refreshed = Signal()
