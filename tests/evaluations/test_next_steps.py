"""Next steps become 1:1 action items: the evaluator (or an admin) turns a released manager
evaluation's next steps, one per line, into the person's action items on a 1:1 (theirs or a
new one), once; anyone else is refused, another organisation's evaluation is 404, and a
refusal adds nothing."""

from __future__ import annotations

from datetime import date

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from evaluations import services
from evaluations.models import Evaluation
from motivation import services as motivation_services
from motivation.models import ActionItem, OneOnOne
from salesmgmt.errors import DomainError
from tests.evaluations.conftest import api_url
from tests.evaluations.test_cycles import MEMBER_KEYS, _cycle, _of, _rate

pytestmark = pytest.mark.django_db

STEPS = "- Role-play objections with Tess\n\n2. Ten new visits a week\n" + "x" * 400
SUMMARY = {"strengths": "Persistent", "improve": "Qualify earlier", "next_steps": STEPS}


@pytest.fixture
def rated(admin, manager, member, teammate, other_manager, criteria):
    """member's manager evaluation, submitted with three next steps, in manager review."""
    cycle = _cycle(admin, "manager_review")
    _rate(manager, _of(cycle, member, "manager"), dict.fromkeys(MEMBER_KEYS, 3), summary=SUMMARY)
    return _of(cycle, member, "manager")


@pytest.fixture
def released(rated, admin):
    services.advance_cycle(actor=admin, cycle=rated.cycle, to="calibration")
    services.advance_cycle(actor=admin, cycle=rated.cycle, to="released")
    rated.refresh_from_db()
    return rated


def test_next_steps_are_read_one_per_line_without_bullets(released):
    steps = services.next_steps_of(released)
    assert steps[:2] == ["Role-play objections with Tess", "Ten new visits a week"]
    assert len(steps) == 3
    assert len(steps[2]) == 300  # an action item's length
    assert steps[2].endswith("…")


def test_the_evaluator_makes_them_action_items_of_a_new_1on1_once(released, manager, member):
    held, added = services.next_steps_to_one_on_one(
        actor=manager, evaluation=released, day=date(2026, 10, 6), due=date(2026, 10, 31)
    )
    assert (held.manager_id, held.member_id, held.date) == (
        manager.user_id,
        member.user_id,
        date(2026, 10, 6),
    )
    assert [i.text for i in added] == services.next_steps_of(released)
    assert {(i.owner_id, i.due) for i in added} == {(member.user_id, date(2026, 10, 31))}
    assert set(held.action_items.all()) == set(added)
    released.refresh_from_db()
    assert released.next_steps_one_on_one_id == held.pk
    with pytest.raises(DomainError) as refused:  # once: a second time adds nothing
        services.next_steps_to_one_on_one(actor=manager, evaluation=released)
    assert "2026-10-06" in refused.value.message
    assert ActionItem.objects.count() == 3
    assert OneOnOne.objects.count() == 1


def test_they_go_on_one_of_the_evaluators_own_1on1s_with_the_person(
    released, manager, member, teammate
):
    mine = motivation_services.hold_one_on_one(actor=manager, member=member, day=date(2026, 10, 9))
    other_pair = motivation_services.hold_one_on_one(actor=manager, member=teammate)
    with pytest.raises(DomainError) as refused:
        services.next_steps_to_one_on_one(actor=manager, evaluation=released, one_on_one=other_pair)
    assert refused.value.field == "one_on_one"
    assert not ActionItem.objects.exists()
    held, added = services.next_steps_to_one_on_one(
        actor=manager, evaluation=released, one_on_one=mine
    )
    assert held == mine
    assert mine.action_items.count() == len(added) == 3


def test_only_once_released_and_only_the_evaluator_or_an_admin(
    rated, admin, manager, member, teammate, other_manager
):
    with pytest.raises(DomainError):  # submitted, not yet shown to the person
        services.next_steps_to_one_on_one(actor=manager, evaluation=rated)
    services.advance_cycle(actor=admin, cycle=rated.cycle, to="calibration")
    services.advance_cycle(actor=admin, cycle=rated.cycle, to="released")
    rated.refresh_from_db()
    own = _of(rated.cycle, member, "self")
    for actor, evaluation in [
        (member, rated),  # the subject
        (teammate, rated),  # a peer
        (other_manager, rated),  # another team's manager
        (manager, own),  # a self evaluation has no next steps to hand out
    ]:
        with pytest.raises(PermissionDenied):
            services.next_steps_to_one_on_one(actor=actor, evaluation=evaluation)
    assert not ActionItem.objects.exists()
    held, _added = services.next_steps_to_one_on_one(actor=admin, evaluation=rated)
    assert (held.manager_id, held.member_id) == (admin.user_id, member.user_id)


