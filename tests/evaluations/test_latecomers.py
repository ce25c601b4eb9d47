"""People who join after a cycle opened: while it is in self or manager review, the active
members with no evaluation in it are listed on the cycles page and as `not_in_cycle` in the
API (admins: everyone; managers: their teams' people; members: nobody) until an admin adds
them by assigning an evaluator; other stages list nobody. One query for the list."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from evaluations import access, services
from evaluations.models import Evaluation, EvaluationCycle
from tests.evaluations.conftest import api_url
from tests.evaluations.test_cycles import _cycle
from tests.factories import MembershipFactory

pytestmark = pytest.mark.django_db


def _listed(api, org, cycle):
    detail = api.get(api_url(org, "evaluation-cycles", cycle.pk))
    assert detail.status_code == 200
    listed = api.get(api_url(org, "evaluation-cycles")).json()["results"]
    assert [c["not_in_cycle"] for c in listed if c["id"] == cycle.pk] == [
        detail.json()["not_in_cycle"]
    ]
    return detail.json()["not_in_cycle"]


def test_latecomers_are_listed_for_admins_and_their_managers_until_added(
    api_for, client_for, org, admin, manager, member, other_manager, other_team, criteria
):
    cycle = _cycle(admin, "self_review")
    ours = MembershipFactory(organization=org, team=manager.team, user__name="Late Lou")
    theirs = MembershipFactory(organization=org, team=other_team, user__name="Late Theo")
    MembershipFactory(organization=org, team=manager.team, active=False)  # left: not listed
    assert _listed(api_for(admin), org, cycle) == [ours.user_id, theirs.user_id]
    assert _listed(api_for(manager), org, cycle) == [ours.user_id]
    assert _listed(api_for(member), org, cycle) == []
    assert api_for(admin).get(api_url(org, "evaluation-cycles", cycle.pk)).json()[
        "without_evaluator"
    ] == [admin.user_id]  # the only admin: nobody above them (unchanged)

    cycles = reverse("evaluations:cycles", args=[org.slug])
    page = client_for(admin).get(cycles).content.decode()
    assert 'data-testid="not-in-cycle"' in page
    assert "Late Lou" in page
    assert "Late Theo" in page
    assert f'name="subject" value="{ours.user_id}"' in page  # the assign form offers them
    page = client_for(manager).get(cycles).content.decode()
    assert "Late Lou" in page
    assert "Late Theo" not in page
    assert f'name="subject" value="{ours.user_id}"' not in page  # admins assign
    page = client_for(member).get(cycles).content.decode()
    assert 'data-testid="not-in-cycle"' not in page
    assert "Late Lou" not in page

    assign = reverse("evaluations:cycle_assign_evaluator", args=[org.slug, cycle.pk])
    body = {"subject": ours.user_id, "evaluator": manager.user_id}
    assert client_for(admin).post(assign, body).status_code == 302
    assert set(
        Evaluation.objects.filter(cycle=cycle, subject=ours.user).values_list(
            "kind", "evaluator_id"
        )
    ) == {("self", manager.user_id), ("manager", manager.user_id)}
    assert _listed(api_for(admin), org, cycle) == [theirs.user_id]
    assert _listed(api_for(manager), org, cycle) == []
    url = api_url(org, "evaluation-cycles", cycle.pk, "assign-evaluator")
    done = api_for(admin).post(url, {"subject": theirs.user_id, "evaluator": other_manager.user_id})
    assert done.status_code == 200, done.json()
    assert done.json()["not_in_cycle"] == []
    assert Evaluation.objects.filter(cycle=cycle, subject=theirs.user).count() == 2


def test_latecomers_are_listed_through_manager_review_and_nobody_at_other_stages(
    api_for, client_for, org, admin, team, criteria
):
    draft = _cycle(admin)
    MembershipFactory(organization=org, team=team, user__name="Late Lou")
    assert _listed(api_for(admin), org, draft) == []
    moved = api_for(admin).post(
        api_url(org, "evaluation-cycles", draft.pk, "advance"), {"to": "self_review"}
    )
    assert moved.json()["not_in_cycle"] == []  # opening self review takes everyone in
    later = MembershipFactory(organization=org, team=team, user__name="Later Lee")
    assert _listed(api_for(admin), org, draft) == [later.user_id]
    moved = api_for(admin).post(
        api_url(org, "evaluation-cycles", draft.pk, "advance"), {"to": "manager_review"}
    )
    assert moved.json()["not_in_cycle"] == []  # caught up at manager review
    last = MembershipFactory(organization=org, team=team, user__name="Last Liv")
    assert _listed(api_for(admin), org, draft) == [last.user_id]
    cycles = reverse("evaluations:cycles", args=[org.slug])
    for stage in ("calibration", "released", "closed"):
        moved = api_for(admin).post(
            api_url(org, "evaluation-cycles", draft.pk, "advance"), {"to": stage}
        )
        assert moved.status_code == 200, moved.json()
        assert moved.json()["not_in_cycle"] == []
        assert _listed(api_for(admin), org, draft) == []
        page = client_for(admin).get(cycles).content.decode()
        assert 'data-testid="not-in-cycle"' not in page
        assert "Last Liv" not in page


def test_another_organisations_cycle_is_not_found(api_for, org, admin, outsider, criteria):
    cycle = _cycle(admin, "self_review")
    late = MembershipFactory(organization=org)
    assert api_for(outsider).get(api_url(org, "evaluation-cycles", cycle.pk)).status_code == 404
    assign = api_url(org, "evaluation-cycles", cycle.pk, "assign-evaluator")
    body = {"subject": late.user_id, "evaluator": admin.user_id}
    assert api_for(outsider).post(assign, body).status_code == 404
    assert not Evaluation.objects.filter(subject=late.user).exists()
    theirs = api_url(outsider.organization, "evaluation-cycles", cycle.pk)
    assert api_for(outsider).get(theirs).status_code == 404
    assert (
        api_for(outsider).get(api_url(outsider.organization, "evaluation-cycles")).json()["results"]
        == []
    )


def test_the_list_takes_one_query_however_many_latecomers_and_cycles(
    api_for, org, admin, manager, team, criteria, django_assert_num_queries
):
    first = _cycle(admin, "self_review")
    second = _cycle(admin, "manager_review")
    cycles = list(EvaluationCycle.objects.filter(pk__in=[first.pk, second.pk]))
    for reader in (admin, manager):
        people = access.latecomers_visible_to(reader)
        with django_assert_num_queries(1):
            assert services.not_in_cycles(people, cycles) == {}
    for _ in range(5):
        MembershipFactory(organization=org, team=team)
    for reader in (admin, manager):
        people = access.latecomers_visible_to(reader)
        with django_assert_num_queries(1):
            found = services.not_in_cycles(people, cycles)
        assert {k: len(v) for k, v in found.items()} == {first.pk: 5, second.pk: 5}

    def queries(reader):
        with CaptureQueriesContext(connection) as seen:
            assert api_for(reader).get(api_url(org, "evaluation-cycles")).status_code == 200
        return len(seen)

    before = {reader.pk: queries(reader) for reader in (admin, manager)}
    for _ in range(5):
        MembershipFactory(organization=org, team=team)
    assert {reader.pk: queries(reader) for reader in (admin, manager)} == before
