"""Who may see and do what in deals: each resource's "which ones" query beside its rule.

A deal is worked (seen, changed, moved, noted) by its owner, its collaborators, the managers
of its team or of its owner's team (a team includes its sub-teams) and admins; only the owner
or an admin deletes it. Customers are the whole organisation's. The forecast of a team is
read by its people, its managers (also through a team above it) and admins; the whole
organisation's by admins only. Roles are read only through `accounts.rules`.
"""

from __future__ import annotations

from django.db.models import Exists, OuterRef, Q, QuerySet

from accounts import rules
from accounts.models import Membership, Team, User
from deals.models import Customer, Deal, SavedDealView, Stage

# --- deals --------------------------------------------------------------------------------


def deals_to_log_against(actor: Membership) -> QuerySet[Deal]:
    """The deals the activity forms offer: the open deals the actor owns or collaborates on
    (any deal they may see can still be linked, e.g. from its page)."""
    collaborating = Deal.collaborators.through.objects.filter(
        deal_id=OuterRef("pk"), user_id=actor.user_id
    )
    return (
        deals_visible_to(actor)
        .filter(stage__outcome=Stage.Outcome.OPEN)
        .filter(Q(owner_id=actor.user_id) | Exists(collaborating))
        .order_by("title", "id")
    )


def deals_visible_to(actor: Membership) -> QuerySet[Deal]:
    """Deals the actor works on: own, collaborating, their teams' (managers), all (admins)."""
    qs = Deal.objects.for_org(actor.organization_id).select_related(
        "stage", "customer", "owner", "team"
    )
    if not actor.active:
        return qs.none()
    if rules.is_org_admin(actor):
        return qs
    managed = rules.managed_team_ids(actor)
    collaborating = Deal.collaborators.through.objects.filter(
        deal_id=OuterRef("pk"), user_id=actor.user_id
    )
    managed_owners = (
        Membership.objects.for_org(actor.organization_id)
        .filter(team_id__in=managed)
        .values("user_id")
    )
    return qs.filter(
        Q(owner_id=actor.user_id)
        | Exists(collaborating)
        | Q(team_id__in=managed)
        | Q(owner_id__in=managed_owners)
    )


def can_edit_deal(actor: Membership, deal: Deal) -> bool:
    """Owners and collaborators work their deals; managers their teams' deals; admins all."""
    if deal.organization_id != actor.organization_id or not actor.active:
        return False
    if rules.is_org_admin(actor) or deal.owner_id == actor.user_id:
        return True
    if deal.team_id is not None and rules.can_manage_team(actor, deal.team_id):
        return True
    if deal.pk is not None and deal.collaborators.filter(pk=actor.user_id).exists():
        return True
    owner = Membership.objects.filter(
        organization_id=actor.organization_id, user_id=deal.owner_id
    ).first()
    return owner is not None and rules.can_manage_member(actor, owner)


def can_view_deal(actor: Membership, deal: Deal) -> bool:
    """Whoever may work a deal may see it; nobody else (other reps' deals stay private)."""
    return can_edit_deal(actor, deal)


def can_move_deal(actor: Membership, deal: Deal) -> bool:
    """Moving a deal through the pipeline is working it."""
    return can_edit_deal(actor, deal)


def can_delete_deal(actor: Membership, deal: Deal) -> bool:
    """Only the owner or an admin deletes a deal (collaborators and managers may not)."""
    if deal.organization_id != actor.organization_id or not actor.active:
        return False
    return deal.owner_id == actor.user_id or bool(rules.is_org_admin(actor))


def can_adjust_forecast(actor: Membership, deal: Deal) -> bool:
    """The owner sets a deal's forecast category; their managers may adjust it (with a note)."""
    if deal.organization_id != actor.organization_id or not actor.active:
        return False
    if deal.owner_id == actor.user_id or rules.is_org_admin(actor):
        return True
    return deal.team_id is not None and rules.can_manage_team(actor, deal.team_id)


# --- owners: whom a deal may be given to --------------------------------------------------


def can_give_deals_to_others(actor: Membership) -> bool:
    """Managers hand deals to their people, admins to anyone; members own what they open."""
    return bool(rules.is_manager_or_admin(actor))


