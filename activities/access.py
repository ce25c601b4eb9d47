"""Who may see and do what with activities: each resource's "which ones" query beside its rule.

An activity is seen by its owner, by the manager who went along, by the managers of its team
(a team includes its sub-teams) and by admins; its owner edits it and admins correct anyone's;
the accompanying manager annotates it. Roles are read only through `accounts.rules`.

Activities never import the deals app (deals depends on activities): whether an activity may
link a deal is asked of the rule deals registers at start-up (`register_deal_rule`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.db.models import Q, QuerySet

from accounts import rules
from accounts.models import Membership, Team, User
from activities.models import Activity

# --- the activity log ---------------------------------------------------------------------


def activities_visible_to(actor: Membership) -> QuerySet[Activity]:
    """The activity log rows the actor may see (own, accompanied, managed teams; admins all)."""
    qs = Activity.objects.for_org(actor.organization_id).select_related(
        "user", "team", "type", "accompanied_by"
    )
    if not actor.active:
        return qs.none()
    if rules.is_org_admin(actor):
        return qs
    return qs.filter(
        Q(user_id=actor.user_id)
        | Q(accompanied_by_id=actor.user_id)
        | Q(team_id__in=rules.managed_team_ids(actor))
    )


def can_view_activity(actor: Membership, activity: Activity) -> bool:
    """Owners, admins, the manager who went along, and managers of the activity's team."""
    if activity.organization_id != actor.organization_id or not actor.active:
        return False
    if activity.user_id == actor.user_id or rules.is_org_admin(actor):
        return True
    if activity.accompanied_by_id == actor.user_id:
        return True
    return activity.team_id is not None and rules.can_manage_team(actor, activity.team_id)


def can_edit_activity(actor: Membership, activity: Activity) -> bool:
    """The owner edits (and deletes) their own log; admins may correct anyone's."""
    if activity.organization_id != actor.organization_id or not actor.active:
        return False
    return activity.user_id == actor.user_id or bool(rules.is_org_admin(actor))


def can_annotate_activity(actor: Membership, activity: Activity) -> bool:
    """The manager who accompanied the visit records observation and follow-up (and admins)."""
    if activity.organization_id != actor.organization_id or not actor.active:
        return False
    return activity.accompanied_by_id == actor.user_id or bool(rules.is_org_admin(actor))


def can_annotate_as(actor: Membership, companion_id: int | None) -> bool:
    """Logging a visit with observations: only as its accompanying manager (or an admin)."""
    return actor.active and (companion_id == actor.user_id or bool(rules.is_org_admin(actor)))


def can_accompany(companion: Membership) -> bool:
    """Who may be recorded as going along on a visit: active managers and admins."""
    return bool(rules.is_manager_or_admin(companion))


def can_log_for(actor: Membership, subject: Membership) -> bool:
    """Everyone logs their own activities; admins may log for any member (corrections, imports)."""
    if subject.organization_id != actor.organization_id or not subject.active:
        return False
    return subject.user_id == actor.user_id or bool(rules.is_org_admin(actor))


def can_log_for_others(actor: Membership) -> bool:
    """Whether the actor may log (or import) activities for someone else at all."""
    return bool(rules.is_org_admin(actor))


def can_filter_activities_by_people(actor: Membership) -> bool:
    """Members see their own log: a person or team filter is for managers and admins."""
    return bool(rules.is_manager_or_admin(actor))


def activity_filter_teams(actor: Membership) -> QuerySet[Team]:
    """Teams the actor's activity list offers: admins all, managers the ones they lead."""
    teams = funnel_teams_visible_to(actor)
    return teams if can_filter_activities_by_people(actor) else teams.none()


def activity_filter_people(actor: Membership) -> QuerySet[User]:
    """People the actor's activity list offers: admins everyone, managers their people."""
    people = Membership.objects.for_org(actor.organization_id)
    if not can_filter_activities_by_people(actor):
        people = people.none()
    elif not rules.is_org_admin(actor):
        people = people.filter(
            Q(team_id__in=rules.managed_team_ids(actor)) | Q(user_id=actor.user_id)
        )
    return User.objects.filter(pk__in=people.values("user_id")).order_by("name", "username")


# --- linked deals -------------------------------------------------------------------------

DealRule = Callable[[Membership, Any], bool]
DealChoices = Callable[[Membership], QuerySet[Any]]
_deal_rule: DealRule | None = None
_deal_choices: DealChoices | None = None


def register_deal_rule(rule: DealRule, choices: DealChoices | None = None) -> None:
    """The deals app says which deals a person may link an activity to (their visible ones)
    and, for the forms' deal menu, which ones to offer (`choices`, a part of those)."""
    global _deal_rule, _deal_choices
    _deal_rule = rule
    _deal_choices = choices


def _deal_model() -> Any:
    # The model from the foreign key: activities does not import the deals app.
    return Activity._meta.get_field("deal").related_model


def linkable_deal(actor: Membership, deal_id: Any) -> Any | None:
    """The deal of this id if the actor may link an activity to it (else None)."""
    try:
        pk = int(deal_id)
    except (TypeError, ValueError):
        return None
    deal = _deal_model().objects.for_org(actor.organization_id).filter(pk=pk).first()
    return deal if deal is not None and can_link_deal(actor, deal) else None


def deals_to_link(actor: Membership, keep: Any = None) -> QuerySet[Any]:
    """The deals an activity form offers the actor (those the deals app names: the open deals
    they work on), plus `keep` (the deal already linked, or one pre-filled from its page) when
    the actor may link it."""
    model = _deal_model()
    offered = _deal_choices(actor) if _deal_choices is not None and actor.active else None
    if offered is None:
        offered = model.objects.none()
    if keep is None or not can_link_deal(actor, keep):
        return offered
    return model.objects.filter(Q(pk__in=offered.values("pk")) | Q(pk=keep.pk)).order_by(
        *offered.query.order_by
    )


def can_link_deal(actor: Membership, deal: Any) -> bool:
    """An activity links a deal of the organisation that the actor works on."""
    if deal.organization_id != actor.organization_id or not actor.active:
        return False
    return _deal_rule is not None and _deal_rule(actor, deal)


# --- activity types -----------------------------------------------------------------------


def can_view_activity_types(actor: Membership) -> bool:
    """The types' configuration page: managers read it, admins change it."""
    return bool(rules.is_manager_or_admin(actor))


def can_manage_activity_types(actor: Membership) -> bool:
    """Only admins configure activity types."""
    return bool(rules.is_org_admin(actor))


# --- numbers and manager pages ------------------------------------------------------------


def can_view_org_activity_numbers(actor: Membership) -> bool:
    """The whole organisation's activity counts: managers and admins."""
    return bool(rules.is_manager_or_admin(actor))


def can_view_funnel_page(actor: Membership) -> bool:
    """The funnel page is a management screen (managers and admins)."""
    return bool(rules.is_manager_or_admin(actor))


def can_view_funnel(actor: Membership, team_id: int) -> bool:
    """A team's funnel names each member's bottleneck: the team's managers and admins."""
    return rules.can_manage_team(actor, team_id)


def funnel_teams_visible_to(actor: Membership) -> QuerySet[Team]:
    """The teams `can_view_funnel` allows: admins all, managers the ones they lead."""
    teams = Team.objects.for_org(actor.organization_id).order_by("name")
    if rules.is_org_admin(actor):
        return teams
    return teams.filter(pk__in=rules.managed_team_ids(actor))


def can_view_accompaniments(actor: Membership) -> bool:
    """Managers and admins look back on the visits they went along on."""
    return bool(rules.is_manager_or_admin(actor))
