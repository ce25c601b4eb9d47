"""People and organisations: users, organisations, the team hierarchy, memberships, invitations."""

from __future__ import annotations

import hashlib
import secrets
import uuid
import zoneinfo
from datetime import datetime
from typing import TYPE_CHECKING, Any, ClassVar

import holidays
from django.conf import settings
from django.contrib.auth.models import AbstractUser, UserManager
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext_lazy as _

from salesmgmt.imports import JobStatus
from salesmgmt.tenancy import OrgScopedModel

if TYPE_CHECKING:
    from django_stubs_ext.db.models.manager import RelatedManager


def validate_timezone(value: str) -> None:
    if value not in zoneinfo.available_timezones():
        raise ValidationError(_("Unknown time zone: %(tz)s"), params={"tz": value})


def validate_country(value: str) -> None:
    if value not in holidays.list_supported_countries():
        raise ValidationError(
            _("Unsupported country code: %(code)s (use ISO 3166 alpha-2, e.g. JP)"),
            params={"code": value},
        )


def random_user_id() -> int:
    """A user id that says nothing about when (or whether) an account was created.

    Sequential ids would let an admin who adds an address compare the id they get back with
    a fresh one and learn that the address already had an account elsewhere. Ids stay
    integers (the API contract) and below 2**53, so JavaScript clients read them exactly.
    """
    return secrets.randbelow(2**53 - 2**32) + 2**32


class User(AbstractUser):
    """A person who can log in; belongs to organisations through memberships."""

    id = models.BigIntegerField(primary_key=True, default=random_user_id, editable=False)
    email = models.EmailField(_("email address"), unique=True)
    name = models.CharField(_("display name"), max_length=150, blank=True)
    locale = models.CharField(
        _("language"), max_length=10, default="en", choices=settings.LANGUAGES
    )
    timezone = models.CharField(
        _("time zone"), max_length=64, blank=True, validators=[validate_timezone]
    )
    # Mixed into the session hash: bumping it signs the user out of every session.
    session_stamp = models.CharField(max_length=32, default="", blank=True, editable=False)

    objects: ClassVar[UserManager[User]] = UserManager()  # type: ignore[assignment]

    class Meta:
        constraints = [
            models.UniqueConstraint(Lower("email"), name="user_email_ci_unique"),
        ]

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        return self.name or self.get_full_name() or self.username

    def _get_session_auth_hash(self, secret: str | None = None) -> str:
        key_salt = "accounts.User.get_session_auth_hash"
        return salted_hmac(
            key_salt,
            f"{self.password}:{self.session_stamp}",
            secret=secret,
            algorithm="sha256",
        ).hexdigest()

    def rotate_session_stamp(self) -> None:
        self.session_stamp = secrets.token_hex(16)

    def save(self, *args: Any, **kwargs: Any) -> None:
        """Save; a new password also signs the account out of every other session and token.

        This is an invariant of the account, not a flow of one page: a password set by the
        change form, a reset link, an invitation, the admin site or `changepassword` must all
        end what the old password opened. (`_password` is set by `set_password` until saved.)
        """
        password_changed = getattr(self, "_password", None) is not None and self.pk is not None
        if password_changed:
            self.rotate_session_stamp()
            update_fields = kwargs.get("update_fields")
            if update_fields is not None and "session_stamp" not in update_fields:
                kwargs["update_fields"] = [*update_fields, "session_stamp"]
        super().save(*args, **kwargs)
        if password_changed:
            from knox.models import AuthToken

            AuthToken.objects.filter(user=self).delete()


