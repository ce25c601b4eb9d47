"""Hooks that later apps (goal progress, dashboards) subscribe to; `activities` imports none.

`rollups_changed` is sent after a rollup commit with `organization_id` and either
`buckets` (a list of `activities.rollup.Bucket(user_id, date)`) or, after a range rebuild,
`buckets=None` with `start` / `end` (dates, or None for "all").
"""

from django.dispatch import Signal

rollups_changed = Signal()

# Sent with `activity=` after an activity is created or edited (inside the transaction):
# deals use it to know when a deal last saw action.
activity_saved = Signal()
