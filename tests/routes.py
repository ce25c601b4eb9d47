"""Every URL of the product, discovered from the URLconf and classified (deny by default).

`discover_routes()` walks `django.urls.get_resolver()` recursively. Each route is one of:

- ORG_PAGE: under `o/<slug:org_slug>/` (pages, `salesmgmt.tenancy.org_view`);
- ORG_API: under `api/v1/orgs/<slug:org_slug>/` (DRF views with `OrgScopedAPIMixin`);
- GLOBAL: named in `GLOBAL_ROUTES` below, with the reason it needs no organisation;
- ADMIN: the Django admin under `admin/` (staff only);

and anything else is UNCLASSIFIED, which fails `tests/test_route_tenancy.py`.

Adding a page or endpoint: put it under one of the two org prefixes and give it a URL
name; the tenancy tests (S1) then cover it by themselves. For each new URL kwarg add a
builder to `OBJECT_KWARGS` (an acme object belonging to `cast.member` / `cast.team`, so
`cast.manager` leads it and `cast.other_manager` does not); for a GET that needs a query
(stats, filters) add `QUERY_PARAMS`; then add one MATRIX row per accepted method (and a
payload in REQUESTS for writes) in tests/test_role_matrix.py. The failing tests say which.
"""

from __future__ import annotations

import enum
import json
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from functools import cache
from typing import Any
from urllib.parse import urlencode

import pytest
from django.core.files import File
from django.urls import Resolver404, URLPattern, URLResolver, get_resolver, resolve
from django.utils.regex_helper import normalize

from accounts.models import Membership, Organization, Team, User
from tests.activities.factories import ActivityFactory, default_types
from tests.factories import MembershipFactory, UserFactory
from tests.goals.factories import GoalFactory, MetricFactory

ORG_SLUG = "org_slug"
ORG_PAGE_PREFIX = "o/<slug:org_slug>/"
ORG_API_PREFIX = "api/v1/orgs/<slug:org_slug>/"
ADMIN_PREFIX = "admin/"
MISSING_SLUG = "no-such-org"
MISSING_ID = 987654321


class Kind(enum.Enum):
    ORG_PAGE = "org page"
    ORG_API = "org API"
    GLOBAL = "global"
    ADMIN = "admin"
    UNCLASSIFIED = "unclassified"


# Routes that legitimately live outside an organisation, by URL name, with the reason.
GLOBAL_ROUTES: dict[str, str] = {
    "home": "landing page; redirects a signed-in user to their own organisation",
    "healthz": "load-balancer liveness probe; reveals no data",
    "accounts:login": "sign-in",
    "accounts:logout": "sign-out",
    "accounts:password_change": "the signed-in user's own password",
    "accounts:password_change_done": "the signed-in user's own password",
    "accounts:password_reset": "password reset by e-mail (no enumeration)",
    "accounts:password_reset_done": "password reset by e-mail",
    "accounts:password_reset_confirm": "password reset link (signed token)",
    "accounts:password_reset_complete": "password reset by e-mail",
    "accounts:invitation_accept": "invitation link; the single-use token picks the organisation",
    "accounts:profile": "the signed-in person's own name and language",
    "accounts:mfa_manage": "the signed-in user's own two-factor settings",
    "accounts:mfa_setup": "the signed-in user sets up their own authenticator",
    "accounts:mfa_verify": "second step of sign-in: the user's own code",
    "accounts:mfa_recovery_codes": "the signed-in user's own new recovery codes, shown once",
    "accounts:mfa_recovery_codes_regenerate": "the signed-in user's own recovery codes",
    "accounts:mfa_disable": "the signed-in user turns off their own two-factor",
    "api:token": "API token login",
    "api:token_logout": "API token logout (revokes the caller's own token)",
    "api:me": "the caller and their memberships",
    "api:schema": "OpenAPI schema (public contract)",
    "api:docs": "Swagger UI for the schema",
}


