"""Weekly check-ins: one per person per organisation week, seen by the person, their
managers and admins only; pages and API share the services' rules."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from motivation import access, services
from motivation.models import CheckIn
from salesmgmt.errors import DomainError
from tests.factories import MembershipFactory
from tests.motivation.conftest import ACTORS, THIS_MONDAY

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("wednesday")]


def _api(org, *parts):
    return "/api/v1/orgs/" + org.slug + "/" + "".join(f"{p}/" for p in parts)


# --- services -------------------------------------------------------------------------------


def test_a_check_in_lands_in_the_organisation_week_of_its_date(member):
    checkin = services.record_checkin(actor=member, score=4, note="Fine")

    assert checkin.date == date(2026, 3, 4)
    assert checkin.week_start == THIS_MONDAY


def test_a_second_check_in_the_same_week_is_refused_on_date_and_stores_nothing(member):
    services.record_checkin(actor=member, score=4, day=date(2026, 3, 2))

    with pytest.raises(DomainError) as refused:
        services.record_checkin(actor=member, score=2, day=date(2026, 3, 8))

    assert refused.value.field == "date"
    assert CheckIn.objects.get().score == 4


def test_an_earlier_week_may_be_filled_in_late_but_never_a_future_one(member):
    late = services.record_checkin(actor=member, score=3, day=date(2026, 2, 25))
    assert late.week_start == date(2026, 2, 23)

    with pytest.raises(DomainError) as refused:
        services.record_checkin(actor=member, score=3, day=date(2026, 3, 9))
    assert refused.value.field == "date"


@pytest.mark.parametrize("score", [0, 6, -1, True])
def test_a_score_outside_one_to_five_is_refused(member, score):
    with pytest.raises(DomainError):
        services.record_checkin(actor=member, score=score)
    assert not CheckIn.objects.exists()


def test_a_check_in_is_changed_only_by_its_author_and_only_during_its_week(member, manager):
    current = services.record_checkin(actor=member, score=2)
    old = services.record_checkin(actor=member, score=3, day=date(2026, 2, 20))

    services.update_checkin(actor=member, checkin=current, score=3, note="Better")
    assert CheckIn.objects.get(pk=current.pk).score == 3
    with pytest.raises(PermissionDenied):
        services.update_checkin(actor=manager, checkin=current, score=5)
    with pytest.raises(DomainError):
        services.update_checkin(actor=member, checkin=old, score=5)
    with pytest.raises(DomainError):
        services.delete_checkin(actor=member, checkin=old)
    assert CheckIn.objects.get(pk=old.pk).score == 3


# --- who sees what --------------------------------------------------------------------------


@pytest.fixture
def every_checkin(member, teammate, other_team_member, sub_team_member, manager, outsider):
    return [
        services.record_checkin(actor=person, score=3)
        for person in (member, teammate, other_team_member, sub_team_member, manager, outsider)
    ]


@pytest.mark.parametrize("name", ACTORS)
def test_the_check_in_rule_matches_the_check_in_query(name, request, every_checkin):
    actor = request.getfixturevalue(name)
    visible = set(access.checkins_visible_to(actor).values_list("pk", flat=True))
    assert {c.pk for c in every_checkin if access.can_view_checkin(actor, c)} == visible


def test_check_ins_reach_the_person_their_managers_and_admins_never_peers(
    every_checkin, member, teammate, manager, other_manager, admin, sub_team_member
):
    mine = every_checkin[0]
    assert access.can_view_checkin(member, mine)
    assert access.can_view_checkin(manager, mine)
    assert access.can_view_checkin(admin, mine)
    assert not access.can_view_checkin(teammate, mine)
    assert not access.can_view_checkin(other_manager, mine)
    assert not access.can_view_checkin(sub_team_member, mine)
    # the manager of `team` also manages its sub-team
    assert access.can_view_checkin(manager, every_checkin[3])


# --- API --------------------------------------------------------------------------------------


def test_api_check_in_for_oneself_then_a_second_the_same_week_is_a_400_on_date(
    org, member, api_for
):
    client = api_for(member)
    first = client.post(_api(org, "checkins"), {"score": 4, "note": "Good"}, format="json")
    assert first.status_code == 201
    assert first.json()["user"] == member.user_id
    assert first.json()["date"] == "2026-03-04"

    second = client.post(_api(org, "checkins"), {"score": 2}, format="json")
    assert second.status_code == 400
    assert "date" in second.json()
    assert CheckIn.objects.count() == 1


@pytest.mark.parametrize("body", [{"score": 0}, {"score": 6}, {"score": "x"}, {}])
def test_api_bad_scores_are_a_400_on_score(org, member, api_for, body):
    response = api_for(member).post(_api(org, "checkins"), body, format="json")
    assert response.status_code == 400
    assert "score" in response.json()
    assert not CheckIn.objects.exists()


def test_api_a_future_week_is_a_400_on_date(org, member, api_for):
    response = api_for(member).post(
        _api(org, "checkins"), {"score": 3, "date": "2026-03-10"}, format="json"
    )
    assert response.status_code == 400
    assert "date" in response.json()


def test_api_lists_only_what_the_caller_may_see_with_filters(
    org, every_checkin, member, manager, team, other_team, api_for
):
    own = api_for(member).get(_api(org, "checkins")).json()
    assert [row["user"] for row in own["results"]] == [member.user_id]

    everyone = api_for(manager).get(_api(org, "checkins")).json()
    assert {r["id"] for r in everyone["results"]} == {
        c.pk for c in every_checkin if access.can_view_checkin(manager, c)
    }
    only_member = api_for(manager).get(_api(org, "checkins"), {"user": member.user_id}).json()
    assert [r["user"] for r in only_member["results"]] == [member.user_id]
    nothing = api_for(manager).get(_api(org, "checkins"), {"team": other_team.pk}).json()
    assert nothing["count"] == 0
    earlier = api_for(manager).get(_api(org, "checkins"), {"to": "2026-03-01"}).json()
    assert earlier["count"] == 0
    later = api_for(manager).get(_api(org, "checkins"), {"from": "2026-03-01"}).json()
    assert later["count"] == everyone["count"]


def test_api_a_peers_or_another_orgs_check_in_answers_404(
    org, every_checkin, teammate, outsider, other_org, api_for
):
    mine = every_checkin[0]
    assert api_for(teammate).get(_api(org, "checkins", mine.pk)).status_code == 404
    assert api_for(outsider).get(_api(other_org, "checkins", mine.pk)).status_code == 404
    assert api_for(teammate).delete(_api(org, "checkins", mine.pk)).status_code == 404
    assert CheckIn.objects.filter(pk=mine.pk).exists()


def test_api_the_author_edits_and_deletes_a_manager_may_not(
    org, every_checkin, member, manager, api_for
):
    mine = every_checkin[0]
    url = _api(org, "checkins", mine.pk)
    assert api_for(manager).patch(url, {"score": 5}, format="json").status_code == 403
    changed = api_for(member).patch(url, {"score": 5, "note": "Won it"}, format="json")
    assert changed.status_code == 200
    assert changed.json()["score"] == 5
    assert api_for(member).patch(url, {"score": 9}, format="json").status_code == 400
    assert api_for(member).delete(url).status_code == 204
    assert not CheckIn.objects.filter(pk=mine.pk).exists()


def test_api_settings_are_read_by_all_and_changed_by_admins(org, member, admin, api_for):
    url = _api(org, "motivation-settings")
    assert api_for(member).get(url).json()["one_on_one_days"] == 21
    assert api_for(member).patch(url, {"one_on_one_days": 7}, format="json").status_code == 403
    bad = api_for(admin).patch(url, {"checkin_weekday": 9}, format="json")
    assert bad.status_code == 400
    dup = api_for(admin).patch(
        url,
        {"values": [{"key": "a", "name": "A"}, {"key": "a", "name": "B"}]},
        format="json",
    )
    assert dup.status_code == 400
    ok = api_for(admin).patch(url, {"one_on_one_days": 14, "checkin_weekday": 0}, format="json")
    assert ok.status_code == 200
    assert services.settings_for(org).one_on_one_days == 14


# --- pages ------------------------------------------------------------------------------------


def test_the_page_shows_an_empty_state_then_checks_in_then_edits_the_same_week(
    org, member, client_for
):
    client = client_for(member)
    url = reverse("motivation:checkins", args=[org.slug])
    page = client.get(url)
    assert page.status_code == 200
    assert "No check-ins yet." in page.content.decode()

    assert client.post(url, {"score": "4", "note": "Good start"}).status_code == 302
    assert client.post(url, {"score": "2", "note": "Lost a deal"}).status_code == 302

    only = CheckIn.objects.get()
    assert (only.score, only.note) == (2, "Lost a deal")
    assert "Lost a deal" in client.get(url).content.decode()


def test_the_page_refuses_a_bad_score_with_a_form_error(org, member, client_for):
    response = client_for(member).post(
        reverse("motivation:checkins", args=[org.slug]), {"score": "7"}
    )
    assert response.status_code == 422
    assert not CheckIn.objects.exists()


def test_the_page_shows_a_manager_their_peoples_check_ins_but_a_peer_nothing(
    org, every_checkin, manager, teammate, client_for
):
    url = reverse("motivation:checkins", args=[org.slug])
    manager_page = client_for(manager).get(url).content.decode()
    assert every_checkin[0].user.display_name in manager_page
    peer_page = client_for(teammate).get(url).content.decode()
    assert every_checkin[0].user.display_name not in peer_page


def test_the_list_page_reads_a_constant_number_of_queries(
    org, team, manager, client_for, django_assert_max_num_queries
):
    for _ in range(15):
        person = MembershipFactory(organization=org, team=team)
        services.record_checkin(actor=person, score=3)
        services.record_checkin(actor=person, score=4, day=date(2026, 2, 20))
    client = client_for(manager)
    url = reverse("motivation:checkins", args=[org.slug])
    client.get(url)
    with django_assert_max_num_queries(25):
        assert client.get(url).status_code == 200


def test_deleting_another_orgs_check_in_from_the_page_answers_404(
    org, other_org, every_checkin, outsider, client_for
):
    url = reverse("motivation:checkin_delete", args=[other_org.slug, every_checkin[0].pk])
    assert client_for(outsider).post(url).status_code == 404
    assert CheckIn.objects.filter(pk=every_checkin[0].pk).exists()


def test_an_old_check_in_cannot_be_removed_from_the_page(org, member, client_for):
    old = services.record_checkin(actor=member, score=3, day=date(2026, 3, 2) - timedelta(days=3))
    url = reverse("motivation:checkin_delete", args=[org.slug, old.pk])
    assert client_for(member).post(url).status_code == 302
    assert CheckIn.objects.filter(pk=old.pk).exists()


def test_settings_page_is_for_admins(org, admin, manager, client_for):
    url = reverse("motivation:settings", args=[org.slug])
    assert client_for(manager).get(url).status_code == 403
    response = client_for(admin).post(
        url,
        {
            "checkin_weekday": "1",
            "one_on_one_days": "14",
            "leaderboards_enabled": "",
            "values_text": "teamwork: Teamwork\ngrit: Grit",
        },
    )
    assert response.status_code == 302
    current = services.settings_for(org)
    assert (current.checkin_weekday, current.one_on_one_days) == (1, 14)
    assert current.leaderboards_enabled is False
    assert current.value_keys == ["teamwork", "grit"]


@pytest.mark.parametrize("name", ACTORS)
def test_the_person_rule_matches_the_person_query(name, request, every_checkin):
    from accounts.models import Membership

    actor = request.getfixturevalue(name)
    visible = set(access.people_visible_to(actor).values_list("user_id", flat=True))
    org_people = Membership.objects.filter(organization_id=actor.organization_id)
    assert {m.user_id for m in org_people if access.can_see_person(actor, m.user_id)} == visible


def test_the_page_speaks_the_readers_language(org, member, client_for):
    member.user.locale = "ja"
    member.user.save(update_fields=["locale"])
    page = client_for(member).get(reverse("motivation:checkins", args=[org.slug]))
    assert "週次チェックイン" in page.content.decode()
