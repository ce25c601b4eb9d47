"""API for the people core: token login, `me/`, the organisation, teams and members."""

from __future__ import annotations

from typing import Any, cast

from django.conf import settings
from django.contrib.auth import authenticate
from django.db.models import QuerySet
from django.utils.translation import gettext as _
from drf_spectacular.utils import (
    OpenApiParameter,
    extend_schema,
    extend_schema_field,
    extend_schema_view,
)
from knox.views import LogoutView as KnoxLogoutView
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts import mfa, rules, selectors, services
from accounts.backends import canonical_username
from accounts.language import PersonLanguageTokenAuthentication
from accounts.models import ImportJob, Membership, Organization, OrganizationDomain, Team, User
from salesmgmt.api import OrgScopedAPIMixin, OrgScopedPrimaryKeyField, OrgUserField
from salesmgmt.csv_api import ImportJobSerializer
from salesmgmt.errors import DomainError
from salesmgmt.schema import THROTTLED

# --- auth -------------------------------------------------------------------------------


class TokenLoginSerializer(serializers.Serializer):
    username = serializers.CharField(help_text="Username or e-mail address.")
    password = serializers.CharField(style={"input_type": "password"}, trim_whitespace=False)
    otp = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=32,
        help_text="Second factor: the 6-digit code of the authenticator app, or a recovery "
        "code. Required once two-factor authentication is set up.",
    )


class TokenSerializer(serializers.Serializer):
    token = serializers.CharField()
    expiry = serializers.DateTimeField(allow_null=True)


class TokenLoginView(APIView):
    """Exchange a username (or e-mail) and password for an expiring API token."""

    permission_classes = [AllowAny]
    authentication_classes: list[Any] = []

    @extend_schema(
        request=TokenLoginSerializer,
        responses={200: TokenSerializer, 429: THROTTLED},
        description="Too many failed attempts for an account lock it for a while (429).",
    )
    def post(self, request: Request) -> Response:
        data = TokenLoginSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        django_request = request._request
        user = authenticate(
            django_request,
            # One lockout counter per account, whether typed as username or e-mail, in any case.
            username=canonical_username(data.validated_data["username"]),
            password=data.validated_data["password"],
        )
        if getattr(django_request, "axes_locked_out", False):
            # Answered here in JSON; clearing the flag keeps AxesMiddleware from replacing
            # this response with the HTML lockout page meant for the sign-in form.
            setattr(django_request, "axes_locked_out", False)  # noqa: B010
            return Response(
                {"detail": _("Too many failed attempts. Try again later.")},
                status=status.HTTP_429_TOO_MANY_REQUESTS,
            )
        if user is None:
            # One message whether the account exists or not: no enumeration.
            return Response(
                {"detail": _("Unable to sign in with these credentials.")},
                status=status.HTTP_400_BAD_REQUEST,
            )
        refusal = _second_factor_refusal(user, data.validated_data.get("otp", ""), django_request)
        if refusal is not None:
            return refusal
        instance, token = services.issue_api_token(user=user)
        return Response({"token": token, "expiry": instance.expiry})


def _second_factor_refusal(user: User, otp: str, request: Any) -> Response | None:
    """None when `user` may have a token; else why not. Tokens come after the second factor."""
    status_ = mfa.second_factor_status(user)
    if status_.has_device:
        if not otp:
            return Response(
                {"otp": [_("Two-factor authentication is on: send the code as `otp`.")]},
                status=status.HTTP_400_BAD_REQUEST,
            )
        try:
            mfa.verify_code(user=user, code=otp, request=request)
        except mfa.TooManyCodes as exc:
            return Response(exc.as_dict(), status=status.HTTP_429_TOO_MANY_REQUESTS)
        except DomainError as exc:
            return Response(exc.as_dict(), status=status.HTTP_400_BAD_REQUEST)
        return None
    if status_.required:
        return Response(
            {
                "detail": _(
                    "Your role requires two-factor authentication: set it up in the web app "
                    "first, then sign in here with its code."
                )
            },
            status=status.HTTP_403_FORBIDDEN,
        )
    return None


class TokenLogoutView(KnoxLogoutView):
    """Revoke the token used for this request."""

    authentication_classes = (PersonLanguageTokenAuthentication,)

    @extend_schema(request=None, responses={204: None})
    def post(self, request: Request, format: Any = None) -> Response:
        return super().post(request, format)


class MembershipBriefSerializer(serializers.Serializer):
    org = serializers.CharField(source="organization.slug")
    role = serializers.CharField()
    team = serializers.IntegerField(source="team_id", allow_null=True)


class MeSerializer(serializers.ModelSerializer):
    memberships = serializers.SerializerMethodField()
    language = serializers.CharField(source="locale", read_only=True)

    class Meta:
        model = User
        fields = ["id", "username", "email", "name", "language", "memberships"]

    @extend_schema_field(MembershipBriefSerializer(many=True))
    def get_memberships(self, user: User) -> list[dict[str, Any]]:
        return list(MembershipBriefSerializer(selectors.memberships_of(user), many=True).data)


