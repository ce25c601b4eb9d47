"""Hooks later apps (dashboards) subscribe to; `deals` imports none of them.

`deals_opened` is sent (inside the writing transaction) after deals are written in bulk,
which sends no model signal, with `organization_id` and `deals`.
"""

from django.dispatch import Signal

deals_opened = Signal()
