"""The rollup pipeline: dirty buckets in, daily counts recomputed from source out.

Invariant: after any sequence of activity writes, once the dirty buckets are drained,
`DailyActivityCount` equals a from-scratch GROUP BY over `Activity`; at every commit
`OrgDailyActivityCount` (per type and day) equals the sum of the daily rows.

How it stays true under concurrency (PostgreSQL):
- a write marks its (org, user, local date) bucket dirty in its own transaction; the mark
  bumps `version`, so a recompute that started earlier cannot clear a newer mark;
- a drain takes a transaction-scoped advisory lock per bucket (sorted, so two drains never
  deadlock) before reading the activities, so two workers never interleave on one bucket;
- drains hold the organisation's advisory lock *shared*, `rebuild_range` holds it
  *exclusive*, so a rebuild never races a drain;
- a drain is a delete + insert of whole buckets inside one transaction, and adds the
  difference to the coarse (type, day) rows there; a rebuild compares a fresh GROUP BY with
  the stored rows in one statement and writes only the rows that differ. A crash or an
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

from activities.models import (
    Activity,
    DailyActivityCount,
    DirtyBucket,
    OrgDailyActivityCount,
    RollupState,
)
from activities.signals import rollups_changed

log = logging.getLogger(__name__)

_ORG_LOCK_NAMESPACE = 0x5A1E5  # single-key advisory locks: one per organisation
DRAIN_BATCH = 1000
_UPSERT_CHUNK = 1000  # coarse rows per statement (keeps its parameters bounded)

_ACT = Activity._meta.db_table
_DAILY = DailyActivityCount._meta.db_table
_DIRTY = DirtyBucket._meta.db_table
_ORG_DAILY = OrgDailyActivityCount._meta.db_table


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


def _apply_org_daily_delta(
    cursor: Any, org_id: int, removed: list[tuple[Any, ...]], added: list[tuple[Any, ...]]
) -> None:
    """Move the organisation's (type, day) totals by what the drain just rewrote.

    `removed` and `added` are the daily rows the drain deleted and inserted (type, date,
    count, entries). The difference is added to the coarse rows in one upsert, in key order
    (two drains lock the rows they share in the same order, so they cannot deadlock; each
    waits for the other's increment instead of overwriting it); a row whose entries reach
    zero holds no activity any more and is deleted, as a recompute would not have it.
    """
    delta: dict[tuple[Any, Any], list[int]] = {}
    for sign, rows in ((-1, removed), (1, added)):
        for type_id, day, count, entries in rows:
            totals = delta.setdefault((day, type_id), [0, 0])
            totals[0] += sign * count
            totals[1] += sign * entries
    changes = sorted((key, totals) for key, totals in delta.items() if totals != [0, 0])
    emptied: list[tuple[Any, Any]] = []
    for first in range(0, len(changes), _UPSERT_CHUNK):
        chunk = changes[first : first + _UPSERT_CHUNK]
        cursor.execute(
            f"INSERT INTO {_ORG_DAILY} AS o (organization_id, date, type_id, count, entries) "
            f"VALUES {', '.join(['(%s, %s, %s, %s, %s)'] * len(chunk))} "
            "ON CONFLICT (organization_id, date, type_id) DO UPDATE "
            "SET count = o.count + excluded.count, entries = o.entries + excluded.entries "
            "RETURNING date, type_id, entries",
            [v for (day, type_id), (n, e) in chunk for v in (org_id, day, type_id, n, e)],
        )
        emptied += [(day, type_id) for day, type_id, entries in cursor.fetchall() if entries == 0]
    for first in range(0, len(emptied), _UPSERT_CHUNK):
        chunk = emptied[first : first + _UPSERT_CHUNK]
        cursor.execute(
            f"DELETE FROM {_ORG_DAILY} WHERE organization_id = %s AND entries = 0 AND ("
            + " OR ".join(["(date = %s AND type_id = %s)"] * len(chunk))
            + ")",
            [org_id, *(v for key in chunk for v in key)],
        )


def drain(*, org_id: int, limit: int = DRAIN_BATCH) -> int:
    """Recompute up to `limit` dirty buckets of one organisation; returns how many."""
    return _drain_round(org_id, limit)[1]


def _drain_round(org_id: int, limit: int) -> tuple[int, int]:
    """One drain round: (dirty buckets it claimed, buckets it recomputed)."""
    with transaction.atomic():
        _lock_org(org_id, exclusive=False)
        claimed = list(
            DirtyBucket.objects.filter(organization_id=org_id)
            .order_by("marked_at", "id")
            .values_list("id", "user_id", "date")[:limit]
        )
        if not claimed:
            return 0, 0
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
            return len(claimed), 0
        ids = [row[0] for row in current]
        marks = _placeholders(len(ids))
        with connection.cursor() as cursor:
            before = [f.before_buckets(cursor, org_id, _DIRTY, ids) for f in _FOLLOWERS]
            cursor.execute(
                f"DELETE FROM {_DAILY} WHERE id IN ("
                f"  SELECT dc.id FROM {_DAILY} dc JOIN {_DIRTY} d"
                "   ON dc.organization_id = d.organization_id"
                "   AND dc.user_id = d.user_id AND dc.date = d.date"
                f"  WHERE d.id IN ({marks})) "
                "RETURNING type_id, date, count, entries",
                ids,
            )
            removed = cursor.fetchall()
            cursor.execute(
                f"INSERT INTO {_DAILY} "
                "(organization_id, user_id, team_id, type_id, date, count, entries) "
                "SELECT a.organization_id, a.user_id, a.team_id, a.type_id, a.local_date, "
                "       SUM(a.quantity), COUNT(*) "
                f"FROM {_ACT} a JOIN {_DIRTY} d"
                "  ON a.organization_id = d.organization_id"
                "  AND a.user_id = d.user_id AND a.local_date = d.date "
                f"WHERE d.id IN ({marks}) "
                "GROUP BY a.organization_id, a.user_id, a.team_id, a.type_id, a.local_date "
                "RETURNING type_id, date, count, entries",
                ids,
            )
            _apply_org_daily_delta(cursor, org_id, removed, cursor.fetchall())
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
    return len(claimed), len(ids)


def drain_all(*, org_id: int, max_rounds: int = 100) -> int:
    """Drain an organisation's dirty buckets until none is left (bounded)."""
    total = 0
    for _ in range(max_rounds):
        done = drain(org_id=org_id)
        total += done
        if done == 0:
            break
    return total


def drain_marked_before(*, org_id: int, limit: int = DRAIN_BATCH, max_rounds: int = 100) -> int:
    """Drain every bucket marked dirty before this call, then stop (what a drain task does).

    Rounds go on while a round claims a full batch; the first round claiming fewer has taken
    every bucket marked before it read. Buckets marked after this call began are left to the
    drain their writes published (activities.tasks.publish_drain): draining them here as
    well, round after round while writes keep coming, would spend a round's fixed cost on a
    few buckets each time instead of letting them gather.
    """
    total = 0
    for _ in range(max_rounds):
        claimed, done = _drain_round(org_id, limit)
        total += done
        if claimed < limit:
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


@dataclass(frozen=True)
class _Diff:
    """One rollup table rewritten to equal `fresh` (a SELECT) over a range, differences only.

    `fresh` yields `keys` then `values` per row; `nullable` keys are compared with NULL equal
    to NULL (a daily row without a team), as the bucket key means them.
    """

    table: str
    keys: tuple[str, ...]
    values: tuple[str, ...]
    nullable: frozenset[str]
    fresh: str
    fresh_params: list[Any]
    where: str  # the range in the table itself, columns prefixed with "{t}."
    where_params: list[Any]


def _range_where(
    org_id: int, start: date | None, end: date | None, column: str
) -> tuple[str, list[Any]]:
    conditions = ["{t}.organization_id = %s"]
    params: list[Any] = [org_id]
    if start is not None:
        conditions.append(f"{{t}}.{column} >= %s")
        params.append(start)
    if end is not None:
        conditions.append(f"{{t}}.{column} <= %s")
        params.append(end)
    return " AND ".join(conditions), params


def _rewrite_postgres(cursor: Any, org_id: int, diff: _Diff) -> tuple[int, int, int, int]:
    """One statement, hence one snapshot: the fresh rows are computed once and compared with
    the stored ones in a single full join; only rows that differ are deleted (stored, not
    fresh), updated in place (both, other values: no key changes, so no foreign-key check)
    or inserted (fresh, not stored, in key order). Returns (fresh, deleted, updated, inserted).
    """

    def key_of(alias: str, column: str) -> str:
        # COALESCE, not IS NOT DISTINCT FROM: a plain equality can be hashed or merged,
        # which a full join needs (ids are positive, so 0 never meets a real one).
        return f"COALESCE({alias}.{column}, 0)" if column in diff.nullable else f"{alias}.{column}"

    keys = ", ".join(diff.keys)
    values = ", ".join(diff.values)
    join = " AND ".join(f"{key_of('o', k)} = {key_of('f', k)}" for k in diff.keys)
    differs = " OR ".join(f"o.{v} <> f.{v}" for v in diff.values)
    first_key = diff.keys[0]
    where = diff.where.format(t="t")
    # A unique key lets NULLs through, so a key with a NULL can be stored twice (a team
    # deleted, SET NULL on both rows): all but the first such row are deleted, the first is
    # compared as usual. Found through the index on the nullable column, so it costs nothing
    # when there are none.
    if diff.nullable:
        null_keys = " OR ".join(f"t.{k} IS NULL" for k in sorted(diff.nullable))
        dups = (
            f"SELECT id FROM (SELECT t.id, ROW_NUMBER() OVER (PARTITION BY {keys} ORDER BY t.id) "
            f"AS n FROM {diff.table} t WHERE {where} AND ({null_keys})) AS ranked WHERE n > 1"
        )
    else:
        dups = "SELECT NULL::bigint AS id WHERE false"
    cursor.execute(
        f"WITH fresh AS MATERIALIZED ({diff.fresh}), "
        f"dups AS MATERIALIZED ({dups}), "
        f"stored AS (SELECT t.id, {', '.join(f't.{c}' for c in diff.keys + diff.values)} "
        f"  FROM {diff.table} t WHERE {where} AND t.id NOT IN (SELECT id FROM dups)), "
        "diff AS MATERIALIZED ("
        f"  SELECT o.id, {', '.join(f'f.{c}' for c in diff.keys + diff.values)} "
        f"  FROM fresh f FULL JOIN stored o ON {join} "
        f"  WHERE o.id IS NULL OR f.{first_key} IS NULL OR {differs}), "
        f"gone AS (DELETE FROM {diff.table} WHERE id IN "
        f"  (SELECT id FROM diff WHERE {first_key} IS NULL UNION ALL SELECT id FROM dups) "
        "  RETURNING 1), "
        f"changed AS (UPDATE {diff.table} t SET "
        f"  {', '.join(f'{v} = diff.{v}' for v in diff.values)} "
        f"  FROM diff WHERE t.id = diff.id AND diff.{first_key} IS NOT NULL RETURNING 1), "
        f"added AS (INSERT INTO {diff.table} (organization_id, {keys}, {values}) "
        f"  SELECT %s, {keys}, {values} FROM diff WHERE id IS NULL ORDER BY {keys} RETURNING 1) "
        "SELECT (SELECT COUNT(*) FROM fresh), (SELECT COUNT(*) FROM gone), "
        "       (SELECT COUNT(*) FROM changed), (SELECT COUNT(*) FROM added)",
        [
            *diff.fresh_params,
            *(diff.where_params if diff.nullable else []),  # in `dups`
            *diff.where_params,
            org_id,
        ],
    )
    fresh, deleted, updated, inserted = cursor.fetchone()
    return fresh, deleted, updated, inserted


def _rewrite_sqlite(cursor: Any, org_id: int, diff: _Diff) -> tuple[int, int, int, int]:
    """The same differences as on PostgreSQL, in separate statements over a temporary copy of
    the fresh rows: SQLite runs one writer at a time, so nothing changes in between."""
    keys = ", ".join(diff.keys)
    values = ", ".join(diff.values)

    def same_key(a: str, b: str) -> str:
        return " AND ".join(
            f"{a}.{k} IS {b}.{k}" if k in diff.nullable else f"{a}.{k} = {b}.{k}" for k in diff.keys
        )

    cursor.execute("DROP TABLE IF EXISTS temp.rollup_fresh")
    cursor.execute(f"CREATE TEMP TABLE rollup_fresh AS {diff.fresh}", diff.fresh_params)
    try:
        deleted = 0
        if diff.nullable:  # a key with a NULL stored twice: keep the first row only
            cursor.execute(
                f"DELETE FROM {diff.table} AS t WHERE {diff.where.format(t='t')} AND ("
                + " OR ".join(f"t.{k} IS NULL" for k in sorted(diff.nullable))
                + f") AND EXISTS (SELECT 1 FROM {diff.table} d WHERE {diff.where.format(t='d')} "
                f"AND {same_key('d', 't')} AND d.id < t.id)",
                [*diff.where_params, *diff.where_params],
            )
            deleted += cursor.rowcount
        cursor.execute(
            f"DELETE FROM {diff.table} AS t WHERE {diff.where.format(t='t')} AND NOT EXISTS "
            f"(SELECT 1 FROM temp.rollup_fresh f WHERE {same_key('f', 't')})",
            diff.where_params,
        )
        deleted += cursor.rowcount
        cursor.execute(
            f"UPDATE {diff.table} AS t SET {', '.join(f'{v} = f.{v}' for v in diff.values)} "
            f"FROM temp.rollup_fresh f WHERE {diff.where.format(t='t')} AND {same_key('f', 't')} "
            f"AND ({' OR '.join(f't.{v} <> f.{v}' for v in diff.values)})",
            diff.where_params,
        )
        updated = cursor.rowcount
        cursor.execute(
            f"INSERT INTO {diff.table} (organization_id, {keys}, {values}) "
            f"SELECT %s, {keys}, {values} FROM temp.rollup_fresh f WHERE NOT EXISTS "
            f"(SELECT 1 FROM {diff.table} t WHERE {diff.where.format(t='t')} "
            f"AND {same_key('f', 't')}) ORDER BY {keys}",
            [org_id, *diff.where_params],
        )
        inserted = cursor.rowcount
        cursor.execute("SELECT COUNT(*) FROM temp.rollup_fresh")
        (fresh,) = cursor.fetchone()
    finally:
        cursor.execute("DROP TABLE IF EXISTS temp.rollup_fresh")
    return fresh, deleted, updated, inserted


@dataclass(frozen=True)
class RebuildResult:
    """What a range rebuild found and wrote, per table: (fresh rows, deleted, updated,
    inserted)."""

    daily: tuple[int, int, int, int]
    org_daily: tuple[int, int, int, int]


def rewrite_range(
    *, org_id: int, start: date | None = None, end: date | None = None
) -> RebuildResult:
    """`rebuild_range` reporting what it wrote (for `rebuild_rollups` and the benchmarks)."""
    where_act, act_params = _range_where(org_id, start, end, "local_date")
    where_daily, daily_params = _range_where(org_id, start, end, "date")
    rewrite = _rewrite_postgres if _is_postgres() else _rewrite_sqlite
    with transaction.atomic():
        _lock_org(org_id, exclusive=True)
        with connection.cursor() as cursor:
            daily = rewrite(
                cursor,
                org_id,
                _Diff(
                    table=_DAILY,
                    keys=("user_id", "date", "type_id", "team_id"),  # the unique key's order
                    values=("count", "entries"),
                    nullable=frozenset({"team_id"}),
                    fresh=(
                        "SELECT a.user_id, a.local_date AS date, a.type_id, a.team_id, "
                        "SUM(a.quantity) AS count, COUNT(*) AS entries "
                        f"FROM {_ACT} a WHERE {where_act.format(t='a')} "
                        "GROUP BY a.user_id, a.local_date, a.type_id, a.team_id"
                    ),
                    fresh_params=act_params,
                    where=where_daily,
                    where_params=daily_params,
                ),
            )
            # The coarse rollup from the daily rows just made exact (same transaction and
            # lock: nothing else writes them meanwhile).
            org_daily = rewrite(
                cursor,
                org_id,
                _Diff(
                    table=_ORG_DAILY,
                    keys=("date", "type_id"),
                    values=("count", "entries"),
                    nullable=frozenset(),
                    fresh=(
                        "SELECT d.date, d.type_id, SUM(d.count) AS count, "
                        "SUM(d.entries) AS entries "
                        f"FROM {_DAILY} d WHERE {where_daily.format(t='d')} "
                        "GROUP BY d.date, d.type_id"
                    ),
                    fresh_params=daily_params,
                    where=where_daily,
                    where_params=daily_params,
                ),
            )
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
    return RebuildResult(daily=daily, org_daily=org_daily)


def rebuild_range(*, org_id: int, start: date | None = None, end: date | None = None) -> int:
    """Make the daily counts of `org_id` with local date in [start, end] (and the coarse
    organisation totals over them) equal to a fresh GROUP BY of the activity log, set-based;
    returns the number of daily rows the range now holds.

    Only rows that differ are written: on a range where nothing changed (the nightly
    reconcile, a rerun) the rebuild reads and compares but writes nothing. Holds the
    organisation's rollup lock exclusively, so no drain runs meanwhile. Dirty marks are
    left in place: the next drain recomputes them again, which is harmless and covers
    writes that commit while this rebuild runs.
    """
    return rewrite_range(org_id=org_id, start=start, end=end).daily[0]


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


def org_daily_from_scratch(org_id: int) -> dict[tuple[int, date], tuple[int, int]]:
    """The coarse (type, day) totals as a fresh GROUP BY of the log would give them."""
    from django.db.models import Count, Sum

    rows = (
        Activity.objects.filter(organization_id=org_id)
        .values("type_id", "local_date")
        .annotate(total=Sum("quantity"), n=Count("id"))
    )
    return {(r["type_id"], r["local_date"]): (r["total"], r["n"]) for r in rows}


def org_daily_from_daily(org_id: int) -> dict[tuple[int, date], tuple[int, int]]:
    """The coarse (type, day) totals as the sum of the stored daily rows (dirty or not)."""
    from django.db.models import Sum

    rows = (
        DailyActivityCount.objects.filter(organization_id=org_id)
        .values("type_id", "date")
        .annotate(total=Sum("count"), n=Sum("entries"))
    )
    return {(r["type_id"], r["date"]): (r["total"], r["n"]) for r in rows}


def stored_org_daily(org_id: int) -> dict[tuple[int, date], tuple[int, int]]:
    """The coarse (type, day) totals as stored (for checks and tests)."""
    return {
        (r.type_id, r.date): (r.count, r.entries)
        for r in OrgDailyActivityCount.objects.filter(organization_id=org_id)
    }
