"""Real `celery worker` subprocesses on the pytest test database and a Redis database of their own.

Used by the tests that need a real worker (test_celery_worker.py, test_worker_liveness.py)
through the `worker_broker` and `start_worker` fixtures of this folder's conftest. Every wait
is bounded and every worker is killed in a `finally`.
"""

from __future__ import annotations

import os
import shlex
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from urllib.parse import quote, urlparse

import pytest
from django.conf import settings
from django.db import connection

from activities import rollup

READY_TIMEOUT = 45


def worker_redis_url(configured: str) -> str:
    """The Redis database REDIS_URL names, moved up by the pytest-xdist worker number.

    Each pytest process gets a database of its own, flushed before and after each test; point
    REDIS_URL at a database nobody else uses while the tests run (CI has Redis to itself).
    """
    parsed = urlparse(configured)
    base = int(parsed.path.strip("/") or 0)
    index = int(os.environ.get("PYTEST_XDIST_WORKER", "gw0").removeprefix("gw") or 0)
    return parsed._replace(path=f"/{(base + index) % 16}").geturl()


def wait_until(predicate: Callable[[], bool], timeout: float, what: str, log: Path | None = None):
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            tail = log.read_text(errors="replace")[-3000:] if log and log.exists() else ""
            pytest.fail(f"timed out after {timeout}s waiting for {what}\n{tail}")
        time.sleep(0.05)


def database_url(application_name: str) -> str:
    """The pytest test database, with a name to find the worker's sessions by."""
    db = connection.settings_dict
    auth = quote(db["USER"] or "", safe="")
    if db.get("PASSWORD"):
        auth += ":" + quote(db["PASSWORD"], safe="")
    host = db["HOST"] or "127.0.0.1"
    port = db["PORT"] or 5432
    return f"postgres://{auth}@{host}:{port}/{db['NAME']}?application_name={application_name}"


def harness_command(pool: str, node: str) -> list[str]:
    """A lean worker for fault tests: one process, no gossip, mingle or event heartbeats."""
    return [
        sys.executable,
        "-m",
        "celery",
        "-A",
        "salesmgmt",
        "worker",
        "-P",
        pool,
        "-c",
        "1",
        "--without-gossip",
        "--without-mingle",
        "--without-heartbeat",
        "-l",
        "info",
        "-n",
        node,
    ]


def process_env(broker_url: str, application_name: str, **extra: str) -> dict[str, str]:
    """The environment of a process of the real stack: the test database and `broker_url`."""
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "salesmgmt.settings",
        "DATABASE_URL": database_url(application_name),
        "REDIS_URL": broker_url,
        # A command line's `celery` is this virtualenv's.
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
        **extra,
    }


class Worker:
    """One `celery worker` (or beat) subprocess in its own session, so its group can be killed.

    `command` is a shell command line (e.g. the Procfile's); without one the lean harness
    worker runs with `pool`. `ready` is the log line that says the process is up.
    """

    def __init__(
        self,
        broker_url: str,
        log_dir: Path,
        pool: str = "solo",
        command: str | None = None,
        ready: str = " ready.",
        **extra_env: str,
    ) -> None:
        self.name = f"rolluptest-{uuid.uuid4().hex[:10]}"
        self.log = log_dir / f"{self.name}.log"
        self.broker_url = broker_url
        self.pool = pool
        self.command = command
        self.ready_marker = ready.encode()
        self.extra_env = extra_env
        self.process: subprocess.Popen | None = None
        self._log_offset = 0

    def start(self) -> Worker:
        """Start the process (again, after a kill: the log goes on) and wait until it is ready."""
        env = process_env(self.broker_url, self.name, **self.extra_env)
        if self.command is None:
            argv = harness_command(self.pool, f"{self.name}@%h")
        else:
            argv = ["/bin/sh", "-c", f"exec {self.command}"]
        with self.log.open("ab") as out:
            self._log_offset = out.tell()
            out.write(f"$ {shlex.join(argv)}\n".encode())
            out.flush()
            self.process = subprocess.Popen(
                argv,
                cwd=settings.BASE_DIR,
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        wait_until(self._ready, READY_TIMEOUT, f"worker {self.name} to be ready", self.log)
        return self

    def _ready(self) -> bool:
        assert self.process is not None
        if self.process.poll() is not None:
            pytest.fail(f"worker exited ({self.process.returncode}):\n{self.output()[-3000:]}")
        return self.ready_marker in self.log.read_bytes()[self._log_offset :]

    def output(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""

    def pool_children(self) -> list[int]:
        assert self.process is not None
        pid = self.process.pid
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
        return [int(child) for child in children]

    def kill(self) -> None:
        """SIGKILL the worker and its pool children (the whole process group)."""
        if self.process is None or self.process.poll() is not None:
            return
        with suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=15)

    def database_backends(self) -> int:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE application_name = %s", [self.name]
            )
            return cursor.fetchone()[0]


@contextmanager
def organisation_lock_held(org_id: int) -> Iterator[None]:
    """Hold the org's advisory lock exclusively (as `rebuild_range` does): drains block."""
    key = rollup._ORG_LOCK_NAMESPACE * 1_000_000_000 + org_id
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_lock(%s)", [key])
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_unlock(%s)", [key])


def drains_waiting_for_the_org_lock() -> int:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_locks l JOIN pg_database d ON d.oid = l.database "
            "WHERE l.locktype = 'advisory' AND NOT l.granted AND d.datname = current_database()"
        )
        return cursor.fetchone()[0]