def test_an_evaluation_without_next_steps_or_a_departed_person_is_refused(
    released, manager, member
):
    Evaluation.objects.filter(pk=released.pk).update(summary={"next_steps": " \n - \n"})
    released.refresh_from_db()
    with pytest.raises(DomainError):
        services.next_steps_to_one_on_one(actor=manager, evaluation=released)
    Evaluation.objects.filter(pk=released.pk).update(summary=SUMMARY)
    released.refresh_from_db()
    member.active = False
    member.save(update_fields=["active"])
    with pytest.raises(DomainError):
        services.next_steps_to_one_on_one(actor=manager, evaluation=released)
    assert not OneOnOne.objects.exists()


def test_api_action_items(
    api_for, org, other_org, outsider, released, admin, manager, member, teammate
):
    url = api_url(org, "evaluations", released.pk, "action-items")
    assert api_for(member).post(url, {}, format="json").status_code == 403
    assert api_for(teammate).post(url, {}, format="json").status_code == 404
    assert api_for(outsider).post(url, {}, format="json").status_code == 404
    theirs = api_url(other_org, "evaluations", released.pk, "action-items")
    assert api_for(outsider).post(theirs, {}, format="json").status_code == 404
    for bad in ({"one_on_one": 999_999}, {"date": "2026-13-01"}, {"due": "soon"}):
        assert api_for(manager).post(url, bad, format="json").status_code == 400
    assert not OneOnOne.objects.exists()
    made = api_for(manager).post(url, {"date": "2026-10-06", "due": "2026-10-31"}, format="json")
    assert made.status_code == 201, made.json()
    body = made.json()
    held = OneOnOne.objects.get()
    assert (body["one_on_one"], body["date"]) == (held.pk, "2026-10-06")
    assert [i["text"] for i in body["action_items"]][:2] == [
        "Role-play objections with Tess",
        "Ten new visits a week",
    ]
    assert {(i["owner"], i["due"]) for i in body["action_items"]} == {
        (member.user_id, "2026-10-31")
    }
    again = api_for(manager).post(url, {}, format="json")
    assert again.status_code == 400
    assert ActionItem.objects.count() == 3
    got = api_for(member).get(api_url(org, "evaluations", released.pk)).json()
    assert got["next_steps_one_on_one"] == held.pk


def test_the_page_offers_it_to_the_evaluator_and_links_the_1on1(
    client_for, org, released, manager, member, teammate
):
    page = reverse("evaluations:evaluation_detail", args=[org.slug, released.pk])
    post = reverse("evaluations:evaluation_action_items", args=[org.slug, released.pk])
    assert b'data-testid="next-steps-form"' in client_for(manager).get(page).content
    assert b'data-testid="next-steps-form"' not in client_for(member).get(page).content
    assert client_for(member).post(post, {}).status_code == 403
    assert client_for(teammate).post(post, {}).status_code == 404
    bad = client_for(manager).post(post, {"date": "someday"})
    assert bad.status_code == 422
    assert b'data-testid="next-steps-form"' in bad.content
    assert not OneOnOne.objects.exists()
    done = client_for(manager).post(post, {"one_on_one": "", "date": "2026-10-06"})
    held = OneOnOne.objects.get()
    assert done.status_code == 302
    assert done["Location"] == reverse("motivation:one_on_one_detail", args=[org.slug, held.pk])
    assert held.action_items.count() == 3
    seen = client_for(member).get(page).content
    assert b'data-testid="next-steps-one-on-one"' in seen
    assert b'data-testid="next-steps-form"' not in client_for(manager).get(page).content
    again = client_for(manager).post(post, {})  # a second time: refused, with the reason
    assert again.status_code == 422
    assert b"already action items" in again.content
    assert ActionItem.objects.count() == 3
