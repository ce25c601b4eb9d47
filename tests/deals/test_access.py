"""The deals rules and their queries agree for every actor of the role matrix, and the
forecast is read by one rule on the page and in the API."""

from __future__ import annotations

import pytest
from django.urls import reverse

from accounts.models import Membership
from deals import access
from deals.models import Customer, Deal
from tests.deals.factories import CustomerFactory, DealFactory, default_stages
from tests.factories import MembershipFactory

pytestmark = pytest.mark.django_db

BASE = "/api/v1/orgs/acme/"


@pytest.fixture
def inactive_member(org, team) -> Membership:
    return MembershipFactory.create(organization=org, team=team, active=False)


@pytest.fixture
def actors(
    admin, manager, other_manager, member, teammate, other_team_member, inactive_member, outsider
) -> dict[str, Membership]:
    return {
        "admin": admin,
        "manager of the team": manager,
        "manager of another team": other_manager,
        "member owner": member,
        "teammate": teammate,
        "member of another team": other_team_member,
        "inactive member": inactive_member,
        "another organisation's admin": outsider,
    }


@pytest.fixture
def all_deals(org, other_org, admin, manager, member, teammate, other_team_member, sub_team,
              other_team, outsider, inactive_member) -> list[Deal]:  # fmt: skip
    default_stages(org)
    default_stages(other_org)
    sub_rep = MembershipFactory.create(organization=org, team=sub_team)
    moved = DealFactory.create(membership=teammate, title="kept in Osaka")
    moved.team = other_team  # opened in Osaka before the owner moved to Tokyo
    moved.save()
    return [
        DealFactory.create(membership=member, title="own"),
        DealFactory.create(membership=teammate, title="collab", collaborators=[member.user]),
        DealFactory.create(membership=teammate, title="teammate's"),
        DealFactory.create(membership=sub_rep, title="sub-team"),
        DealFactory.create(membership=other_team_member, title="osaka"),
        DealFactory.create(
            membership=other_team_member, title="osaka with help", collaborators=[teammate.user]
        ),
        DealFactory.create(membership=manager, title="manager's"),
        DealFactory.create(membership=admin, title="admin's"),
        DealFactory.create(membership=inactive_member, title="inactive's"),
        moved,
        DealFactory.create(membership=outsider, title="globex"),
    ]


def test_deals_visible_to_is_exactly_what_can_view_deal_allows(actors, all_deals):
    for name, actor in actors.items():
        visible = set(access.deals_visible_to(actor))
        assert visible == {d for d in all_deals if access.can_view_deal(actor, d)}, name


def test_the_matrix_sees_what_the_product_promises(actors, all_deals):
    def titles(name: str) -> set[str]:
        return {d.title for d in access.deals_visible_to(actors[name])}

    assert titles("member owner") == {"own", "collab"}
    assert titles("teammate") == {"collab", "teammate's", "osaka with help", "kept in Osaka"}
    assert titles("manager of the team") == {
        "own", "collab", "teammate's", "sub-team", "manager's", "inactive's", "kept in Osaka"
    }  # fmt: skip
    assert titles("manager of another team") == {"osaka", "osaka with help", "kept in Osaka"}
    assert len(titles("admin")) == len(all_deals) - 1
    assert titles("inactive member") == set()
    assert titles("another organisation's admin") == {"globex"}


def test_customers_visible_to_is_exactly_what_can_view_customer_allows(actors, org, other_org):
    customers = [CustomerFactory.create(organization=o) for o in (org, org, other_org)]
    for name, actor in actors.items():
        visible = set(access.customers_visible_to(actor))
        assert visible == {c for c in customers if access.can_view_customer(actor, c)}, name
    assert set(access.customers_visible_to(actors["member owner"])) == set(customers[:2])
    assert set(Customer.objects.filter(pk=customers[2].pk)) == set(
        access.customers_visible_to(actors["another organisation's admin"])
    )


def test_another_organisation_gets_404_for_every_deal_of_acme(api_for, outsider, all_deals):
    client = api_for(outsider)
    for deal in all_deals[:-1]:
        assert client.get(f"/api/v1/orgs/globex/deals/{deal.pk}/").status_code == 404
        assert client.get(f"{BASE}deals/{deal.pk}/").status_code == 404


# --- the forecast: one rule for the page and the API ----------------------------------------


def test_forecast_teams_visible_to_is_exactly_what_can_view_forecast_allows(
    actors, org, team, sub_team, other_team, outsider_team
):
    teams = [team, sub_team, other_team, outsider_team]
    for name, actor in actors.items():
        visible = set(access.forecast_teams_visible_to(actor))
        assert visible == {t for t in teams if access.can_view_forecast(actor, t)}, name


FORECAST_MATRIX = {
    # actor: (own team "Tokyo", its sub-team, another team "Osaka", whole organisation)
    "admin": (200, 200, 200, 200),
    "manager of the team": (200, 200, 403, 403),
    "manager of another team": (403, 403, 200, 403),
    "member owner": (200, 403, 403, 403),
    "teammate": (200, 403, 403, 403),
    "member of another team": (403, 403, 200, 403),
}


def _forecast_page(org) -> str:
    return reverse("deals:forecast_report", kwargs={"org_slug": org.slug})


@pytest.mark.parametrize("path", ["stats/forecast/", "stats/deals/"])
def test_the_forecast_api_follows_the_forecast_rule(
    api_for, actors, team, sub_team, other_team, path
):
    for name, expected in FORECAST_MATRIX.items():
        client = api_for(actors[name])
        answers = tuple(
            client.get(BASE + path, params).status_code
            for params in ({"team": team.pk}, {"team": sub_team.pk}, {"team": other_team.pk}, {})
        )
        assert answers == expected, name
        rule = tuple(
            200 if access.can_view_forecast(actors[name], t) else 403
            for t in (team, sub_team, other_team, None)
        )
        assert rule == expected, name


def test_the_forecast_page_offers_exactly_the_teams_the_api_answers(
    client_for, actors, org, team, sub_team, other_team
):
    for name, expected in FORECAST_MATRIX.items():
        response = client_for(actors[name]).get(_forecast_page(org))
        assert response.status_code == 200, name
        field = response.context["form"].fields["team"]
        offered = set(field.queryset)
        allowed = {t for t, code in zip((team, sub_team, other_team), expected, strict=False)
                   if code == 200}  # fmt: skip
        assert offered == allowed, name
        assert (not field.required) == (expected[3] == 200), name
        # A team the rule refuses is not shown, whatever the query string says.
        for t, code in zip((team, sub_team, other_team), expected, strict=False):
            page = client_for(actors[name]).get(_forecast_page(org), {"team": t.pk})
            assert ("report" in page.context) == (code == 200), (name, t.name)


def test_another_organisation_asks_for_acmes_forecast_in_vain(
    api_for, outsider, inactive_member, team
):
    assert api_for(inactive_member).get(f"{BASE}stats/forecast/").status_code == 404
    client = api_for(outsider)
    assert client.get(f"{BASE}stats/forecast/", {"team": team.pk}).status_code == 404
    own = "/api/v1/orgs/globex/stats/forecast/"
    assert client.get(own, {"team": team.pk}).status_code == 404
