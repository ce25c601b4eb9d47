"""1:1s: a manager of the member (or an admin) records them; the pair, the member's managers
and admins read them; private notes are the writing manager's alone; open action items
carry over to the pair's next 1:1; the member proposes agenda points before the meeting."""

from __future__ import annotations

from datetime import date

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from messaging.models import Notification
from motivation import access, selectors, services
from motivation.models import ActionItem, OneOnOne
from motivation.services import NewActionItem
from salesmgmt.errors import DomainError
from tests.factories import MembershipFactory
from tests.motivation.conftest import ACTORS

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("wednesday")]

SECRET = "Thinking about a transfer; watch closely."


def _api(org, *parts):
    return "/api/v1/orgs/" + org.slug + "/" + "".join(f"{p}/" for p in parts)


@pytest.fixture
def co_manager(org, team):
    """A second manager of `team`: a manager of the member, but not the 1:1's writer."""
    from accounts.models import Membership

    other = MembershipFactory(organization=org, role=Membership.Role.MANAGER, user__username="cole")
    team.managers.add(other.user)
    return other


@pytest.fixture
def one_on_one(manager, member):
    return services.hold_one_on_one(
        actor=manager,
        member=member,
        day=date(2026, 3, 4),
        agenda="Pipeline review",
        shared_notes="Agreed to focus on Aoba.",
        private_notes=SECRET,
        action_items=[
            NewActionItem(text="Send the Aoba proposal", owner_id=member.user_id),
            NewActionItem(text="Book a joint visit", owner_id=manager.user_id),
        ],
    )


# --- services -------------------------------------------------------------------------------


def test_a_manager_records_a_1_1_and_the_member_is_told_without_any_notes(one_on_one, member):
    assert one_on_one.action_items.count() == 2
    told = Notification.objects.get(recipient=member.user)
    assert told.kind == "one_on_one"
    assert SECRET not in told.excerpt
    assert "Aoba" not in told.excerpt


def test_only_a_manager_of_the_member_or_an_admin_holds_a_1_1(
    member, teammate, other_manager, admin, manager
):
    with pytest.raises(PermissionDenied):
        services.hold_one_on_one(actor=other_manager, member=member)
    with pytest.raises(PermissionDenied):
        services.hold_one_on_one(actor=teammate, member=member)
    with pytest.raises(PermissionDenied):
        services.hold_one_on_one(actor=manager, member=manager)
    assert services.hold_one_on_one(actor=admin, member=member).manager_id == admin.user_id
    assert OneOnOne.objects.count() == 1


def test_an_action_item_owned_by_someone_outside_the_pair_is_refused(manager, member, teammate):
    with pytest.raises(DomainError) as refused:
        services.hold_one_on_one(
            actor=manager,
            member=member,
            action_items=[NewActionItem(text="Help out", owner_id=teammate.user_id)],
        )
    assert refused.value.field == "action_items"
    assert not OneOnOne.objects.exists()
    assert not ActionItem.objects.exists()


def test_open_action_items_carry_over_to_the_pairs_next_1_1_until_done(one_on_one, manager, member):
    sent, booked = one_on_one.action_items.order_by("id")
    services.set_action_item_done(actor=manager, item=booked, done=True)
    second = services.hold_one_on_one(actor=manager, member=member, day=date(2026, 3, 18))

    items = selectors.with_items([second])[0].items
    assert [(i.pk, i.carried_over) for i in items] == [(sent.pk, True)]

    services.set_action_item_done(actor=member, item=items[0], done=True)
    third = services.hold_one_on_one(actor=manager, member=member, day=date(2026, 4, 1))
    assert selectors.with_items([third])[0].items == []


def test_items_of_another_pair_do_not_carry_over(one_on_one, manager, teammate):
    other = services.hold_one_on_one(actor=manager, member=teammate, day=date(2026, 3, 18))
    assert selectors.with_items([other])[0].items == []