class MeUpdateSerializer(serializers.Serializer):
    name = serializers.CharField(required=False, allow_blank=True, max_length=150)
    language = serializers.ChoiceField(
        source="locale", required=False, choices=[code for code, _label in settings.LANGUAGES]
    )


class MeView(APIView):
    """The signed-in user and their organisations; PATCH changes their own name and language."""

    @extend_schema(responses=MeSerializer)
    def get(self, request: Request) -> Response:
        return Response(MeSerializer(request.user).data)

    @extend_schema(request=MeUpdateSerializer, responses=MeSerializer)
    def patch(self, request: Request) -> Response:
        data = MeUpdateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        user = services.update_profile(user=cast(User, request.user), **data.validated_data)
        return Response(MeSerializer(user).data)


# --- the organisation -------------------------------------------------------------------


class OrganizationSerializer(serializers.ModelSerializer):
    class Meta:
        model = Organization
        fields = [
            "slug",
            "name",
            "timezone",
            "week_start",
            "fiscal_year_start_month",
            "country",
            "currency",
            "require_mfa_for_managers",
            "language",
        ]
        read_only_fields = ["slug"]


class OrganizationView(OrgScopedAPIMixin, APIView):
    """The organisation's settings; admins may change them."""

    @extend_schema(responses=OrganizationSerializer)
    def get(self, request: Request, org_slug: str) -> Response:
        return Response(OrganizationSerializer(self.org).data)

    @extend_schema(request=OrganizationSerializer, responses=OrganizationSerializer)
    def patch(self, request: Request, org_slug: str) -> Response:
        rules.require(rules.can_edit_organization(self.membership))
        data = OrganizationSerializer(self.org, data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        org = services.update_organization(
            actor=self.membership, org=self.org, **data.validated_data
        )
        return Response(OrganizationSerializer(org).data)


# --- teams ------------------------------------------------------------------------------


class TeamSerializer(serializers.ModelSerializer):
    parent = OrgScopedPrimaryKeyField(model=Team, allow_null=True, required=False)  # type: ignore[assignment]
    managers = OrgUserField(many=True, required=False)

    class Meta:
        model = Team
        fields = ["id", "name", "parent", "managers"]


class TeamViewSet(OrgScopedAPIMixin, viewsets.ModelViewSet):
    """Teams and their hierarchy. Everyone in the organisation reads; admins write."""

    serializer_class = TeamSerializer
    lookup_url_kwarg = "team_id"
    lookup_value_regex = "[0-9]+"

    def get_queryset(self) -> QuerySet[Team]:
        if self.is_schema_generation:
            return Team.objects.none()
        return selectors.teams_of(self.org).order_by("name", "id")

    def _write_check(self) -> None:
        rules.require(rules.can_edit_teams(self.membership))

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        self._write_check()
        data = self.get_serializer(data=request.data)
        data.is_valid(raise_exception=True)
        team = services.create_team(actor=self.membership, **data.validated_data)
        return Response(self.get_serializer(team).data, status=status.HTTP_201_CREATED)

    def update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        team = self.get_object()
        self._write_check()
        data = self.get_serializer(team, data=request.data, partial=kwargs.get("partial", False))
        data.is_valid(raise_exception=True)
        team = services.update_team(actor=self.membership, team=team, **data.validated_data)
        return Response(self.get_serializer(team).data)

    def destroy(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        team = self.get_object()
        self._write_check()
        services.delete_team(actor=self.membership, team=team)
        return Response(status=status.HTTP_204_NO_CONTENT)


# --- members ----------------------------------------------------------------------------


class MemberSerializer(serializers.ModelSerializer):
    id = serializers.IntegerField(source="user_id", read_only=True)
    email = serializers.EmailField(source="user.email")
    # Read: the person as this organisation shows them (see Membership.display_name).
    # Write: the name to put in the invitation (or on the new account of an owned address).
    name = serializers.CharField(
        source="display_name", required=False, allow_blank=True, max_length=150
    )
    team = OrgScopedPrimaryKeyField(model=Team, allow_null=True, required=False)
    password = serializers.CharField(
        write_only=True, required=False, allow_blank=True, trim_whitespace=False
    )
    invited = serializers.SerializerMethodField()

    class Meta:
        model = Membership
        fields = ["id", "email", "name", "role", "team", "active", "invited", "password"]
        read_only_fields = ["active"]

    def get_invited(self, membership: Membership) -> bool:
        """True while the person has been invited but has not accepted yet."""
        return bool(getattr(membership, "invited", False))


class MemberUpdateSerializer(serializers.ModelSerializer):
    team = OrgScopedPrimaryKeyField(model=Team, allow_null=True, required=False)

    class Meta:
        model = Membership
        fields = ["role", "team", "active"]


@extend_schema_view(
    list=extend_schema(
        parameters=[
            OpenApiParameter("search", str, description="Part of the name, username or e-mail."),
            OpenApiParameter("team", int, description="Members of this team (not sub-teams)."),
            OpenApiParameter("role", str, enum=Membership.Role.values),
            OpenApiParameter("status", str, enum=["active", "invited", "inactive"]),
        ]
    )
)
class MemberViewSet(
    OrgScopedAPIMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """The member directory. Everyone reads; admins add, invite, re-role, move, deactivate."""

    serializer_class = MemberSerializer
    lookup_field = "user_id"
    lookup_url_kwarg = "user_id"
    lookup_value_regex = "[0-9]+"
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self) -> QuerySet[Membership]:
        if self.is_schema_generation:
            return Membership.objects.none()
        params = self.request.query_params
        team = None
        if params.get("team", "").isdigit():
            team = Team.objects.for_org(self.org).filter(pk=int(params["team"])).first()
            if team is None:
                return Membership.objects.none()
        return selectors.members_of(
            self.org,
            search=params.get("search", ""),
            team=team,
            role=params.get("role", ""),
            status=params.get("status", ""),
        )

    def get_serializer_class(self) -> type[serializers.BaseSerializer]:
        if self.action in ("update", "partial_update"):
            return MemberUpdateSerializer
        return MemberSerializer

    @extend_schema(request=MemberSerializer, responses={201: MemberSerializer})
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        rules.require(rules.can_administer_members(self.membership))
        data = MemberSerializer(data=request.data, context=self.get_serializer_context())
        data.is_valid(raise_exception=True)
        values = data.validated_data
        result = services.add_member(
            actor=self.membership,
            email=values["user"]["email"],
            name=values.get("display_name", ""),
            role=values.get("role", Membership.Role.MEMBER),
            team=values.get("team"),
            password=values.get("password") or None,
        )
        membership = self.get_queryset().get(pk=result.membership.pk)
        return Response(MemberSerializer(membership).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=MemberUpdateSerializer, responses=MemberSerializer)
    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        membership = self.get_object()
        rules.require(rules.can_administer_members(self.membership))
        data = MemberUpdateSerializer(
            membership, data=request.data, partial=True, context=self.get_serializer_context()
        )
        data.is_valid(raise_exception=True)
        services.update_membership(
            actor=self.membership, membership=membership, **data.validated_data
        )
        return Response(MemberSerializer(self.get_queryset().get(pk=membership.pk)).data)

    def update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        kwargs["partial"] = True
        return self.partial_update(request, *args, **kwargs)


# --- verified e-mail domains --------------------------------------------------------------


class DomainSerializer(serializers.ModelSerializer):
    domain = serializers.CharField(max_length=253)  # the service normalises, then validates
    verified = serializers.BooleanField(source="is_verified", read_only=True)
    record_name = serializers.CharField(read_only=True)
    record_value = serializers.CharField(read_only=True)

    class Meta:
        model = OrganizationDomain
        fields = [
            "id",
            "domain",
            "verified",
            "verified_at",
            "method",
            "record_name",
            "record_value",
            "last_checked_at",
            "created_at",
        ]
        read_only_fields = ["verified_at", "method", "last_checked_at", "created_at"]


class DomainViewSet(
    OrgScopedAPIMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    """The organisation's e-mail domains (admins only). Verify publishes nothing: it checks
    the DNS TXT record `record_name` for `record_value`."""

    serializer_class = DomainSerializer
    lookup_url_kwarg = "domain_id"
    lookup_value_regex = "[0-9]+"

    def get_queryset(self) -> QuerySet[OrganizationDomain]:
        if self.is_schema_generation:
            return OrganizationDomain.objects.none()
        return selectors.domains_of(self.org)

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        super().initial(request, *args, **kwargs)
        rules.require(rules.can_manage_domains(self.membership))

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        data = DomainSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        added = services.add_domain(actor=self.membership, domain=data.validated_data["domain"])
        return Response(DomainSerializer(added).data, status=status.HTTP_201_CREATED)

    def destroy(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        services.remove_domain(actor=self.membership, domain=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(request=None, responses=DomainSerializer)
    @action(detail=True, methods=["post"])
    def verify(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Look the TXT record up now; 400 saying why when it is not (yet) there."""
        domain = services.verify_domain(actor=self.membership, domain=self.get_object())
        return Response(DomainSerializer(domain).data)


# --- import jobs --------------------------------------------------------------------------


class ImportJobViewSet(
    OrgScopedAPIMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """Import jobs (large CSV imports run by a worker): the caller's own, newest first.

    A job is seen by the person who started it and by admins; anyone else gets 404.
    """

    serializer_class = ImportJobSerializer
    lookup_url_kwarg = "job_id"
    lookup_value_regex = "[0-9]+"
    filter_backends: list[Any] = []

    def get_queryset(self) -> QuerySet[ImportJob]:
        if self.is_schema_generation:
            return ImportJob.objects.none()
        jobs = selectors.import_jobs_visible_to(self.membership)
        if self.action == "list":
            jobs = jobs.filter(created_by_id=self.membership.user_id)
        return jobs
