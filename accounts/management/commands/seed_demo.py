"""`manage.py seed_demo`: the demo organisation "Demo Sales Co." (idempotent, re-runnable).

Creates an admin, managers, three teams (one nested) and about twenty salespeople, all
with the password below; `--users N` scales the sales force (extra teams of ~20) for
benchmarks. Other apps add their demo data through `accounts.signals.demo_data_requested`.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.hashers import make_password
from django.core.management.base import BaseCommand, CommandParser
from django.db import transaction

from accounts import services
from accounts.models import Membership, Organization, Team, User
from accounts.signals import demo_data_requested

DEMO_SLUG = "demo"
DEMO_NAME = "Demo Sales Co."
DEMO_PASSWORD = "demo-pass-2026"  # noqa: S105  (public demo credentials, printed and in the README)
ADMIN_EMAIL = "admin@demo.example"
FIRST_NAMES = [
    "Aiko", "Haruto", "Yui", "Sota", "Mei", "Ren", "Hina", "Yuto", "Sakura", "Riku",
    "Aoi", "Kaito", "Mio", "Hayato", "Rin", "Daiki", "Emma", "Lucas", "Sofia", "Noah",
]  # fmt: skip
LAST_NAMES = [
    "Sato", "Suzuki", "Takahashi", "Tanaka", "Watanabe", "Ito", "Yamamoto", "Nakamura",
    "Kobayashi", "Kato", "Yoshida", "Yamada", "Sasaki", "Yamaguchi", "Matsumoto", "Inoue",
]  # fmt: skip


class Command(BaseCommand):
    help = "Create or refresh the demo organisation and its people (idempotent)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--users", type=int, default=20, help="Number of salespeople (default 20)."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        reps = max(1, options["users"])
        with transaction.atomic():
            org, _created = services.create_organization(
                slug=DEMO_SLUG,
                name=DEMO_NAME,
                admin_email=ADMIN_EMAIL,
                admin_password=DEMO_PASSWORD,
                admin_name="Ada Admin",
                domains=["demo.example"],
                timezone="Asia/Tokyo",
                country="JP",
                currency="JPY",
                fiscal_year_start_month=4,
                # The demo speaks English to whoever opens it; each person can switch to
                # Japanese on their profile.
                language="en",
            )
            memberships = self._people(org, reps)
        demo_data_requested.send(sender=Organization, organization=org, memberships=memberships)
        self.stdout.write(self.style.SUCCESS(f"Demo organisation ready: /o/{org.slug}/"))
        self.stdout.write(f"  admin:    {ADMIN_EMAIL} / {DEMO_PASSWORD}")
        self.stdout.write(
            f"  managers: manager1@demo.example, manager2@demo.example / {DEMO_PASSWORD}"
        )
        self.stdout.write(
            f"  sales:    rep01@demo.example … rep{reps:02d}@demo.example / {DEMO_PASSWORD}"
        )

    def _people(self, org: Organization, reps: int) -> list[Membership]:
        password_hash = make_password(DEMO_PASSWORD)  # hashed once: seeding 1,000 stays fast
        extra_teams = max(0, (reps - 20 + 19) // 20)
        team_specs: list[tuple[str, str | None, str]] = [
            ("Tokyo Sales", None, "manager1@demo.example"),
            ("Tokyo Enterprise", "Tokyo Sales", "manager1@demo.example"),
            ("Osaka Sales", None, "manager2@demo.example"),
        ]
        team_specs += [
            (f"Region {i + 4}", None, f"manager{i + 3}@demo.example") for i in range(extra_teams)
        ]
        manager_emails = sorted({spec[2] for spec in team_specs})
        manager_names = {
            "manager1@demo.example": "Kenji Mori",
            "manager2@demo.example": "Naomi Hayashi",
        }
        people = [
            (
                email,
                manager_names.get(email, f"Manager {email.split('@')[0][7:]}"),
                Membership.Role.MANAGER,
            )
            for email in manager_emails
        ]
        for i in range(reps):
            name = f"{FIRST_NAMES[i % len(FIRST_NAMES)]} {LAST_NAMES[(i * 7) % len(LAST_NAMES)]}"
            people.append((f"rep{i + 1:02d}@demo.example", name, Membership.Role.MEMBER))

        existing = {u.email: u for u in User.objects.filter(email__in=[p[0] for p in people])}
        User.objects.bulk_create(
            [
                User(username=email, email=email, name=name, password=password_hash)
                for email, name, _role in people
                if email not in existing
            ]
        )
        users = {u.email: u for u in User.objects.filter(email__in=[p[0] for p in people])}

        teams: dict[str, Team] = {}
        for name, parent_name, _manager in team_specs:
            team, _ = Team.objects.get_or_create(
                organization=org,
                name=name,
                defaults={"parent": teams.get(parent_name) if parent_name else None},
            )
            teams[name] = team

        rep_teams = ["Tokyo Sales", "Tokyo Enterprise", "Osaka Sales"]
        rep_teams += [spec[0] for spec in team_specs[3:]]
        assignment: dict[str, Team] = {}
        for name, _parent, manager_email in team_specs:
            assignment.setdefault(manager_email, teams[name])
        for i in range(reps):
            # The first twenty spread over the three demo teams; the rest fill regions of 20.
            team_name = rep_teams[i % 3] if i < 20 else rep_teams[3 + (i - 20) // 20]
            assignment[f"rep{i + 1:02d}@demo.example"] = teams[team_name]

        have = set(Membership.objects.for_org(org).values_list("user_id", flat=True))
        Membership.objects.bulk_create(
            [
                Membership(organization=org, user=users[email], role=role, team=assignment[email])
                for email, _name, role in people
                if users[email].pk not in have
            ]
        )
        for name, _parent, manager_email in team_specs:
            teams[name].managers.add(users[manager_email])
        return list(
            Membership.objects.for_org(org).filter(active=True).select_related("user", "team")
        )
