"""Demo data for motivation: weeks of check-ins (one person with a visible dip), 1:1s with
carried-over action items, kudos. Idempotent: an organisation with check-ins is left alone."""

from __future__ import annotations

import random
from datetime import date, timedelta

from accounts.models import Membership, Organization
from motivation import access, services
from motivation.models import CheckIn
from salesmgmt import periods

WEEKS = 6
DIP = [4, 4, 3, 4, 2, 2]
NOTES = [
    "Good week: two new appointments.",
    "Busy but fine.",
    "Waiting on two decisions, a bit frustrating.",
    "Great feedback from a customer.",
    "",
]


def seed_demo_motivation(*, org: Organization, memberships: list[Membership]) -> int:
    """Add the demo organisation's motivation data once; returns the check-ins created."""
    if CheckIn.objects.for_org(org).exists():
        return 0
    people = [m for m in memberships if m.active and m.role == Membership.Role.MEMBER]
    if not people:
        return 0
    rng = random.Random(org.slug)  # noqa: S311  (demo data, repeatable)
    today = periods.today(org)
    this_week = periods.week_of(org, today).start
    rows = []
    for index, person in enumerate(people):
        for back in range(WEEKS, 0, -1):
            week = this_week - timedelta(weeks=back)
            # the first person's visible dip: 4, 4, 3, 4, 2, 2
            score = DIP[WEEKS - back] if index == 0 else rng.choice([3, 4, 4, 5])
            rows.append(
                CheckIn(
                    organization=org,
                    user_id=person.user_id,
                    date=week + timedelta(days=4),
                    week_start=week,
                    score=score,
                    note=rng.choice(NOTES) if index else "Lost the Aoba deal; hard week.",
                )
            )
    CheckIn.objects.bulk_create(rows)
    _seed_one_on_ones(org, memberships, today)
    _seed_kudos(org, [m for m in memberships if m.active], rng)
    return len(rows)


KUDOS = [
    ("Thanks for covering my calls while I was at the fair!", "teamwork"),
    ("Your proposal template saved me an evening.", "teamwork"),
    ("Great job turning Aoba around after the price objection.", "customer_first"),
    ("You followed up on every open quote this week: impressive.", "ownership"),
]


def _seed_kudos(org: Organization, people: list[Membership], rng: random.Random) -> None:
    """A handful of kudos between colleagues, in the name of the default values."""
    if len(people) < 3:
        return
    for text, value in KUDOS * 2:
        giver, receiver = rng.sample(people, 2)
        services.give_kudos(actor=giver, to=receiver, message=text, value=value)


def _seed_one_on_ones(org: Organization, memberships: list[Membership], today: date) -> None:
    """Per manager, three people: a 1:1 three weeks ago whose open item carried over to
    last week's, and a coming one with a point the member proposed."""
    managers = [m for m in memberships if m.active and m.role == Membership.Role.MANAGER]
    for manager in managers:
        people = list(access.people_for_one_on_ones(manager).filter(role="member")[:3])
        for person in people:
            first = services.hold_one_on_one(
                actor=manager,
                member=person,
                day=today - timedelta(days=21),
                agenda="Quarter targets; the two stalled deals.",
                shared_notes="Pipeline is thin for next month; agreed to book five new visits.",
                private_notes="Seems tired; ask about workload next time.",
                action_items=[
                    services.NewActionItem(
                        text="Book five new visits", owner_id=person.user_id, due=today
                    ),
                    services.NewActionItem(
                        text="Share the pricing one-pager", owner_id=manager.user_id
                    ),
                ],
            )
            shared = first.action_items.get(owner_id=manager.user_id)
            services.set_action_item_done(actor=manager, item=shared, done=True)
            services.hold_one_on_one(
                actor=manager,
                member=person,
                day=today - timedelta(days=7),
                agenda="Follow-up on new visits.",
                shared_notes="Three of five visits booked.",
            )
            coming = services.hold_one_on_one(
                actor=manager,
                member=person,
                day=today + timedelta(days=3),
                agenda="Weekly catch-up",
            )
            services.propose_agenda_point(
                actor=person, one_on_one=coming, text="Can I join the trade fair?"
            )
