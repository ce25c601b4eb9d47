"""Writes of the goals app: metrics, goals, cascades, templates, manual entries, progress.

The app owns goals and their stored progress. Progress is recomputed from the metric's
sources (the activity rollup, manual entries, deals) whenever they change, so a stored
actual always equals a fresh re-read.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from datetime import date, timedelta
from decimal import ROUND_DOWN, Decimal, InvalidOperation
from typing import Any, cast

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from accounts import rules
from accounts.audit import record_event
from accounts.models import Membership, Organization, Team, User
from accounts.selectors import team_and_descendant_ids
from activities.models import ActivityType
from goals import access
from goals.models import (
    CascadeTemplate,
    Goal,
    ManualEntry,
    Metric,
)
from goals.sources import Scope, daily_values
from salesmgmt import periods
from salesmgmt.errors import Conflict, DomainError

log = logging.getLogger(__name__)

CASCADE_TARGETS = ("teams", "members")
CASCADE_STRATEGIES = ("even", "weights", "last_period")


# --- metrics ------------------------------------------------------------------------------


def ensure_default_metrics(*, org: Organization) -> None:
    """One metric per activity type, plus revenue and deals won (idempotent)."""
    have = set(Metric.objects.for_org(org).values_list("key", flat=True))
    for activity_type in ActivityType.objects.for_org(org):
        if activity_type.key in have:
            continue
        metric = Metric.objects.create(
            organization=org,
            key=activity_type.key,
            name=activity_type.name,
            unit="count",
            source=Metric.Source.ACTIVITY,
        )
        metric.activity_types.set([activity_type])
    if "revenue" not in have:
        Metric.objects.create(
            organization=org,
            key="revenue",
            name=_("Revenue"),
            unit=org.currency,
            source=Metric.Source.DEALS_WON_AMOUNT,
        )
    if "deals_won" not in have:
        Metric.objects.create(
            organization=org,
            key="deals_won",
            name=_("Deals won"),
            unit="count",
            source=Metric.Source.DEALS_WON_COUNT,
        )


@transaction.atomic
def _check_metric(
    *,
    org_id: int,
    key: str,
    source: str,
    activity_types: Sequence[ActivityType],
    metric: Metric | None = None,
) -> None:
    if source not in Metric.Source.values:
        raise DomainError(_("Unknown source."), field="source")
    same_key = Metric.objects.for_org(org_id).filter(key=key)
    if metric is not None:
        same_key = same_key.exclude(pk=metric.pk)
    if same_key.exists():
        raise DomainError(_("A metric with this key exists."), field="key")
    if source == Metric.Source.ACTIVITY and not activity_types:
        raise DomainError(
            _("Choose the activity types this metric counts."), field="activity_types"
        )
    if any(t.organization_id != org_id for t in activity_types):
        raise DomainError(_("Unknown activity type."), field="activity_types")


def _full_clean_metric(metric: Metric) -> None:
    try:
        metric.full_clean(exclude=["organization"])
    except ValidationError as exc:
        field, errors = next(iter(exc.message_dict.items()))
        raise DomainError(
            str(errors[0]), field=None if field == NON_FIELD_ERRORS else field
        ) from exc


def create_metric(
    *,
    actor: Membership,
    key: str,
    name: str,
    source: str,
    unit: str = "count",
    activity_types: Sequence[ActivityType] = (),
) -> Metric:
    """Define a metric (admins only); activity metrics name the types they count."""
    rules.require(access.can_define_metrics(actor))
    org_id = actor.organization_id
    _check_metric(org_id=org_id, key=key, source=source, activity_types=activity_types)
    metric = Metric(organization_id=org_id, key=key, name=name, unit=unit or "count", source=source)
    _full_clean_metric(metric)
    with transaction.atomic():
        metric.save()
        if source == Metric.Source.ACTIVITY:
            metric.activity_types.set(activity_types)
    return metric


def update_metric(
    *,
    actor: Membership,
    metric: Metric,
    key: str,
    name: str,
    source: str,
    unit: str = "count",
    activity_types: Sequence[ActivityType] = (),
) -> Metric:
    """Change a metric (admins only). Once goals count it, its source and unit stay (their
    targets were set in that unit); a change of its activity types recomputes their progress."""
    rules.require(access.can_define_metrics(actor))
    org_id = actor.organization_id
    if metric.organization_id != org_id:
        raise DomainError(_("Unknown metric."), field="metric")
    _check_metric(
        org_id=org_id, key=key, source=source, activity_types=activity_types, metric=metric
    )
    unit = unit or "count"
    with transaction.atomic():
        metric = Metric.objects.select_for_update().get(pk=metric.pk)
        goal_ids = list(metric.goals.values_list("pk", flat=True))
        if goal_ids and source != metric.source:
            raise DomainError(
                _("Goals count this metric: its source cannot change."), field="source"
            )
        if goal_ids and unit != metric.unit:
            raise DomainError(_("Goals count this metric: its unit cannot change."), field="unit")
        before = set(metric.activity_types.values_list("pk", flat=True))
        metric.key, metric.name, metric.unit, metric.source = key, name, unit, source
        _full_clean_metric(metric)
        metric.save()
        after = {t.pk for t in activity_types} if source == Metric.Source.ACTIVITY else set()
        if after != before:
            metric.activity_types.set(after)
            _after_commit_refresh(goal_ids)
    return metric


# --- goals --------------------------------------------------------------------------------


def goal_scope(goal: Goal) -> Scope:
    """Whose numbers a goal counts: a team goal includes its sub-teams."""
    if goal.scope == Goal.Scope.USER:
        return Scope(org_id=goal.organization_id, user_id=goal.user_id)
    if goal.scope == Goal.Scope.TEAM and goal.team_id is not None:
        return Scope(
            org_id=goal.organization_id,
            team_ids=team_and_descendant_ids(goal.organization, goal.team_id),
        )
    return Scope(org_id=goal.organization_id)


def _quantize(value: Any, metric: Metric, field: str = "target") -> Decimal:
    try:
        amount = Decimal(str(value))
    except (InvalidOperation, TypeError, ValueError) as exc:
        raise DomainError(_("Enter a number."), field=field) from exc
    if not amount.is_finite():
        raise DomainError(_("Enter a number."), field=field)
    if amount != amount.quantize(metric.quantum, rounding=ROUND_DOWN):
        places = metric.decimal_places
        raise DomainError(
            _("Use at most %(n)d decimal places for this metric.") % {"n": places}, field=field
        )
    if amount <= 0:
        raise DomainError(_("A target must be positive."), field=field)
    if amount >= Decimal("1e14"):
        raise DomainError(_("That target is too large."), field=field)
    return amount


def _validate_goal(
    org: Organization,
    *,
    metric: Metric,
    scope: str,
    team: Team | None,
    user: User | None,
    start: date,
    end: date,
    parent: Goal | None,
) -> tuple[Team | None, User | None]:
    if metric.organization_id != org.pk:
        raise DomainError(_("Unknown metric."), field="metric")
    for field, day in (("start", start), ("end", end)):
        if not periods.is_supported_date(day):
            raise DomainError(
                _("Enter a date between %(first)s and %(last)s.")
                % {
                    "first": periods.FIRST_SUPPORTED_DATE.isoformat(),
                    "last": periods.LAST_SUPPORTED_DATE.isoformat(),
                },
                field=field,
            )
    if end < start:
        raise DomainError(_("The end is before the start."), field="end")
    if (end - start).days > 366 * 2:
        raise DomainError(_("A goal spans at most two years."), field="end")
    if scope == Goal.Scope.ORG:
        team, user = None, None
    elif scope == Goal.Scope.TEAM:
        if team is None or team.organization_id != org.pk:
            raise DomainError(_("Choose a team of this organisation."), field="team")
        user = None
    elif scope == Goal.Scope.USER:
        if user is None:
            raise DomainError(_("Choose a person."), field="user")
        member = Membership.objects.for_org(org).filter(user=user, active=True).first()
        if member is None:
            raise DomainError(_("That person is not an active member here."), field="user")
        team = member.team
    else:
        raise DomainError(_("Scope must be org, team or user."), field="scope")
    if parent is not None:
        if parent.organization_id != org.pk:
            raise DomainError(_("Unknown parent goal."), field="parent")
        if parent.metric_id != metric.pk:
            raise DomainError(
                _("A child goal counts the same metric as its parent."), field="metric"
            )
        if start < parent.start or end > parent.end:
            raise DomainError(
                _("A child goal's period must lie inside its parent's."), field="start"
            )
    return team, user


def _after_commit_refresh(goal_ids: Iterable[int]) -> None:
    ids = sorted(set(goal_ids))
    if not ids:
        return

    def run() -> None:
        from goals.tasks import refresh_goal_progress_task

        try:
            refresh_goal_progress_task.apply_async((ids,), expires=600)
        except Exception:
            log.warning("goal progress refresh not enqueued; nightly reconcile will", exc_info=True)

    transaction.on_commit(run)


def _audit_value(goal: Goal) -> Any:
    """How the audit trail writes a goal's field values (targets on the metric's grid)."""

    def shown(value: Any) -> str:
        return str(value.quantize(goal.metric.quantum) if isinstance(value, Decimal) else value)

    return shown


def _audit_goal(action: str, actor: Membership, goal: Goal, **detail: Any) -> None:
    """One audit row per change of a goal (who set, changed, split or deleted which target)."""
    subject = goal.user.email if goal.user_id and goal.user else goal.team or goal.scope
    record_event(
        action=action,
        actor=actor.user_id,
        organization=actor.organization_id,
        target=f"goal {goal.pk}: {goal.title or goal.metric.name} ({subject})",
        **detail,
    )


@transaction.atomic
def create_goal(
    *,
    actor: Membership,
    metric: Metric,
    scope: str,
    start: date,
    end: date,
    target: Any,
    team: Team | None = None,
    user: User | None = None,
    parent: Goal | None = None,
    title: str = "",
) -> Goal:
    """Set a goal (admins anywhere; managers for their teams and people)."""
    org = actor.organization
    team, user = _validate_goal(
        org, metric=metric, scope=scope, team=team, user=user, start=start, end=end, parent=parent
    )
    rules.require(access.can_set_goal(actor, scope=scope, team=team, user=user))
    goal = Goal.objects.create(
        organization=org,
        title=(title or "").strip()[:200],
        metric=metric,
        scope=scope,
        team=team if scope != Goal.Scope.USER else None,
        user=user,
        start=start,
        end=end,
        target=_quantize(target, metric),
        parent=parent,
        created_by_id=actor.user_id,
    )
    _audit_goal(
        "goal_created",
        actor,
        goal,
        target_value=_audit_value(goal)(goal.target),
        start=str(goal.start),
        end=str(goal.end),
    )
    _after_commit_refresh([goal.pk])
    return goal


@transaction.atomic
def update_goal(
    *, actor: Membership, goal: Goal, version: int | None = None, **changes: Any
) -> Goal:
    """Change a goal's title, target or period; a stale `version` answers 409 (R10)."""
    org = actor.organization
    goal = Goal.objects.for_org(org).select_for_update().get(pk=goal.pk)
    rules.require(access.can_edit_goal(actor, goal))
    if version is not None and version != goal.version:
        raise Conflict(_("Someone changed this goal meanwhile. Reload and try again."))
    allowed = {"title", "target", "start", "end"}
    unknown = set(changes) - allowed
    if unknown:
        raise DomainError(_("These fields cannot be changed: %s") % ", ".join(sorted(unknown)))
    start = changes.get("start", goal.start)
    end = changes.get("end", goal.end)
    _validate_goal(
        org,
        metric=goal.metric,
        scope=goal.scope,
        team=goal.team,
        user=goal.user,
        start=start,
        end=end,
        parent=goal.parent,
    )
    if ("start" in changes or "end" in changes) and goal.children.filter(
        Q(start__lt=start) | Q(end__gt=end)
    ).exists():
        raise DomainError(_("Its child goals would fall outside the new period."), field="start")
    before = {"title": goal.title, "target": goal.target, "start": goal.start, "end": goal.end}
    goal.start, goal.end = start, end
    if "target" in changes:
        goal.target = _quantize(changes["target"], goal.metric)
    if "title" in changes:
        goal.title = (changes["title"] or "").strip()[:200]
    goal.version += 1
    goal.save()
    shown = _audit_value(goal)
    changed = {
        field: [shown(old), shown(getattr(goal, field))]
        for field, old in before.items()
        if old != getattr(goal, field)
    }
    if changed:
        _audit_goal("goal_changed", actor, goal, changes=changed)
    _after_commit_refresh([goal.pk])
    return goal


