"""Benchmarks against a dedicated PostgreSQL database (see tests/bench/README.md).

pytest-django would create and destroy a `test_…` database; a benchmark wants its 1M (or
10M) rows to survive between runs instead. So here `django_db_setup` does nothing and the
session fixture `bench_dataset` works in the database DATABASE_URL names directly: it creates
it if missing, migrates it, lifts pytest-django's database block for the session
(`django_db_blocker.unblock()`) and reuses or generates the dataset. The bench tests take no
`db` fixture and no `django_db` mark: what they write is committed, as in production, and
each test puts the dataset back the way it found it.

Figures are collected with `bench_report` and printed in the terminal summary.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from pytest_django import DjangoDbBlocker

from tests.bench import datagen

_REPORT = pytest.StashKey[list[tuple[str, str, str]]]()


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("bench", "salesmgmt benchmarks (tests/bench)")
    group.addoption(
        "--bench-activities",
        type=int,
        default=1_000_000,
        help="activities in the bench dataset (default 1,000,000; try 10000000)",
    )
    group.addoption(
        "--bench-users",
        type=int,
        default=1000,
        help="salespeople in the bench dataset, teams of ~20 (default 1000)",
    )
    group.addoption(
        "--bench-regenerate",
        action="store_true",
        default=False,
        help="drop and regenerate the bench database even if it matches",
    )
    group.addoption(
        "--bench-rounds",
        type=int,
        default=3,
        help="timed rounds of the rebuild comparison, the median is reported (default 3)",
    )
    group.addoption(
        "--bench-cache-redis-url",
        default="",
        help="dashboard benchmark: the gunicorn workers' dashboard cache in this Redis "
        "(default: each worker's memory)",
    )
    group.addoption(
        "--bench-redis-url",
        default="redis://127.0.0.1:6379/14",
        help="broker for the lag benchmark's worker; this Redis database is FLUSHED",
    )


@pytest.hookimpl(tryfirst=True)
def pytest_cmdline_main(config: pytest.Config) -> None:
    """One process, tests in order: pyproject's addopts ask xdist for workers (`-n 2`), and two
    workers would prepare the dataset at once and time each other's rebuilds."""
    if hasattr(config.option, "numprocesses"):
        config.option.numprocesses = 0
        config.option.dist = "no"
        config.option.tx = []


def pytest_configure(config: pytest.Config) -> None:
    config.stash[_REPORT] = []


@pytest.fixture(scope="session")
def django_db_setup() -> None:
    """No test database: the benchmarks use the DATABASE_URL database itself."""


@pytest.fixture(scope="session")
def bench_dataset(
    request: pytest.FixtureRequest, django_db_blocker: DjangoDbBlocker
) -> Iterator[datagen.Dataset]:
    if not datagen.is_postgres():
        pytest.skip(
            "benchmarks need PostgreSQL: DATABASE_URL=postgres://postgres@127.0.0.1:5432/"
            "salesmgmt_bench make bench"
        )
    name = datagen.database_name()
    if "bench" not in name:
        pytest.skip(
            f"refusing to fill database {name!r} with benchmark rows: point DATABASE_URL at a "
            "dedicated database whose name contains 'bench' (e.g. salesmgmt_bench)"
        )
    spec = datagen.Spec(
        users=request.config.getoption("--bench-users"),
        activities=request.config.getoption("--bench-activities"),
    )
    with django_db_blocker.unblock():
        dataset = datagen.prepare(spec, regenerate=request.config.getoption("--bench-regenerate"))
        report = request.config.stash[_REPORT]
        how = "generated" if dataset.generated else "reused"
        report.append(
            (
                "dataset",
                f"{spec.users:,} users, {spec.activities:,} activities ({how})",
                f"{dataset.rollup_rows:,} daily rollup rows",
            )
        )
        for step, seconds in dataset.timings.items():
            report.append(("dataset", step, f"{seconds:.1f} s"))
        yield dataset


@pytest.fixture
def bench_report(request: pytest.FixtureRequest) -> Callable[[str, str, str], None]:
    """Call with (section, metric, value) to add a line to the printed results."""
    report = request.config.stash[_REPORT]

    def add(section: str, metric: str, value: str) -> None:
        report.append((section, metric, value))

    return add


@pytest.fixture
def bench_rounds(request: pytest.FixtureRequest) -> int:
    return max(1, int(request.config.getoption("--bench-rounds")))


@pytest.fixture
def bench_redis_url(request: pytest.FixtureRequest) -> str:
    return str(request.config.getoption("--bench-redis-url"))


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    rows = terminalreporter.config.stash.get(_REPORT, [])
    if not rows:
        return
    terminalreporter.section("bench results")
    width = max(len(metric) for _section, metric, _value in rows)
    section_width = max(len(section) for section, _metric, _value in rows)
    for section, metric, value in rows:
        terminalreporter.write_line(f"{section:<{section_width}}  {metric:<{width}}  {value}")