def can_assign_deal_to(actor: Membership, owner: Membership) -> bool:
    """A deal is the actor's own, or that of someone they manage (admins: anyone active)."""
    if owner.organization_id != actor.organization_id or not owner.active or not actor.active:
        return False
    return owner.user_id == actor.user_id or rules.can_manage_member(actor, owner)


def deal_owners_assignable_by(actor: Membership) -> QuerySet[User]:
    """The people `can_assign_deal_to` allows, by name (the query beside the rule)."""
    people = Membership.objects.for_org(actor.organization_id).filter(active=True)
    if not actor.active:
        people = people.none()
    elif not rules.is_org_admin(actor):
        people = people.filter(
            Q(user_id=actor.user_id) | Q(team_id__in=rules.managed_team_ids(actor))
        )
    return User.objects.filter(pk__in=people.values("user_id")).order_by("name", "username")


def can_filter_deals_by_people(actor: Membership) -> bool:
    """Members see their own and collaborating deals: a team or owner filter says nothing."""
    return bool(rules.is_manager_or_admin(actor))


def deal_teams_filterable_by(actor: Membership) -> QuerySet[Team]:
    """Teams whose deals the actor may filter by: admins all, managers the ones they lead."""
    teams = Team.objects.for_org(actor.organization_id).order_by("name")
    if rules.is_org_admin(actor):
        return teams
    return teams.filter(pk__in=rules.managed_team_ids(actor))


# --- customers ----------------------------------------------------------------------------


def customers_visible_to(actor: Membership) -> QuerySet[Customer]:
    """Customers are shared by the whole organisation (everyone active reads them)."""
    qs = Customer.objects.for_org(actor.organization_id)
    return qs if actor.active else qs.none()


def can_view_customer(actor: Membership, customer: Customer) -> bool:
    return actor.active and customer.organization_id == actor.organization_id


def can_edit_customer(actor: Membership, customer: Customer | None = None) -> bool:
    """Everyone in the organisation adds and edits customers and their contact persons."""
    return actor.active and (customer is None or can_view_customer(actor, customer))


# --- pipeline stages, imports, saved views ------------------------------------------------


def can_configure_pipeline(actor: Membership) -> bool:
    """Only admins change pipeline stages."""
    return bool(rules.is_org_admin(actor))


def can_import_deals(actor: Membership) -> bool:
    """Managers and admins import deals (for themselves and the people they lead).

    Salespeople open deals one at a time: a file of deals writes in bulk into what the
    whole organisation shares (the customer list, the pipeline and forecast) and can credit
    won deals, which feed goals, leaderboards and evaluations, by the thousand at once.
    """
    return bool(rules.is_manager_or_admin(actor))


def can_manage_saved_view(actor: Membership, view: SavedDealView) -> bool:
    """A saved view of the deal list is its author's alone."""
    return view.user_id == actor.user_id and view.organization_id == actor.organization_id


# --- load (per-person numbers) and forecast -----------------------------------------------


def can_view_load_page(actor: Membership) -> bool:
    """The load page (who carries what) is a management screen."""
    return bool(rules.is_manager_or_admin(actor))


def can_view_pipeline(actor: Membership, team: Team | None) -> bool:
    """Per-person pipeline numbers: a team's managers (sub-teams included); everyone's: admins."""
    if team is None:
        return bool(rules.is_org_admin(actor))
    return team.organization_id == actor.organization_id and rules.can_manage_team(actor, team)


def pipeline_teams_visible_to(actor: Membership) -> QuerySet[Team]:
    """The teams `can_view_pipeline` allows: those the actor leads (admins: all)."""
    return deal_teams_filterable_by(actor)


def can_view_forecast(actor: Membership, team: Team | None) -> bool:
    """A team's forecast (and deal statistics): its members, its managers (also through a
    team above it) and admins. The whole organisation's (no team): admins only."""
    if not actor.active:
        return False
    if team is None:
        return bool(rules.is_org_admin(actor))
    if team.organization_id != actor.organization_id:
        return False
    return rules.can_manage_team(actor, team) or actor.team_id == team.pk


def forecast_teams_visible_to(actor: Membership) -> QuerySet[Team]:
    """The teams `can_view_forecast` allows (the query beside the rule)."""
    teams = Team.objects.for_org(actor.organization_id).order_by("name")
    if not actor.active:
        return teams.none()
    if rules.is_org_admin(actor):
        return teams
    return teams.filter(Q(pk__in=rules.managed_team_ids(actor)) | Q(pk=actor.team_id))
