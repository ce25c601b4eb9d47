"""Who sees and works which deals: own and collaborating (members), teams (managers), all
(admins); everything of another organisation answers 404, like something missing."""

from __future__ import annotations

import pytest

from deals.models import Deal, Stage
from tests.deals.factories import CustomerFactory, DealFactory, default_stages
from tests.factories import MembershipFactory

pytestmark = pytest.mark.django_db

BASE = "/api/v1/orgs/acme/"


@pytest.fixture(autouse=True)
def stages(org):
    return default_stages(org)


@pytest.fixture
def deals(org, member, teammate, other_team_member, sub_team):
    """member's own, teammate's (member collaborates), teammate's private, a sub-team rep's,
    and one in Osaka (other_team)."""
    sub_rep = MembershipFactory.create(organization=org, team=sub_team, user__username="sue")
    return {
        "own": DealFactory.create(membership=member, title="own"),
        "collab": DealFactory.create(
            membership=teammate, title="collab", collaborators=[member.user]
        ),
        "teammates": DealFactory.create(membership=teammate, title="teammates"),
        "sub_team": DealFactory.create(membership=sub_rep, title="sub_team"),
        "osaka": DealFactory.create(membership=other_team_member, title="osaka"),
    }


def _titles(client) -> set[str]:
    response = client.get(f"{BASE}deals/", {"page_size": 500})
    assert response.status_code == 200, response.content
    return {row["title"] for row in response.json()["results"]}


def _url(deal: Deal, suffix: str = "") -> str:
    return f"{BASE}deals/{deal.pk}/{suffix}"


# --- visibility ---------------------------------------------------------------------------


def test_a_member_sees_their_own_deals_and_those_they_collaborate_on(api_for, member, deals):
    client = api_for(member)
    assert _titles(client) == {"own", "collab"}
    for name in ("own", "collab"):
        assert client.get(_url(deals[name])).status_code == 200
    for name in ("teammates", "sub_team", "osaka"):
        assert client.get(_url(deals[name])).status_code == 404
        assert client.get(_url(deals[name], "history/")).status_code == 404
        assert client.patch(_url(deals[name]), {"title": "x"}).status_code == 404
        assert client.post(_url(deals[name], "move/"), {"stage": "won"}).status_code == 404
        assert client.delete(_url(deals[name])).status_code == 404
    assert Deal.objects.get(pk=deals["teammates"].pk).title == "teammates"


def test_a_collaborator_works_the_deal_but_neither_deletes_it_nor_calls_its_forecast(
    api_for, member, deals
):
    client = api_for(member)
    deal = deals["collab"]
    assert client.patch(_url(deal), {"next_step": "Visit"}).status_code == 200
    assert client.post(_url(deal, "move/"), {"stage": "qualified"}).status_code == 200
    assert client.post(_url(deal, "notes/"), {"body": "Helped"}).status_code == 201
    assert client.delete(_url(deal)).status_code == 403
    forecast = client.post(_url(deal, "forecast/"), {"forecast_category": "commit"})
    assert forecast.status_code == 403
    patched = client.patch(_url(deal), {"forecast_category": "commit", "next_step": "Again"})
    assert patched.status_code == 403
    stored = Deal.objects.get(pk=deal.pk)
    assert (stored.forecast_category, stored.next_step) == ("pipeline", "Visit")


def test_a_manager_sees_and_works_the_deals_of_their_teams_and_sub_teams(api_for, manager, deals):
    client = api_for(manager)
    assert _titles(client) == {"own", "collab", "teammates", "sub_team"}
    assert client.get(_url(deals["osaka"])).status_code == 404
    deal = deals["sub_team"]
    assert client.patch(_url(deal), {"amount": "2500"}).status_code == 200
    assert client.post(_url(deal, "move/"), {"stage": "proposal"}).status_code == 200
    adjusted = client.post(
        _url(deal, "forecast/"), {"forecast_category": "commit", "note": "Signed LOI"}
    )
    assert adjusted.status_code == 200
    assert client.delete(_url(deal)).status_code == 403  # the owner's or an admin's call
    assert Deal.objects.filter(pk=deal.pk).exists()


def test_another_teams_manager_sees_none_of_them(api_for, other_manager, deals):
    client = api_for(other_manager)
    assert _titles(client) == {"osaka"}
    assert client.get(_url(deals["own"])).status_code == 404


def test_an_admin_sees_and_deletes_everything(api_for, admin, deals):
    client = api_for(admin)
    assert _titles(client) == set(deals)
    assert client.delete(_url(deals["osaka"])).status_code == 204


def test_the_owner_deletes_their_own_deal(api_for, member, deals):
    assert api_for(member).delete(_url(deals["own"])).status_code == 204


# --- opening deals for someone else -------------------------------------------------------


@pytest.fixture
def customer(org):
    return CustomerFactory.create(organization=org)


def _open_for(client, customer, owner_id):
    return client.post(
        f"{BASE}deals/",
        {"title": "For you", "customer": customer.pk, "amount": "10", "owner": owner_id},
    )