@transaction.atomic
def delete_goal(*, actor: Membership, goal: Goal) -> None:
    """Delete a goal and its cascaded children."""
    goal = Goal.objects.for_org(actor.organization).select_for_update().get(pk=goal.pk)
    rules.require(access.can_edit_goal(actor, goal))
    _audit_goal(
        "goal_deleted",
        actor,
        goal,
        target_value=_audit_value(goal)(goal.target),
        start=str(goal.start),
        end=str(goal.end),
        children=goal.children.count(),
    )
    goal.delete()


# --- cascade ------------------------------------------------------------------------------


def allocate(total: Decimal, weights: Sequence[Decimal], quantum: Decimal) -> list[Decimal]:
    """Split `total` by `weights` in steps of `quantum`, summing exactly (largest remainder)."""
    if not weights:
        return []
    units = int((total / quantum).to_integral_value(rounding=ROUND_DOWN))
    weight_sum = sum(weights)
    if weight_sum <= 0:
        weights = [Decimal(1)] * len(weights)
        weight_sum = Decimal(len(weights))
    exact = [Decimal(units) * w / weight_sum for w in weights]
    floors = [int(x.to_integral_value(rounding=ROUND_DOWN)) for x in exact]
    leftover = units - sum(floors)
    # Ties go to the earlier child, so the split is deterministic.
    order = sorted(range(len(weights)), key=lambda i: (-(exact[i] - floors[i]), i))
    for i in order[:leftover]:
        floors[i] += 1
    result = [Decimal(n) * quantum for n in floors]
    remainder = total - sum(result)  # sub-quantum dust of a total not on the grid
    if remainder:
        result[order[0]] += remainder
    return result


