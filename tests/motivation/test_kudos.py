"""Kudos: anyone thanks a colleague (never themselves) with a short message, optionally for an
activity, deal or goal of the organisation and in the name of one of its values."""

from __future__ import annotations

import pytest
from django.urls import reverse

from messaging.models import Notification
from motivation import access, services
from motivation.models import Kudos
from salesmgmt.errors import DomainError
from tests.deals.factories import DealFactory
from tests.factories import MembershipFactory
from tests.motivation.conftest import ACTORS

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("wednesday")]


def _api(org, *parts):
    return "/api/v1/orgs/" + org.slug + "/" + "".join(f"{p}/" for p in parts)


def test_thanking_a_colleague_notifies_them(member, teammate):
    kudos = services.give_kudos(actor=member, to=teammate, message="Thanks for the intro!")
    told = Notification.objects.get(recipient=teammate.user)
    assert (told.kind, told.event, told.excerpt) == ("kudos", f"kudos:{kudos.pk}", kudos.message)


def test_kudos_to_oneself_or_an_inactive_colleague_are_refused(org, team, member):
    gone = MembershipFactory(organization=org, team=team, active=False)
    for to in (member, gone):
        with pytest.raises(DomainError) as refused:
            services.give_kudos(actor=member, to=to, message="Me!")
        assert refused.value.field == "to_user"
    assert not Kudos.objects.exists()


def test_the_value_must_be_one_of_the_organisations(member, teammate):
    with pytest.raises(DomainError) as refused:
        services.give_kudos(actor=member, to=teammate, message="Hi", value="bravery")
    assert refused.value.field == "value"
    ok = services.give_kudos(actor=member, to=teammate, message="Hi", value="teamwork")
    assert ok.value == "teamwork"


@pytest.mark.parametrize("name", ACTORS)
def test_the_kudos_rule_matches_the_kudos_query(
    name, request, member, teammate, outsider, other_org
):
    made = [services.give_kudos(actor=member, to=teammate, message="Thanks")]
    other = MembershipFactory(organization=other_org)
    made.append(services.give_kudos(actor=outsider, to=other, message="Danke"))
    actor = request.getfixturevalue(name)
    visible = set(access.kudos_visible_to(actor).values_list("pk", flat=True))
    assert {k.pk for k in made if access.can_view_kudos(actor, k)} == visible


# --- API --------------------------------------------------------------------------------------


def test_api_gives_kudos_linked_to_a_deal_the_giver_sees(org, member, teammate, api_for):
    deal = DealFactory(membership=member)
    response = api_for(member).post(
        _api(org, "kudos"),
        {"to_user": teammate.user_id, "message": "Great demo", "deal": deal.pk, "value": None},
        format="json",
    )
    assert response.status_code == 201, response.content
    assert response.json()["deal"] == deal.pk
    assert response.json()["from_user"] == member.user_id


@pytest.mark.parametrize(
    "body",
    [
        {"message": "Me, me, me"},  # to_user filled in below: the caller
        {"message": ""},
        {"message": "x" * 501},
        {"message": "Thanks", "value": "nope"},
    ],
)
def test_api_bad_kudos_are_a_400_and_store_nothing(org, member, teammate, api_for, body):
    to = member if body.get("message") == "Me, me, me" else teammate
    response = api_for(member).post(
        _api(org, "kudos"), {"to_user": to.user_id, **body}, format="json"
    )
    assert response.status_code == 400
    assert not Kudos.objects.exists()


def test_api_links_to_another_orgs_or_an_unseen_deal_are_a_400(
    org, member, teammate, other_team_member, outsider, api_for
):
    foreign = DealFactory(membership=outsider)
    unseen = DealFactory(membership=other_team_member)
    for deal in (foreign, unseen):
        response = api_for(member).post(
            _api(org, "kudos"),
            {"to_user": teammate.user_id, "message": "Nice", "deal": deal.pk},
            format="json",
        )
        assert response.status_code == 400
        assert "deal" in response.json()
    assert not Kudos.objects.exists()


