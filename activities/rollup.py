"""The rollup pipeline: dirty buckets in, daily counts recomputed from source out.

Invariant: after any sequence of activity writes, once the dirty buckets are drained,
`DailyActivityCount` equals a from-scratch GROUP BY over `Activity`.

How it stays true under concurrency (PostgreSQL):
- a write marks its (org, user, local date) bucket dirty in its own transaction; the mark
  bumps `version`, so a recompute that started earlier cannot clear a newer mark;
- a drain takes a transaction-scoped advisory lock per bucket (sorted, so two drains never
  deadlock) before reading the activities, so two workers never interleave on one bucket;
- drains hold the organisation's advisory lock *shared*, `rebuild_range` holds it
  *exclusive*, so a rebuild never races a drain;
- every step is a delete + insert of whole buckets inside one transaction: a crash or an
  exception half-way leaves nothing behind, and running twice gives the same rows.
On SQLite the transactions are IMMEDIATE, which serialises writers and gives the same result.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Protocol

from django.db import connection, transaction
from django.db.models import F, Value
from django.db.models.functions import Coalesce, Greatest
from django.utils import timezone

from activities.models import Activity, DailyActivityCount, DirtyBucket, RollupState
from activities.signals import rollups_changed

log = logging.getLogger(__name__)

_ORG_LOCK_NAMESPACE = 0x5A1E5  # single-key advisory locks: one per organisation
DRAIN_BATCH = 1000

_ACT = Activity._meta.db_table
_DAILY = DailyActivityCount._meta.db_table
_DIRTY = DirtyBucket._meta.db_table


@dataclass(frozen=True)
class Bucket:
    user_id: int
    date: date


class Recomputer(Protocol):
    """Another app's rollup that lives on the same (org, user, local date) buckets.

    `for_buckets` rebuilds its rows for the dirty rows `dirty_ids` (join on the dirty
    table, like the activity rollup does) and `for_range` for a local-date range; both
    run inside the drain's or rebuild's transaction and locks, so they stay consistent.
    """

    def for_buckets(self, cursor: Any, dirty_table: str, dirty_ids: list[int]) -> None: ...

    def for_range(self, cursor: Any, org_id: int, start: date | None, end: date | None) -> None: ...


_RECOMPUTERS: list[Recomputer] = []


def register_recomputer(recomputer: Recomputer) -> None:
    """Let another app (deals: won amounts) ride the same dirty-bucket pipeline."""
    if recomputer not in _RECOMPUTERS:
        _RECOMPUTERS.append(recomputer)


class Follower(Protocol):
    """Data derived from the rollups (goal progress), kept in the drain's transaction.

    `before_buckets` runs under the bucket locks before any rollup row of the buckets is
    rewritten and returns what it needs to remember (e.g. the rows as they were);
    `after_buckets` runs once every recomputer has rewritten them, with that value;
    `after_range` runs at the end of a range rebuild, inside its transaction.
    """

    def before_buckets(self, cursor: Any, org_id: int, dirty_table: str, ids: list[int]) -> Any: ...

    def after_buckets(
        self, cursor: Any, org_id: int, dirty_table: str, ids: list[int], before: Any
    ) -> None: ...

    def after_range(self, org_id: int, start: date | None, end: date | None) -> None: ...


_FOLLOWERS: list[Follower] = []


def register_follower(follower: Follower) -> None:
    """Let a later app (goals) keep data derived from the rollups in the same transaction."""
    if follower not in _FOLLOWERS:
        _FOLLOWERS.append(follower)


def _is_postgres() -> bool:
    return connection.vendor == "postgresql"


def mark_dirty(*, org_id: int, buckets: Iterable[Bucket]) -> None:
    """Record that these buckets need a recompute (call inside the writing transaction)."""
    rows = sorted(set(buckets), key=lambda b: (b.user_id, b.date))
    if not rows:
        return
    now = timezone.now()
    sql = (
        f"INSERT INTO {_DIRTY} (organization_id, user_id, date, marked_at, version) "
        "VALUES (%s, %s, %s, %s, 1) "
        "ON CONFLICT (organization_id, user_id, date) "
        f"DO UPDATE SET marked_at = excluded.marked_at, version = {_DIRTY}.version + 1"
    )
    with connection.cursor() as cursor:
        cursor.executemany(sql, [(org_id, b.user_id, b.date, now) for b in rows])


def _lock_org(org_id: int, *, exclusive: bool) -> None:
    if not _is_postgres():
        return
    fn = "pg_advisory_xact_lock" if exclusive else "pg_advisory_xact_lock_shared"
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {fn}(%s)", [_ORG_LOCK_NAMESPACE * 1_000_000_000 + org_id])


def lock_organization(org_id: int, *, exclusive: bool) -> None:
    """Hold the organisation's rollup lock until the transaction ends (PostgreSQL only).

    Drains hold it shared and range rebuilds exclusive; a whole-goal progress refresh takes
    it exclusive to wait for the drains in flight.
    """
    _lock_org(org_id, exclusive=exclusive)


def _int4(value: int) -> int:
    """Fold a user id (up to 53 bits) into PostgreSQL's int4 range, deterministically.

    Two users folding to the same key only serialise their drains on that day; locks are
    still taken in one global order, so no deadlock is possible.
    """
    folded = (value ^ (value >> 32)) & 0xFFFFFFFF
    return folded - (1 << 32) if folded >= (1 << 31) else folded


def _lock_buckets(rows: list[tuple[int, int, date]]) -> None:
    """Advisory-lock each (user, date) bucket, in a fixed order so drains never deadlock."""
    if not _is_postgres():
        return
    keys = sorted({(_int4(user_id), day.toordinal()) for _id, user_id, day in rows})
    with connection.cursor() as cursor:
        for user_key, ordinal in keys:
            # Two-int4 keys live in their own space, apart from the single-key org locks.
            cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [user_key, ordinal])


def _placeholders(n: int) -> str:
    return ", ".join(["%s"] * n)


def drain(*, org_id: int, limit: int = DRAIN_BATCH) -> int:
    """Recompute up to `limit` dirty buckets of one organisation; returns how many."""
    with transaction.atomic():
        _lock_org(org_id, exclusive=False)
        claimed = list(
            DirtyBucket.objects.filter(organization_id=org_id)
            .order_by("marked_at", "id")
            .values_list("id", "user_id", "date")[:limit]
        )
        if not claimed:
            return 0
        _lock_buckets(claimed)
        ids = [row[0] for row in claimed]
        # Re-read after the locks: another drain may have finished these meanwhile, and
        # writers may have re-marked them (a newer version must survive our delete).
        # Ordered by (user, date), the order `mark_dirty` locks rows in: the DELETE below
        # then takes the dirty-row locks in the same order as a writer marking two buckets
        # (an edit moving a date, an import), instead of id order, which deadlocked
        # (drain holds the later date's row and waits for the earlier one, the writer the
        # reverse; PostgreSQL then aborts one of them, possibly the user's edit).
        current = list(
            DirtyBucket.objects.filter(id__in=ids)
            .order_by("user_id", "date")
            .values_list("id", "version", "marked_at")
        )
        if not current:
            return 0
        ids = [row[0] for row in current]
        marks = _placeholders(len(ids))
        with connection.cursor() as cursor:
            before = [f.before_buckets(cursor, org_id, _DIRTY, ids) for f in _FOLLOWERS]
            cursor.execute(
                f"DELETE FROM {_DAILY} WHERE id IN ("
                f"  SELECT dc.id FROM {_DAILY} dc JOIN {_DIRTY} d"
                "   ON dc.organization_id = d.organization_id"
                "   AND dc.user_id = d.user_id AND dc.date = d.date"
                f"  WHERE d.id IN ({marks}))",
                ids,
            )
            cursor.execute(
                f"INSERT INTO {_DAILY} "
                "(organization_id, user_id, team_id, type_id, date, count, entries) "
                "SELECT a.organization_id, a.user_id, a.team_id, a.type_id, a.local_date, "
                "       SUM(a.quantity), COUNT(*) "
                f"FROM {_ACT} a JOIN {_DIRTY} d"
                "  ON a.organization_id = d.organization_id"
                "  AND a.user_id = d.user_id AND a.local_date = d.date "
                f"WHERE d.id IN ({marks}) "
                "GROUP BY a.organization_id, a.user_id, a.team_id, a.type_id, a.local_date",
                ids,
            )
            for recomputer in _RECOMPUTERS:
                recomputer.for_buckets(cursor, _DIRTY, ids)
            for follower, remembered in zip(_FOLLOWERS, before, strict=True):
                follower.after_buckets(cursor, org_id, _DIRTY, ids, remembered)
            cursor.executemany(
                f"DELETE FROM {_DIRTY} WHERE id = %s AND version = %s",
                [(row[0], row[1]) for row in current],
            )
        newest_mark = max(row[2] for row in current)
        _record_applied(org_id, newest_mark)
        kept = set(ids)
        buckets = [Bucket(user_id, day) for row_id, user_id, day in claimed if row_id in kept]
        transaction.on_commit(
            lambda: rollups_changed.send(
                sender=DailyActivityCount,
                organization_id=org_id,
                buckets=buckets,
            )
        )
    return len(ids)


def drain_all(*, org_id: int, max_rounds: int = 100) -> int:
    """Drain an organisation's dirty buckets until none is left (bounded)."""
    total = 0
    for _ in range(max_rounds):
        done = drain(org_id=org_id)
        total += done
        if done == 0:
            break
    return total


