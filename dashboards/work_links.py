"""Where a person's or a team's work can be read: their dashboard, goals and deals.

The member and team pages of accounts show these links (through the `work_links` template
tags); each link is offered only when the viewer may open the page behind it, by the same
access rule that page asks. (dashboards comes first in the app order, so it may read the
goals and deals rules; accounts may not.)
"""

from __future__ import annotations

from dataclasses import dataclass

from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from accounts.models import Membership, Team
from dashboards import access
from deals import access as deal_access
from goals import access as goal_access


@dataclass(frozen=True)
class WorkLink:
    label: str
    url: str
    key: str  # "dashboard", "goals" or "deals": a stable name for tests and styling


def _url(name: str, slug: str, query: dict[str, int] | None = None, **kwargs: int) -> str:
    url = reverse(name, kwargs={"org_slug": slug, **kwargs})
    return f"{url}?{urlencode(query)}" if query else url


def member_links(viewer: Membership, subject: Membership) -> list[WorkLink]:
    """A person's dashboard, goals, deals and recognition, as far as the viewer may open them."""
    if subject.organization_id != viewer.organization_id or not viewer.active:
        return []
    slug = viewer.organization.slug
    is_self = subject.user_id == viewer.user_id
    links: list[WorkLink] = []
    if access.can_view_member_dashboard(viewer, subject):
        links.append(
            WorkLink(
                _("Dashboard"),
                _url("dashboards:member_dashboard", slug, user_id=subject.user_id),
                "dashboard",
            )
        )
    if is_self:
        links.append(WorkLink(_("Goals"), _url("goals:my_goals", slug), "goals"))
    elif (
        subject.team_id is not None
        and goal_access.teams_goals_settable_by(viewer).filter(pk=subject.team_id).exists()
    ):
        # The team goals page lists the team's people's goals beside the team's.
        links.append(
            WorkLink(_("Goals"), _url("goals:team_goals", slug, {"team": subject.team_id}), "goals")
        )
    if is_self:
        links.append(WorkLink(_("Deals"), _url("deals:deal_list", slug), "deals"))
    elif deal_access.can_filter_deals_by_people(viewer) and deal_access.can_assign_deal_to(
        viewer, subject
    ):
        links.append(
            WorkLink(_("Deals"), _url("deals:deal_list", slug, {"owner": subject.user_id}), "deals")
        )
    # Recognition (kudos received, streak, badges) is the organisation's to read.
    links.append(
        WorkLink(
            _("Recognition"),
            _url("motivation:person", slug, user_id=subject.user_id),
            "recognition",
        )
    )
    return links


def team_links(viewer: Membership, team: Team) -> list[WorkLink]:
    """A team's dashboard, goals, deals and kudos, as far as the viewer may open them."""
    if team.organization_id != viewer.organization_id or not viewer.active:
        return []
    slug = viewer.organization.slug
    links: list[WorkLink] = []
    if access.can_view_team_dashboard(viewer, team):
        links.append(
            WorkLink(
                _("Dashboard"),
                _url("dashboards:team_dashboard", slug, team_id=team.pk),
                "dashboard",
            )
        )
    if goal_access.teams_goals_settable_by(viewer).filter(pk=team.pk).exists():
        links.append(
            WorkLink(_("Goals"), _url("goals:team_goals", slug, {"team": team.pk}), "goals")
        )
    elif viewer.team_id == team.pk:
        links.append(WorkLink(_("Goals"), _url("goals:my_goals", slug), "goals"))
    if (
        deal_access.can_filter_deals_by_people(viewer)
        and deal_access.deal_teams_filterable_by(viewer).filter(pk=team.pk).exists()
    ):
        links.append(
            WorkLink(_("Deals"), _url("deals:deal_list", slug, {"team": team.pk}), "deals")
        )
    # What the team's people were thanked for (kudos are the organisation's to read).
    links.append(WorkLink(_("Kudos"), _url("motivation:kudos", slug, {"team": team.pk}), "kudos"))
    return links