def cascade_children(goal: Goal, to: str) -> list[Team] | list[Membership]:
    """The teams or members a goal would be split over."""
    org = goal.organization
    if to == "teams":
        if goal.scope == Goal.Scope.ORG:
            return list(Team.objects.for_org(org).filter(parent=None).order_by("name", "id"))
        if goal.scope == Goal.Scope.TEAM:
            return list(
                Team.objects.for_org(org).filter(parent=goal.team_id).order_by("name", "id")
            )
        raise DomainError(_("A person's goal cannot be split further."), field="to")
    if to == "members":
        if goal.scope != Goal.Scope.TEAM or goal.team_id is None:
            raise DomainError(_("Only a team goal can be split over its members."), field="to")
        return list(
            Membership.objects.for_org(org)
            .filter(rules.SALESPEOPLE, team_id=goal.team_id, active=True)
            .select_related("user")
            .order_by("user__name", "user_id")
        )
    raise DomainError(_("Cascade to “teams” or “members”."), field="to")


def _child_key(child: Team | Membership) -> int:
    return child.user_id if isinstance(child, Membership) else child.pk


def _last_period_weights(goal: Goal, children: Sequence[Team | Membership]) -> list[Decimal]:
    length = (goal.end - goal.start).days + 1
    prev_end = goal.start - timedelta(days=1)
    prev_start = prev_end - timedelta(days=length - 1)
    org = goal.organization
    weights = []
    for child in children:
        if isinstance(child, Membership):
            scope = Scope(org_id=org.pk, user_id=child.user_id)
        else:
            scope = Scope(org_id=org.pk, team_ids=team_and_descendant_ids(org, child.pk))
        weights.append(
            sum(daily_values(goal.metric, scope, prev_start, prev_end).values(), Decimal(0))
        )
    return weights


