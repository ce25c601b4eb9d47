"""`manage.py healthcheck worker|beat|rollups`: a liveness probe for the background processes.

Prints one line and exits 0 (OK), 1 (WARNING) or 2 (CRITICAL), like a Nagios plugin; see
activities.health for what each check proves.
"""

from __future__ import annotations

import sys
from datetime import timedelta
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from activities import health


class Command(BaseCommand):
    help = (
        "Check a background process: worker (a task round trip through this worker's own "
        "queue), beat (age of the every-minute heartbeat) or rollups (age of the last drain "
        "and nightly rebuild). Exit status 0 OK, 1 WARNING, 2 CRITICAL."
    )
    requires_system_checks: list[str] = []  # a probe answers fast and about one thing

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("check", choices=["worker", "beat", "rollups"])
        parser.add_argument(
            "--node",
            default=health.local_worker_name(),
            help="worker: the node name to probe (default: %(default)s, the name "
            "`celery worker` takes on this machine unless given -n).",
        )
        parser.add_argument(
            "--timeout",
            type=float,
            default=60.0,
            help="worker: seconds to wait for the probe to run; allow for the longest task a "
            "busy worker may be finishing (default: %(default)s).",
        )
        parser.add_argument(
            "--max-age",
            type=int,
            default=300,
            help="beat: heartbeat age in seconds beyond which beat counts as down "
            "(default: %(default)s; the heartbeat runs every minute).",
        )
        parser.add_argument(
            "--warning-hours", type=float, default=26.0, help="rollups (default: %(default)s)."
        )
        parser.add_argument(
            "--critical-hours", type=float, default=50.0, help="rollups (default: %(default)s)."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        check = options["check"]
        if check == "worker":
            verdict = health.check_worker(node=options["node"], timeout=options["timeout"])
        elif check == "beat":
            verdict = health.check_beat(max_age=timedelta(seconds=options["max_age"]))
        else:
            verdict = health.check_rollups(
                warning=timedelta(hours=options["warning_hours"]),
                critical=timedelta(hours=options["critical_hours"]),
            )
        self.stdout.write(verdict.line)
        sys.exit(verdict.status)
