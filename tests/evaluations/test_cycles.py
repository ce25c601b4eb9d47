"""Cycles and evaluations: one stage at a time; opening self review creates everyone's
evaluations with the right evaluator; ratings 1-5 on known criteria; the basis is mandatory;
who sees what (drafts never leak; the subject sees the manager's only once released)."""

from __future__ import annotations

import re
from datetime import date

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from evaluations import access, services
from evaluations.models import Evaluation, EvaluationCycle
from messaging.models import Notification
from salesmgmt.errors import DomainError
from tests.access_cast import ACTORS
from tests.evaluations.conftest import api_url
from tests.factories import MembershipFactory

pytestmark = pytest.mark.django_db

MEMBER_KEYS = ("results", "actions", "deals", "teamwork")


def _cycle(admin, stage="draft"):
    cycle = services.create_cycle(
        actor=admin, name="H1 2026", start=date(2026, 4, 1), end=date(2026, 9, 30)
    )
    order = list(EvaluationCycle.Status.values)
    for step in order[1 : order.index(stage) + 1]:
        cycle = services.advance_cycle(actor=admin, cycle=cycle, to=step)
    return cycle


def _of(cycle, person, kind):
    return Evaluation.objects.get(cycle=cycle, subject=person.user, kind=kind)


def _rate(actor, evaluation, ratings, comments=None, summary=None):
    services.update_evaluation(
        actor=actor, evaluation=evaluation, ratings=ratings, comments=comments, summary=summary
    )
    return services.submit_evaluation(actor=actor, evaluation=evaluation)


SUMMARY = {"strengths": "Persistent", "improve": "Qualify earlier", "next_steps": "Role-play"}


def test_a_cycle_moves_one_stage_at_a_time_and_only_by_admins(admin, manager, criteria):
    cycle = _cycle(admin)
    with pytest.raises(DomainError) as refused:
        services.advance_cycle(actor=admin, cycle=cycle, to="manager_review")
    assert refused.value.field == "to"
    with pytest.raises(PermissionDenied):
        services.advance_cycle(actor=manager, cycle=cycle, to="self_review")
    cycle.refresh_from_db()
    assert cycle.status == "draft"
    assert not Evaluation.objects.exists()


def test_opening_self_review_gives_everyone_active_an_evaluator(
    org,
    admin,
    manager,
    other_manager,
    member,
    teammate,
    other_team_member,
    sub_team_member,
    deactivated,
    criteria,
):
    cycle = _cycle(admin, "self_review")
    evaluators = dict(
        Evaluation.objects.filter(cycle=cycle, kind="manager").values_list(
            "subject_id", "evaluator_id"
        )
    )
    assert evaluators == {
        member.user_id: manager.user_id,
        teammate.user_id: manager.user_id,
        sub_team_member.user_id: manager.user_id,  # nobody leads the sub-team: the team above
        other_team_member.user_id: other_manager.user_id,
        manager.user_id: admin.user_id,  # leads a top team: an admin
        other_manager.user_id: admin.user_id,
        admin.user_id: None,  # the only admin: nobody can evaluate them (flagged)
    }  # `deactivated` is not evaluated
    assert Evaluation.objects.filter(cycle=cycle, kind="self").count() == 7
    assert [e.subject_id for e in services.unassigned(cycle)] == [admin.user_id]
    assert _of(cycle, manager, "self").leads_team is True
    assert _of(cycle, member, "self").subject_team_id == member.team_id


def test_ratings_must_be_1_to_5_on_known_criteria_and_nothing_changes(admin, member, criteria):
    cycle = _cycle(admin, "self_review")
    own = _of(cycle, member, "self")
    for bad in ({"results": 6}, {"results": 0}, {"numbers": 3}, {"nope": 2}, {"results": "4"}):
        with pytest.raises(DomainError) as refused:
            services.update_evaluation(actor=member, evaluation=own, ratings=bad)
        assert refused.value.field == "ratings"
    own.refresh_from_db()
    assert own.ratings == {}