@dataclass
class Cast:
    """The people and objects every route test uses (see tests/conftest.py).

    acme (`org`): `admin`; `team` led by `manager` with `sub_team` below it; `other_team`
    led by `other_manager`; `member` and `teammate` in `team`; `other_team_member`;
    `deactivated` (in `team`, membership inactive). globex (`other_org`): `outsider`, an
    admin, in `outsider_team`. `staff`: a Django superuser who belongs to no organisation.
    """

    org: Organization
    admin: Membership
    team: Team
    sub_team: Team
    other_team: Team
    manager: Membership
    other_manager: Membership
    member: Membership
    teammate: Membership
    other_team_member: Membership
    deactivated: Membership
    other_org: Organization
    outsider_team: Team
    outsider: Membership
    staff: User
    _built: dict[str, Any] = field(default_factory=dict, repr=False)

    @classmethod
    def from_request(cls, request: pytest.FixtureRequest) -> Cast:
        get = request.getfixturevalue
        org = get("org")
        deactivated = MembershipFactory(
            organization=org, team=get("team"), active=False, user__username="dee"
        )
        staff = UserFactory(username="root", is_staff=True, is_superuser=True)
        return cls(
            org=org,
            admin=get("admin"),
            team=get("team"),
            sub_team=get("sub_team"),
            other_team=get("other_team"),
            manager=get("manager"),
            other_manager=get("other_manager"),
            member=get("member"),
            teammate=get("teammate"),
            other_team_member=get("other_team_member"),
            deactivated=deactivated,
            other_org=get("other_org"),
            outsider_team=get("outsider_team"),
            outsider=get("outsider"),
            staff=staff,
        )

    def object_value(self, kwarg: str, route: Route | None = None) -> Any:
        """The acme object for `kwarg`, built once per test."""
        if kwarg not in self._built:
            builder = OBJECT_KWARGS.get(kwarg)
            if builder is None:
                where = f" (route {route.label}: {route.pattern})" if route else ""
                pytest.fail(f"add a builder for {kwarg} in tests/routes.py{where}")
            self._built[kwarg] = builder(self)
        return self._built[kwarg]

    def build_all(self) -> None:
        """Create every registered acme object (so lists have acme rows they could leak)."""
        for kwarg in OBJECT_KWARGS:
            self.object_value(kwarg)

    def acme_markers(self) -> set[str]:
        """Exact strings that identify acme's rows (for "no leak" checks)."""
        people = [
            self.admin,
            self.manager,
            self.other_manager,
            self.member,
            self.teammate,
            self.other_team_member,
            self.deactivated,
        ]
        markers = {self.org.slug, self.org.name}
        markers |= {t.name for t in (self.team, self.sub_team, self.other_team)}
        for person in people:
            markers |= {person.user.username, person.user.email}
        return markers

    def acme_text_markers(self) -> set[str]:
        """Strings distinctive enough to search for inside HTML or CSV."""
        people = [self.admin, self.manager, self.member, self.teammate, self.other_team_member]
        return {
            self.org.name,
            self.sub_team.name,
            self.other_team.name,
            f"/o/{self.org.slug}/",
            *(person.user.email for person in people),
        }


def _customer(cast: Cast) -> int:
    from deals.models import Customer

    return Customer.objects.create(organization=cast.org, name="Kaede Trading").pk


def _deal_of_member(cast: Cast) -> int:
    """`member`'s open deal (in `team`, which `manager` leads; `other_manager` cannot see it)."""
    from deals import services
    from deals.models import Customer

    services.ensure_default_stages(org=cast.org)
    customer = Customer.objects.get(pk=cast.object_value("customer_id"))
    deal = services.create_deal(
        actor=cast.member, title="Fleet renewal", customer=customer, amount=1000
    )
    return deal.pk


def _concern(cast: Cast) -> int:
    from deals.models import Concern

    return Concern.objects.create(deal_id=cast.object_value("deal_id"), text="Price").pk


def _stage(cast: Cast) -> int:
    from deals.models import Stage
    from deals.services import ensure_default_stages

    ensure_default_stages(org=cast.org)
    return Stage.objects.for_org(cast.org).get(key="lead").pk


def _saved_deal_view(cast: Cast) -> int:
    from deals.models import SavedDealView

    view = SavedDealView.objects.create(
        organization=cast.org, user=cast.member.user, name="Mine", query="status=open"
    )
    return view.pk


def goals_metric(cast: Cast) -> Any:
    """The manual metric the goal pages' route tests count (one per test)."""
    from goals.models import Metric

    metric, _created = Metric.objects.get_or_create(
        organization=cast.org,
        key="calls_by_hand",
        defaults={"name": "Calls by hand", "source": Metric.Source.MANUAL},
    )
    return metric


