"""`make run` tells the app the address it serves, so e-mailed links use the right port."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _dry_run(**env: str) -> str:
    environment = {k: v for k, v in os.environ.items() if k not in {"PORT", "SITE_URL"}}
    environment.update(env)
    # -n prints the commands; -o install skips the install prerequisite.
    result = subprocess.run(
        ["make", "-n", "-o", "install", "run"],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        check=True,
    )
    return result.stdout


def _runserver_line(output: str) -> str:
    joined = output.replace("\\\n", " ")
    return next(line for line in joined.splitlines() if "runserver" in line)


def _served_site_url(**env: str) -> str:
    """Run make's own runserver command, with the server swapped for printing SITE_URL."""
    line = _runserver_line(_dry_run(**env))
    command, _, address = line.partition(" manage.py runserver ")
    python = command.split()[-1]
    command = command.removesuffix(python) + "printenv SITE_URL #"
    environment = {k: v for k, v in os.environ.items() if k not in {"PORT", "SITE_URL"}}
    environment.update(env)
    result = subprocess.run(
        ["sh", "-c", f"{command} {address}"],
        env=environment,
        capture_output=True,
        text=True,
        check=True,
    )
    return result.stdout.strip()


def test_the_links_follow_the_port_make_run_listens_on():
    assert _served_site_url(PORT="8123") == "http://127.0.0.1:8123"
    assert _served_site_url() == "http://127.0.0.1:8000"


def test_an_operator_s_site_url_wins():
    assert _served_site_url(PORT="8123", SITE_URL="https://sales.example.com") == (
        "https://sales.example.com"
    )
