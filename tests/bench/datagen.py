"""The benchmark dataset: the demo organisation with N reps and M activities, in PostgreSQL.

It lives in its own database (the one DATABASE_URL names, e.g. `salesmgmt_bench`), never in
pytest-django's `test_…` database, so that it survives between runs. The database carries a
comment naming what was generated; a run whose sizes match (and whose row counts check out)
reuses it, anything else drops the database and generates it again.

People come from `manage.py seed_demo --users N` (teams of ~20) without the apps' demo
data (`demo_data_requested` is not sent: no demo activity, goals or deals). Activities are
one `INSERT … SELECT … FROM generate_series(…)`, seeded so repeatable: a uniformly random
rep (and that rep's team), type and local date over the last 365 full days, quantity 1 to 3,
`occurred_at` between 08:00 and 20:00 on that local date in the organisation's time zone,
rows in `occurred_at` order as a live log would append them.
"""

from __future__ import annotations

import io
import time
from dataclasses import dataclass, field
from typing import Any
from unittest import mock

import psycopg2
from django.conf import settings
from django.core.management import call_command
from django.db import connection, connections, transaction
from psycopg2 import sql

from accounts.management.commands.seed_demo import DEMO_SLUG
from accounts.models import Membership, Organization
from accounts.signals import demo_data_requested
from activities import rollup
from activities.models import Activity, ActivityType, DailyActivityCount, OrgDailyActivityCount
from salesmgmt import periods

# Bump when the generator changes: a stored dataset with another version is regenerated.
GENERATOR_VERSION = 2
SEED = 0.2026  # setseed(): the same dataset on every machine
DAYS = 365


@dataclass(frozen=True)
class Spec:
    users: int
    activities: int

    @property
    def label(self) -> str:
        return (
            f"salesmgmt-bench v{GENERATOR_VERSION} users={self.users} activities={self.activities}"
        )


@dataclass
class Dataset:
    spec: Spec
    org_id: int
    generated: bool  # False: reused from an earlier run
    timings: dict[str, float] = field(default_factory=dict)
    rollup_rows: int = 0

    @property
    def org(self) -> Organization:
        return Organization.objects.get(pk=self.org_id)


def is_postgres() -> bool:
    return connection.vendor == "postgresql"


def database_name() -> str:
    return str(settings.DATABASES["default"]["NAME"])


def _server_connection() -> Any:
    """An autocommit connection to the server's `postgres` database (to create/drop ours)."""
    db = settings.DATABASES["default"]
    conn = psycopg2.connect(
        dbname="postgres",
        user=db.get("USER") or None,
        password=db.get("PASSWORD") or None,
        host=db.get("HOST") or None,
        port=db.get("PORT") or None,
        connect_timeout=5,
    )
    conn.autocommit = True
    return conn


def ensure_database(*, fresh: bool = False) -> bool:
    """Create the bench database if missing (or drop and recreate it); True if created."""
    name = database_name()
    connections.close_all()
    conn = _server_connection()
    try:
        with conn.cursor() as cursor:
            if fresh:
                cursor.execute(
                    sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
                )
            cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
            if cursor.fetchone():
                return False
            cursor.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
            return True
    finally:
        conn.close()


def stored_label() -> str | None:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT shobj_description(oid, 'pg_database') FROM pg_database "
            "WHERE datname = current_database()"
        )
        row = cursor.fetchone()
    return row[0] if row else None


def _set_label(spec: Spec) -> None:
    stamp = time.strftime("%Y-%m-%d %H:%M:%S %Z")
    with connection.cursor() as cursor:
        cursor.execute(
            sql.SQL("COMMENT ON DATABASE {} IS %s")
            .format(sql.Identifier(database_name()))
            .as_string(cursor.cursor),
            [f"{spec.label} generated={stamp}"],
        )


def migrate() -> None:
    call_command("migrate", interactive=False, verbosity=0)


def demo_org() -> Organization | None:
    return Organization.objects.filter(slug=DEMO_SLUG).first()


def _reps(org: Organization) -> list[tuple[int, int | None]]:
    return list(
        Membership.objects.for_org(org)
        .filter(role=Membership.Role.MEMBER, active=True)
        .order_by("user_id")
        .values_list("user_id", "team_id")
    )


def matches(spec: Spec) -> Organization | None:
    """The demo organisation if the stored dataset is exactly `spec` (label and counts)."""
    label = stored_label() or ""
    if not label.startswith(spec.label + " "):
        return None
    org = demo_org()
    if org is None or len(_reps(org)) != spec.users:
        return None
    if Activity.objects.for_org(org).count() != spec.activities:
        return None
    return org


def seed_people(users: int) -> Organization:
    """`seed_demo --users N` without its demo activity (we make our own, set-based)."""
    with mock.patch.object(demo_data_requested, "send", return_value=[]):
        call_command("seed_demo", users=users, stdout=io.StringIO())
    org = demo_org()
    assert org is not None
    return org


