"""gunicorn on a free loopback port against the bench database, for the HTTP benchmarks.

Used by test_dashboard_bench.py (GETs) and test_write_bench.py (POSTs under wrk). Every wait
is bounded and the server is terminated (then killed) in a `finally`.
"""

from __future__ import annotations

import socket
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from django.conf import settings

START_TIMEOUT = 60.0


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def database_url() -> str:
    """The URL of the database this process uses (the bench database), for a subprocess."""
    db = settings.DATABASES["default"]
    user = db.get("USER") or "postgres"
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    host, port = db.get("HOST") or "127.0.0.1", db.get("PORT") or 5432
    return f"postgres://{user}{password}@{host}:{port}/{db['NAME']}"


@contextmanager
def serving(
    argv: list[str], *, cwd: Path, env: dict[str, str], port: int, error_log: Path
) -> Iterator[subprocess.Popen[bytes]]:
    """Run `argv` (a gunicorn command bound to 127.0.0.1:`port`) until /healthz/ answers 200;
    yield the process; terminate it on the way out."""
    process = subprocess.Popen(
        argv,
        cwd=cwd,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=open(error_log, "w"),  # noqa: SIM115  (closed with the process)
    )
    try:
        deadline = time.monotonic() + START_TIMEOUT
        while True:
            if process.poll() is not None:
                pytest.fail(f"gunicorn exited: {error_log.read_text()[-2000:]}")
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz/", timeout=5) as r:
                    if r.status == 200:
                        break
            except OSError:
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"gunicorn did not answer /healthz/ within {START_TIMEOUT:.0f} s")
            time.sleep(0.2)
        yield process
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=20)