def _import_job(cast: Cast) -> int:
    """`member`'s finished deals import job (theirs and the admins' to see, nobody else's)."""
    from accounts.models import ImportJob

    job = ImportJob.objects.create(
        organization=cast.org,
        kind="deals",
        created_by=cast.member.user,
        status=ImportJob.Status.SUCCEEDED,
        total_rows=400,
        processed_rows=400,
        created_count=400,
    )
    return job.pk


def _day_off(cast: Cast) -> int:
    from datetime import date

    from accounts.models import DayOff

    return DayOff.objects.create(organization=cast.org, date=date(2030, 12, 27), name="Year end").pk


# URL kwarg -> the acme object id to put in it. Add one line per new kwarg, e.g.
#   "deal_id": lambda cast: DealFactory(organization=cast.org, owner=cast.member.user).pk,
# Build objects that belong to `cast.member` / `cast.team` (so `cast.manager` leads them).
def _verified_domain(cast: Cast) -> int:
    from accounts.services import verify_domain_as_operator

    return verify_domain_as_operator(org=cast.org, domain="acme.example").pk


def _post_of_member(cast: Cast) -> int:
    """`member`'s reflection to `team` (manager leads it; other_manager cannot read it)."""
    from messaging import services

    post = services.create_post(
        actor=cast.member,
        kind="reflection",
        body="Pitched the price too early at Kaede; next time budget first.",
        team=cast.team,
    )
    return post.pk


def _photo_of_member(cast: Cast) -> int:
    """A photo of `member`'s photo action to `team`."""
    from messaging import services
    from tests.messaging.images import jpeg

    post = services.create_post(
        actor=cast.member, kind="photo_action", body="Our stand", team=cast.team, uploads=[jpeg()]
    )
    return post.photos.get().pk


def _advice_on_member_post(cast: Cast) -> int:
    """`teammate`'s advice on `member`'s post (`post_id`)."""
    from messaging import services
    from messaging.models import Post

    post = Post.objects.get(pk=cast.object_value("post_id"))
    comment = services.add_comment(
        actor=cast.teammate, post=post, body="Ask about timing first.", is_advice=True
    )
    return comment.pk


def _conversation_of_member(cast: Cast) -> int:
    """Direct messages between `member` and `teammate` (nobody else reads them)."""
    from messaging import services

    conversation, _created = services.start_conversation(
        actor=cast.member, participants=[cast.teammate.user_id]
    )
    services.send_message(actor=cast.member, conversation=conversation, body="Lunch at noon?")
    return conversation.pk


def _notification_of_member(cast: Cast) -> int:
    from messaging import services

    found = services.notify(
        org=cast.org,
        kind="nudge",
        recipients=[cast.member.user_id],
        actor=cast.manager.user_id,
        event="routes:nudge",
        text="Log yesterday's visits",
    )
    return found[0].pk


def _checkin_of_member(cast: Cast) -> int:
    """`member`'s check-in this week (manager reads it; other_manager and peers do not)."""
    from motivation import services

    return services.record_checkin(actor=cast.member, score=4, note="Solid week").pk


def _one_on_one_of_member(cast: Cast) -> int:
    """`manager`'s coming 1:1 with `member` (other_manager and peers cannot see it)."""
    from datetime import timedelta

    from motivation import services
    from salesmgmt import periods

    one = services.hold_one_on_one(
        actor=cast.manager,
        member=cast.member,
        day=periods.today(cast.org) + timedelta(days=3),
        agenda="Pipeline review",
        private_notes="Only the manager reads this.",
        action_items=[
            services.NewActionItem(text="Send the proposal", owner_id=cast.member.user_id)
        ],
    )
    return one.pk


def _action_item_of_member(cast: Cast) -> int:
    """`member`'s open action item in `one_on_one_id`."""
    from motivation.models import ActionItem

    return ActionItem.objects.get(one_on_one_id=cast.object_value("one_on_one_id")).pk


def _kudos_of_member(cast: Cast) -> int:
    """`member`'s kudos to `teammate` (everyone reads it; member and admins delete it)."""
    from motivation import services

    return services.give_kudos(actor=cast.member, to=cast.teammate, message="Thanks!").pk


