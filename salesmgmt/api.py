"""The API's shared base: pagination, the organisation-scoped view mixin, date fields.

Every organisation-scoped endpoint lives under `/api/v1/orgs/<org_slug>/` and inherits
`OrgScopedAPIMixin`, which resolves the caller's active membership from the slug after
authentication. A slug the caller does not belong to answers 404 — the same answer as a
slug that does not exist — and `self.org` / `self.membership` are set for the view.

Every date and date-time the API reads, in a body or a query string, goes through
`SupportedDateField` / `SupportedDateTimeField`: impossible or out-of-range dates are a 400
on the field, never a crash further down (see `periods.FIRST_SUPPORTED_DATE`).
"""

from __future__ import annotations

import copy
from datetime import datetime
from typing import TYPE_CHECKING, Any

from django.contrib.auth import get_user_model
from django.core.exceptions import ImproperlyConfigured
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import QuerySet
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy
from rest_framework import serializers
from rest_framework.exceptions import NotFound
from rest_framework.pagination import PageNumberPagination
from rest_framework.request import Request

from salesmgmt import periods
from salesmgmt.errors import log_denied
from salesmgmt.tenancy import resolve_membership

if TYPE_CHECKING:
    from accounts.models import Membership, Organization


class Pagination(PageNumberPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 500


# --- organisation-scoped foreign keys ---------------------------------------------------------
# Each reads the request's organisation from the serializer context (`OrgScopedAPIMixin`
# puts it there): an id of another organisation is answered like one that does not exist.


class _OrgRows:
    """The related field's rows: those of `model` in the request's organisation."""

    model: type[Any]
    context: dict[str, Any]

    def __init__(self, *, model: type[Any], **kwargs: Any) -> None:
        self.model = model
        if not kwargs.get("read_only"):
            kwargs.setdefault("queryset", model.objects.none())
        super().__init__(**kwargs)

    def get_queryset(self) -> QuerySet[Any]:
        org = self.context.get("org")
        if org is None:
            return self.model.objects.none()
        return self.model.objects.for_org(org)


class OrgScopedPrimaryKeyField(_OrgRows, serializers.PrimaryKeyRelatedField):
    """A foreign key (by id) that only accepts rows of the request's organisation."""


class OrgScopedKeyField(_OrgRows, serializers.SlugRelatedField):
    """A row of the request's organisation, written and read by its `key`."""

    def __init__(self, *, model: type[Any], **kwargs: Any) -> None:
        kwargs.setdefault("slug_field", "key")
        super().__init__(model=model, **kwargs)


class OrgUserField(serializers.PrimaryKeyRelatedField):
    """A user id that must belong to a member of the request's organisation."""

    def __init__(self, **kwargs: Any) -> None:
        if not kwargs.get("read_only"):
            kwargs.setdefault("queryset", get_user_model().objects.none())
        super().__init__(**kwargs)

    def get_queryset(self) -> QuerySet[Any]:
        org = self.context.get("org")
        user_model = get_user_model()
        if org is None:
            return user_model.objects.none()
        return user_model.objects.filter(memberships__organization=org)


def _with_range(help_text: Any) -> Any:
    """The field's help text followed by the supported range (both translated lazily)."""
    range_text = format_lazy(
        gettext_lazy("From {first} to {last}."),
        first=periods.FIRST_SUPPORTED_DATE.isoformat(),
        last=periods.LAST_SUPPORTED_DATE.isoformat(),
    )
    return format_lazy("{} {}", help_text, range_text) if help_text else range_text


class SupportedDateField(serializers.DateField):
    """A `YYYY-MM-DD` date within the supported calendar (400 on the field otherwise)."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs["help_text"] = _with_range(kwargs.get("help_text"))
        super().__init__(**kwargs)
        self.validators.append(periods.validate_supported_date)


class SupportedDateTimeField(serializers.DateTimeField):
    """An ISO 8601 date-time whose local date lies within the supported calendar.

    An input without an offset is read in the field's time zone: the organisation's, for
    every organisation-scoped serializer (the pages read date-times the same way).
    """

    def __init__(self, **kwargs: Any) -> None:
        kwargs["help_text"] = _with_range(kwargs.get("help_text"))
        super().__init__(**kwargs)
        self.validators.append(periods.validate_supported_date)

    def enforce_timezone(self, value: datetime) -> datetime:
        # Checked before any time-zone arithmetic, which overflows near the ends of
        # Python's calendar; the validators check the local date afterwards.
        try:
            periods.validate_supported_date(value)
        except DjangoValidationError as exc:
            raise serializers.ValidationError(exc.messages, code=exc.code) from exc
        return super().enforce_timezone(value)


class PrototypeFieldsMixin:
    """A serializer whose fields are built once per class; each instance gets shallow copies.

    DRF builds every field again for every serializer instance: declared fields are deep-copied
    (which calls each field's `__init__` again) and a ModelSerializer introspects its model
    each time. On a hot endpoint (logging an activity) that was about a sixth of the request's
    CPU. A shallow copy is enough when the copy is only bound and read: `bind()` and per-request
    attributes (a time zone, the context through `parent`) land on the copy.

    Not for fields that hold another field (a ListField's `child`, a many relation's
    `child_relation`): `bind()` would rebind the shared child. Those are refused when the class
    first builds its fields. The built fields must not depend on the instance (its context).
    """

    def get_fields(self) -> dict[str, serializers.Field]:
        cls = type(self)
        prototypes: dict[str, serializers.Field] | None = cls.__dict__.get("_field_prototypes")
        if prototypes is None:
            prototypes = super().get_fields()  # type: ignore[misc]
            shared = [
                name
                for name, field in prototypes.items()
                if hasattr(field, "child") or hasattr(field, "child_relation")
            ]
            if shared:
                raise ImproperlyConfigured(
                    f"{cls.__name__}: fields holding another field cannot be shared: {shared}"
                )
            cls._field_prototypes = prototypes  # type: ignore[attr-defined]
        return {name: copy.copy(field) for name, field in prototypes.items()}


class OrgScopedAPIMixin:
    """Resolve `org_slug` to the caller's membership; 404 for anyone not an active member."""

    membership: Membership
    org: Organization

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        super().initial(request, *args, **kwargs)  # type: ignore[misc]
        membership = resolve_membership(request.user, kwargs.get("org_slug", ""))
        if membership is None:
            log_denied(request, "not a member of this organisation")
            raise NotFound()
        self.membership = membership
        self.org = membership.organization

    def get_serializer_context(self) -> dict[str, Any]:
        context: dict[str, Any] = super().get_serializer_context()  # type: ignore[misc]
        context["org"] = getattr(self, "org", None)
        context["membership"] = getattr(self, "membership", None)
        return context

    @property
    def is_schema_generation(self) -> bool:
        return getattr(self, "swagger_fake_view", False)
