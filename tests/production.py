"""Running the app the way a production deploy does: its environment and its Procfile lines.

Used by the deploy check (S13), the production web server test and the worker restart test,
so that they exercise the documented commands rather than a copy of them.
"""

from __future__ import annotations

import os
import secrets
import socket
import subprocess
import sys
from pathlib import Path

from django.conf import settings

BASE_DIR = Path(settings.BASE_DIR)
MANAGE = str(BASE_DIR / "manage.py")
BIN = Path(sys.executable).parent


def production_env(**overrides: str) -> dict[str, str]:
    """The process environment as a production deploy sets it (DEBUG off, own secret key)."""
    env = {
        key: value
        for key, value in os.environ.items()
        # The embedded defaults (SQLite, eager tasks) are enough unless a test sets them.
        if key
        not in {
            "DATABASE_URL",
            "REDIS_URL",
            "SECRET_KEY",
            "DJANGO_SETTINGS_MODULE",
            "STATIC_ROOT",
            "TRUSTED_PROXIES",
            "PORT",
        }
        and not key.startswith(("SECURE_", "SESSION_", "CSRF_", "AXES_", "PYTEST_", "GUNICORN"))
    }
    env.update(
        DJANGO_SETTINGS_MODULE="salesmgmt.settings",
        DEBUG="0",
        SECRET_KEY=secrets.token_urlsafe(45),  # 60 characters
        ALLOWED_HOSTS="example.com",
        # The Procfile's commands (python, gunicorn, celery) are those of this virtualenv.
        PATH=f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}",
    )
    env.update(overrides)
    return env


def manage(*args: str, env: dict[str, str], timeout: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, MANAGE, *args],
        env=env,
        cwd=BASE_DIR,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def procfile() -> dict[str, str]:
    """The Procfile's process types and their command lines."""
    lines = (BASE_DIR / "Procfile").read_text().splitlines()
    entries = (line.split(":", 1) for line in lines if line.strip() and not line.startswith("#"))
    return {name.strip(): command.strip() for name, command in entries}


def run_release(env: dict[str, str]) -> subprocess.CompletedProcess:
    """The Procfile's release step, as the platform runs it (a shell, in the checkout)."""
    return subprocess.run(
        ["/bin/sh", "-c", procfile()["release"]],
        env=env,
        cwd=BASE_DIR,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]