def _criterion(cast: Cast) -> int:
    """acme's default "results" criterion (everyone reads it; admins change it)."""
    from evaluations.models import EvaluationCriterion
    from evaluations.services import ensure_default_criteria

    ensure_default_criteria(org=cast.org)
    return EvaluationCriterion.objects.for_org(cast.org).get(key="results").pk


def _cycle_in_manager_review(cast: Cast) -> int:
    """An acme cycle at manager review (everyone reads it; admins move it along)."""
    from datetime import date

    from evaluations import services
    from evaluations.services import ensure_default_criteria

    ensure_default_criteria(org=cast.org)
    cycle = services.create_cycle(
        actor=cast.admin, name="H1", start=date(2026, 4, 1), end=date(2026, 9, 30)
    )
    services.advance_cycle(actor=cast.admin, cycle=cycle, to="self_review")
    services.advance_cycle(actor=cast.admin, cycle=cycle, to="manager_review")
    return cycle.pk


def _manager_evaluation_of_member(cast: Cast) -> int:
    """`manager`'s draft evaluation of `member`, fully rated: only its writer sees a draft."""
    from evaluations import services
    from evaluations.models import Evaluation

    evaluation = Evaluation.objects.get(
        cycle_id=cast.object_value("cycle_id"), subject=cast.member.user, kind="manager"
    )
    services.update_evaluation(
        actor=cast.manager,
        evaluation=evaluation,
        ratings={"results": 3, "actions": 3, "deals": 3, "teamwork": 3},
        summary={"strengths": "Calm", "improve": "Follow-ups", "next_steps": "Weekly review"},
    )
    return evaluation.pk


OBJECT_KWARGS: dict[str, Callable[[Cast], Any]] = {
    "team_id": lambda cast: cast.team.pk,
    "user_id": lambda cast: cast.member.user_id,
    # deals: `member`'s deal, a concern on it, a customer, a stage, member's saved list view
    "deal_id": _deal_of_member,
    "concern_id": _concern,
    "customer_id": _customer,
    "stage_id": _stage,
    "view_id": _saved_deal_view,
    # activities: one of `member`'s (manager leads them; other_manager cannot see it)
    "activity_id": lambda cast: ActivityFactory.create(membership=cast.member).pk,
    "type_id": lambda cast: default_types(cast.org)["call"].pk,
    # `member`'s own goal: `manager` sets it, `other_manager` does not even see it.
    "goal_id": lambda cast: (
        GoalFactory.create(
            organization=cast.org, scope="user", user=cast.member.user, metric__key="calls"
        ).pk
    ),
    "metric_id": lambda cast: MetricFactory.create(organization=cast.org, key="calls").pk,
    "day_off_id": _day_off,
    # an e-mail domain acme has verified (so "verify" needs no DNS lookup)
    "domain_id": lambda cast: _verified_domain(cast),
    "job_id": _import_job,
    # messaging: member's post to `team`, teammate's advice on it, a photo of member's,
    # member's conversation with teammate, a notification of member's
    "post_id": _post_of_member,
    "comment_id": _advice_on_member_post,
    "photo_id": _photo_of_member,
    "conversation_id": _conversation_of_member,
    "notification_id": _notification_of_member,
    # motivation: member's check-in this week
    "checkin_id": _checkin_of_member,
    # manager's coming 1:1 with member, and member's action item in it
    "one_on_one_id": _one_on_one_of_member,
    "item_id": _action_item_of_member,
    "kudos_id": _kudos_of_member,
    # evaluations: acme's "results" criterion
    "criterion_id": _criterion,
    # an acme cycle at manager review, and manager's draft evaluation of member in it
    "cycle_id": _cycle_in_manager_review,
    "evaluation_id": _manager_evaluation_of_member,
}

# A value for the kwarg that names no object at all (default MISSING_ID).
MISSING_VALUES: dict[str, Any] = {}