def test_managers_open_deals_for_their_people_members_only_for_themselves(
    api_for, member, teammate, manager, other_team_member, admin, customer
):
    assert _open_for(api_for(member), customer, teammate.user_id).status_code == 403
    assert _open_for(api_for(manager), customer, other_team_member.user_id).status_code == 403
    assert not Deal.objects.exists()
    by_manager = _open_for(api_for(manager), customer, member.user_id)
    assert by_manager.status_code == 201
    assert (by_manager.json()["owner"], by_manager.json()["team"]) == (
        member.user_id,
        member.team_id,
    )
    assert _open_for(api_for(admin), customer, other_team_member.user_id).status_code == 201
    assert _open_for(api_for(member), customer, member.user_id).status_code == 201


def test_only_an_admin_or_the_owners_manager_reassigns_a_deal(
    api_for, member, teammate, manager, other_team_member, deals
):
    deal = deals["own"]
    refused = api_for(member).patch(_url(deal), {"owner": teammate.user_id})
    assert refused.status_code == 403
    refused = api_for(manager).patch(_url(deal), {"owner": other_team_member.user_id})
    assert refused.status_code == 403
    assert Deal.objects.get(pk=deal.pk).owner_id == member.user_id
    moved = api_for(manager).patch(_url(deal), {"owner": teammate.user_id})
    assert moved.status_code == 200
    assert moved.json()["owner"] == teammate.user_id


# --- stages, customers and stats ----------------------------------------------------------


def test_only_admins_configure_stages(api_for, member, manager, stages):
    payload = {"key": "demo", "name": "Demo", "order": 3, "probability": 40, "outcome": "open"}
    for who in (member, manager):
        client = api_for(who)
        assert client.post(f"{BASE}stages/", payload).status_code == 403
        response = client.patch(f"{BASE}stages/{stages['lead'].pk}/", {"probability": 1})
        assert response.status_code == 403
    assert not Stage.objects.filter(key="demo").exists()
    assert Stage.objects.get(pk=stages["lead"].pk).probability == 10


def test_everyone_in_the_organisation_works_with_customers(api_for, member, customer):
    client = api_for(member)
    assert client.get(f"{BASE}customers/{customer.pk}/").status_code == 200
    assert client.patch(f"{BASE}customers/{customer.pk}/", {"notes": "n"}).status_code == 200


def test_pipeline_numbers_per_person_are_for_the_teams_managers_and_admins(
    api_for, member, manager, other_manager, admin, team, outsider_team
):
    url = f"{BASE}stats/pipeline/"
    assert api_for(member).get(url, {"team": team.pk}).status_code == 403
    assert api_for(other_manager).get(url, {"team": team.pk}).status_code == 403
    assert api_for(manager).get(url, {"team": team.pk}).status_code == 200
    assert api_for(manager).get(url).status_code == 403  # everyone's: admins
    assert api_for(admin).get(url).status_code == 200
    assert api_for(admin).get(url, {"team": outsider_team.pk}).status_code == 404


def test_team_totals_are_for_its_members_managers_and_admins(
    api_for, member, other_team_member, manager, other_manager, admin, team
):
    for path in ("stats/forecast/", "stats/deals/"):
        url = BASE + path
        assert api_for(member).get(url, {"team": team.pk}).status_code == 200
        assert api_for(manager).get(url, {"team": team.pk}).status_code == 200
        assert api_for(other_team_member).get(url, {"team": team.pk}).status_code == 403
        assert api_for(other_manager).get(url, {"team": team.pk}).status_code == 403
        assert api_for(member).get(url).status_code == 403
        # The whole organisation's forecast is for admins, as on the forecast page.
        assert api_for(manager).get(url).status_code == 403
        assert api_for(other_manager).get(url).status_code == 403
        assert api_for(admin).get(url).status_code == 200


# --- another organisation -----------------------------------------------------------------


def test_an_outsider_gets_404_for_acme_and_for_acmes_ids_in_its_own_org(
    api_for, outsider, deals, customer, stages
):
    client = api_for(outsider)
    deal = deals["own"]
    assert client.get(_url(deal)).status_code == 404
    assert client.get(f"{BASE}deals/").status_code == 404
    own = "/api/v1/orgs/globex/"
    for path in (
        f"deals/{deal.pk}/",
        f"deals/{deal.pk}/history/",
        f"deals/{deal.pk}/notes/",
        f"customers/{customer.pk}/",
        f"stages/{stages['lead'].pk}/",
    ):
        assert client.get(own + path).status_code == 404, path
    assert client.post(own + f"deals/{deal.pk}/move/", {"stage": "won"}).status_code == 404
    assert client.delete(own + f"deals/{deal.pk}/").status_code == 404
    assert client.post(own + f"customers/{customer.pk}/contacts/", {"name": "X"}).status_code == 404
    assert Deal.objects.get(pk=deal.pk).stage.key == "lead"
    assert not customer.contacts.exists()
    listed = client.get(own + "deals/").json()
    assert listed["results"] == []


def test_anonymous_callers_are_refused(api_for, deals):
    response = api_for(None).get(f"{BASE}deals/")
    assert response.status_code in (401, 403)