@transaction.atomic
def cascade_goal(
    *,
    actor: Membership,
    goal: Goal,
    to: str,
    strategy: str = "even",
    weights: dict[str, Any] | None = None,
) -> list[Goal]:
    """Split a goal into one child per child team or team member; children sum exactly.

    Runs under a row lock on the parent: of two simultaneous cascades one wins and the
    other is refused, so a goal is never split twice.
    """
    org = actor.organization
    goal = (
        Goal.objects.for_org(org)
        .select_for_update(of=("self",))  # PostgreSQL cannot lock the outer-joined team
        .select_related("metric", "team")
        .get(pk=goal.pk)
    )
    rules.require(access.can_edit_goal(actor, goal))
    if strategy not in CASCADE_STRATEGIES:
        raise DomainError(_("Strategy must be even, weights or last_period."), field="strategy")
    if goal.children.exists():
        raise Conflict(_("This goal is already split; edit or delete its children instead."))
    children = cascade_children(goal, to)
    if not children:
        raise DomainError(_("There is nobody to split this goal over."), field="to")
    keys = [_child_key(c) for c in children]
    if strategy == "weights":
        given = weights or {}
        try:
            parsed = {int(k): Decimal(str(v)) for k, v in given.items()}
        except (InvalidOperation, TypeError, ValueError) as exc:
            raise DomainError(_("Weights must be numbers keyed by id."), field="weights") from exc
        strangers = set(parsed) - set(keys)
        if strangers:
            raise DomainError(
                _("These ids are not under this goal: %s") % ", ".join(map(str, sorted(strangers))),
                field="weights",
            )
        if any(v < 0 or not v.is_finite() for v in parsed.values()) or sum(parsed.values()) <= 0:
            raise DomainError(_("Weights must be zero or more, and not all zero."), field="weights")
        split_weights = [parsed.get(k, Decimal(0)) for k in keys]
    elif strategy == "last_period":
        split_weights = _last_period_weights(goal, children)  # all zero → even
    else:
        split_weights = [Decimal(1)] * len(children)
    targets = allocate(goal.target, split_weights, goal.metric.quantum)
    created: list[Goal] = []
    for child, target in zip(children, targets, strict=True):
        if target <= 0:
            continue  # a zero share makes no goal (targets are positive)
        if isinstance(child, Membership):
            fields: dict[str, Any] = {"scope": Goal.Scope.USER, "user": child.user, "team": None}
            name = child.user.display_name
        else:
            team = cast(Team, child)
            fields = {"scope": Goal.Scope.TEAM, "team": team, "user": None}
            name = team.name
        created.append(
            Goal.objects.create(
                organization=org,
                title=f"{goal.title or goal.metric.name} · {name}"[:200],
                metric=goal.metric,
                start=goal.start,
                end=goal.end,
                target=target,
                parent=goal,
                created_by_id=actor.user_id,
                **fields,
            )
        )
    goal.version += 1
    goal.save(update_fields=["version", "updated_at"])
    _audit_goal(
        "goal_cascaded",
        actor,
        goal,
        to=to,
        strategy=strategy,
        children=len(created),
    )
    _after_commit_refresh([g.pk for g in created])
    return created