# URL name -> the query string a GET needs (stats, filters), naming acme objects, e.g.
#   "api:stats-funnel": lambda cast: {"team": cast.team.pk, "from": ..., "to": ...},
# Used for the "lists never leak" checks (the outsider sends acme's ids in its own org)
# and as the default query of GET rows in tests/test_role_matrix.py.
QUERY_PARAMS: dict[str, Callable[[Cast], dict[str, Any]]] = {
    "api:stats-activity": lambda cast: {
        "scope": "user",
        "id": cast.member.user_id,
        "grain": "week",
        "from": "2026-01-01",
        "to": "2026-12-31",
    },
    "api:stats-funnel": lambda cast: {
        "team": cast.team.pk,
        "from": "2026-01-01",
        "to": "2026-12-31",
    },
    # deals: `team`'s numbers (its manager and members may see some of them)
    "api:stats-pipeline": lambda cast: {"team": cast.team.pk},
    "api:stats-forecast": lambda cast: {"team": cast.team.pk, "period": "quarter"},
    "api:stats-deals": lambda cast: {"team": cast.team.pk},
    # motivation: `team`'s leaderboard on the goals metric
    "api:leaderboard": lambda cast: {"metric": goals_metric(cast).key, "team": cast.team.pk},
    "motivation:leaderboard": lambda cast: {"metric": goals_metric(cast).key},
}

# Kwargs that are not objects: their fixed value.
FIXED_KWARGS: dict[str, str] = {"format": "json"}

# Values for the Django admin's kwargs (the admin is only checked for staff-only access).
ADMIN_KWARGS: dict[str, str] = {"app_label": "accounts", "url": "no-such-page/"}


@dataclass(frozen=True)
class Route:
    pattern: str  # the full route/regex string as written in the URLconfs
    regex: str  # the combined regex Django matches against
    name: str  # namespaced URL name ("accounts:team_detail"), "" when unnamed
    callback: Callable[..., Any]
    kwargs: tuple[str, ...]

    @property
    def label(self) -> str:
        base = self.name or self.pattern
        return f"{base}.{FIXED_KWARGS['format']}" if "format" in self.kwargs else base

    @property
    def kind(self) -> Kind:
        if self.pattern.startswith(ORG_PAGE_PREFIX):
            return Kind.ORG_PAGE
        if self.pattern.startswith(ORG_API_PREFIX):
            return Kind.ORG_API
        if self.pattern.startswith(ADMIN_PREFIX):
            return Kind.ADMIN
        if self.name in GLOBAL_ROUTES and ORG_SLUG not in self.kwargs:
            return Kind.GLOBAL
        return Kind.UNCLASSIFIED

    @property
    def object_kwargs(self) -> tuple[str, ...]:
        return tuple(k for k in self.kwargs if k != ORG_SLUG and k not in FIXED_KWARGS)

    def path(self, values: Mapping[str, Any]) -> str:
        """The URL for these kwarg values; checked to resolve back to this route."""
        wanted = set(self.kwargs)
        for template, params in normalize(self.regex):
            if set(params) == wanted:
                url = "/" + template % {k: str(v) for k, v in values.items()}
                break
        else:
            pytest.fail(f"cannot build a URL for {self.label} ({self.pattern})")
        match = resolve(url)
        same = match.func is self.callback and (match.view_name == self.name or not self.name)
        assert same, f"{url} resolves to {match.view_name}, not {self.label}"
        return url

    def url(
        self,
        cast: Cast,
        *,
        org_slug: str | None = None,
        missing: bool = False,
        overrides: Mapping[str, Any] | None = None,
    ) -> str:
        """This route for `org_slug` (acme by default) with acme's objects.

        `missing=True` puts a value that names no object in every object kwarg.
        """
        values: dict[str, Any] = {}
        overrides = overrides or {}
        for kwarg in self.kwargs:
            if kwarg == ORG_SLUG:
                values[kwarg] = org_slug or cast.org.slug
            elif kwarg in FIXED_KWARGS:
                values[kwarg] = FIXED_KWARGS[kwarg]
            elif kwarg in overrides:
                values[kwarg] = overrides[kwarg]
            elif self.kind is Kind.ADMIN:
                values[kwarg] = ADMIN_KWARGS.get(kwarg, "1")
            elif missing:
                values[kwarg] = MISSING_VALUES.get(kwarg, MISSING_ID)
            else:
                values[kwarg] = cast.object_value(kwarg, self)
        return self.path(values)


