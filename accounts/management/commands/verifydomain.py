"""`manage.py verifydomain --org S --domain D`: the site operator vouches for a domain."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from accounts import services
from accounts.models import Organization
from salesmgmt.errors import DomainError


class Command(BaseCommand):
    help = (
        "Record an e-mail domain as controlled by an organisation, on the operator's word "
        "(admins verify domains themselves with a DNS TXT record under Settings → E-mail domains)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--org", required=True, help="The organisation's slug.")
        parser.add_argument("--domain", required=True, help="e.g. example.com")

    def handle(self, *args: Any, **options: Any) -> None:
        org = Organization.objects.filter(slug=options["org"]).first()
        if org is None:
            raise CommandError(f"No organisation with the slug {options['org']!r}.")
        try:
            domain = services.verify_domain_as_operator(org=org, domain=options["domain"])
        except DomainError as exc:
            raise CommandError(exc.message) from exc
        self.stdout.write(self.style.SUCCESS(f"{domain.domain} is verified for {org.slug}."))