def _secondary_indexes(cursor: Any, table: str) -> list[tuple[str, str]]:
    """(name, CREATE INDEX statement) of the table's indexes that back no constraint."""
    cursor.execute(
        "SELECT c.relname, pg_get_indexdef(x.indexrelid) FROM pg_index x "
        "JOIN pg_class c ON c.oid = x.indexrelid WHERE x.indrelid = %s::regclass "
        "AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = x.indexrelid)",
        [table],
    )
    return list(cursor.fetchall())


def insert_activities(org: Organization, count: int) -> None:
    """One INSERT … SELECT over generate_series, loaded the way pg_restore would.

    Inside one transaction: the secondary indexes are dropped and rebuilt afterwards (a
    sorted build beats a million random insertions), and, for a superuser, foreign-key
    triggers are off (every id comes from the tables read just before, in the same
    transaction). A failure rolls all of it back.
    """
    reps = _reps(org)
    type_ids = list(ActivityType.objects.for_org(org).order_by("id").values_list("id", flat=True))
    assert reps
    assert type_ids
    table = Activity._meta.db_table
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
        if cursor.fetchone()[0]:
            cursor.execute("SET LOCAL session_replication_role = replica")
        cursor.execute("SET LOCAL work_mem = '256MB'")  # the ORDER BY sorts in memory
        cursor.execute("SET LOCAL maintenance_work_mem = '512MB'")
        indexes = _secondary_indexes(cursor, table)
        for name, _definition in indexes:
            cursor.execute(
                sql.SQL("DROP INDEX {}").format(sql.Identifier(name)).as_string(cursor.cursor)
            )
        cursor.execute("SELECT setseed(%s)", [SEED])
        cursor.execute(
            f"INSERT INTO {table} "  # noqa: S608  (table name from model _meta)
            "(organization_id, user_id, team_id, type_id, occurred_at, local_date, quantity,"
            " note, observation, follow_up, created_by_id, created_at, updated_at) "
            "SELECT %(org)s, u.user_ids[g.ui], u.team_ids[g.ui], u.type_ids[g.ti],"
            "       ((g.day + g.secs * interval '1 second') AT TIME ZONE %(tz)s),"
            "       g.day, g.qty, '', '', '', u.user_ids[g.ui], now(), now() "
            "FROM (SELECT %(users)s::bigint[] AS user_ids, %(teams)s::bigint[] AS team_ids,"
            "             %(types)s::bigint[] AS type_ids) AS u, "
            "     (SELECT 1 + floor(random() * %(n_users)s)::int AS ui,"
            "             1 + floor(random() * %(n_types)s)::int AS ti,"
            "             (%(today)s::date - 1 - floor(random() * %(days)s)::int)"
            "                 ::timestamp AS day,"
            "             8 * 3600 + floor(random() * 12 * 3600)::int AS secs,"
            "             1 + floor(random() * 3)::int AS qty"
            "      FROM generate_series(1, %(count)s) AS i) AS g "
            "ORDER BY 5",  # occurred_at: the order a live log appends in
            {
                "org": org.pk,
                "tz": org.timezone,
                "users": [r[0] for r in reps],
                "teams": [r[1] for r in reps],
                "types": type_ids,
                "n_users": len(reps),
                "n_types": len(type_ids),
                "today": periods.today(org),
                "days": DAYS,
                "count": count,
            },
        )
        assert cursor.rowcount == count
        for _name, definition in indexes:
            cursor.execute(definition)


def vacuum_analyze(*models: Any) -> None:
    with connection.cursor() as cursor:
        for model in models:
            cursor.execute(f"VACUUM ANALYZE {model._meta.db_table}")


def prepare(spec: Spec, *, regenerate: bool = False) -> Dataset:
    """The bench dataset for `spec`: reused when it matches, else (re)generated."""
    created = ensure_database()
    migrate()
    if not created and not regenerate:
        org = matches(spec)
        if org is not None:
            rows = DailyActivityCount.objects.for_org(org).count()
            return Dataset(spec=spec, org_id=org.pk, generated=False, rollup_rows=rows)
    if not created:
        ensure_database(fresh=True)
        migrate()
    timings: dict[str, float] = {}
    began = time.perf_counter()
    org = seed_people(spec.users)
    timings["seed_demo --users"] = time.perf_counter() - began

    began = time.perf_counter()
    insert_activities(org, spec.activities)
    timings["INSERT … generate_series"] = time.perf_counter() - began

    began = time.perf_counter()
    vacuum_analyze(Activity)
    timings["VACUUM ANALYZE activities"] = time.perf_counter() - began

    began = time.perf_counter()
    rows = rollup.rebuild_range(org_id=org.pk)
    vacuum_analyze(DailyActivityCount, OrgDailyActivityCount)
    timings["first rollup build + VACUUM"] = time.perf_counter() - began

    _set_label(spec)
    return Dataset(spec=spec, org_id=org.pk, generated=True, timings=timings, rollup_rows=rows)