def test_each_writes_only_their_own_in_their_stage(admin, manager, member, teammate, criteria):
    cycle = _cycle(admin, "self_review")
    with pytest.raises(PermissionDenied):
        services.update_evaluation(
            actor=manager, evaluation=_of(cycle, member, "self"), ratings={"results": 3}
        )
    with pytest.raises(PermissionDenied):
        services.update_evaluation(
            actor=member, evaluation=_of(cycle, member, "manager"), ratings={"results": 3}
        )
    with pytest.raises(DomainError):  # the manager's turn comes at manager review
        services.update_evaluation(
            actor=manager, evaluation=_of(cycle, member, "manager"), ratings={"results": 3}
        )
    with pytest.raises(DomainError) as refused:  # every criterion rated
        _rate(member, _of(cycle, member, "self"), {"results": 3})
    assert refused.value.field == "ratings"
    done = _rate(member, _of(cycle, member, "self"), dict.fromkeys(MEMBER_KEYS, 3))
    assert done.status == "submitted"
    with pytest.raises(DomainError):  # submitted: no more changes
        services.update_evaluation(actor=member, evaluation=done, ratings={"results": 4})


def test_the_basis_is_mandatory_for_extreme_or_far_apart_ratings(admin, manager, member, criteria):
    cycle = _cycle(admin, "self_review")
    _rate(
        member, _of(cycle, member, "self"), {"results": 4, "actions": 4, "deals": 2, "teamwork": 3}
    )
    cycle = services.advance_cycle(actor=admin, cycle=cycle, to="manager_review")
    theirs = _of(cycle, member, "manager")
    ratings = {"results": 5, "actions": 2, "deals": 2, "teamwork": 3}
    with pytest.raises(DomainError) as refused:
        _rate(manager, theirs, ratings, summary=SUMMARY)
    assert refused.value.field == "comments"
    assert "results, actions" in refused.value.message  # 5 and two steps below the self 4
    assert "deals" not in refused.value.message
    theirs.refresh_from_db()
    assert theirs.status == "draft"
    with pytest.raises(DomainError) as refused:
        _rate(manager, theirs, ratings, comments={"results": "Target 130%"}, summary=SUMMARY)
    assert "actions" in refused.value.message
    assert "results" not in refused.value.message
    done = _rate(manager, theirs, ratings, comments={"actions": "Visits at 60%"})
    assert done.status == "submitted"
    assert done.comments == {"results": "Target 130%", "actions": "Visits at 60%"}


def test_the_subject_sees_the_managers_evaluation_only_once_released(
    admin, manager, member, criteria
):
    cycle = _cycle(admin, "self_review")
    services.advance_cycle(actor=admin, cycle=cycle, to="manager_review")
    theirs = _of(cycle, member, "manager")
    _rate(manager, theirs, dict.fromkeys(MEMBER_KEYS, 3), summary=SUMMARY)
    services.advance_cycle(actor=admin, cycle=cycle, to="calibration")
    assert theirs not in access.evaluations_visible_to(member)
    services.advance_cycle(actor=admin, cycle=cycle, to="released")
    theirs.refresh_from_db()
    assert theirs.status == "released"
    told = Notification.objects.get(recipient=member.user)
    assert (told.kind, told.event) == ("evaluation_released", f"evaluation:{theirs.pk}")
    assert theirs in access.evaluations_visible_to(member)
    with pytest.raises(PermissionDenied):
        services.acknowledge_evaluation(actor=manager, evaluation=theirs)
    done = services.acknowledge_evaluation(actor=member, evaluation=theirs, response="Agreed")
    assert (done.status, done.response) == ("acknowledged", "Agreed")


@pytest.fixture
def made(
    admin,
    manager,
    member,
    teammate,
    other_team_member,
    sub_team_member,
    deactivated,
    outsider,
    other_org,
    criteria,
):
    """Evaluations in every state: drafts, submitted, released; and another organisation's."""
    cycle = _cycle(admin, "self_review")
    _rate(member, _of(cycle, member, "self"), dict.fromkeys(MEMBER_KEYS, 3))
    services.advance_cycle(actor=admin, cycle=cycle, to="manager_review")
    _rate(manager, _of(cycle, member, "manager"), dict.fromkeys(MEMBER_KEYS, 3), summary=SUMMARY)
    services.update_evaluation(
        actor=manager, evaluation=_of(cycle, teammate, "manager"), ratings={"results": 2}
    )
    theirs = services.create_cycle(
        actor=outsider, name="Globex", start=date(2026, 1, 1), end=date(2026, 6, 30)
    )
    MembershipFactory(organization=other_org)
    services.advance_cycle(actor=outsider, cycle=theirs, to="self_review")
    return list(Evaluation.objects.all())


