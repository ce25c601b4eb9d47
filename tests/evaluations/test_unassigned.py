"""People nobody can evaluate, and people who join, leave or move mid-cycle: whoever has no
evaluator (nobody above them, or an evaluator who left) is flagged on the cycle page, in
calibration and in the API until an admin assigns one (audited); bad assignments are 400 or
403 and change nothing; a move or a departure shows on the evaluation."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from accounts.models import AuditEvent
from evaluations import services
from evaluations.models import Evaluation
from salesmgmt.errors import DomainError
from tests.evaluations.conftest import api_url
from tests.evaluations.test_cycles import MEMBER_KEYS, SUMMARY, _cycle, _of, _rate
from tests.factories import MembershipFactory

pytestmark = pytest.mark.django_db


def _evaluators(cycle, person):
    return set(
        Evaluation.objects.filter(cycle=cycle, subject=person.user).values_list(
            "evaluator_id", flat=True
        )
    )


def test_nobody_to_evaluate_is_flagged_on_the_page_in_calibration_and_the_api(
    api_for, client_for, org, admin, manager, member, criteria
):
    cycle = _cycle(admin, "self_review")  # the only admin: nobody above them
    assert _evaluators(cycle, admin) == {None}
    own = _of(cycle, admin, "self")  # they still write their self evaluation
    services.update_evaluation(actor=admin, evaluation=own, ratings={"numbers": 4})
    cycles = api_url(org, "evaluation-cycles")
    assert api_for(admin).get(cycles).json()["results"][0]["without_evaluator"] == [admin.user_id]
    assert api_for(admin).get(api_url(org, "evaluation-cycles", cycle.pk)).json()[
        "without_evaluator"
    ] == [admin.user_id]
    for reader in (manager, member):  # not theirs to look after
        assert api_for(reader).get(cycles).json()["results"][0]["without_evaluator"] == []
    calibration = api_url(org, "evaluation-cycles", cycle.pk, "calibration")
    assert api_for(admin).get(calibration).json()["without_evaluator"] == [admin.user_id]
    assert api_for(manager).get(calibration).json()["without_evaluator"] == []

    page = client_for(admin).get(reverse("evaluations:cycles", args=[org.slug])).content
    assert b'data-testid="without-evaluator"' in page
    assert reverse("evaluations:cycle_assign_evaluator", args=[org.slug, cycle.pk]).encode() in page
    assert b'data-testid="without-evaluator"' not in (
        client_for(member).get(reverse("evaluations:cycles", args=[org.slug])).content
    )
    seen = client_for(admin).get(
        reverse("evaluations:cycle_calibration", args=[org.slug, cycle.pk])
    )
    assert b'data-testid="without-evaluator"' in seen.content


def test_an_admin_assigns_an_evaluator_and_it_is_audited(api_for, org, admin, manager, criteria):
    cycle = _cycle(admin, "self_review")
    url = api_url(org, "evaluation-cycles", cycle.pk, "assign-evaluator")
    done = api_for(admin).post(url, {"subject": admin.user_id, "evaluator": manager.user_id})
    assert done.status_code == 200, done.json()
    assert done.json()["without_evaluator"] == []
    assert _evaluators(cycle, admin) == {manager.user_id}
    assert services.unassigned(cycle) == []
    logged = AuditEvent.objects.get(action="evaluation_evaluator_assigned")
    assert logged.target == f"evaluation:{_of(cycle, admin, 'manager').pk}"
    assert (logged.detail["evaluator"], logged.detail["previous"]) == (manager.user_id, None)
    services.advance_cycle(actor=admin, cycle=cycle, to="manager_review")
    assert _evaluators(cycle, admin) == {manager.user_id}  # kept at the catch-up
    rated = _rate(
        manager,
        _of(cycle, admin, "manager"),
        {"numbers": 3, "decision_making": 3, "communication": 3, "evaluation": 3},
        summary=SUMMARY,
    )
    assert rated.status == "submitted"


def test_bad_assignments_are_refused_and_change_nothing(
    api_for, client_for, org, admin, manager, member, deactivated, outsider, criteria
):
    cycle = _cycle(admin, "self_review")
    url = api_url(org, "evaluation-cycles", cycle.pk, "assign-evaluator")
    body = {"subject": admin.user_id, "evaluator": manager.user_id}
    assert api_for(manager).post(url, body).status_code == 403
    assert api_for(member).post(url, body).status_code == 403
    with pytest.raises(PermissionDenied):
        services.assign_evaluator(
            actor=manager, cycle=cycle, subject_id=admin.user_id, evaluator_id=manager.user_id
        )
    page = reverse("evaluations:cycle_assign_evaluator", args=[org.slug, cycle.pk])
    assert client_for(manager).post(page, body).status_code == 403
    for bad in (
        {"subject": admin.user_id, "evaluator": admin.user_id},  # themselves
        {"subject": admin.user_id, "evaluator": member.user_id},  # not a manager or admin
        {"subject": admin.user_id, "evaluator": deactivated.user_id},  # has left
        {"subject": admin.user_id, "evaluator": outsider.user_id},  # another organisation
        {"subject": deactivated.user_id, "evaluator": manager.user_id},  # not in the cycle
        {"subject": outsider.user_id, "evaluator": manager.user_id},
        {"subject": "someone", "evaluator": manager.user_id},
        {"evaluator": manager.user_id},
    ):
        assert api_for(admin).post(url, bad, format="json").status_code == 400, bad
        assert client_for(admin).post(page, bad).status_code == 302  # with the reason shown
    theirs = api_url(org, "evaluation-cycles", cycle.pk, "assign-evaluator")
    assert api_for(outsider).post(theirs, body).status_code == 404
    assert _evaluators(cycle, admin) == {None}
    assert not AuditEvent.objects.filter(action="evaluation_evaluator_assigned").exists()


def test_assigning_waits_for_an_open_stage_and_an_unsubmitted_evaluation(
    admin, manager, member, other_manager, criteria
):
    draft = _cycle(admin)
    with pytest.raises(DomainError):  # nothing to assign before self review opens
        services.assign_evaluator(
            actor=admin, cycle=draft, subject_id=member.user_id, evaluator_id=other_manager.user_id
        )
    cycle = _cycle(admin, "manager_review")
    _rate(manager, _of(cycle, member, "manager"), dict.fromkeys(MEMBER_KEYS, 3), summary=SUMMARY)
    with pytest.raises(DomainError):  # submitted: no longer
        services.assign_evaluator(
            actor=admin, cycle=cycle, subject_id=member.user_id, evaluator_id=other_manager.user_id
        )
    services.advance_cycle(actor=admin, cycle=cycle, to="calibration")
    with pytest.raises(DomainError):
        services.assign_evaluator(
            actor=admin, cycle=cycle, subject_id=admin.user_id, evaluator_id=other_manager.user_id
        )
    assert _evaluators(cycle, member) == {manager.user_id}
    assert _evaluators(cycle, admin) == {None}


def test_an_evaluator_who_leaves_during_manager_review_is_flagged_and_replaced(
    api_for, client_for, org, admin, manager, member, other_manager, criteria
):
    cycle = _cycle(admin, "manager_review")
    manager.active = False
    manager.save(update_fields=["active"])
    flagged = {e.subject_id for e in services.unassigned(cycle)}
    assert member.user_id in flagged  # the draft is nobody's to write now
    calibration = api_url(org, "evaluation-cycles", cycle.pk, "calibration")
    assert member.user_id in api_for(admin).get(calibration).json()["without_evaluator"]
    page = reverse("evaluations:cycle_assign_evaluator", args=[org.slug, cycle.pk])
    body = {"subject": member.user_id, "evaluator": other_manager.user_id}
    assert client_for(admin).post(page, body).status_code == 302
    assert _evaluators(cycle, member) == {other_manager.user_id}
    assert member.user_id not in {e.subject_id for e in services.unassigned(cycle)}
    services.update_evaluation(
        actor=other_manager, evaluation=_of(cycle, member, "manager"), ratings={"results": 3}
    )


def test_moves_and_departures_mid_cycle_show_on_the_evaluation(
    client_for, org, admin, manager, member, teammate, other_team, criteria
):
    cycle = _cycle(admin, "self_review")
    member.team = other_team  # moves mid-cycle: evaluated by who led them when it opened
    member.save(update_fields=["team"])
    teammate.active = False  # leaves mid-cycle
    teammate.save(update_fields=["active"])
    services.advance_cycle(actor=admin, cycle=cycle, to="manager_review")
    moved = _of(cycle, member, "manager")
    assert (moved.evaluator_id, moved.subject_team_id) == (manager.user_id, manager.team_id)
    page = client_for(manager).get(
        reverse("evaluations:evaluation_detail", args=[org.slug, moved.pk])
    )
    assert b'data-testid="subject-moved"' in page.content
    assert other_team.name.encode() in page.content
    left = _of(cycle, teammate, "manager")  # kept, and not flagged as nobody's
    assert teammate.user_id not in {e.subject_id for e in services.unassigned(cycle)}
    page = client_for(manager).get(
        reverse("evaluations:evaluation_detail", args=[org.slug, left.pk])
    )
    assert b'data-testid="subject-left"' in page.content
    assert b'data-testid="subject-moved"' not in page.content


def test_an_admin_adds_someone_who_joined_too_late_to_be_in_the_cycle(
    org, admin, manager, team, criteria
):
    cycle = _cycle(admin, "self_review")
    early = MembershipFactory(organization=org, team=team)
    with pytest.raises(DomainError):  # a bad evaluator: nothing added either
        services.assign_evaluator(
            actor=admin, cycle=cycle, subject_id=early.user_id, evaluator_id=early.user_id
        )
    assert not Evaluation.objects.filter(subject=early.user).exists()
    services.assign_evaluator(
        actor=admin, cycle=cycle, subject_id=early.user_id, evaluator_id=manager.user_id
    )
    assert set(
        Evaluation.objects.filter(cycle=cycle, subject=early.user).values_list(
            "kind", "evaluator_id"
        )
    ) == {("self", manager.user_id), ("manager", manager.user_id)}
    services.advance_cycle(actor=admin, cycle=cycle, to="manager_review")
    late = MembershipFactory(organization=org, team=team)  # after the catch-up
    services.assign_evaluator(
        actor=admin, cycle=cycle, subject_id=late.user_id, evaluator_id=manager.user_id
    )
    added = Evaluation.objects.get(cycle=cycle, subject=late.user)
    assert (added.kind, added.evaluator_id, added.subject_team_id) == (
        "manager",
        manager.user_id,
        team.pk,
    )