class Organization(models.Model):
    """A company using the product; every row of business data belongs to one."""

    class Weekday(models.IntegerChoices):
        MONDAY = 0, _("Monday")
        TUESDAY = 1, _("Tuesday")
        WEDNESDAY = 2, _("Wednesday")
        THURSDAY = 3, _("Thursday")
        FRIDAY = 4, _("Friday")
        SATURDAY = 5, _("Saturday")
        SUNDAY = 6, _("Sunday")

    slug = models.SlugField(
        _("slug"),
        max_length=50,
        unique=True,
        validators=[RegexValidator(r"^[a-z0-9][a-z0-9-]*$", _("Lower-case letters, digits, -."))],
    )
    name = models.CharField(_("name"), max_length=200)
    timezone = models.CharField(
        _("time zone"), max_length=64, default="Asia/Tokyo", validators=[validate_timezone]
    )
    week_start = models.PositiveSmallIntegerField(
        _("week starts on"), choices=Weekday.choices, default=Weekday.MONDAY
    )
    fiscal_year_start_month = models.PositiveSmallIntegerField(
        _("fiscal year starts in month"),
        default=4,
        validators=[MinValueValidator(1), MaxValueValidator(12)],
    )
    country = models.CharField(
        _("country"), max_length=2, default="JP", validators=[validate_country]
    )
    currency = models.CharField(
        _("currency"),
        max_length=3,
        default="JPY",
        validators=[RegexValidator(r"^[A-Z]{3}$", _("An ISO 4217 code such as JPY or USD."))],
    )
    stale_deal_days = models.PositiveSmallIntegerField(
        _("deals go stale after (days)"),
        default=14,
        validators=[MinValueValidator(1), MaxValueValidator(365)],
        help_text=_("An open deal with no stage change and no linked activity for this long."),
    )
    language = models.CharField(
        _("language for new members"),
        max_length=10,
        default="en",
        choices=settings.LANGUAGES,
        help_text=_("Each person can choose their own afterwards, on their profile."),
    )
    require_mfa_for_managers = models.BooleanField(
        _("managers must use two-factor authentication"),
        default=False,
        help_text=_(
            "Admins always must. When on, managers too cannot work until they have set up "
            "an authenticator app."
        ),
    )
    # A new random value whenever one of the organisation's activity types is added, changed
    # or removed: a process keeps the types it read under this stamp and reads them again only
    # when the organisation row it loaded carries another one (activities.types).
    activity_types_stamp = models.UUIDField(default=uuid.uuid4, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(week_start__gte=0, week_start__lte=6), name="org_week_start_0_6"
            ),
            models.CheckConstraint(
                condition=models.Q(fiscal_year_start_month__gte=1, fiscal_year_start_month__lte=12),
                name="org_fiscal_month_1_12",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def tzinfo(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.timezone)

    def domains_verified(self) -> list[str]:
        """The e-mail domains this organisation has proven it controls."""
        return list(
            OrganizationDomain.objects.for_org(self)
            .filter(verified_at__isnull=False)
            .order_by("domain")
            .values_list("domain", flat=True)
        )


class Team(OrgScopedModel):
    """A sales team; teams nest, and a team's numbers include its sub-teams."""

    name = models.CharField(_("name"), max_length=120)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent team"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    managers = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("managers"),
        blank=True,
        related_name="managed_teams",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    if TYPE_CHECKING:
        children: RelatedManager[Team]

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint("organization", Lower("name"), name="team_name_unique_per_org"),
            models.CheckConstraint(
                condition=~models.Q(parent=models.F("id")), name="team_not_own_parent"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Membership(OrgScopedModel):
    """A user's place in an organisation: role, team and whether they may sign in to it."""

    class Role(models.TextChoices):
        ADMIN = "admin", _("Admin")
        MANAGER = "manager", _("Manager")
        MEMBER = "member", _("Member")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(_("role"), max_length=10, choices=Role.choices, default=Role.MEMBER)
    team = models.ForeignKey(
        Team,
        verbose_name=_("team"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="memberships",
    )
    active = models.BooleanField(_("active"), default=True)
    joined_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["user__name", "user__username"]
        constraints = [
            models.UniqueConstraint("organization", "user", name="membership_unique_per_org"),
        ]
        indexes = [models.Index(fields=["organization", "team"])]

    def __str__(self) -> str:
        return f"{self.user} @ {self.organization_id} ({self.role})"

    @property
    def display_name(self) -> str:
        """The person as this organisation shows them.

        Until they accept this organisation's invitation, that is the name its admin typed
        (or the address): the account's own name may have been chosen elsewhere, and showing
        it would tell this organisation that the address has an account.
        """
        # Annotated by accounts.selectors.members_of (None once joined); else looked up.
        pending_name: str | None = getattr(self, "pending_invitation_name", "?")
        if pending_name == "?":
            pending_name = (
                None
                if self.active
                else self.invitations.pending()
                .order_by("-created_at")
                .values_list("name", flat=True)
                .first()
            )
        if pending_name is not None:
            return pending_name or self.user.email
        return self.user.display_name


def _hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class InvitationQuerySet(models.QuerySet["Invitation"]):
    def pending(self) -> InvitationQuerySet:
        return self.filter(accepted_at__isnull=True, revoked_at__isnull=True)

    def for_org(self, org: Organization) -> InvitationQuerySet:
        return self.filter(organization=org)

    def by_token(self, token: str) -> InvitationQuerySet:
        return self.filter(token_hash=_hash_token(token))


class Invitation(models.Model):
    """A single-use, expiring invitation to join an organisation with a role and team.

    Only a hash of the token is stored; the token itself exists in the e-mail alone.
    """

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE)
    email = models.EmailField(_("email address"))
    # The name the inviting admin typed: shown in this organisation only while the invitation
    # is pending, and offered to the person when they accept. Never written to the account,
    # so one organisation's name for someone never shows in another.
    name = models.CharField(_("name"), max_length=150, blank=True)
    role = models.CharField(max_length=10, choices=Membership.Role.choices)
    team = models.ForeignKey(Team, null=True, blank=True, on_delete=models.SET_NULL)
    membership = models.ForeignKey(Membership, on_delete=models.CASCADE, related_name="invitations")
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    objects = InvitationQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"Invitation for {self.email} to {self.organization_id}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self.token_hash:
            raise ValueError("Create invitations through accounts.services.add_member.")
        super().save(*args, **kwargs)

    @staticmethod
    def new_token() -> tuple[str, str]:
        token = secrets.token_urlsafe(32)
        return token, _hash_token(token)

    def is_usable(self, now: datetime | None = None) -> bool:
        now = now or timezone.now()
        return self.accepted_at is None and self.revoked_at is None and self.expires_at > now


class AuditEvent(models.Model):
    """An append-only record of a security-relevant action (who, where, what, when in UTC).

    Written by `accounts.audit.record_event`; the app offers no way to edit or delete one.
    """

    organization = models.ForeignKey(
        Organization, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    action = models.CharField(max_length=60)
    target = models.CharField(max_length=200, blank=True)
    detail = models.JSONField(default=dict, blank=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-at"]
        indexes = [models.Index(fields=["organization", "action", "at"])]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M:%S} {self.action} {self.target}"


class DayOff(models.Model):
    """A non-working day of the organisation beyond its country's public holidays."""

    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="days_off"
    )
    date = models.DateField(_("date"))
    name = models.CharField(_("name"), max_length=120, blank=True)

    class Meta:
        ordering = ["date"]
        constraints = [models.UniqueConstraint("organization", "date", name="dayoff_unique")]

    def __str__(self) -> str:
        return f"{self.date} {self.name}"


def normalize_domain(value: str) -> str:
    """A domain as stored and compared: lower case, IDNA (punycode), no trailing dot."""
    value = (value or "").strip().rstrip(".").lower()
    try:
        return value.encode("idna").decode("ascii")
    except UnicodeError as exc:
        raise ValidationError(_("Enter a valid domain name."), code="invalid") from exc


def email_domain(email: str) -> str:
    """The normalised domain part of an e-mail address ('' when there is none)."""
    _local, at, domain = (email or "").rpartition("@")
    if not at:
        return ""
    try:
        return normalize_domain(domain)
    except ValidationError:
        return ""


class OrganizationDomain(OrgScopedModel):
    """An e-mail domain an organisation has proven it controls.

    Only for addresses on a verified domain may an admin create an account with a password;
    every other address joins by an invitation its owner accepts. Proof is a DNS TXT record
    `_salesmgmt.<domain>` holding the token (checked by the app), or the site operator's word
    (`manage.py verifydomain`, `createorg --domain`).
    """

    class Method(models.TextChoices):
        DNS = "dns", _("DNS TXT record")
        OPERATOR = "operator", _("Site operator")

    RECORD_PREFIX = "_salesmgmt"

    domain = models.CharField(
        _("domain"),
        max_length=253,
        validators=[
            RegexValidator(
                r"^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+"
                r"[a-z][a-z0-9-]{0,61}[a-z0-9]$",
                _("Enter a valid domain name such as example.com."),
            )
        ],
    )
    token = models.CharField(max_length=64, editable=False)
    verified_at = models.DateTimeField(null=True, blank=True)
    method = models.CharField(max_length=10, choices=Method.choices, blank=True)
    last_checked_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["domain"]
        constraints = [
            models.UniqueConstraint("organization", "domain", name="org_domain_unique"),
        ]

    def __str__(self) -> str:
        return self.domain

    @property
    def is_verified(self) -> bool:
        return self.verified_at is not None

    @property
    def record_name(self) -> str:
        return f"{self.RECORD_PREFIX}.{self.domain}"

    @property
    def record_value(self) -> str:
        return f"salesmgmt-domain-verification={self.token}"


class ImportJob(OrgScopedModel):
    """A large CSV import run by a worker: its file until done, its progress, its outcome.

    All or nothing: a job either wrote every row (`succeeded`) or none (`failed`, with the
    refused lines). The file is kept in the row (no media storage) and cleared once the job
    is finished. Written only by `accounts.imports`.
    """

    Status = JobStatus
    ACTIVE = (JobStatus.QUEUED, JobStatus.RUNNING)

    kind = models.CharField(_("kind"), max_length=40)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="import_jobs"
    )
    status = models.CharField(
        _("status"), max_length=10, choices=JobStatus.choices, default=JobStatus.QUEUED
    )
    total_rows = models.PositiveIntegerField(default=0)
    processed_rows = models.PositiveIntegerField(default=0)  # rows checked so far
    created_count = models.PositiveIntegerField(default=0)
    errors = models.JSONField(default=list, blank=True)  # [{"line", "message"}], capped
    error_count = models.PositiveIntegerField(default=0)
    content = models.TextField(blank=True)  # the uploaded CSV, until the job is finished
    # Bumped by every claim: a worker whose claim was taken over can no longer write.
    attempts = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            # One import in flight per person: a second one waits its turn (429).
            models.UniqueConstraint(
                "created_by",
                condition=models.Q(status__in=["queued", "running"]),
                name="importjob_one_active_per_person",
            ),
        ]
        indexes = [
            models.Index(fields=["organization", "created_by", "-created_at"]),
            models.Index(fields=["status", "heartbeat_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.kind} import {self.pk} ({self.status})"

    @property
    def is_finished(self) -> bool:
        return self.status in (JobStatus.SUCCEEDED, JobStatus.FAILED)

    @property
    def phase(self) -> str:
        """One of salesmgmt.imports.JOB_PHASES."""
        if self.is_finished:
            return "done"
        if self.status == JobStatus.QUEUED:
            return "queued"
        return "writing" if self.processed_rows >= self.total_rows else "checking"

    @property
    def percent(self) -> int:
        if self.is_finished:
            return 100
        return int(100 * self.processed_rows / self.total_rows) if self.total_rows else 0
