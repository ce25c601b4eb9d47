"""What drops cached dashboards (dashboards/cache.py): every write that can move a number.

Connected once, from `DashboardsConfig.ready`, to hooks the other apps already offer, so
none of them imports `dashboards`:

- the rollup drain (`activities.rollup` follower, inside its transaction): the teams of the
  drained buckets' rollup rows before and after, the people's current teams, and every team
  above those — their dashboards and the organisation overview; a range rebuild: the
  whole organisation;
- a whole-goal progress refresh (`goals.signals.progress_refreshed`, after its commit);
- model saves and deletes (Django's signals) of goals, deals, stages, memberships, teams and
  their managers, days off, the organisation's settings, metrics and their activity types,
  activity types, check-ins, 1:1s and motivation settings; a person's name;
- deals opened in bulk (`deals.signals.deals_opened`: one or an import; no model signal);
- an activity logged on a deal (`activities.signals.activity_saved`): the deal is touched
  (not stale) by a bulk update that sends no model signal.

All of these but the drain bump the whole organisation: they are rare next to activity.
"""

from __future__ import annotations

from typing import Any

from django.db import connection
from django.db.models import Model
from django.db.models.signals import m2m_changed, post_delete, post_save

from accounts.models import DayOff, Membership, Organization, Team, User
from activities.models import ActivityType, DailyActivityCount
from activities.rollup import register_follower
from activities.signals import activity_saved
from dashboards import cache
from deals.models import Deal, Stage
from deals.signals import deals_opened
from goals.models import Goal, ManualEntry, Metric
from goals.signals import progress_refreshed
from motivation.models import CheckIn, MotivationSettings, OneOnOne

# Models whose rows (with their organisation) feed the dashboards.
ORG_MODELS: tuple[type[Model], ...] = (
    Goal,
    Metric,
    ManualEntry,
    Deal,
    Stage,
    Membership,
    Team,
    DayOff,
    ActivityType,
    CheckIn,
    OneOnOne,
    MotivationSettings,
)
# Saves of a user that change nothing a dashboard shows.
_USER_FIELDS_NOT_SHOWN = frozenset({"last_login", "password", "session_stamp"})


def _org_of(instance: Any) -> int | None:
    if isinstance(instance, Organization):
        return instance.pk
    return getattr(instance, "organization_id", None)


def _bump_orgs_of_user(user_id: int) -> None:
    for org_id in set(
        Membership.objects.filter(user_id=user_id).values_list("organization_id", flat=True)
    ):
        cache.bump_org(org_id)


def _row_changed(sender: Any, instance: Any, **kwargs: Any) -> None:
    org_id = _org_of(instance)
    if org_id is not None:
        cache.bump_org(org_id)


def _user_saved(sender: Any, instance: User, update_fields: Any = None, **kwargs: Any) -> None:
    if update_fields is not None and set(update_fields) <= _USER_FIELDS_NOT_SHOWN:
        return
    if instance.pk is not None:
        _bump_orgs_of_user(instance.pk)


def _links_changed(sender: Any, instance: Any, action: str, **kwargs: Any) -> None:
    """Team managers, a metric's activity types (either side of the link)."""
    if not action.startswith("post_"):
        return
    org_id = _org_of(instance)
    if org_id is not None:
        cache.bump_org(org_id)
    elif isinstance(instance, User):
        _bump_orgs_of_user(instance.pk)


def _progress_refreshed(sender: Any, goal_ids: list[int], **kwargs: Any) -> None:
    for org_id in set(
        Goal.objects.filter(pk__in=goal_ids).values_list("organization_id", flat=True)
    ):
        cache.bump_org(org_id)


def _deals_opened(sender: Any, organization_id: int, **kwargs: Any) -> None:
    cache.bump_org(organization_id)


def _activity_saved(sender: Any, activity: Any, **kwargs: Any) -> None:
    if getattr(activity, "deal_id", None):
        cache.bump_org(activity.organization_id)


# The teams a drain's buckets move: the teams of their rollup rows and the people's current
# teams (their goals, their latest activity), with every team above them.
_TEAMS_SQL = (
    "WITH RECURSIVE hit(id) AS ("
    " SELECT dc.team_id FROM {daily} dc JOIN {dirty} d"
    "  ON dc.organization_id = d.organization_id AND dc.user_id = d.user_id"
    "  AND dc.date = d.date"
    " WHERE d.id IN ({marks}) AND dc.team_id IS NOT NULL"
    " UNION"
    " SELECT m.team_id FROM {membership} m JOIN {dirty} d"
    "  ON m.organization_id = d.organization_id AND m.user_id = d.user_id"
    " WHERE d.id IN ({marks}) AND m.team_id IS NOT NULL"
    " UNION"
    " SELECT t.parent_id FROM {team} t JOIN hit h ON t.id = h.id WHERE t.parent_id IS NOT NULL"
    ") SELECT id FROM hit"
)


def _teams_of_buckets(cursor: Any, dirty_table: str, ids: list[int]) -> set[int]:
    marks = ", ".join(["%s"] * len(ids))
    sql = _TEAMS_SQL.format(
        daily=connection.ops.quote_name(DailyActivityCount._meta.db_table),
        dirty=connection.ops.quote_name(dirty_table),
        membership=connection.ops.quote_name(Membership._meta.db_table),
        team=connection.ops.quote_name(Team._meta.db_table),
        marks=marks,
    )
    cursor.execute(sql, [*ids, *ids])
    return {row[0] for row in cursor.fetchall()}


class DrainFollower:
    """Bumps the teams a drain moves (activities.rollup follower, in its transaction)."""

    def before_buckets(self, cursor: Any, org_id: int, dirty_table: str, ids: list[int]) -> Any:
        return _teams_of_buckets(cursor, dirty_table, ids)

    def after_buckets(
        self, cursor: Any, org_id: int, dirty_table: str, ids: list[int], before: Any
    ) -> None:
        cache.bump_teams(org_id, before | _teams_of_buckets(cursor, dirty_table, ids))

    def after_range(self, org_id: int, start: Any, end: Any) -> None:
        cache.bump_org(org_id)


drain_follower = DrainFollower()


def connect() -> None:
    register_follower(drain_follower)
    models: tuple[type[Model], ...] = (*ORG_MODELS, Organization)
    for model in models:
        post_save.connect(_row_changed, sender=model, dispatch_uid=f"dash-save-{model.__name__}")
        post_delete.connect(
            _row_changed, sender=model, dispatch_uid=f"dash-delete-{model.__name__}"
        )
    post_save.connect(_user_saved, sender=User, dispatch_uid="dash-save-user")
    for through in (Team.managers.through, Metric.activity_types.through):
        m2m_changed.connect(_links_changed, sender=through, dispatch_uid=f"dash-m2m-{through}")
    progress_refreshed.connect(_progress_refreshed, dispatch_uid="dash-progress")
    activity_saved.connect(_activity_saved, dispatch_uid="dash-activity")
    deals_opened.connect(_deals_opened, dispatch_uid="dash-deals-opened")
