"""Calibration: each evaluator's ratings against the organisation's mean, outliers, and
ratings that contradict goal attainment; admins see all, managers their teams, members 403."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse

from evaluations import services
from evaluations.models import Evaluation
from goals.models import Goal
from tests.evaluations.conftest import api_url
from tests.factories import MembershipFactory
from tests.goals.factories import GoalFactory, activity_metric

pytestmark = pytest.mark.django_db

SUMMARY = {"strengths": "Calm", "improve": "Follow-ups", "next_steps": "Weekly review"}


def _rate(actor, cycle, subject, ratings, comments=None):
    evaluation = Evaluation.objects.get(cycle=cycle, subject=subject.user, kind="manager")
    services.update_evaluation(
        actor=actor, evaluation=evaluation, ratings=ratings, comments=comments, summary=SUMMARY
    )
    services.submit_evaluation(actor=actor, evaluation=evaluation)


@pytest.fixture
def cycle(org, admin, manager, other_manager, member, teammate, other_team_member, criteria):
    GoalFactory(
        organization=org,
        scope=Goal.Scope.USER,
        user=member.user,
        metric=activity_metric(org, "call"),
        start=date(2026, 4, 1),
        end=date(2026, 6, 30),
        target=Decimal("10"),
    )  # nothing done: 0% attainment
    made = services.create_cycle(
        actor=admin, name="H1", start=date(2026, 4, 1), end=date(2026, 9, 30)
    )
    services.advance_cycle(actor=admin, cycle=made, to="self_review")
    services.advance_cycle(actor=admin, cycle=made, to="manager_review")
    keys = ("results", "actions", "deals", "teamwork")
    _rate(
        manager,
        made,
        member,
        {"results": 5, "actions": 4, "deals": 4, "teamwork": 4},
        {"results": "Big deal"},
    )
    _rate(manager, made, teammate, dict.fromkeys(keys, 4))
    _rate(other_manager, made, other_team_member, dict.fromkeys(keys, 2))
    return made


def test_admins_see_every_evaluator_against_the_organisation(
    api_for, org, admin, manager, other_manager, member, cycle
):
    got = api_for(admin).get(api_url(org, "evaluation-cycles", cycle.pk, "calibration")).json()
    rows = {r["evaluator"]: r for r in got["evaluators"]}
    assert rows[manager.user_id]["count"] == 8
    assert rows[manager.user_id]["mean"] == pytest.approx(33 / 8, abs=0.01)
    assert rows[manager.user_id]["distribution"] == {"1": 0, "2": 0, "3": 0, "4": 7, "5": 1}
    assert rows[other_manager.user_id]["distribution"]["2"] == 4
    assert got["org_mean"] == pytest.approx(41 / 12, abs=0.01)
    assert set(got["outliers"]) == {manager.user_id, other_manager.user_id}
    [mismatch] = got["mismatches"]
    assert (mismatch["criterion"], mismatch["rating"]) == ("results", 5)
    assert mismatch["evidence"]["goal_attainment"] == 0


def test_managers_see_their_teams_members_are_refused(
    api_for, client_for, org, manager, member, other_org, outsider, cycle
):
    got = api_for(manager).get(api_url(org, "evaluation-cycles", cycle.pk, "calibration")).json()
    assert [r["evaluator"] for r in got["evaluators"]] == [manager.user_id]
    assert got["outliers"] == []
    assert (
        api_for(member).get(api_url(org, "evaluation-cycles", cycle.pk, "calibration")).status_code
        == 403
    )
    page = reverse("evaluations:cycle_calibration", args=[org.slug, cycle.pk])
    assert client_for(member).get(page).status_code == 403
    seen = client_for(manager).get(page)
    assert seen.content.count(b'data-testid="evaluator-row"') == 1
    assert seen.content.count(b'data-testid="mismatch"') == 1
    theirs = api_url(other_org, "evaluation-cycles", cycle.pk, "calibration")
    assert api_for(outsider).get(theirs).status_code == 404


def test_the_calibration_page_reads_in_constant_queries(
    client_for, org, admin, team, cycle, django_assert_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    page = reverse("evaluations:cycle_calibration", args=[org.slug, cycle.pk])
    client = client_for(admin)
    client.get(page)
    with CaptureQueriesContext(connection) as before:
        client.get(page)
    more = services.create_cycle(actor=admin, name="H1b", start=cycle.start, end=cycle.end)
    for person in MembershipFactory.create_batch(4, organization=org, team=team):
        GoalFactory(
            organization=org,
            scope=Goal.Scope.USER,
            user=person.user,
            metric=activity_metric(org, "call"),
            start=date(2026, 4, 1),
            end=date(2026, 6, 30),
        )
    Evaluation.objects.filter(cycle=cycle).update(cycle=more)
    services.advance_cycle(actor=admin, cycle=more, to="self_review")  # skips existing pairs
    Evaluation.objects.filter(cycle=more).update(cycle=cycle, status="submitted")
    with django_assert_num_queries(len(before.captured_queries)):
        client.get(page)


def test_admins_set_a_final_rating_with_a_reason_in_the_audit_trail(
    api_for, client_for, org, admin, manager, member, cycle
):
    from accounts.models import AuditEvent

    theirs = Evaluation.objects.get(cycle=cycle, subject=member.user, kind="manager")
    url = api_url(org, "evaluations", theirs.pk)
    body = {"final_rating": 4, "final_note": "Attainment at 0%: 5 is not supported."}
    refused = api_for(admin).patch(url, body, format="json")
    assert refused.status_code == 400  # still manager review
    services.advance_cycle(actor=admin, cycle=cycle, to="calibration")
    assert api_for(manager).patch(url, body, format="json").status_code == 403
    assert api_for(admin).patch(url, {**body, "final_rating": 6}, format="json").status_code == 400
    assert (
        api_for(admin).patch(url, {"final_rating": 4, "final_note": " "}, format="json").status_code
        == 400
    )
    theirs.refresh_from_db()
    assert theirs.final_rating is None
    assert not AuditEvent.objects.filter(action="evaluation_final_rating").exists()
    done = api_for(admin).patch(url, body, format="json")
    assert done.status_code == 200
    assert (done.json()["final_rating"], done.json()["final_note"]) == (4, body["final_note"])
    services.advance_cycle(actor=admin, cycle=cycle, to="released")
    page = reverse("evaluations:evaluation_final", args=[org.slug, theirs.pk])
    client_for(admin).post(page, {"final_rating": "3", "final_note": "After the appeal"})
    theirs.refresh_from_db()
    assert theirs.final_rating == 3
    logged = AuditEvent.objects.filter(
        action="evaluation_final_rating", target=f"evaluation:{theirs.pk}"
    )
    assert logged.count() == 2
    seen = client_for(member).get(
        reverse("evaluations:evaluation_detail", args=[org.slug, theirs.pk])
    )
    assert b'data-testid="final-rating"' in seen.content


def test_admins_export_a_cycle_formula_safe_and_audited(
    client_for, org, admin, manager, member, cycle
):
    from accounts.models import AuditEvent

    theirs = Evaluation.objects.get(cycle=cycle, subject=member.user, kind="manager")
    Evaluation.objects.filter(pk=theirs.pk).update(
        summary={**SUMMARY, "strengths": "=HYPERLINK(1)"}
    )
    url = reverse("evaluations:cycle_export", args=[org.slug, cycle.pk])
    assert client_for(manager).get(url).status_code == 403
    got = client_for(admin).get(url)
    assert got.status_code == 200
    text = b"".join(got.streaming_content).decode()
    lines = text.strip().splitlines()
    assert lines[0].startswith("subject,email,kind,evaluator,status,")
    assert len(lines) == 1 + 3  # three submitted manager evaluations; drafts left out
    assert "'=HYPERLINK(1)" in text
    assert AuditEvent.objects.filter(action="export", target=url).exists()
