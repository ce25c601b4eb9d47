"""Motivation's panels on other apps' pages: kudos about a deal (with the one-tap
congratulation of a won deal) and the weekly check-in prompt on "my day". Registered when the
app starts (see `apps.py`)."""

from __future__ import annotations

from datetime import date
from typing import Any

from accounts.models import Membership, Organization
from activities.my_day import MyDayPanel, register_my_day_panel
from deals.models import Deal
from deals.panels import deal_panels
from motivation import access, selectors
from salesmgmt.panels import Panel

PANEL_KUDOS = 5


def _deal_kudos(membership: Membership, deal: Deal) -> dict[str, Any]:
    found = selectors.kudos_about_deal(membership, deal, limit=PANEL_KUDOS)
    can = access.can_congratulate(membership, deal)
    done = any(k.from_user_id == membership.user_id for k in found)
    return {"kudos": found, "deal": deal, "can_congratulate": can and not done}


def _checkin_prompt(org: Organization, membership: Membership, today: date) -> dict[str, Any]:
    return {"mine": selectors.my_checkin_this_week(membership)}


deal_panels.register(
    Panel(name="deal_kudos", template="motivation/_deal_kudos_panel.html", build=_deal_kudos)
)
register_my_day_panel(
    MyDayPanel(
        name="checkin_prompt", template="motivation/_my_day_checkin.html", build=_checkin_prompt
    )
)