@transaction.atomic
def save_cascade_template(
    *, actor: Membership, goal: Goal, name: str, to: str, strategy: str
) -> CascadeTemplate:
    """Remember how a goal was split (weights from its children) to reuse next period."""
    rules.require(access.can_manage_cascade_templates(actor))
    goal = Goal.objects.for_org(actor.organization).get(pk=goal.pk)
    name = (name or "").strip()
    if not name:
        raise DomainError(_("Name the template."), field="name")
    if CascadeTemplate.objects.for_org(actor.organization).filter(name=name).exists():
        raise DomainError(_("A template with this name exists."), field="name")
    weights = {}
    for child in goal.children.all():
        key = child.user_id if child.scope == Goal.Scope.USER else child.team_id
        weights[str(key)] = str(child.target)
    span = periods.Period(goal.start, goal.end + timedelta(days=1))
    kinds = ("month", "quarter", "half", "year", "week")
    matching = [k for k in kinds if periods.period_of(actor.organization, k, goal.start) == span]
    kind = matching[0] if matching else "month"
    return CascadeTemplate.objects.create(
        organization=actor.organization,
        name=name,
        metric=goal.metric,
        scope=goal.scope,
        team=goal.team,
        target=goal.target,
        period_kind=kind,
        to=to,
        strategy="weights" if strategy == "weights" or weights else strategy,
        weights=weights,
    )


