"""The range rebuild writes only what differs, and leaves exactly the recompute (QUALITY R1).

`rebuild_range` compares a fresh GROUP BY of the log with the stored rollup rows and deletes
the rows only the rollup has, inserts the rows only the log gives, updates in place the rows
whose counts differ and leaves every other row alone (same id, untouched). The coarse
organisation totals per (type, day) are rebuilt the same way from the daily rows. The cases
below corrupt the rollup each of those ways, then check both the result (equal to a recompute)
and what was written (row ids and the counts the rebuild reports). These run on SQLite and on
PostgreSQL (separate statements on one, one statement on the other).
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection
from django.db.models import Sum
from django.test.utils import CaptureQueriesContext
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from accounts.models import Membership
from activities import rollup
from activities.models import Activity, ActivityType, DailyActivityCount, OrgDailyActivityCount
from activities.selectors import activity_counts
from activities.services import delete_activity, ensure_default_activity_types, log_activity
from tests.activities.conftest import assert_rollup_exact
from tests.factories import MembershipFactory, OrganizationFactory, TeamFactory

TOKYO = ZoneInfo("Asia/Tokyo")
NOW = datetime(2026, 5, 20, 12, 0, tzinfo=TOKYO)
DAY = date(2026, 5, 13)
OTHER_DAY = date(2026, 5, 14)
OUTSIDE = date(2026, 4, 15)


@pytest.fixture
def frozen_now(time_machine) -> datetime:
    time_machine.move_to(NOW, tick=False)
    return NOW


def at(day: date, hour: int = 10) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=TOKYO)


def daily_ids(org_id: int) -> dict[tuple, int]:
    """Stored daily rows by bucket key -> row id."""
    return {
        (r.user_id, r.team_id, r.type_id, r.date): r.pk
        for r in DailyActivityCount.objects.filter(organization_id=org_id)
    }


def coarse_ids(org_id: int) -> dict[tuple, int]:
    return {
        (r.type_id, r.date): r.pk
        for r in OrgDailyActivityCount.objects.filter(organization_id=org_id)
    }


@pytest.fixture
def logged(rollup_org, admin, member, teammate, frozen_now):
    """A drained rollup: two team members and the team-less admin over two days."""
    for who, kind, day, quantity in [
        (member, "call", DAY, 2),
        (member, "call", DAY, 1),
        (member, "new_visit", DAY, 1),
        (teammate, "call", DAY, 4),
        (teammate, "proposal", OTHER_DAY, 1),
        (admin, "email", DAY, 3),  # no team: a NULL in the bucket key
        (member, "call", OUTSIDE, 5),
    ]:
        log_activity(actor=who, type=kind, occurred_at=at(day), quantity=quantity)
    rollup.drain_all(org_id=rollup_org.pk)
    assert DailyActivityCount.objects.filter(organization=rollup_org, team=None).exists()
    assert_rollup_exact(rollup_org)
    return rollup_org


def test_an_unchanged_range_is_read_and_compared_but_nothing_is_written(logged):
    daily, coarse = daily_ids(logged.pk), coarse_ids(logged.pk)

    result = rollup.rewrite_range(org_id=logged.pk)

    assert result.daily == (len(daily), 0, 0, 0)
    assert result.org_daily == (len(coarse), 0, 0, 0)
    assert daily_ids(logged.pk) == daily  # same rows, same ids (NULL team included)
    assert coarse_ids(logged.pk) == coarse
    assert_rollup_exact(logged)


def test_rows_only_in_the_rollup_are_deleted_and_nothing_else_is_touched(logged, member):
    call = ActivityType.objects.get(organization=logged, key="call")
    proposal = ActivityType.objects.get(organization=logged, key="proposal")
    before = daily_ids(logged.pk)
    # A bucket no activity gives: a type the person never logged that day, and a day with
    # nothing at all (the coarse total of that day is made up as well).
    DailyActivityCount.objects.create(
        organization=logged, user=member.user, team=member.team, type=proposal, date=DAY,
        count=7, entries=2,
    )  # fmt: skip
    DailyActivityCount.objects.create(
        organization=logged, user=member.user, team=member.team, type=call,
        date=DAY + timedelta(days=3), count=1, entries=1,
    )  # fmt: skip
    OrgDailyActivityCount.objects.create(
        organization=logged, type=call, date=DAY + timedelta(days=3), count=1, entries=1
    )

    result = rollup.rewrite_range(org_id=logged.pk)

    assert result.daily == (len(before), 2, 0, 0)
    assert result.org_daily[1:] == (1, 0, 0)
    assert daily_ids(logged.pk) == before
    assert_rollup_exact(logged)


def test_rows_only_in_the_log_are_inserted(logged, admin, teammate):
    before = daily_ids(logged.pk)
    missing = DailyActivityCount.objects.filter(organization=logged, date=DAY).filter(
        user__in=[admin.user, teammate.user]
    )
    gone = {
        k for k, row_id in before.items() if row_id in set(missing.values_list("pk", flat=True))
    }
    assert len(gone) == 2  # the admin's team-less row and the teammate's call
    missing.delete()
    OrgDailyActivityCount.objects.filter(organization=logged, date=DAY).delete()

    result = rollup.rewrite_range(org_id=logged.pk)

    assert result.daily == (len(before), 0, 0, 2)
    assert result.org_daily[1:] == (0, 0, 3)  # call, new visit and email on DAY
    after = daily_ids(logged.pk)
    assert set(after) == set(before)
    assert {k: v for k, v in after.items() if k not in gone} == {
        k: v for k, v in before.items() if k not in gone
    }
    assert_rollup_exact(logged)


def test_changed_rows_are_updated_in_place(logged, admin, member):
    before = daily_ids(logged.pk)
    coarse_before = coarse_ids(logged.pk)
    DailyActivityCount.objects.filter(organization=logged, user=member.user, date=DAY).update(
        count=99
    )  # two rows (call, new visit): counts wrong, entries right
    DailyActivityCount.objects.filter(organization=logged, user=admin.user).update(entries=9)
    OrgDailyActivityCount.objects.filter(organization=logged, date=OTHER_DAY).update(count=0)

    result = rollup.rewrite_range(org_id=logged.pk)

    assert result.daily == (len(before), 0, 3, 0)
    assert result.org_daily[1:] == (0, 1, 0)
    assert daily_ids(logged.pk) == before  # updated, not deleted and inserted again
    assert coarse_ids(logged.pk) == coarse_before
    assert_rollup_exact(logged)


def test_a_key_with_no_team_stored_twice_is_left_once(logged, admin):
    """NULLs pass the unique key (both databases): a team deleted under two rows of one
    person, day and type leaves them both with no team. The rebuild keeps one, exact."""
    email = ActivityType.objects.get(organization=logged, key="email")
    kept = DailyActivityCount.objects.get(organization=logged, user=admin.user, type=email)
    twin = DailyActivityCount.objects.create(
        organization=logged, user=admin.user, team=None, type=email, date=DAY, count=2,
        entries=1,
    )  # fmt: skip
    DailyActivityCount.objects.filter(pk=kept.pk).update(count=1)

    result = rollup.rewrite_range(org_id=logged.pk)

    assert result.daily[1:] == (1, 1, 0)  # the twin deleted, the first row corrected
    assert not DailyActivityCount.objects.filter(pk=twin.pk).exists()
    assert DailyActivityCount.objects.get(pk=kept.pk).count == 3
    assert_rollup_exact(logged)

    # Twins that each hold the right numbers are found too.
    DailyActivityCount.objects.create(
        organization=logged, user=admin.user, team=None, type=email, date=DAY, count=3,
        entries=1,
    )  # fmt: skip
    assert rollup.rewrite_range(org_id=logged.pk).daily[1:] == (1, 0, 0)
    assert_rollup_exact(logged)


def test_a_range_rebuild_leaves_rows_outside_the_range_alone(logged, member):
    DailyActivityCount.objects.filter(organization=logged, date=OUTSIDE).update(count=777)
    OrgDailyActivityCount.objects.filter(organization=logged, date=OUTSIDE).update(count=777)
    DailyActivityCount.objects.filter(organization=logged, date=DAY, user=member.user).delete()

    result = rollup.rewrite_range(org_id=logged.pk, start=DAY, end=OTHER_DAY)

    assert result.daily[1:] == (0, 0, 2)
    assert DailyActivityCount.objects.get(organization=logged, date=OUTSIDE).count == 777
    assert OrgDailyActivityCount.objects.get(organization=logged, date=OUTSIDE).count == 777
    stored = rollup.stored_counts(logged.pk)
    fresh = rollup.recompute_from_scratch(logged.pk)
    assert {k: v for k, v in stored.items() if k[3] != OUTSIDE} == {
        k: v for k, v in fresh.items() if k[3] != OUTSIDE
    }
    rollup.rebuild_range(org_id=logged.pk)
    assert_rollup_exact(logged)


# --- the coarse organisation totals ------------------------------------------------------------


def test_drains_keep_the_organisation_totals_equal_to_the_daily_rows(logged, member, admin):
    # An edit that empties a (type, day) total deletes its row; a new one creates it.
    log_activity(actor=member, type="proposal", occurred_at=at(OTHER_DAY), quantity=2)
    log_activity(actor=admin, type="email", occurred_at=at(DAY), quantity=1)
    rollup.drain_all(org_id=logged.pk)
    assert_rollup_exact(logged)
    proposal = ActivityType.objects.get(organization=logged, key="proposal")
    assert (
        OrgDailyActivityCount.objects.get(organization=logged, type=proposal, date=OTHER_DAY).count
        == 3
    )

    for activity in Activity.objects.filter(organization=logged, type=proposal):
        delete_activity(actor=admin, activity=activity)
    rollup.drain_all(org_id=logged.pk)
    assert not OrgDailyActivityCount.objects.filter(organization=logged, type=proposal).exists()
    assert_rollup_exact(logged)


def test_whole_organisation_counts_read_the_coarse_totals(logged, team):
    with CaptureQueriesContext(connection) as queries:
        rows = activity_counts(logged, start=DAY, end=OTHER_DAY, grain="month")
    assert len(queries) == 1
    assert OrgDailyActivityCount._meta.db_table in queries[0]["sql"]
    assert DailyActivityCount._meta.db_table not in queries[0]["sql"]
    daily_total = DailyActivityCount.objects.filter(
        organization=logged, date__gte=DAY, date__lte=OTHER_DAY
    ).aggregate(total=Sum("count"))["total"]
    assert sum(r.count for r in rows) == daily_total == 12
    assert {(r.type, r.count) for r in rows} == {
        ("call", 7),
        ("new_visit", 1),
        ("email", 3),
        ("proposal", 1),
    }

    # A person's or a team's counts still come from the daily rows.
    with CaptureQueriesContext(connection) as queries:
        team_rows = activity_counts(logged, start=DAY, end=OTHER_DAY, team_ids=frozenset({team.pk}))
    assert DailyActivityCount._meta.db_table in queries[0]["sql"]
    assert sum(r.count for r in team_rows) == 9  # the admin has no team


# --- property: any corruption, one rebuild, exactly the recompute ----------------------------

FAST = settings(
    max_examples=30,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
entries = st.lists(
    st.tuples(st.integers(0, 2), st.integers(0, 3), st.integers(0, 4), st.integers(1, 5)),
    max_size=12,
)  # (person, type, days back, quantity)
corruptions = st.lists(
    st.tuples(
        st.sampled_from(["delete", "count", "entries", "bogus", "coarse"]),
        st.integers(0, 50),
    ),
    max_size=8,
)


@pytest.mark.django_db
@FAST
@given(logged_entries=entries, corrupt=corruptions, bounded=st.booleans())
def test_after_any_corruption_one_rebuild_leaves_exactly_the_recompute(
    logged_entries, corrupt, bounded
):
    with time_machine.travel(NOW, tick=False):
        _corrupt_and_rebuild(logged_entries, corrupt, bounded)


def _corrupt_and_rebuild(logged_entries, corrupt, bounded) -> None:
    org = OrganizationFactory(timezone="Asia/Tokyo")
    ensure_default_activity_types(org=org)
    types = list(ActivityType.objects.for_org(org).order_by("key")[:4])
    team = TeamFactory(organization=org)
    people = [
        MembershipFactory(organization=org, role=Membership.Role.ADMIN),  # no team
        MembershipFactory(organization=org, team=team),
        MembershipFactory(organization=org, team=team),
    ]
    today = date(2026, 5, 20)
    for person, kind, back, quantity in logged_entries:
        day = today - timedelta(days=back)
        log_activity(
            actor=people[0],
            user=people[person].user,
            type=types[kind],
            occurred_at=datetime.combine(day, time(10), tzinfo=TOKYO),
            quantity=quantity,
        )
    rollup.drain_all(org_id=org.pk)
    rows = list(DailyActivityCount.objects.filter(organization=org).order_by("pk"))
    coarse = list(OrgDailyActivityCount.objects.filter(organization=org).order_by("pk"))
    touched: set[int] = set()
    bogus: set[tuple[int, int, int]] = set()
    for how, index in corrupt:
        if how == "bogus":
            key = (index % 3, index % 4, index % 3)
            if key in bogus and people[index % 3].team is not None:
                continue  # the unique key refuses a second row (NULL teams pass it, see above)
            bogus.add(key)
            DailyActivityCount.objects.create(
                organization=org, user=people[index % 3].user, team=people[index % 3].team,
                type=types[index % 4], date=today - timedelta(days=5 + index % 3),
                count=index + 1, entries=1,
            )  # fmt: skip
        elif how == "coarse":
            OrgDailyActivityCount.objects.update_or_create(
                organization=org, type=types[index % 4], date=today - timedelta(days=index % 5),
                defaults={"count": index + 1, "entries": index + 1},
            )  # fmt: skip
        elif rows:
            row = rows[index % len(rows)]
            if row.pk in touched:
                continue
            touched.add(row.pk)
            if how == "delete":
                DailyActivityCount.objects.filter(pk=row.pk).delete()
            else:
                DailyActivityCount.objects.filter(pk=row.pk).update(
                    **{how: getattr(row, how) + 1 + index}
                )
    untouched = {r.pk for r in rows} - touched

    start, end = (today - timedelta(days=4), today) if bounded else (None, None)
    rollup.rebuild_range(org_id=org.pk, start=start, end=end)
    if bounded:  # then the rest of the range too
        rollup.rebuild_range(org_id=org.pk, end=today - timedelta(days=5))

    assert_rollup_exact(org, drained=True)
    # Rows that were right were never rewritten: they keep their ids.
    assert untouched <= set(
        DailyActivityCount.objects.filter(organization=org).values_list("pk", flat=True)
    )
    assert {c.pk for c in coarse} <= set(
        OrgDailyActivityCount.objects.filter(organization=org).values_list("pk", flat=True)
    )
