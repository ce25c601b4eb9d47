"""Twelve months of believable demo activity, with visible differences between people.

rep03 makes few new visits; rep07 rarely turns visits into effective negotiations.
Idempotent: people who already have activities are left alone.
"""

from __future__ import annotations

import random
from datetime import date, datetime, timedelta

import holidays

from accounts.models import Membership, Organization, Team
from activities.models import Activity, ActivityType
from activities.rollup import rebuild_range
from salesmgmt import periods

SHORT_OF_VISITS = "rep03@demo.example"
WEAK_CONVERTER = "rep07@demo.example"
OBSERVATION = "Good opening; ask about the budget earlier."


def _working_days(org: Organization, start: date, end: date) -> list[date]:
    days_off = holidays.country_holidays(org.country, years=range(start.year, end.year + 1))
    return [
        start + timedelta(days=i)
        for i in range((end - start).days + 1)
        if (start + timedelta(days=i)).weekday() < 5 and (start + timedelta(days=i)) not in days_off
    ]


def seed_demo_activity(*, org: Organization, memberships: list[Membership]) -> int:
    """Create a year of activity for every demo salesperson without any; returns rows made."""
    types = {t.key: t for t in ActivityType.objects.for_org(org)}
    if not {"new_visit", "effective_negotiation", "proposal"} <= set(types):
        return 0
    reps = [m for m in memberships if m.role == Membership.Role.MEMBER]
    busy = set(
        Activity.objects.for_org(org)
        .filter(user_id__in=[m.user_id for m in reps])
        .values_list("user_id", flat=True)
        .distinct()
    )
    reps = [m for m in reps if m.user_id not in busy]
    if not reps:
        return 0
    managers_of: dict[int, int] = {}
    for team in Team.objects.for_org(org).prefetch_related("managers"):
        leads = list(team.managers.all())
        if leads:
            managers_of[team.pk] = leads[0].pk
    today = periods.today(org)
    start = today - timedelta(days=365)
    days = _working_days(org, start, today - timedelta(days=1))
    rows: list[Activity] = []
    made = 0
    for rep in reps:
        rng = random.Random(rep.user_id * 7919)
        visit_rate = 1.0 if rep.user.email == SHORT_OF_VISITS else rng.uniform(2.6, 3.6)
        negotiation_rate = 0.1 if rep.user.email == WEAK_CONVERTER else rng.uniform(0.35, 0.5)
        proposal_rate = rng.uniform(0.35, 0.55)
        manager_id = managers_of.get(rep.team_id or 0)
        for day in days:
            visits = max(0, round(rng.gauss(visit_rate, 1.0)))
            negotiations = sum(rng.random() < negotiation_rate for _ in range(visits + 1))
            proposals = sum(rng.random() < proposal_rate for _ in range(negotiations))
            counts = {
                "new_visit": visits,
                "effective_negotiation": negotiations,
                "proposal": proposals,
                "revisit": max(0, round(rng.gauss(1.5, 1))),
                "call": max(0, round(rng.gauss(6, 2))),
                "email": max(0, round(rng.gauss(8, 3))),
            }
            for key, quantity in counts.items():
                if quantity <= 0 or key not in types:
                    continue
                hour = rng.randint(9, 17)
                moment = datetime(
                    day.year, day.month, day.day, hour, rng.randint(0, 59), tzinfo=org.tzinfo
                )
                accompanied = (
                    manager_id
                    if key == "new_visit" and manager_id and rng.random() < 0.06
                    else None
                )
                rows.append(
                    Activity(
                        organization=org,
                        user_id=rep.user_id,
                        team_id=rep.team_id,
                        type=types[key],
                        occurred_at=moment,
                        local_date=day,
                        quantity=min(quantity, 1000),
                        accompanied_by_id=accompanied,
                        observation="Good opening; ask about budget earlier."
                        if accompanied
                        else "",
                        created_by_id=rep.user_id,
                    )
                )
            if len(rows) >= 5000:
                Activity.objects.bulk_create(rows)
                made += len(rows)
                rows = []
    Activity.objects.bulk_create(rows)
    made += len(rows)
    rebuild_range(org_id=org.pk, start=start, end=today)
    return made
