"""The one FilterSet of the deal list: the deals API (list and export), and the deal list,
board and export pages (its `form`) read `q, owner, team, stage, open, stale` through it."""

from __future__ import annotations

from typing import Any

import django_filters
from django import forms
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field

from accounts.models import Membership, Team, User
from accounts.selectors import team_and_descendant_ids
from deals import access
from deals.models import Customer, Deal, Stage

SEARCH_MAX = 100
CUSTOMER_SEARCH_MAX = 200
# The spellings a yes/no query parameter accepts (as the API's boolean fields always did).
_TRUE = {"true", "1", "yes", "y", "on"}
_FALSE = {"false", "0", "no", "n", "off"}
_NULL = {"", "null", "none"}


class YesNoField(forms.NullBooleanField):
    """true/false (also yes/no, 1/0, on/off), or empty for "either"; anything else is an
    error (a typo must not silently show everything)."""

    default_error_messages = {"invalid": _("Use true or false.")}

    def to_python(self, value: Any) -> bool | None:  # type: ignore[override]
        if value is None or isinstance(value, bool):
            return value
        text = str(value).strip().lower()
        if text in _TRUE:
            return True
        if text in _FALSE:
            return False
        if text in _NULL:
            return None
        raise forms.ValidationError(self.error_messages["invalid"], code="invalid")

    def validate(self, value: Any) -> None:
        return None


class YesNoSelect(forms.Select):
    """A select of "either / yes / no" whose values are the API's `true` and `false`."""

    def __init__(self, either: Any, yes: Any, no: Any) -> None:
        super().__init__(choices=[("", either), ("true", yes), ("false", no)])

    def format_value(self, value: Any) -> list[str]:
        try:
            parsed = YesNoField().to_python(value)
        except forms.ValidationError:
            return [""]
        return ["" if parsed is None else ("true" if parsed else "false")]


@extend_schema_field(OpenApiTypes.BOOL)
class YesNoFilter(django_filters.BooleanFilter):
    field_class = YesNoField


class PersonChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return str(obj.display_name)


class StageChoiceField(forms.ModelChoiceField):
    """A stage chosen by its stable key (`proposal`), as buttons, CSV and the API say it."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("to_field_name", "key")
        super().__init__(*args, **kwargs)

    def label_from_instance(self, obj: Any) -> str:
        return str(obj.name)


@extend_schema_field(OpenApiTypes.INT)
class PersonFilter(django_filters.ModelChoiceFilter):
    field_class = PersonChoiceField


@extend_schema_field(OpenApiTypes.INT)
class TeamFilter(django_filters.ModelChoiceFilter):
    """A team of the organisation (by id)."""


@extend_schema_field(OpenApiTypes.STR)
class StageFilter(django_filters.ModelChoiceFilter):
    field_class = StageChoiceField


class DealFilter(django_filters.FilterSet):
    """Deal list filters. The queryset must carry `is_stale` (`selectors.with_staleness`).

    The API accepts any member and team of the organisation (another organisation's ids
    answer 400); the pages (`for_page=True`) offer only the people and teams the actor
    manages, and no person or team filter to members; the board (`board=True`) filters by
    search, team and owner only.
    """

    q = django_filters.CharFilter(
        method="filter_search",
        max_length=SEARCH_MAX,
        label=_("Search"),
        help_text=_("Part of the deal's title or of its customer's name."),
    )
    owner = PersonFilter(
        queryset=User.objects.none(),
        label=_("Owner"),
        empty_label=_("Everyone"),
        help_text=_("Only this member's deals (user id)."),
    )
    team = TeamFilter(
        queryset=Team.objects.none(),
        method="filter_team",
        label=_("Team"),
        empty_label=_("All teams"),
        help_text=_("Only deals of this team and its sub-teams."),
    )
    stage = StageFilter(
        queryset=Stage.objects.none(),
        label=_("Stage"),
        empty_label=_("Any stage"),
        help_text=_("Stage key."),
        error_messages={"invalid_choice": _("Unknown stage “%(value)s”.")},
    )
    open = YesNoFilter(
        method="filter_open",
        label=_("Status"),
        widget=YesNoSelect(_("Open and closed"), _("Open"), _("Closed")),
        help_text=_("true: open deals; false: closed."),
    )
    stale = YesNoFilter(
        field_name="is_stale",
        label=_("Staleness"),
        widget=YesNoSelect(_("Any"), _("Stale only"), _("Not stale")),
        help_text=_("true: stale open deals only."),
    )

    class Meta:
        model = Deal
        fields: list[str] = []

    def __init__(
        self,
        data: Any = None,
        *args: Any,
        actor: Membership,
        for_page: bool = False,
        board: bool = False,
        **kwargs: Any,
    ) -> None:
        super().__init__(data, *args, **kwargs)
        self.actor = actor
        org_id = actor.organization_id
        self.filters["stage"].queryset = Stage.objects.for_org(org_id)
        if not for_page:
            self.filters["owner"].queryset = User.objects.filter(
                memberships__organization_id=org_id
            ).order_by("name", "username")
            self.filters["team"].queryset = Team.objects.for_org(org_id).order_by("name")
        elif access.can_filter_deals_by_people(actor):
            self.filters["owner"].queryset = access.deal_owners_assignable_by(actor)
            self.filters["team"].queryset = access.deal_teams_filterable_by(actor)
        else:
            del self.filters["owner"], self.filters["team"]
        if board:
            for name in ("stage", "open", "stale"):
                del self.filters[name]

    def filter_search(self, queryset: QuerySet[Deal], name: str, value: str) -> QuerySet[Deal]:
        text = (value or "").strip()
        if not text:
            return queryset
        return queryset.filter(Q(title__icontains=text) | Q(customer__name__icontains=text))

    def filter_team(
        self, queryset: QuerySet[Deal], name: str, value: Team | None
    ) -> QuerySet[Deal]:
        if value is None:
            return queryset
        return queryset.filter(team_id__in=team_and_descendant_ids(self.actor.organization, value))

    def filter_open(
        self, queryset: QuerySet[Deal], name: str, value: bool | None
    ) -> QuerySet[Deal]:
        if value is None:
            return queryset
        is_open = Q(stage__outcome=Stage.Outcome.OPEN)
        return queryset.filter(is_open) if value else queryset.exclude(is_open)


class CustomerFilter(django_filters.FilterSet):
    """The customer list's search: part of the name or of the industry."""

    q = django_filters.CharFilter(
        method="filter_search",
        max_length=CUSTOMER_SEARCH_MAX,
        label=_("Search"),
        help_text=_("Part of the customer's name or industry."),
    )

    class Meta:
        model = Customer
        fields: list[str] = []

    def filter_search(
        self, queryset: QuerySet[Customer], name: str, value: str
    ) -> QuerySet[Customer]:
        text = (value or "").strip()
        if not text:
            return queryset
        return queryset.filter(Q(name__icontains=text) | Q(industry__icontains=text))
