"""Messaging's panels on other apps' pages: posts about a deal or a goal, and the team's
latest posts on "my day". Registered when the app starts (see `apps.py`)."""

from __future__ import annotations

from datetime import date
from typing import Any

from accounts.models import Membership, Organization
from activities.my_day import MyDayPanel, register_my_day_panel
from deals.models import Deal
from deals.panels import deal_panels
from goals.models import Goal
from goals.panels import goal_panels
from messaging import selectors
from salesmgmt.panels import Panel

PANEL_POSTS = 5


def _deal_posts(membership: Membership, deal: Deal) -> dict[str, Any]:
    return {"posts": selectors.posts_about_deal(membership, deal, limit=PANEL_POSTS), "deal": deal}


def _goal_posts(membership: Membership, goal: Goal) -> dict[str, Any]:
    return {"posts": selectors.posts_about_goal(membership, goal, limit=PANEL_POSTS), "goal": goal}


def _team_posts(org: Organization, membership: Membership, today: date) -> dict[str, Any]:
    return {"posts": selectors.recent_team_posts(membership, limit=PANEL_POSTS)}


deal_panels.register(
    Panel(name="deal_posts", template="messaging/_deal_posts_panel.html", build=_deal_posts)
)
goal_panels.register(
    Panel(name="goal_posts", template="messaging/_goal_posts_panel.html", build=_goal_posts)
)
register_my_day_panel(
    MyDayPanel(name="team_posts", template="messaging/_my_day_posts.html", build=_team_posts)
)
