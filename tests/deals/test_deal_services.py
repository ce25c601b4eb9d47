"""The deal services: stage history, closing, won credit on the local date, probability."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied

from accounts.services import update_membership
from activities.rollup import drain_all
from deals import services
from deals.models import DailyDealWon, Deal, StageChange
from goals.models import Goal, GoalProgress, Metric
from goals.services import ensure_default_metrics
from salesmgmt.errors import DomainError
from tests.deals.factories import CustomerFactory, default_stages
from tests.factories import MembershipFactory
from tests.goals.factories import GoalFactory

pytestmark = pytest.mark.django_db

# 01:30 on 11 March in Tokyo, still 10 March in UTC: credit goes to the local date.
LATE_UTC = datetime(2026, 3, 10, 16, 30, tzinfo=UTC)
TOKYO_DAY = date(2026, 3, 11)


@pytest.fixture(autouse=True)
def stages(org):
    return default_stages(org)


@pytest.fixture
def customer(org):
    return CustomerFactory.create(organization=org, name="Yamada Trading")


def _open(actor, customer, **kwargs):
    kwargs.setdefault("amount", "1200.00")
    return services.create_deal(actor=actor, title="Fleet renewal", customer=customer, **kwargs)


def _settle(org, capture):
    """Drain the dirty buckets and run what their commit triggers (goal refreshes)."""
    with capture(execute=True):
        drain_all(org_id=org.pk)


def _won_rows(org):
    return list(
        DailyDealWon.objects.filter(organization=org).values_list(
            "user_id", "team_id", "date", "amount", "count"
        )
    )


def _history(deal):
    return list(
        StageChange.objects.filter(deal=deal)
        .order_by("at", "id")
        .values_list("from_stage__key", "to_stage__key", "by_id")
    )


# --- history ------------------------------------------------------------------------------


def test_opening_records_the_first_stage_and_each_real_move_is_recorded_once(
    member, customer, time_machine
):
    time_machine.move_to(LATE_UTC, tick=False)
    deal = _open(member, customer)
    services.move_deal_to_stage(actor=member, deal=deal, stage="qualified")
    services.move_deal_to_stage(actor=member, deal=deal, stage="qualified")  # already there
    services.move_deal_to_stage(actor=member, deal=deal, stage="proposal")
    assert _history(deal) == [
        (None, "lead", member.user_id),
        ("lead", "qualified", member.user_id),
        ("qualified", "proposal", member.user_id),
    ]
    deal.refresh_from_db()
    assert deal.stage.key == "proposal"
    assert deal.last_stage_change_at == LATE_UTC


def test_moving_records_who_moved_and_when(member, manager, customer, time_machine):
    time_machine.move_to(LATE_UTC, tick=False)
    deal = _open(member, customer)
    time_machine.move_to(LATE_UTC + timedelta(hours=2), tick=False)
    services.move_deal_to_stage(actor=manager, deal=deal, stage="negotiation")
    change = StageChange.objects.filter(deal=deal).latest("id")
    assert (change.by_id, change.at) == (manager.user_id, LATE_UTC + timedelta(hours=2))


def test_a_member_cannot_move_a_teammates_deal(member, teammate, customer):
    deal = _open(teammate, customer)
    with pytest.raises(PermissionDenied):
        services.move_deal_to_stage(actor=member, deal=deal, stage="won")
    assert Deal.objects.get(pk=deal.pk).stage.key == "lead"
    assert len(_history(deal)) == 1


# --- closing ------------------------------------------------------------------------------


def test_winning_sets_closed_at_and_credits_the_owner_on_todays_local_date(
    org, member, customer, time_machine, django_capture_on_commit_callbacks
):
    time_machine.move_to(LATE_UTC, tick=False)
    deal = _open(member, customer, amount="1500")
    services.move_deal_to_stage(actor=member, deal=deal, stage="won")
    deal.refresh_from_db()
    assert deal.closed_at == LATE_UTC
    assert (deal.won_user_id, deal.won_team_id, deal.won_date) == (
        member.user_id,
        member.team_id,
        TOKYO_DAY,
    )
    assert deal.probability == 100
    _settle(org, django_capture_on_commit_callbacks)
    assert _won_rows(org) == [(member.user_id, member.team_id, TOKYO_DAY, Decimal("1500"), 1)]


def test_losing_needs_a_reason_and_changes_nothing_without_one(member, customer):
    deal = _open(member, customer)
    with pytest.raises(DomainError) as refused:
        services.move_deal_to_stage(actor=member, deal=deal, stage="lost", lost_reason="  ")
    assert refused.value.field == "lost_reason"
    assert Deal.objects.get(pk=deal.pk).stage.key == "lead"
    assert len(_history(deal)) == 1
    services.move_deal_to_stage(actor=member, deal=deal, stage="lost", lost_reason="Budget cut")
    deal.refresh_from_db()
    assert (deal.stage.key, deal.lost_reason) == ("lost", "Budget cut")
    assert deal.closed_at is not None
    assert deal.won_date is None


def test_reopening_a_won_deal_takes_the_credit_back(
    org, member, customer, time_machine, django_capture_on_commit_callbacks
):
    time_machine.move_to(LATE_UTC, tick=False)
    deal = _open(member, customer)
    services.move_deal_to_stage(actor=member, deal=deal, stage="won")
    _settle(org, django_capture_on_commit_callbacks)
    assert len(_won_rows(org)) == 1
    services.move_deal_to_stage(actor=member, deal=deal, stage="negotiation")
    deal.refresh_from_db()
    assert (deal.closed_at, deal.won_user_id, deal.won_date) == (None, None, None)
    _settle(org, django_capture_on_commit_callbacks)
    assert _won_rows(org) == []


def test_won_then_lost_takes_the_credit_back(
    org, member, customer, django_capture_on_commit_callbacks
):
    deal = _open(member, customer)
    services.move_deal_to_stage(actor=member, deal=deal, stage="won")
    services.move_deal_to_stage(actor=member, deal=deal, stage="lost", lost_reason="Cancelled")
    _settle(org, django_capture_on_commit_callbacks)
    assert _won_rows(org) == []


def test_rewinning_on_a_later_day_credits_the_later_day_only(
    org, member, customer, time_machine, django_capture_on_commit_callbacks
):
    time_machine.move_to(LATE_UTC, tick=False)
    deal = _open(member, customer, amount="100")
    services.move_deal_to_stage(actor=member, deal=deal, stage="won")
    services.move_deal_to_stage(actor=member, deal=deal, stage="proposal")
    time_machine.move_to(LATE_UTC + timedelta(days=3), tick=False)
    services.move_deal_to_stage(actor=member, deal=deal, stage="won")
    _settle(org, django_capture_on_commit_callbacks)
    later = TOKYO_DAY + timedelta(days=3)
    assert _won_rows(org) == [(member.user_id, member.team_id, later, Decimal("100"), 1)]


def test_editing_a_won_deals_amount_rerolls_and_deleting_it_takes_the_credit_back(
    org, member, admin, customer, django_capture_on_commit_callbacks
):
    org.currency = "USD"  # dollars have cents
    org.save(update_fields=["currency"])
    deal = _open(member, customer, amount="100")
    services.move_deal_to_stage(actor=member, deal=deal, stage="won")
    services.update_deal(actor=member, deal=deal, amount="250.50")
    _settle(org, django_capture_on_commit_callbacks)
    assert [row[3] for row in _won_rows(org)] == [Decimal("250.50")]
    services.delete_deal(actor=admin, deal=deal)
    _settle(org, django_capture_on_commit_callbacks)
    assert _won_rows(org) == []


# --- probability --------------------------------------------------------------------------


def test_probability_follows_the_stage_until_set_by_hand_then_stays(member, customer):
    deal = _open(member, customer)
    assert (deal.probability, deal.probability_is_manual) == (10, False)
    deal = services.move_deal_to_stage(actor=member, deal=deal, stage="proposal")
    assert deal.probability == 50
    deal = services.update_deal(actor=member, deal=deal, probability=35)
    assert (deal.probability, deal.probability_is_manual) == (35, True)
    deal = services.move_deal_to_stage(actor=member, deal=deal, stage="negotiation")
    assert Deal.objects.get(pk=deal.pk).probability == 35
    deal = services.update_deal(actor=member, deal=deal, probability=None)  # back to automatic
    stored = Deal.objects.get(pk=deal.pk)
    assert (stored.probability, stored.probability_is_manual) == (75, False)


def test_a_probability_given_at_opening_is_kept_on_moves(member, customer):
    deal = _open(member, customer, probability=60)
    services.move_deal_to_stage(actor=member, deal=deal, stage="qualified")
    assert Deal.objects.get(pk=deal.pk).probability == 60


# --- goals: credit once, to the owner and the owner's team when won ----------------------


@pytest.fixture
def revenue(org):
    ensure_default_metrics(org=org)
    return Metric.objects.for_org(org).get(key="revenue")


def _goal(org, metric, **scope):
    """A goal with its progress computed, as `create_goal` leaves it (drains then refresh only
    the goals they feed)."""
    from goals.services import refresh_progress

    scope.setdefault("scope", Goal.Scope.TEAM if "team" in scope else Goal.Scope.USER)
    goal = GoalFactory.create(
        organization=org, metric=metric, start=date(2026, 3, 1), end=date(2026, 3, 31), **scope
    )
    refresh_progress(goal_ids=[goal.pk])
    return goal


def _actual(goal):
    return GoalProgress.objects.get(goal=goal).actual


def test_a_deal_with_three_collaborators_on_one_team_counts_once_in_the_team_goal(
    org, team, member, teammate, revenue, customer, time_machine, django_capture_on_commit_callbacks
):
    time_machine.move_to(LATE_UTC, tick=False)
    third = MembershipFactory.create(organization=org, team=team)
    fourth = MembershipFactory.create(organization=org, team=team)
    team_goal = _goal(org, revenue, team=team)
    count_goal = _goal(org, Metric.objects.for_org(org).get(key="deals_won"), team=team)
    deal = _open(
        member, customer, amount="3000", collaborators=[teammate.user, third.user, fourth.user]
    )
    services.move_deal_to_stage(actor=teammate, deal=deal, stage="won")  # a collaborator wins it
    _settle(org, django_capture_on_commit_callbacks)
    assert _actual(team_goal) == Decimal("3000")
    assert _actual(count_goal) == 1
    assert _won_rows(org) == [(member.user_id, team.pk, TOKYO_DAY, Decimal("3000"), 1)]


def test_the_credit_stays_with_the_owner_and_team_of_the_day_it_was_won(
    org,
    team,
    other_team,
    admin,
    member,
    teammate,
    revenue,
    customer,
    time_machine,
    django_capture_on_commit_callbacks,
):
    time_machine.move_to(LATE_UTC, tick=False)
    goals = {
        "member": _goal(org, revenue, user=member.user),
        "teammate": _goal(org, revenue, user=teammate.user),
        "team": _goal(org, revenue, team=team),
        "other_team": _goal(org, revenue, team=other_team),
        "org": _goal(org, revenue, scope=Goal.Scope.ORG),
    }
    deal = _open(member, customer, amount="800", collaborators=[teammate.user])
    services.move_deal_to_stage(actor=member, deal=deal, stage="won")
    update_membership(actor=admin, membership=member, team=other_team)  # moves afterwards
    services.update_deal(actor=admin, deal=deal, amount="900")  # re-rolled after the move
    _settle(org, django_capture_on_commit_callbacks)
    actual = {name: _actual(goal) for name, goal in goals.items()}
    assert actual == {
        "member": Decimal("900"),
        "teammate": Decimal("0"),
        "team": Decimal("900"),
        "other_team": Decimal("0"),
        "org": Decimal("900"),
    }


def test_a_manager_sees_a_sub_team_members_won_deal_in_the_team_goal(
    org,
    team,
    sub_team,
    manager,
    revenue,
    customer,
    time_machine,
    django_capture_on_commit_callbacks,
):
    time_machine.move_to(LATE_UTC, tick=False)
    rep = MembershipFactory.create(organization=org, team=sub_team)
    team_goal = _goal(org, revenue, team=team)
    deal = _open(rep, customer, amount="50")
    services.move_deal_to_stage(actor=manager, deal=deal, stage="won")
    _settle(org, django_capture_on_commit_callbacks)
    assert _actual(team_goal) == Decimal("50")