@pytest.mark.parametrize("name", ACTORS)
def test_the_evaluation_rule_matches_the_evaluation_query(name, request, made):
    actor = request.getfixturevalue(name)
    visible = set(access.evaluations_visible_to(actor))
    assert visible == {e for e in made if access.can_view_evaluation(actor, e)}


@pytest.mark.parametrize("name", ACTORS)
def test_the_cycle_rule_matches_the_cycle_query(name, request, made, admin):
    services.create_cycle(actor=admin, name="H2", start=date(2026, 10, 1), end=date(2027, 3, 31))
    actor = request.getfixturevalue(name)
    visible = set(access.cycles_visible_to(actor))
    assert visible == {c for c in EvaluationCycle.objects.all() if access.can_view_cycle(actor, c)}


def test_drafts_never_leak_and_peers_see_nothing(
    made, manager, member, teammate, other_manager, admin
):
    cycle = EvaluationCycle.objects.for_org(member.organization_id).get()
    draft = _of(cycle, teammate, "manager")
    assert draft.status == "draft"
    for reader in (admin, teammate, member, other_manager):
        assert draft not in access.evaluations_visible_to(reader)
    submitted = _of(cycle, member, "manager")
    assert submitted in access.evaluations_visible_to(admin)
    assert submitted not in access.evaluations_visible_to(member)  # not released yet
    assert submitted not in access.evaluations_visible_to(teammate)
    assert submitted not in access.evaluations_visible_to(other_manager)
    own = _of(cycle, member, "self")
    assert {own} == set(access.evaluations_visible_to(member))
    assert own in access.evaluations_visible_to(manager)


# --- API and pages --------------------------------------------------------------------------


def test_api_cycle_create_and_advance(api_for, org, admin, manager, member, criteria):
    url = api_url(org, "evaluation-cycles")
    body = {"name": "H1", "start": "2026-04-01", "end": "2026-09-30"}
    assert api_for(manager).post(url, body).status_code == 403
    assert api_for(admin).post(url, {**body, "end": "2026-01-01"}).status_code == 400
    made = api_for(admin).post(url, body)
    assert made.status_code == 201
    assert made.json()["status"] == "draft"
    assert api_for(member).get(url).json()["results"] == []  # drafts: admins only
    advance = api_url(org, "evaluation-cycles", made.json()["id"], "advance")
    assert api_for(admin).post(advance, {"to": "calibration"}).status_code == 400
    assert api_for(admin).post(advance, {"to": "someday"}).status_code == 400
    assert api_for(manager).post(advance, {"to": "self_review"}).status_code == 404  # a draft
    assert not Evaluation.objects.exists()
    moved = api_for(admin).post(advance, {"to": "self_review"})
    assert moved.json()["status"] == "self_review"
    assert Evaluation.objects.filter(subject=member.user).count() == 2
    assert api_for(manager).post(advance, {"to": "manager_review"}).status_code == 403


def test_api_evaluations_filter_patch_and_submit(
    api_for, org, admin, manager, member, teammate, criteria
):
    cycle = _cycle(admin, "self_review")
    own = _of(cycle, member, "self")
    listed = api_for(member).get(api_url(org, "evaluations"), {"cycle": cycle.pk, "kind": "self"})
    assert [e["id"] for e in listed.json()["results"]] == [own.pk]
    assert api_for(member).get(api_url(org, "evaluations"), {"kind": "bogus"}).status_code == 400
    url = api_url(org, "evaluations", own.pk)
    assert api_for(member).patch(url, {"ratings": {"results": 9}}, format="json").status_code == 400
    assert api_for(member).patch(url, {"ratings": {"x": 2}}, format="json").status_code == 400
    assert (
        api_for(teammate).patch(url, {"ratings": {"results": 2}}, format="json").status_code == 404
    )
    changed = api_for(member).patch(
        url,
        {"ratings": dict.fromkeys(MEMBER_KEYS, 4), "comments": {"results": "110%"}},
        format="json",
    )
    assert changed.status_code == 200, changed.json()
    assert changed.json()["ratings"]["results"] == 4
    assert api_for(member).post(url + "submit/").json()["status"] == "submitted"
    assert api_for(manager).get(url).status_code == 200


