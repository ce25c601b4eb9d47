"""The API's shared base: pagination and the organisation-scoped view mixin.

Every organisation-scoped endpoint lives under `/api/v1/orgs/<org_slug>/` and inherits
`OrgScopedAPIMixin`, which resolves the caller's active membership from the slug after
authentication. A slug the caller does not belong to answers 404 — the same answer as a
slug that does not exist — and `self.org` / `self.membership` are set for the view.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from rest_framework.exceptions import NotFound
from rest_framework.pagination import PageNumberPagination
from rest_framework.request import Request

from salesmgmt.errors import log_denied
from salesmgmt.tenancy import resolve_membership

if TYPE_CHECKING:
    from accounts.models import Membership, Organization


class Pagination(PageNumberPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 500


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
