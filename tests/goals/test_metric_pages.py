"""Admins define and change metrics in the interface, through the service the API uses."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from activities import services as activity_services
from activities.rollup import drain_all
from goals import selectors, services
from goals.models import Goal, Metric
from tests.activities.factories import default_types
from tests.goals.factories import GoalFactory, MetricFactory, activity_metric

pytestmark = pytest.mark.django_db

LIST = "/o/acme/goals/metrics/"
NEW = "/o/acme/goals/metrics/new/"


def edit_url(metric: Metric) -> str:
    return f"/o/acme/goals/metrics/{metric.pk}/"


def form_errors(response) -> dict[str, list[str]]:
    return {k: list(v) for k, v in response.context["form"].errors.items()}


def test_an_admin_lists_the_metrics_with_their_sources_and_goal_counts(
    client_for, admin, org, django_assert_max_num_queries
):
    calls = activity_metric(org, "call")
    GoalFactory.create(organization=org, metric=calls)
    client = client_for(admin)
    client.get(LIST)

    with django_assert_max_num_queries(12):
        response = client.get(LIST)

    html = response.content.decode()
    assert response.status_code == 200
    rows = {m.key: m for m in response.context["metrics"]}
    assert rows["call"].goal_count == 1
    assert f'href="{edit_url(calls)}"' in html
    assert "Activities: " in html
    assert f'href="{LIST}"' in html  # the goals menu links here for admins


def test_the_list_costs_the_same_queries_for_more_metrics(client_for, admin, org):
    activity_metric(org, "call")
    client = client_for(admin)
    client.get(LIST)
    with CaptureQueriesContext(connection) as few:
        client.get(LIST)
    types = default_types(org)
    for n in range(8):
        metric = MetricFactory.create(organization=org, key=f"extra_{n}", source="activity")
        metric.activity_types.set(list(types.values())[:2])
    with CaptureQueriesContext(connection) as many:
        client.get(LIST)

    assert len(many) == len(few)


def test_an_admin_adds_an_activity_metric(client_for, admin, org):
    types = default_types(org)

    response = client_for(admin).post(
        NEW,
        {
            "key": "first_visits",
            "name": "First visits",
            "unit": "count",
            "source": "activity",
            "activity_types": [types["new_visit"].pk],
        },
    )

    assert response.status_code == 302
    assert response["Location"] == LIST
    metric = Metric.objects.for_org(org).get(key="first_visits")
    assert metric.name == "First visits"
    assert list(metric.activity_types.values_list("key", flat=True)) == ["new_visit"]


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"key": "Bad Key", "name": "X", "unit": "count", "source": "manual"}, "key"),
        ({"key": "call", "name": "Calls again", "unit": "count", "source": "manual"}, "key"),
        (
            {"key": "visits_x", "name": "Visits", "unit": "count", "source": "activity"},
            "activity_types",
        ),
        ({"key": "odd", "name": "Odd", "unit": "count", "source": "weather"}, "source"),
        ({"key": "", "name": "", "unit": "count", "source": "manual"}, "name"),
    ],
    ids=["key shape", "key taken", "no types", "unknown source", "blank"],
)
def test_bad_input_shows_as_form_errors(client_for, admin, org, data, field):
    activity_metric(org, "call")
    before = Metric.objects.for_org(org).count()

    response = client_for(admin).post(NEW, data)

    assert response.status_code == 422
    assert field in form_errors(response)
    assert Metric.objects.for_org(org).count() == before


def test_another_organisations_activity_type_is_not_offered(client_for, admin, org, other_org):
    theirs = default_types(other_org)["new_visit"]

    response = client_for(admin).post(
        NEW,
        {
            "key": "sneaky",
            "name": "S",
            "unit": "count",
            "source": "activity",
            "activity_types": [theirs.pk],
        },
    )

    assert response.status_code == 422
    assert "activity_types" in form_errors(response)
    assert not Metric.objects.for_org(org).filter(key="sneaky").exists()


def test_an_admin_renames_a_metric_and_changes_its_key(client_for, admin, org):
    metric = MetricFactory.create(organization=org, key="checkins", name="Check-ins")
    page = client_for(admin).get(edit_url(metric))
    assert page.status_code == 200
    assert page.context["form"].initial["key"] == "checkins"

    response = client_for(admin).post(
        edit_url(metric),
        {"key": "weekly_checkins", "name": "Weekly check-ins", "unit": "count", "source": "manual"},
    )

    assert response.status_code == 302
    metric.refresh_from_db()
    assert (metric.key, metric.name) == ("weekly_checkins", "Weekly check-ins")


def test_a_metric_that_goals_count_keeps_its_source_and_unit(client_for, admin, org):
    metric = MetricFactory.create(organization=org, key="checkins")
    GoalFactory.create(organization=org, metric=metric)
    client = client_for(admin)

    changed_source = client.post(
        edit_url(metric),
        {"key": "checkins", "name": "C", "unit": "count", "source": "deals_won_count"},
    )
    changed_unit = client.post(
        edit_url(metric), {"key": "checkins", "name": "C", "unit": "JPY", "source": "manual"}
    )

    assert changed_source.status_code == 422
    assert "source" in form_errors(changed_source)
    assert changed_unit.status_code == 422
    assert "unit" in form_errors(changed_unit)
    metric.refresh_from_db()
    assert (metric.source, metric.unit, metric.name) == ("manual", "count", "Checkins")


def test_changing_the_activity_types_recomputes_the_progress_of_its_goals(
    client_for, admin, org, member, time_machine, django_capture_on_commit_callbacks
):
    time_machine.move_to(datetime(2026, 1, 20, 12, tzinfo=UTC))
    types = default_types(org)
    calls = activity_metric(org, "call")
    day = datetime(2026, 1, 10, 10, tzinfo=org.tzinfo)
    activity_services.log_activity(actor=member, type="new_visit", occurred_at=day, quantity=4)
    drain_all(org_id=org.pk)
    goal = GoalFactory.create(organization=org, metric=calls, scope=Goal.Scope.ORG)
    services.refresh_progress(goal_ids=[goal.pk])
    today = date(2026, 1, 20)

    def actual() -> int:
        fresh = Goal.objects.select_related("progress_row").get(pk=goal.pk)
        return int(selectors.progress_of(fresh, today=today).actual)

    assert actual() == 0
    with_visits = {
        "key": "call",
        "name": calls.name,
        "unit": calls.unit,
        "source": "activity",
        "activity_types": [types["new_visit"].pk],
    }
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(admin).post(edit_url(calls), with_visits)

    assert response.status_code == 302
    assert actual() == 4


def test_only_admins_open_the_metric_pages(client_for, org, manager, member):
    metric = MetricFactory.create(organization=org, key="checkins")
    for who in (manager, member):
        client = client_for(who)
        assert client.get(LIST).status_code == 403
        assert client.get(NEW).status_code == 403
        assert client.post(NEW, {"key": "x", "name": "X", "source": "manual"}).status_code == 403
        assert client.get(edit_url(metric)).status_code == 403
        assert client.post(edit_url(metric), {"key": "y"}).status_code == 403
    assert not Metric.objects.for_org(org).filter(key__in=["x", "y"]).exists()


def test_another_organisations_metric_answers_404(client_for, admin, other_org):
    theirs = MetricFactory.create(organization=other_org, key="checkins", name="Theirs")
    client = client_for(admin)

    assert client.get(edit_url(theirs)).status_code == 404
    response = client.post(
        edit_url(theirs), {"key": "mine", "name": "Mine", "unit": "count", "source": "manual"}
    )
    assert response.status_code == 404
    theirs.refresh_from_db()
    assert (theirs.key, theirs.name) == ("checkins", "Theirs")