@transaction.atomic
def apply_cascade_template(*, actor: Membership, template: CascadeTemplate, on: date) -> Goal:
    """Create the template's goal for the `period_kind` period containing `on`, then split it."""
    rules.require(access.can_manage_cascade_templates(actor))
    period = periods.period_of(actor.organization, template.period_kind, on)
    already = Goal.objects.for_org(actor.organization).filter(
        metric=template.metric,
        scope=template.scope,
        team=template.team,
        start=period.start,
        end=period.last,
        parent=None,
    )
    if already.exists():
        raise DomainError(
            _("This template was already applied to %(start)s to %(end)s.")
            % {"start": period.start, "end": period.last}
        )
    goal = create_goal(
        actor=actor,
        metric=template.metric,
        scope=template.scope,
        team=template.team,
        start=period.start,
        end=period.last,
        target=template.target,
        title=template.name,
    )
    children = cascade_children(goal, template.to)
    known = {str(_child_key(c)) for c in children}
    weights = {k: v for k, v in template.weights.items() if k in known}
    strategy = template.strategy if weights or template.strategy != "weights" else "even"
    cascade_goal(actor=actor, goal=goal, to=template.to, strategy=strategy, weights=weights or None)
    return goal


# --- manual check-ins ---------------------------------------------------------------------


@transaction.atomic
def log_manual_entry(
    *, actor: Membership, metric: Metric, day: date, value: Any, note: str = ""
) -> ManualEntry:
    """Check in a value for a manual metric (for oneself)."""
    if metric.organization_id != actor.organization_id or metric.source != Metric.Source.MANUAL:
        raise DomainError(_("Choose a manual metric."), field="metric")
    if day > periods.today(actor.organization) + timedelta(days=1):
        raise DomainError(_("Not in the future."), field="date")
    try:
        amount = Decimal(str(value)).quantize(Decimal("0.01"))
    except (InvalidOperation, TypeError, ValueError) as exc:
        raise DomainError(_("Enter a number."), field="value") from exc
    entry = ManualEntry.objects.create(
        organization_id=actor.organization_id,
        metric=metric,
        user_id=actor.user_id,
        team_id=actor.team_id,
        date=day,
        value=amount,
        note=(note or "")[:200],
    )
    affected = Goal.objects.for_org(actor.organization_id).filter(
        metric=metric, start__lte=day, end__gte=day, closed_at=None
    )
    _after_commit_refresh(affected.values_list("pk", flat=True))
    return entry


# --- progress -----------------------------------------------------------------------------


def compute_actuals(goal: Goal) -> tuple[Decimal, dict[tuple[str, date], Decimal]]:
    """A goal's actual to date and its weekly/monthly actuals, re-read from the sources."""
    values = daily_values(goal.metric, goal_scope(goal), goal.start, goal.end)
    per_period: dict[tuple[str, date], Decimal] = {}
    org = goal.organization
    for day, value in values.items():
        for grain in ("week", "month"):
            key = (grain, max(periods.period_of(org, grain, day).start, goal.start))
            per_period[key] = per_period.get(key, Decimal(0)) + value
    return sum(values.values(), Decimal(0)), per_period


def refresh_progress(*, goal_ids: Iterable[int]) -> int:
    """Recompute the stored progress of these goals from source; closed goals keep theirs."""
    from goals.progress import refresh_goals

    return refresh_goals(goal_ids=goal_ids)


def close_ended_goals(*, org: Organization) -> int:
    """Close every goal whose period has ended: final actual, reached or missed (idempotent)."""
    from goals.progress import close_ended_goals as close

    return close(org=org)