def test_the_member_proposes_agenda_points_before_the_meeting_only(manager, member, teammate):
    coming = services.hold_one_on_one(actor=manager, member=member, day=date(2026, 3, 10))
    point = services.propose_agenda_point(actor=member, one_on_one=coming, text="My targets")
    assert point.author_id == member.user_id
    assert Notification.objects.filter(recipient=manager.user, event=f"agenda-point:{point.pk}")

    past = services.hold_one_on_one(actor=manager, member=member, day=date(2026, 3, 1))
    with pytest.raises(DomainError):
        services.propose_agenda_point(actor=member, one_on_one=past, text="Too late")
    with pytest.raises(PermissionDenied):
        services.propose_agenda_point(actor=teammate, one_on_one=coming, text="Me too")


# --- who sees what --------------------------------------------------------------------------


@pytest.fixture
def every_one_on_one(
    manager, member, sub_team_member, other_manager, other_team_member, admin, outsider, other_org
):
    from tests.factories import TeamFactory

    outsider_member = MembershipFactory(
        organization=other_org, team=TeamFactory(organization=other_org)
    )
    return [
        services.hold_one_on_one(actor=manager, member=member),
        services.hold_one_on_one(actor=manager, member=sub_team_member),
        services.hold_one_on_one(actor=other_manager, member=other_team_member),
        services.hold_one_on_one(actor=admin, member=manager),
        services.hold_one_on_one(actor=outsider, member=outsider_member),
    ]


@pytest.mark.parametrize("name", ACTORS)
def test_the_1_1_rule_matches_the_1_1_query(name, request, every_one_on_one):
    actor = request.getfixturevalue(name)
    visible = set(access.one_on_ones_visible_to(actor).values_list("pk", flat=True))
    assert {o.pk for o in every_one_on_one if access.can_view_one_on_one(actor, o)} == visible


@pytest.mark.parametrize("name", ACTORS)
def test_the_people_one_may_hold_1_1s_with_match_the_rule(name, request, every_one_on_one):
    from accounts.models import Membership

    actor = request.getfixturevalue(name)
    everyone = Membership.objects.all()
    allowed = {m.pk for m in everyone if access.can_hold_one_on_one_with(actor, m)}
    assert set(access.people_for_one_on_ones(actor).values_list("pk", flat=True)) == allowed


def test_private_notes_reach_only_their_writer_through_the_api(
    org, one_on_one, manager, member, co_manager, admin, api_for
):
    url = _api(org, "one-on-ones", one_on_one.pk)
    assert api_for(manager).get(url).json()["private_notes"] == SECRET
    for reader in (member, co_manager, admin):
        shown = api_for(reader).get(url)
        assert shown.status_code == 200
        assert "private_notes" not in shown.json()
        assert SECRET not in shown.content.decode()
        listed = api_for(reader).get(_api(org, "one-on-ones"))
        assert SECRET not in listed.content.decode()
    assert SECRET in api_for(manager).get(_api(org, "one-on-ones")).content.decode()


def test_private_notes_reach_only_their_writer_through_the_pages(
    org, one_on_one, manager, member, co_manager, admin, client_for
):
    detail = reverse("motivation:one_on_one_detail", args=[org.slug, one_on_one.pk])
    listing = reverse("motivation:one_on_ones", args=[org.slug])
    assert SECRET in client_for(manager).get(detail).content.decode()
    for reader in (member, co_manager, admin):
        page = client_for(reader).get(detail)
        assert page.status_code == 200
        assert SECRET not in page.content.decode()
        assert SECRET not in client_for(reader).get(listing).content.decode()


def test_peers_other_managers_and_other_organisations_get_404(
    org, other_org, one_on_one, teammate, other_manager, outsider, api_for, client_for
):
    for peer in (teammate, other_manager):
        assert api_for(peer).get(_api(org, "one-on-ones", one_on_one.pk)).status_code == 404
        page = reverse("motivation:one_on_one_detail", args=[org.slug, one_on_one.pk])
        assert client_for(peer).get(page).status_code == 404
    foreign = _api(other_org, "one-on-ones", one_on_one.pk)
    assert api_for(outsider).get(foreign).status_code == 404
    assert api_for(outsider).delete(foreign).status_code == 404
    assert OneOnOne.objects.filter(pk=one_on_one.pk).exists()


# --- API --------------------------------------------------------------------------------------


