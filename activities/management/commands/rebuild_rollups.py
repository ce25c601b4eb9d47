"""`manage.py rebuild_rollups [--org SLUG] [--from DATE] [--to DATE]`: set-based rebuild."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.dateparse import parse_date

from accounts.models import Organization
from activities import rollup


class Command(BaseCommand):
    help = "Rebuild the daily activity rollups from the activity log, writing only what differs."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--org", help="Organisation slug (default: every organisation).")
        parser.add_argument("--from", dest="start", help="First local date (YYYY-MM-DD).")
        parser.add_argument("--to", dest="end", help="Last local date (YYYY-MM-DD), inclusive.")

    def handle(self, *args: Any, **options: Any) -> None:
        start = self._date(options["start"], "--from")
        end = self._date(options["end"], "--to")
        if start and end and end < start:
            raise CommandError("--to is before --from")
        orgs = Organization.objects.all()
        if options["org"]:
            orgs = orgs.filter(slug=options["org"])
            if not orgs.exists():
                raise CommandError(f"No organisation {options['org']!r}")
        for org in orgs:
            began = time.perf_counter()
            result = rollup.rewrite_range(org_id=org.pk, start=start, end=end)
            elapsed = time.perf_counter() - began
            rows, deleted, updated, inserted = result.daily
            self.stdout.write(
                f"{org.slug}: {rows} daily rows in {elapsed:.2f}s "
                f"({deleted} deleted, {updated} updated, {inserted} inserted)"
            )

    @staticmethod
    def _date(value: str | None, flag: str) -> Any:
        if not value:
            return None
        parsed = parse_date(value)
        if parsed is None:
            raise CommandError(f"{flag} must be a date like 2026-04-01")
        return parsed
