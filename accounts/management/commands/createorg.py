"""`manage.py createorg`: an organisation with its defaults and first admin (idempotent)."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from accounts import services
from salesmgmt.errors import DomainError


class Command(BaseCommand):
    help = "Create an organisation with its defaults and its first admin. Idempotent on --slug."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--slug", required=True)
        parser.add_argument("--name", required=True)
        parser.add_argument("--admin-email", required=True)
        parser.add_argument("--admin-password", default=None)
        parser.add_argument("--admin-name", default="")
        parser.add_argument(
            "--domain",
            action="append",
            default=[],
            help="An e-mail domain the organisation controls (repeatable); recorded as verified "
            "on your word as the site operator. Admins may then give new addresses on it a "
            "first password.",
        )
        parser.add_argument("--timezone", default=None)
        parser.add_argument("--country", default=None)
        parser.add_argument(
            "--language",
            default=None,
            help="Language for new members (en, ja); default: ja for a Japanese organisation.",
        )
        parser.add_argument("--currency", default=None)
        parser.add_argument("--week-start", type=int, default=None)
        parser.add_argument("--fiscal-year-start-month", type=int, default=None)

    def handle(self, *args: Any, **options: Any) -> None:
        org_settings = {
            key: options[key]
            for key in (
                "timezone",
                "country",
                "currency",
                "week_start",
                "fiscal_year_start_month",
                "language",
            )
            if options[key] is not None
        }
        try:
            org, created = services.create_organization(
                slug=options["slug"],
                name=options["name"],
                admin_email=options["admin_email"],
                admin_password=options["admin_password"],
                admin_name=options["admin_name"],
                domains=options["domain"],
                **org_settings,
            )
        except DomainError as exc:
            raise CommandError(exc.message) from exc
        except ValidationError as exc:
            raise CommandError("; ".join(exc.messages)) from exc
        verb = "Created" if created else "Already present:"
        self.stdout.write(self.style.SUCCESS(f"{verb} organisation {org.slug} ({org.name})"))