def test_api_a_manager_records_a_1_1_with_action_items(org, manager, member, api_for):
    response = api_for(manager).post(
        _api(org, "one-on-ones"),
        {
            "member": member.user_id,
            "date": "2026-03-05",
            "agenda": "Targets",
            "private_notes": SECRET,
            "action_items": [{"text": "Call Aoba", "owner": member.user_id, "due": "2026-03-10"}],
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["manager"], body["member"], body["private_notes"]) == (
        manager.user_id,
        member.user_id,
        SECRET,
    )
    assert body["action_items"][0]["owner"] == member.user_id
    assert body["action_items"][0]["due"] == "2026-03-10"


def test_api_bad_1_1s_are_refused_and_store_nothing(
    org, manager, member, teammate, other_manager, outsider, api_for
):
    url = _api(org, "one-on-ones")
    outsider_owned = {
        "member": member.user_id,
        "action_items": [{"text": "x", "owner": teammate.user_id}],
    }
    assert api_for(manager).post(url, outsider_owned, format="json").status_code == 400
    foreign = {"member": outsider.user_id}
    assert api_for(manager).post(url, foreign, format="json").status_code == 400
    not_mine = {"member": member.user_id}
    assert api_for(other_manager).post(url, not_mine, format="json").status_code == 403
    assert api_for(member).post(url, {"member": teammate.user_id}, format="json").status_code == 403
    assert not OneOnOne.objects.exists()


def test_api_the_member_may_only_tick_their_own_action_items(
    org, one_on_one, member, manager, api_for
):
    url = _api(org, "one-on-ones", one_on_one.pk)
    mine, managers = one_on_one.action_items.order_by("id")
    notes = api_for(member).patch(url, {"shared_notes": "changed"}, format="json")
    assert notes.status_code == 403
    secret = api_for(member).patch(url, {"private_notes": "mine now"}, format="json")
    assert secret.status_code == 403
    other = api_for(member).patch(
        url, {"action_items": [{"id": managers.pk, "done": True}]}, format="json"
    )
    assert other.status_code == 403
    ticked = api_for(member).patch(
        url, {"action_items": [{"id": mine.pk, "done": True}]}, format="json"
    )
    assert ticked.status_code == 200
    assert ActionItem.objects.get(pk=mine.pk).done
    assert not ActionItem.objects.get(pk=managers.pk).done
    assert OneOnOne.objects.get(pk=one_on_one.pk).private_notes == SECRET


def test_api_the_manager_edits_notes_and_items_and_adds_new_ones(
    org, one_on_one, manager, member, teammate, api_for
):
    url = _api(org, "one-on-ones", one_on_one.pk)
    first = one_on_one.action_items.order_by("id").first()
    changed = api_for(manager).patch(
        url,
        {
            "shared_notes": "Focus on two deals.",
            "action_items": [
                {"id": first.pk, "text": "Send the revised proposal", "due": "2026-03-09"},
                {"text": "Plan the role-play", "owner": manager.user_id},
            ],
        },
        format="json",
    )
    assert changed.status_code == 200, changed.content
    assert changed.json()["shared_notes"] == "Focus on two deals."
    assert len(changed.json()["action_items"]) == 3
    refused = api_for(manager).patch(
        url, {"action_items": [{"text": "x", "owner": teammate.user_id}]}, format="json"
    )
    assert refused.status_code == 400
    assert one_on_one.action_items.count() == 3


def test_api_agenda_points_and_delete(org, manager, member, api_for):
    coming = services.hold_one_on_one(actor=manager, member=member, day=date(2026, 3, 11))
    proposed = api_for(member).post(
        _api(org, "one-on-ones", coming.pk, "agenda"), {"text": "Training budget"}, format="json"
    )
    assert proposed.status_code == 201
    shown = api_for(manager).get(_api(org, "one-on-ones", coming.pk)).json()
    assert [p["text"] for p in shown["proposed_agenda"]] == ["Training budget"]
    assert api_for(member).delete(_api(org, "one-on-ones", coming.pk)).status_code == 403
    assert api_for(manager).delete(_api(org, "one-on-ones", coming.pk)).status_code == 204


def test_api_filters_by_member_and_manager(org, every_one_on_one, admin, member, api_for):
    by_member = api_for(admin).get(_api(org, "one-on-ones"), {"member": member.user_id}).json()
    assert [r["member"] for r in by_member["results"]] == [member.user_id]
    by_manager = api_for(admin).get(_api(org, "one-on-ones"), {"manager": admin.user_id}).json()
    assert [r["manager"] for r in by_manager["results"]] == [admin.user_id]


# --- pages ------------------------------------------------------------------------------------


def test_pages_record_a_1_1_add_an_item_and_the_member_ticks_it(org, manager, member, client_for):
    listing = reverse("motivation:one_on_ones", args=[org.slug])
    assert "No 1:1s yet." in client_for(manager).get(listing).content.decode()
    created = client_for(manager).post(
        listing,
        {"member": member.user_id, "date": "2026-03-06", "agenda": "Targets", "private_notes": ""},
    )
    assert created.status_code == 302
    one = OneOnOne.objects.get()
    add = reverse("motivation:action_item_add", args=[org.slug, one.pk])
    assert (
        client_for(manager).post(add, {"text": "Call Aoba", "owner": member.user_id}).status_code
        == 302
    )
    item = one.action_items.get()
    tick = reverse("motivation:action_item_done", args=[org.slug, one.pk, item.pk])
    assert client_for(member).post(tick, {"done": "1"}).status_code == 302
    assert ActionItem.objects.get(pk=item.pk).done
    propose = reverse("motivation:agenda_propose", args=[org.slug, one.pk])
    assert client_for(member).post(propose, {"text": "Holidays"}).status_code == 302
    assert (
        "Holidays"
        in client_for(manager)
        .get(reverse("motivation:one_on_one_detail", args=[org.slug, one.pk]))
        .content.decode()
    )


def test_a_member_cannot_record_a_1_1_from_the_page(org, member, teammate, client_for):
    listing = reverse("motivation:one_on_ones", args=[org.slug])
    response = client_for(member).post(listing, {"member": teammate.user_id, "date": "2026-03-06"})
    assert response.status_code == 403
    assert not OneOnOne.objects.exists()


def test_the_1_1_list_reads_a_constant_number_of_queries(
    org, team, manager, client_for, api_for, django_assert_max_num_queries
):
    for day in (2, 9, 16):
        for _ in range(5):
            person = MembershipFactory(organization=org, team=team)
            services.hold_one_on_one(
                actor=manager,
                member=person,
                day=date(2026, 2, day),
                action_items=[NewActionItem(text="x", owner_id=person.user_id)],
            )
    page = reverse("motivation:one_on_ones", args=[org.slug])
    client = client_for(manager)
    client.get(page)
    with django_assert_max_num_queries(25):
        assert client.get(page).status_code == 200
    api = api_for(manager)
    with django_assert_max_num_queries(15):
        assert api.get(_api(org, "one-on-ones")).json()["count"] == 15


def test_the_latest_check_in_and_1_1_per_person_for_the_team_dashboard(
    org, one_on_one, manager, member, teammate, django_assert_num_queries
):
    services.record_checkin(actor=member, score=4, day=date(2026, 2, 20))
    services.record_checkin(actor=member, score=3)
    services.hold_one_on_one(actor=manager, member=member, day=date(2026, 3, 20))  # planned
    people = [member.user_id, teammate.user_id]

    with django_assert_num_queries(1):
        assert selectors.last_checkins(org.pk, people) == {member.user_id: date(2026, 3, 4)}
    with django_assert_num_queries(1):
        held = selectors.last_one_on_ones(org.pk, people, today=date(2026, 3, 4))
    assert held == {member.user_id: date(2026, 3, 4)}


def test_private_notes_never_reach_the_daily_digest_e_mail(
    one_on_one, member, mailoutbox, time_machine
):
    from datetime import UTC, datetime

    from messaging.services import send_daily_digests

    time_machine.move_to(datetime(2026, 3, 5, 0, 30, tzinfo=UTC), tick=False)  # 09:30 Tokyo
    send_daily_digests()
    sent = [m for m in mailoutbox if member.user.email in m.to]
    assert sent
    for message in sent:
        assert SECRET not in message.body
        assert all(SECRET not in str(part[0]) for part in message.alternatives)
