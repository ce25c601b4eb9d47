"""Evidence beside the ratings: the subject's numbers over the cycle's dates, from the
rollups and stored progress, equal to the same numbers read straight from the source rows
(with a team move mid-cycle)."""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.db.models import Q, Sum
from django.urls import reverse

from activities.models import Activity
from activities.rollup import rebuild_range
from deals.models import Deal
from evaluations import services
from evaluations.evidence import evidence_for
from evaluations.models import Evaluation
from goals.models import Goal
from motivation import services as motivation_services
from motivation.models import Kudos, OneOnOne
from tests.activities.factories import ActivityFactory, default_types
from tests.deals.factories import DealFactory, default_stages
from tests.evaluations.conftest import api_url
from tests.goals.factories import GoalFactory, activity_metric

pytestmark = pytest.mark.django_db

START, END = date(2026, 4, 1), date(2026, 9, 30)


def _at(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, 2, 0, tzinfo=UTC)  # 11:00 in Tokyo


@pytest.fixture
def seeded(time_machine, org, admin, manager, member, teammate, other_team, criteria):
    """A half-year of member's work: visits and calls (accompanied once), a move to another
    team in July, deals won (one after the cycle) and open or lost on either side of the
    move and of the cycle's end, kudos and 1:1s in and out of it."""
    time_machine.move_to(_at(date(2026, 5, 1)), tick=False)
    types = default_types(org)
    won = default_stages(org)["won"]
    for day, key, quantity in [
        (date(2026, 3, 31), "call", 5),  # before the cycle
        (date(2026, 4, 1), "call", 3),
        (date(2026, 5, 12), "call", 2),
        (date(2026, 6, 3), "new_visit", 1),
    ]:
        ActivityFactory(membership=member, type=types[key], occurred_at=_at(day), quantity=quantity)
    ActivityFactory(
        membership=member,
        type=types["new_visit"],
        occurred_at=_at(date(2026, 6, 10)),
        accompanied_by=manager.user,
    )
    for day in (date(2026, 6, 1), date(2026, 9, 1), date(2026, 10, 1)):
        motivation_services.hold_one_on_one(actor=manager, member=member, day=day)
    stages = default_stages(org)
    DealFactory(membership=member, amount=Decimal("2000.00"))  # open since May (old team)
    for closed, amount in [(date(2026, 6, 1), "700.00"), (date(2026, 10, 3), "300.00")]:
        DealFactory(
            membership=member, stage=stages["lost"], amount=Decimal(amount), closed_at=_at(closed)
        )  # lost in the cycle (gone from the pipeline), and after it (open at its end)
    member.team = other_team  # moves mid-cycle; their numbers stay theirs
    member.save(update_fields=["team"])
    ActivityFactory(membership=member, type=types["call"], occurred_at=_at(date(2026, 8, 20)))
    ActivityFactory(membership=teammate, type=types["call"], occurred_at=_at(date(2026, 5, 1)))
    for day, amount in [(date(2026, 5, 10), "1500.00"), (date(2026, 10, 2), "900.00")]:
        DealFactory(
            membership=member,
            stage=won,
            amount=Decimal(amount),
            won_user=member.user,
            won_team=member.team,
            won_date=day,
            closed_at=_at(day),
        )
    later = DealFactory(membership=member, amount=Decimal("400.00"))  # on the new team
    Deal.objects.filter(pk=later.pk).update(created_at=_at(date(2026, 8, 1)))
    after = DealFactory(membership=member, amount=Decimal("5000.00"))  # after the cycle
    Deal.objects.filter(pk=after.pk).update(created_at=_at(date(2026, 10, 3)))
    DealFactory(membership=teammate, amount=Decimal("800.00"))
    GoalFactory(
        organization=org,
        scope=Goal.Scope.USER,
        user=member.user,
        metric=activity_metric(org, "call"),
        start=date(2026, 4, 1),
        end=date(2026, 6, 30),
        target=Decimal("10"),
    )
    motivation_services.give_kudos(actor=teammate, to=member, message="Thanks!")
    time_machine.move_to(_at(date(2026, 10, 5)), tick=False)
    motivation_services.give_kudos(actor=teammate, to=member, message="After the cycle")
    rebuild_range(org_id=org.pk)
    cycle = services.create_cycle(actor=admin, name="H1", start=START, end=END)
    services.advance_cycle(actor=admin, cycle=cycle, to="self_review")
    return Evaluation.objects.get(cycle=cycle, subject=member.user, kind="self")


