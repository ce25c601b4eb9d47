"""Criteria: each organisation's, read by everyone, changed by admins; defaults from createorg."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from accounts.services import provision_organization_defaults
from evaluations import access, services
from evaluations.models import EvaluationCriterion
from salesmgmt.errors import DomainError
from tests.access_cast import ACTORS
from tests.evaluations.conftest import api_url

pytestmark = pytest.mark.django_db


def test_every_organisation_gets_the_default_criteria_once(org):
    provision_organization_defaults(org=org)
    provision_organization_defaults(org=org)
    found = dict(EvaluationCriterion.objects.for_org(org).values_list("key", "applies_to"))
    assert found == {
        "results": "member",
        "actions": "member",
        "deals": "member",
        "teamwork": "member",
        "numbers": "manager",
        "decision_making": "manager",
        "communication": "manager",
        "evaluation": "manager",
    }


@pytest.mark.parametrize("name", ACTORS)
def test_the_criterion_rule_matches_the_criteria_query(name, request, criteria, everyone):
    actor = request.getfixturevalue(name)
    made = list(EvaluationCriterion.objects.all())
    visible = set(access.criteria_visible_to(actor))
    assert visible == {c for c in made if access.can_view_criterion(actor, c)}
    assert all(c.organization_id == actor.organization_id for c in visible)


def test_only_admins_change_criteria(admin, manager, criteria):
    with pytest.raises(PermissionDenied):
        services.create_criterion(actor=manager, key="grit", name="Grit")
    made = services.create_criterion(actor=admin, key="grit", name="Grit", weight=3)
    assert (made.key, made.weight, made.applies_to) == ("grit", 3, "all")


def test_a_taken_key_is_refused_and_nothing_changes(admin, criteria):
    with pytest.raises(DomainError) as refused:
        services.create_criterion(actor=admin, key="results", name="Again")
    assert refused.value.field == "key"
    assert EvaluationCriterion.objects.for_org(admin.organization_id).count() == 8


def test_api_lists_filters_creates_and_patches(api_for, org, admin, member, criteria):
    listed = api_for(member).get(api_url(org, "evaluation-criteria"), {"applies_to": "manager"})
    assert listed.status_code == 200
    keys = {c["key"] for c in listed.json()["results"]}
    assert keys == {"numbers", "decision_making", "communication", "evaluation"}

    body = {"key": "grit", "name": "Grit", "applies_to": "member", "weight": 2, "evidence": None}
    assert api_for(member).post(api_url(org, "evaluation-criteria"), body).status_code == 403
    made = api_for(admin).post(api_url(org, "evaluation-criteria"), body, format="json")
    assert made.status_code == 201, made.json()
    assert made.json()["evidence"] is None

    url = api_url(org, "evaluation-criteria", made.json()["id"])
    assert api_for(admin).patch(url, {"weight": 0}, format="json").status_code == 400
    assert api_for(admin).patch(url, {"key": "results"}, format="json").status_code == 400
    changed = api_for(admin).patch(url, {"evidence": "kudos_received"}, format="json")
    assert changed.json()["evidence"] == "kudos_received"
    assert EvaluationCriterion.objects.get(pk=made.json()["id"]).weight == 2


def test_another_organisations_criterion_is_404(
    api_for, client_for, org, admin, criteria, other_org
):
    theirs = EvaluationCriterion.objects.for_org(other_org).first()
    url = api_url(org, "evaluation-criteria", theirs.pk)
    assert api_for(admin).get(url).status_code == 404
    assert api_for(admin).patch(url, {"weight": 5}, format="json").status_code == 404
    page = reverse("evaluations:criterion_edit", args=[org.slug, theirs.pk])
    assert client_for(admin).get(page).status_code == 404


def test_the_criteria_page_lists_and_admins_add(client_for, org, admin, member, criteria):
    url = reverse("evaluations:criteria", args=[org.slug])
    seen = client_for(member).get(url)
    assert seen.status_code == 200
    assert seen.content.count(b'data-testid="criterion"') == 8
    assert b"Add a criterion" not in seen.content
    assert client_for(member).post(url, {"key": "x", "name": "X"}).status_code == 403
    body = {"key": "grit", "name": "Grit", "applies_to": "all", "weight": "1", "evidence": ""}
    assert client_for(admin).post(url, body).status_code == 302
    assert EvaluationCriterion.objects.get(key="grit").evidence is None
    again = client_for(admin).post(url, body)
    assert again.status_code == 422
    empty = client_for(member).get(url, {"applies_to": "all"})
    assert empty.content.count(b'data-testid="criterion"') == 1