def test_another_organisations_evaluation_and_cycle_are_404(
    api_for, client_for, org, made, admin, other_org
):
    theirs = Evaluation.objects.filter(organization=other_org).first()
    their_cycle = theirs.cycle
    assert api_for(admin).get(api_url(org, "evaluations", theirs.pk)).status_code == 404
    assert api_for(admin).post(api_url(org, "evaluations", theirs.pk, "submit")).status_code == 404
    advance = api_url(org, "evaluation-cycles", their_cycle.pk, "advance")
    assert api_for(admin).post(advance, {"to": "manager_review"}).status_code == 404
    page = reverse("evaluations:evaluation_detail", args=[org.slug, theirs.pk])
    assert client_for(admin).get(page).status_code == 404
    their_cycle.refresh_from_db()
    assert their_cycle.status == "self_review"


def test_the_pages_let_the_writer_fill_in_and_submit(
    client_for, org, admin, manager, member, criteria
):
    cycle = _cycle(admin, "self_review")
    own = _of(cycle, member, "self")
    url = reverse("evaluations:evaluation_detail", args=[org.slug, own.pk])
    assert client_for(manager).get(url).status_code == 404  # a draft
    form = {f"rating_{k}": "3" for k in MEMBER_KEYS} | {"comment_results": "On target"}
    refused = client_for(member).post(url, {**form, "rating_results": "", "submit": "1"})
    assert refused.status_code == 422
    assert client_for(member).post(url, {**form, "submit": "1"}).status_code == 302
    own.refresh_from_db()
    assert (own.status, own.ratings["results"], own.comments) == (
        "submitted",
        3,
        {"results": "On target"},
    )
    seen = client_for(manager).get(url)
    assert seen.status_code == 200
    assert b"On target" in seen.content
    listing = client_for(manager).get(reverse("evaluations:evaluation_list", args=[org.slug]))
    # their own self evaluation and member's manager evaluation (drafts they write), member's
    assert listing.content.count(b'data-testid="evaluation"') == 3
    query = {"subject": member.user_id, "kind": "self"}
    one = client_for(manager).get(reverse("evaluations:evaluation_list", args=[org.slug]), query)
    assert one.content.count(b'data-testid="evaluation"') == 1
    empty = client_for(member).get(
        reverse("evaluations:evaluation_list", args=[org.slug]), {"kind": "manager"}
    )
    assert b"No evaluations to show." in empty.content
    cycles = client_for(admin).get(reverse("evaluations:cycles", args=[org.slug]))
    assert b"Move to the next stage" in cycles.content
    advance = reverse("evaluations:cycle_advance", args=[org.slug, cycle.pk])
    assert client_for(manager).post(advance, {"to": "manager_review"}).status_code == 403
    client_for(admin).post(advance, {"to": "released"})
    cycle.refresh_from_db()
    assert cycle.status == "self_review"


def test_the_evaluation_list_reads_in_constant_queries(
    client_for, org, admin, team, criteria, django_assert_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    MembershipFactory.create_batch(12, organization=org, team=team)  # more than one page
    _cycle(admin, "self_review")
    Evaluation.objects.update(status="submitted")
    page = reverse("evaluations:evaluation_list", args=[org.slug])
    client = client_for(admin)
    client.get(page)
    with CaptureQueriesContext(connection) as before:
        client.get(page)
    MembershipFactory.create_batch(5, organization=org, team=team)
    _cycle(admin, "self_review")
    Evaluation.objects.update(status="submitted")
    with CaptureQueriesContext(connection) as after:
        client.get(page)

    def shape(captured: CaptureQueriesContext) -> list[str]:
        # PostgreSQL names each server-side cursor afresh (DECLARE "_django_curs_…_sync_N").
        return [re.sub(r"_django_curs_\d+_sync_\d+", "cursor", q["sql"])[:60] for q in captured]

    assert shape(after) == shape(before)


def test_joiners_and_leaving_evaluators_are_caught_up_at_manager_review(
    org, admin, manager, member, team, criteria
):
    cycle = _cycle(admin, "self_review")
    joiner = MembershipFactory(organization=org, team=team)
    stand_in = MembershipFactory(organization=org, role="manager", team=team)
    team.managers.add(stand_in.user)
    manager.active = False  # member's evaluator leaves
    manager.save(update_fields=["active"])
    services.advance_cycle(actor=admin, cycle=cycle, to="manager_review")
    new = Evaluation.objects.get(cycle=cycle, subject=joiner.user)
    assert (new.kind, new.evaluator_id) == ("manager", stand_in.user_id)
    assert set(
        Evaluation.objects.filter(cycle=cycle, subject=member.user).values_list(
            "evaluator_id", flat=True
        )
    ) == {stand_in.user_id}
