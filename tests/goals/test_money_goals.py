"""Goals on a money metric show and take amounts in the currency's minor unit: a yen goal's
target, actual, expected and needed-per-working-day are whole yen on its pages; a dollar
goal's keep their cents; a target with more decimals than the currency has is refused."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
import time_machine
from django.urls import reverse
from django.utils import translation

from goals import services
from goals.models import Goal, Metric
from salesmgmt.templatetags.money import measure
from tests.goals.factories import revenue_metric, with_progress

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 6, 10, 1, 0, tzinfo=UTC)  # Wednesday 10 June 2026 in Tokyo
JUNE = (date(2026, 6, 1), date(2026, 6, 30))
# An amount of a thousand or more with two decimals, as Django's "-2g" printed yen before.
GROUPED_WITH_CENTS = re.compile(r"\d{1,3}(?:,\d{3})+\.\d\d\b")


@pytest.fixture(autouse=True)
def _frozen_clock():
    with time_machine.travel(NOW, tick=False):
        yield


def url(name: str, org, *args) -> str:
    return reverse(f"goals:{name}", args=[org.slug, *args])


def revenue_goal(org, admin, member, target: str = "1000000") -> Goal:
    goal = services.create_goal(
        actor=admin,
        metric=revenue_metric(org),
        scope="user",
        user=member.user,
        start=JUNE[0],
        end=JUNE[1],
        target=Decimal(target),
        title="June revenue",
    )
    return with_progress(goal, Decimal("123456.78"))


def test_the_measure_filter_uses_the_metric_s_currency():
    yen = Metric(unit="JPY", source=Metric.Source.DEALS_WON_AMOUNT)
    dollars = Metric(unit="USD", source=Metric.Source.DEALS_WON_AMOUNT)
    euros = Metric(unit="EUR", source=Metric.Source.DEALS_WON_AMOUNT)
    visits = Metric(unit="count", source=Metric.Source.ACTIVITY)

    assert measure(Decimal("51024590.16"), yen) == "51,024,590"
    assert measure(Decimal("844230.77"), yen) == "844,231"
    assert measure(Decimal("51024590.16"), dollars) == "51,024,590.16"
    assert measure(Decimal("12.5"), euros) == "12.50"
    assert measure(Decimal("3.333"), visits) == "3.33"
    assert measure(Decimal("60.00"), visits) == "60"
    assert measure(None, yen) == ""
    with translation.override("ja"):
        assert measure(Decimal("4285714.29"), yen) == "4,285,714"


def test_a_yen_goal_s_pages_show_whole_yen(client_for, org, admin, member):
    goal = revenue_goal(org, admin, member)
    client = client_for(member)

    detail = client.get(url("goal_detail", org, goal.pk)).content.decode()
    listed = client.get(url("my_goals", org)).content.decode()

    for page in (detail, listed):
        assert "1,000,000" in page
        assert "123,457" in page  # the actual, to the yen
        assert GROUPED_WITH_CENTS.findall(page) == []


def test_a_dollar_goal_s_pages_keep_the_cents(client_for, org, admin, member):
    org.currency = "USD"
    org.save(update_fields=["currency"])
    goal = revenue_goal(org, admin, member)

    detail = client_for(member).get(url("goal_detail", org, goal.pk)).content.decode()

    assert "123,456.78" in detail
    assert "1,000,000.00" in detail


def test_a_yen_target_with_sen_is_refused_and_the_form_shows_whole_yen(
    client_for, org, admin, member
):
    goal = revenue_goal(org, admin, member)
    client = client_for(admin)

    page = client.get(url("goal_detail", org, goal.pk)).content.decode()
    assert re.search(r'<input[^>]*name="target"[^>]*value="1000000"', page)

    data = {"title": goal.title, "target": "1000000.5", "start": "2026-06-01",
            "end": "2026-06-30", "version": goal.version}  # fmt: skip
    refused = client.post(url("goal_detail", org, goal.pk), data)

    assert refused.status_code in (400, 422)
    assert "Use at most 0 decimal places for this metric." in refused.content.decode()
    goal.refresh_from_db()
    assert goal.target == Decimal("1000000")


def test_the_api_refuses_a_yen_target_with_sen(api_for, org, admin, member):
    metric = revenue_metric(org)
    response = api_for(admin).post(
        "/api/v1/orgs/acme/goals/",
        {
            "metric": metric.key,
            "scope": "user",
            "user": member.user_id,
            "start": "2026-06-01",
            "end": "2026-06-30",
            "target": "5000.5",
        },
        format="json",
    )

    assert response.status_code == 400, response.content
    assert "decimal places" in str(response.json())
    assert not Goal.objects.exists()