def test_evidence_equals_the_numbers_read_from_the_source_rows(
    seeded, org, member, team, other_team
):
    found = evidence_for(seeded)
    in_cycle = Activity.objects.filter(user=member.user, local_date__gte=START, local_date__lte=END)
    counts: dict[str, int] = defaultdict(int)
    for row in in_cycle.values("type__key").annotate(n=Sum("quantity")):
        counts[row["type__key"]] += row["n"]
    assert {k: v["count"] for k, v in found["activities"].items()} == counts
    assert counts == {"call": 6, "new_visit": 2}
    assert Decimal(found["activities"]["call"]["target"]) == 10

    goal_actual = Activity.objects.filter(
        user=member.user,
        type__key="call",
        local_date__gte=date(2026, 4, 1),
        local_date__lte=date(2026, 6, 30),
    ).aggregate(n=Sum("quantity"))["n"]
    [goal] = found["goals"]
    assert (Decimal(goal["actual"]), Decimal(goal["target"])) == (goal_actual, Decimal(10))
    assert goal["attainment"] == pytest.approx(float(goal_actual) / 10)

    won = Deal.objects.filter(
        won_user=member.user, won_date__gte=START, won_date__lte=END, stage__outcome="won"
    )
    assert found["deals_won"] == {
        "count": won.count(),
        "amount": str(won.aggregate(a=Sum("amount"))["a"]),
        "currency": org.currency,
    }
    assert found["deals_won"]["count"] == 1

    # The open pipeline as it stood when the cycle ended (midnight after its last local day):
    # deals the person owned, opened before then and not closed by then, whichever team.
    ended = datetime(2026, 10, 1, tzinfo=ZoneInfo(org.timezone))
    open_then = [
        deal
        for deal in Deal.objects.filter(owner=member.user)
        if deal.created_at < ended and (deal.closed_at is None or deal.closed_at >= ended)
    ]
    pipeline = found["open_pipeline"]
    assert (pipeline["count"], Decimal(pipeline["amount"]), pipeline["currency"]) == (
        len(open_then),
        sum(d.amount for d in open_then),
        org.currency,
    )
    # May's open deal, the one lost after the cycle, the one won after it, the new team's
    assert (pipeline["count"], Decimal(pipeline["amount"])) == (4, Decimal(3600))
    assert {d.team_id for d in open_then} == {team.pk, other_team.pk}
    assert found["accompaniments"] == in_cycle.exclude(accompanied_by=None).count() == 1
    kudos = Kudos.objects.filter(to_user=member.user, created_at__date__lte=END)
    assert found["kudos_received"] == kudos.count() == 1
    held = OneOnOne.objects.filter(
        Q(member=member.user) | Q(manager=member.user), date__gte=START, date__lte=END
    )
    assert found["one_on_ones"] == held.count() == 2
    funnel = {s["type"]: s["count"] for s in found["funnel"]["stages"]}
    assert all(funnel[key] == counts.get(key, 0) for key in funnel)
    assert found["funnel"]["stages"][0]["conversion"] is None


def test_evidence_shows_in_the_api_and_beside_the_ratings(seeded, org, member, api_for, client_for):
    got = api_for(member).get(api_url(org, "evaluations", seeded.pk))
    assert got.json()["evidence"]["deals_won"]["count"] == 1
    listed = api_for(member).get(api_url(org, "evaluations"))
    assert "evidence" not in listed.json()["results"][0]
    page = client_for(member).get(
        reverse("evaluations:evaluation_detail", args=[org.slug, seeded.pk])
    )
    assert page.status_code == 200
    assert b'data-testid="evidence-goal"' in page.content
    assert b"1 deals won" in page.content
    assert b'data-testid="evidence-pipeline"' in page.content
    assert got.json()["evidence"]["open_pipeline"]["count"] == 4
