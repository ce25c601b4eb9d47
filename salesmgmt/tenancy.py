"""Tenancy: every business row belongs to one organisation, and every query says which.

`OrgScopedModel` gives a model its `organization` and `objects.for_org(org)`. Pages and
the API resolve the organisation from the URL slug through `resolve_membership`: a slug
the user is not an active member of answers 404, exactly like a slug that does not exist.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar, TypeVar

from django.db import models

from salesmgmt.prepared import PreparedRead

if TYPE_CHECKING:
    from accounts.models import Membership, Organization

_M = TypeVar("_M", bound=models.Model)


class OrgScopedQuerySet(models.QuerySet[_M]):
    def for_org(self, org: Organization | int) -> OrgScopedQuerySet[_M]:
        org_id = org if isinstance(org, int) else org.pk
        return self.filter(organization_id=org_id)


class OrgScopedModel(models.Model):
    organization = models.ForeignKey(
        "accounts.Organization", on_delete=models.CASCADE, related_name="+"
    )

    objects: ClassVar[Any] = OrgScopedQuerySet.as_manager()

    class Meta:
        abstract = True


def _memberships(*, with_user: bool) -> PreparedRead[Membership]:
    def build(user_id: int, slug: str) -> models.QuerySet[Membership]:
        from accounts.models import Membership

        related = ("organization", "team", "user") if with_user else ("organization", "team")
        # At most one row (one membership per person and organisation): no ORDER BY, which
        # would sort by the model's ordering and join the user table for nothing.
        return (
            Membership.objects.filter(user_id=user_id, organization__slug=slug, active=True)
            .select_related(*related)
            .order_by()[:1]
        )

    # Read on every request of a signed-in person: compiled once (salesmgmt/prepared.py).
    return PreparedRead(build, user_id=-7_301_117_211, slug="(example slug 7301117211)")


_MEMBERSHIP = _memberships(with_user=False)
_MEMBERSHIP_WITH_USER = _memberships(with_user=True)


def resolve_membership(user: Any, org_slug: str) -> Membership | None:
    """The user's active membership in the organisation `org_slug`, or None."""
    from accounts.models import Membership

    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return None
    if type(user) is not Membership.user.field.related_model:  # e.g. a session's lazy user
        return _MEMBERSHIP_WITH_USER.first(user_id=user.pk, slug=org_slug)
    # The user is already loaded (token authentication): reuse it rather than join it again.
    membership = _MEMBERSHIP.first(user_id=user.pk, slug=org_slug)
    if membership is not None:
        membership.user = user  # type: ignore[assignment]
    return membership


def org_view(view: Any) -> Any:
    """Decorate a page taking `org_slug`: sign-in required, then the caller's membership.

    Sets `request.org` and `request.membership`; anyone who is not an active member of
    that organisation gets the same 404 as for an organisation that does not exist.
    """
    from functools import wraps

    from django.contrib.auth.views import redirect_to_login
    from django.http import Http404

    from salesmgmt.errors import log_denied

    @wraps(view)
    def wrapper(request: Any, org_slug: str, *args: Any, **kwargs: Any) -> Any:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        membership = resolve_membership(request.user, org_slug)
        if membership is None:
            log_denied(request, "not a member of this organisation")
            raise Http404
        request.membership = membership
        request.org = membership.organization
        return view(request, *args, **kwargs)

    return wrapper
