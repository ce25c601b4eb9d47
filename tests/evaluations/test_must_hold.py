"""The issue's "must hold" list, route by route: who sees an evaluation (subject, evaluator,
the evaluator's managers, admins, peers, other organisations) on the API and the pages,
before and after release; a released evaluation is changed by nobody but an admin (audited);
writing an evaluation outside one's people is refused and changes nothing."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from accounts.models import AuditEvent, Membership
from evaluations import services
from evaluations.models import Evaluation
from salesmgmt.errors import DomainError
from tests.access_cast import ACTORS
from tests.evaluations.conftest import api_url
from tests.evaluations.test_cycles import MEMBER_KEYS, SUMMARY, _cycle, _of, _rate
from tests.factories import MembershipFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def sub_manager(org, sub_team) -> Membership:
    """Leads the sub-team below `manager`'s team: `manager` is this evaluator's manager."""
    made = MembershipFactory(
        organization=org, role=Membership.Role.MANAGER, team=sub_team, user__username="sol"
    )
    sub_team.managers.add(made.user)
    return made


@pytest.fixture
def submitted(
    admin,
    manager,
    sub_manager,
    member,
    teammate,
    other_manager,
    other_team_member,
    sub_team_member,
    deactivated,
    outsider,
    criteria,
):
    """sub_team_member's self evaluation and sub_manager's evaluation of them, submitted."""
    cycle = _cycle(admin, "self_review")
    _rate(sub_team_member, _of(cycle, sub_team_member, "self"), dict.fromkeys(MEMBER_KEYS, 3))
    services.advance_cycle(actor=admin, cycle=cycle, to="manager_review")
    theirs = _of(cycle, sub_team_member, "manager")
    assert theirs.evaluator_id == sub_manager.user_id
    _rate(sub_manager, theirs, dict.fromkeys(MEMBER_KEYS, 3), summary=SUMMARY)
    services.advance_cycle(actor=admin, cycle=cycle, to="calibration")
    return cycle


# Who reads sub_team_member's evaluations: (self evaluation, manager's before release, after)
READERS = {
    "admin": (True, True, True),
    "manager": (True, True, True),  # the evaluator's manager (and the person's)
    "sub_manager": (True, True, True),  # the evaluator
    "sub_team_member": (True, False, True),  # the subject: the manager's once released
    "member": (False, False, False),  # peers
    "teammate": (False, False, False),
    "other_manager": (False, False, False),  # another team's manager
    "other_team_member": (False, False, False),
    "deactivated": (False, False, False),
    "outsider": (False, False, False),  # another organisation (its own admin)
}


def _reads(api_for, client_for, org, actor, evaluation) -> bool:
    """The API detail, the page and the list agree on whether the actor reads it."""
    api = api_for(actor).get(api_url(org, "evaluations", evaluation.pk)).status_code
    page = client_for(actor).get(
        reverse("evaluations:evaluation_detail", args=[org.slug, evaluation.pk])
    )
    listed = api_for(actor).get(api_url(org, "evaluations"), {"cycle": evaluation.cycle_id})
    ids = (
        {e["id"] for e in listed.json().get("results", [])} if listed.status_code == 200 else set()
    )
    assert api in (200, 404)
    assert page.status_code in (200, 404)
    assert (api == 200) == (page.status_code == 200) == (evaluation.pk in ids)
    return api == 200


@pytest.mark.parametrize("name", [*ACTORS, "sub_manager"])
def test_who_reads_an_evaluation_on_every_route(
    name, request, api_for, client_for, org, admin, sub_team_member, submitted
):
    actor = request.getfixturevalue(name)
    own, theirs = (
        _of(submitted, sub_team_member, "self"),
        _of(submitted, sub_team_member, "manager"),
    )
    expected_own, expected_before, expected_after = READERS[name]
    assert _reads(api_for, client_for, org, actor, own) is expected_own
    assert _reads(api_for, client_for, org, actor, theirs) is expected_before
    services.advance_cycle(actor=admin, cycle=submitted, to="released")
    assert _reads(api_for, client_for, org, actor, theirs) is expected_after


def test_a_released_evaluation_is_changed_only_by_an_admin_with_an_audit_entry(
    api_for, client_for, org, admin, sub_manager, manager, sub_team_member, submitted
):
    services.advance_cycle(actor=admin, cycle=submitted, to="released")
    theirs = _of(submitted, sub_team_member, "manager")
    before = (theirs.ratings, theirs.comments, theirs.summary, theirs.status)
    url = api_url(org, "evaluations", theirs.pk)
    change = {"ratings": {"results": 1}, "comments": {"results": "Changed my mind"}}
    assert api_for(sub_manager).patch(url, change, format="json").status_code == 400
    assert api_for(sub_manager).post(url + "submit/").status_code == 400
    assert api_for(sub_team_member).patch(url, change, format="json").status_code == 403
    assert api_for(manager).patch(url, change, format="json").status_code == 403
    assert api_for(admin).patch(url, change, format="json").status_code == 403
    page = reverse("evaluations:evaluation_detail", args=[org.slug, theirs.pk])
    assert client_for(sub_manager).post(page, {"rating_results": "1"}).status_code == 422
    assert client_for(manager).post(page, {"rating_results": "1"}).status_code == 403
    theirs.refresh_from_db()
    assert (theirs.ratings, theirs.comments, theirs.summary, theirs.status) == before
    assert not AuditEvent.objects.filter(action__startswith="evaluation_").exists()
    done = api_for(admin).patch(
        url, {"final_rating": 2, "final_note": "Re-calibrated after release"}, format="json"
    )
    assert done.status_code == 200
    assert AuditEvent.objects.filter(
        action="evaluation_final_rating", target=f"evaluation:{theirs.pk}"
    ).exists()


def test_evaluating_someone_outside_ones_people_is_refused_and_changes_nothing(
    api_for, org, admin, manager, member, other_manager, other_team_member, criteria
):
    cycle = _cycle(admin, "manager_review")
    theirs = _of(cycle, member, "manager")  # manager's to write
    with pytest.raises(PermissionDenied):
        services.update_evaluation(actor=other_manager, evaluation=theirs, ratings={"results": 1})
    url = api_url(org, "evaluations", theirs.pk)
    assert (
        api_for(other_manager).patch(url, {"ratings": {"results": 1}}, format="json").status_code
        == 404
    )
    assert api_for(other_manager).post(url + "submit/").status_code == 404
    assert api_for(member).patch(url, {"ratings": {"results": 1}}, format="json").status_code == 404
    mine = _of(cycle, other_team_member, "manager")  # other_manager's own person: fine
    services.update_evaluation(actor=other_manager, evaluation=mine, ratings={"results": 3})
    theirs.refresh_from_db()
    assert (theirs.ratings, theirs.status) == ({}, "draft")
    with pytest.raises(DomainError):  # a rating outside 1-5 from the writer
        services.update_evaluation(actor=manager, evaluation=theirs, ratings={"results": 0})
    theirs.refresh_from_db()
    assert theirs.ratings == {}
    assert not Evaluation.objects.filter(cycle=cycle, kind="manager", status="submitted").exists()