def _walk(
    patterns: list[Any], prefix: str, regex: str, namespaces: tuple[str, ...]
) -> Iterator[Route]:
    for entry in patterns:
        own_regex = entry.pattern.regex.pattern
        if regex and own_regex.startswith("^"):
            own_regex = own_regex[1:]
        full_pattern, full_regex = prefix + str(entry.pattern), regex + own_regex
        if isinstance(entry, URLResolver):
            inner = (*namespaces, entry.namespace) if entry.namespace else namespaces
            yield from _walk(entry.url_patterns, full_pattern, full_regex, inner)
        elif isinstance(entry, URLPattern):
            name = ":".join((*namespaces, entry.name)) if entry.name else ""
            kwargs = tuple(re.compile(full_regex).groupindex)
            yield Route(full_pattern, full_regex, name, entry.callback, kwargs)


@cache
def discover_routes() -> tuple[Route, ...]:
    return tuple(_walk(get_resolver().url_patterns, "", "", ()))


def routes_of(*kinds: Kind) -> list[Route]:
    return [r for r in discover_routes() if r.kind in kinds]


def route_named(name: str) -> Route | None:
    """The route with this URL name (the plain one, not a format-suffix variant)."""
    for route in discover_routes():
        if route.name == name and "format" not in route.kwargs:
            return route
    return None


PAGE_METHODS = ("GET", "POST")
API_METHODS = ("GET", "POST", "PATCH", "DELETE")


def org_route_methods() -> list[tuple[Route, str]]:
    """Every org route with every method the tenancy tests send to it."""
    pairs: list[tuple[Route, str]] = []
    for route in routes_of(Kind.ORG_PAGE, Kind.ORG_API):
        methods = PAGE_METHODS if route.kind is Kind.ORG_PAGE else API_METHODS
        pairs.extend((route, method) for method in methods)
    return pairs


def openapi_schema() -> dict[str, Any]:
    from drf_spectacular.generators import SchemaGenerator

    return SchemaGenerator().get_schema(request=None, public=True)


HTTP_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")


def schema_operations() -> list[tuple[str, str]]:
    """(path, METHOD) of every operation in the OpenAPI schema."""
    return [
        (path, method.upper())
        for path, item in openapi_schema()["paths"].items()
        for method in item
        if method in HTTP_METHODS
    ]


def route_for_schema_path(path: str) -> Route | None:
    """The discovered route serving an OpenAPI path such as /api/v1/orgs/{org_slug}/teams/."""
    sample = re.sub(r"\{(\w+)\}", lambda m: _sample_value(m.group(1)), path)
    try:
        match = resolve(sample)
    except Resolver404:
        return None
    for route in discover_routes():
        if route.callback is match.func and route.name == match.view_name:
            return route
    return None


def _sample_value(kwarg: str) -> str:
    if kwarg == ORG_SLUG:
        return "acme"
    if kwarg in FIXED_KWARGS:
        return FIXED_KWARGS[kwarg]
    return str(MISSING_VALUES.get(kwarg, MISSING_ID))


# --- sending requests -------------------------------------------------------------------

_CSRF_VALUE = re.compile(r'("X-CSRFToken": "|name="csrfmiddlewaretoken" value=")[^"]*"')


def send(
    client: Any, route: Route, method: str, url: str, data: Mapping[str, Any] | None = None
) -> Any:
    """Send `method` to `url` the way a browser (pages) or an API client would."""
    data = dict(data or {})
    if method == "GET":
        return client.get(url, data)
    if route.kind is Kind.ORG_API:
        # A payload carrying a file (an upload) goes as multipart, anything else as JSON.
        fmt = "multipart" if any(isinstance(v, File) for v in data.values()) else "json"
        return getattr(client, method.lower())(url, data, format=fmt)
    if method == "POST":
        return client.post(url, data)
    return client.generic(
        method, url, urlencode(data, doseq=True), content_type="application/x-www-form-urlencoded"
    )


def text(response: Any) -> str:
    """The response body as text (also for streamed responses such as CSV exports)."""
    raw = b"".join(response.streaming_content) if response.streaming else response.content
    return raw.decode(errors="replace")


def body(response: Any) -> Any:
    """What a response says, comparable across requests (JSON, or HTML minus CSRF tokens)."""
    content = text(response)
    if response.get("Content-Type", "").startswith("application/json"):
        return json.loads(content) if content else None
    return _CSRF_VALUE.sub(r'\1"', content)