def test_api_lists_the_organisations_kudos_newest_first_with_filters(
    org, member, teammate, manager, outsider, other_org, api_for
):
    first = services.give_kudos(actor=member, to=teammate, message="One")
    second = services.give_kudos(actor=manager, to=member, message="Two")
    listed = api_for(teammate).get(_api(org, "kudos")).json()
    assert [r["id"] for r in listed["results"]] == [second.pk, first.pk]
    to_member = api_for(teammate).get(_api(org, "kudos"), {"to_user": member.user_id}).json()
    assert [r["id"] for r in to_member["results"]] == [second.pk]
    from_member = api_for(teammate).get(_api(org, "kudos"), {"from_user": member.user_id}).json()
    assert [r["id"] for r in from_member["results"]] == [first.pk]
    assert api_for(outsider).get(_api(other_org, "kudos")).json()["count"] == 0
    assert api_for(outsider).get(_api(other_org, "kudos", first.pk)).status_code == 404


def test_api_the_author_or_an_admin_deletes(org, member, teammate, manager, admin, api_for):
    one = services.give_kudos(actor=member, to=teammate, message="One")
    two = services.give_kudos(actor=member, to=teammate, message="Two")
    assert api_for(teammate).delete(_api(org, "kudos", one.pk)).status_code == 403
    assert api_for(manager).delete(_api(org, "kudos", one.pk)).status_code == 403
    assert api_for(member).delete(_api(org, "kudos", one.pk)).status_code == 204
    assert api_for(admin).delete(_api(org, "kudos", two.pk)).status_code == 204
    assert not Kudos.objects.exists()


# --- pages ------------------------------------------------------------------------------------


def test_the_page_thanks_a_colleague_and_lists_it(org, member, teammate, client_for):
    url = reverse("motivation:kudos", args=[org.slug])
    client = client_for(member)
    assert "No kudos yet" in client.get(url).content.decode()
    sent = client.post(
        url, {"to_user": teammate.user_id, "message": "Thanks for covering", "value": "teamwork"}
    )
    assert sent.status_code == 302
    page = client.get(url).content.decode()
    assert "Thanks for covering" in page
    assert "Teamwork" in page


def test_the_page_refuses_kudos_to_oneself(org, member, client_for):
    response = client_for(member).post(
        reverse("motivation:kudos", args=[org.slug]),
        {"to_user": member.user_id, "message": "Me"},
    )
    assert response.status_code == 422
    assert not Kudos.objects.exists()


def test_the_kudos_page_reads_a_constant_number_of_queries(
    org, team, member, client_for, django_assert_max_num_queries
):
    for _ in range(20):
        services.give_kudos(
            actor=MembershipFactory(organization=org, team=team), to=member, message="Thanks"
        )
    client = client_for(member)
    url = reverse("motivation:kudos", args=[org.slug])
    client.get(url)
    with django_assert_max_num_queries(25):
        assert client.get(url).status_code == 200


def test_a_teams_kudos_are_those_its_people_received(
    org, member, teammate, other_team_member, team, other_team, api_for
):
    to_team = services.give_kudos(actor=other_team_member, to=member, message="Thanks")
    services.give_kudos(actor=member, to=other_team_member, message="Danke")
    listed = api_for(teammate).get(_api(org, "kudos"), {"team": team.pk}).json()
    assert [r["id"] for r in listed["results"]] == [to_team.pk]


@pytest.mark.parametrize("name", ACTORS)
def test_whom_one_may_thank_matches_the_rule(name, request, member, teammate, outsider):
    from accounts.models import Membership

    actor = request.getfixturevalue(name)
    allowed = {m.pk for m in Membership.objects.all() if access.can_thank(actor, m)}
    assert set(access.colleagues_of(actor).values_list("pk", flat=True)) == allowed
