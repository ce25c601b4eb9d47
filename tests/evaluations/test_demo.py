"""The demo organisation gets a closed cycle with released evaluations and one in self
review, once."""

from __future__ import annotations

import pytest

from evaluations.demo import seed_demo_evaluations
from evaluations.models import Evaluation, EvaluationCycle
from tests.factories import MembershipFactory

pytestmark = pytest.mark.django_db


def test_demo_evaluations_are_seeded_once(org, admin, manager, member, teammate, time_machine):
    time_machine.move_to("2026-10-05T03:00:00Z", tick=False)
    people = [
        admin,
        manager,
        member,
        teammate,
        MembershipFactory(organization=org, team=member.team),
    ]
    made = seed_demo_evaluations(org=org, memberships=people)
    assert made == Evaluation.objects.count() == 20
    closed, current = EvaluationCycle.objects.order_by("start")
    assert (closed.status, current.status) == ("closed", "self_review")
    # the only admin has nobody above them: evaluated by nobody, and flagged as such
    unassigned = closed.evaluations.get(kind="manager", evaluator=None)
    assert (unassigned.subject_id, unassigned.status) == (admin.user_id, "draft")
    shown = closed.evaluations.filter(kind="manager").exclude(evaluator=None)
    assert set(shown.values_list("status", flat=True)) == {"released", "acknowledged"}
    assert all(e.summary and e.ratings for e in shown)
    assert current.evaluations.filter(kind="self", status="submitted").exists()
    assert current.evaluations.filter(kind="manager", status="draft").count() == 5
    assert seed_demo_evaluations(org=org, memberships=people) == 0


def test_an_organisation_without_an_admin_gets_nothing(org, member):
    assert seed_demo_evaluations(org=org, memberships=[member]) == 0