def _record_applied(org_id: int, newest_mark: datetime) -> None:
    now = timezone.now()
    RollupState.objects.bulk_create([RollupState(organization_id=org_id)], ignore_conflicts=True)
    RollupState.objects.filter(organization_id=org_id).update(
        applied_through=Greatest(
            Coalesce(F("applied_through"), Value(newest_mark)), Value(newest_mark)
        ),
        recomputed_at=now,
    )


def rebuild_range(*, org_id: int, start: date | None = None, end: date | None = None) -> int:
    """Recompute every daily count of `org_id` with local date in [start, end], set-based.

    Dirty marks are left in place: the next drain recomputes them again, which is harmless
    and covers writes that commit while this rebuild runs.
    """
    conditions = ["organization_id = %s"]
    params: list[int | date] = [org_id]
    if start is not None:
        conditions.append("{col} >= %s")
        params.append(start)
    if end is not None:
        conditions.append("{col} <= %s")
        params.append(end)
    where_daily = " AND ".join(c.format(col="date") for c in conditions)
    where_act = " AND ".join(c.format(col="local_date") for c in conditions)
    with transaction.atomic():
        _lock_org(org_id, exclusive=True)
        with connection.cursor() as cursor:
            cursor.execute(f"DELETE FROM {_DAILY} WHERE {where_daily}", params)
            cursor.execute(
                f"INSERT INTO {_DAILY} "
                "(organization_id, user_id, team_id, type_id, date, count, entries) "
                "SELECT organization_id, user_id, team_id, type_id, local_date, "
                "       SUM(quantity), COUNT(*) "
                f"FROM {_ACT} WHERE {where_act} "
                "GROUP BY organization_id, user_id, local_date, type_id, team_id "
                # In the unique key's order: each index page is filled once instead of being
                # revisited at random, about halving this insert on a large range (tests/bench).
                "ORDER BY organization_id, user_id, local_date, type_id, team_id",
                params,
            )
            inserted = cursor.rowcount
            for recomputer in _RECOMPUTERS:
                recomputer.for_range(cursor, org_id, start, end)
        for follower in _FOLLOWERS:
            follower.after_range(org_id, start, end)
        _record_applied(org_id, timezone.now())
        transaction.on_commit(
            lambda: rollups_changed.send(
                sender=DailyActivityCount,
                organization_id=org_id,
                buckets=None,
                start=start,
                end=end,
            )
        )
    return inserted


def recompute_from_scratch(org_id: int) -> dict[tuple[int, int | None, int, date], tuple[int, int]]:
    """The daily counts as a fresh GROUP BY would give them (for checks and tests)."""
    from django.db.models import Count, Sum

    rows = (
        Activity.objects.filter(organization_id=org_id)
        .values("user_id", "team_id", "type_id", "local_date")
        .annotate(total=Sum("quantity"), n=Count("id"))
    )
    return {
        (r["user_id"], r["team_id"], r["type_id"], r["local_date"]): (r["total"], r["n"])
        for r in rows
    }


def stored_counts(org_id: int) -> dict[tuple[int, int | None, int, date], tuple[int, int]]:
    """The daily counts as stored in the rollup table (for checks and tests)."""
    return {
        (r.user_id, r.team_id, r.type_id, r.date): (r.count, r.entries)
        for r in DailyActivityCount.objects.filter(organization_id=org_id)
    }
