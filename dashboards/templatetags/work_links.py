"""`{% member_work_links viewer subject as links %}` and `{% team_work_links viewer team as
links %}`: the dashboard, goals and deals links a viewer may open (dashboards.work_links)."""

from __future__ import annotations

from django import template

from accounts.models import Membership, Team
from dashboards import work_links

register = template.Library()


@register.simple_tag
def member_work_links(viewer: Membership, subject: Membership) -> list[work_links.WorkLink]:
    return work_links.member_links(viewer, subject)


@register.simple_tag
def team_work_links(viewer: Membership, team: Team) -> list[work_links.WorkLink]:
    return work_links.team_links(viewer, team)
