"""Prepared reads (salesmgmt/prepared.py): the same rows as the queryset, compiled once."""

from __future__ import annotations

import threading

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from knox.models import AuthToken

from accounts.language import _TOKENS
from accounts.models import Membership, Organization, User
from salesmgmt.prepared import PreparedRead
from salesmgmt.tenancy import _MEMBERSHIP, _MEMBERSHIP_WITH_USER, resolve_membership
from tests.factories import MembershipFactory, OrganizationFactory, TeamFactory, UserFactory

pytestmark = pytest.mark.django_db


def _values(obj: object) -> dict[str, object]:
    return {f.attname: getattr(obj, f.attname) for f in obj._meta.concrete_fields}  # type: ignore[attr-defined]


def _orm_membership(user_id: int, slug: str) -> Membership | None:
    return (
        Membership.objects.filter(user_id=user_id, organization__slug=slug, active=True)
        .select_related("organization", "team", "user")
        .first()
    )


def test_membership_read_equals_the_querysets_rows_with_their_related_objects() -> None:
    org = OrganizationFactory(slug="acme")
    other = OrganizationFactory(slug="other")
    team = TeamFactory(organization=org)
    with_team = MembershipFactory(organization=org, team=team)
    without_team = MembershipFactory(organization=org, team=None)
    inactive = MembershipFactory(organization=org, active=False)
    MembershipFactory(organization=other, user=with_team.user)

    for membership in (with_team, without_team):
        expected = _orm_membership(membership.user_id, "acme")
        found = _MEMBERSHIP_WITH_USER.first(user_id=membership.user_id, slug="acme")
        assert found is not None
        assert expected is not None
        assert type(found) is Membership
        assert _values(found) == _values(expected)
        assert _values(found.organization) == _values(expected.organization)
        assert _values(found.user) == _values(expected.user)
        if expected.team is None:
            assert found.team is None
        else:
            assert _values(found.team) == _values(expected.team)
        # The related objects came with the row: reading them runs no query.
        with CaptureQueriesContext(connection) as queries:
            _ = (found.organization.tzinfo, found.team, found.user.username)
        assert len(queries) == 0
        assert found._state.adding is False
        assert found._state.db == "default"

    assert _MEMBERSHIP.first(user_id=inactive.user_id, slug="acme") is None
    assert _MEMBERSHIP.first(user_id=with_team.user_id, slug="nowhere") is None
    other_org_row = _MEMBERSHIP.first(user_id=with_team.user_id, slug="other")
    assert other_org_row is not None
    assert other_org_row.organization.slug == "other"


def test_values_are_parameters_never_sql() -> None:
    org = OrganizationFactory(slug="acme")
    member = MembershipFactory(organization=org)
    assert _MEMBERSHIP.first(user_id=member.user_id, slug="acme' OR '1'='1") is None
    assert _MEMBERSHIP.first(user_id=member.user_id, slug="acme") is not None


def test_one_statement_per_read_and_it_is_counted() -> None:
    member = MembershipFactory(organization=OrganizationFactory(slug="acme"))
    user = User.objects.get(pk=member.user_id)
    resolve_membership(user, "acme")  # compiled on first use
    with CaptureQueriesContext(connection) as queries:
        for _ in range(3):
            assert resolve_membership(user, "acme") is not None
    assert len(queries) == 3
    # The statement itself, or (PostgreSQL) the EXECUTE of the statement prepared on the server.
    assert all(
        "accounts_membership" in q["sql"] or q["sql"].startswith("EXECUTE salesmgmt_read_")
        for q in queries.captured_queries
    )


def test_token_read_equals_knox_query() -> None:
    user = UserFactory()
    instance, _token = AuthToken.objects.create(user=user)
    AuthToken.objects.create(user=UserFactory())
    found = list(_TOKENS.all(token_key=instance.token_key))
    expected = list(AuthToken.objects.filter(token_key=instance.token_key).select_related("user"))
    assert [_values(t) for t in found] == [_values(t) for t in expected]
    assert _values(found[0].user) == _values(user)
    assert list(_TOKENS.all(token_key="nothing")) == []


def test_each_thread_compiles_its_own_statement() -> None:
    read = PreparedRead(
        lambda slug: Organization.objects.filter(slug=slug).order_by()[:1], slug="(example)"
    )
    OrganizationFactory(slug="acme")
    assert read.first(slug="acme") is not None
    mine = read._local.compiled
    seen: list[object] = []

    def other_thread() -> None:
        try:
            read._compiled()
            seen.append(read._local.compiled)
        finally:
            connection.close()

    thread = threading.Thread(target=other_thread)
    thread.start()
    thread.join()
    assert seen
    assert seen[0] is not mine
    assert seen[0].compiler.connection is not mine.compiler.connection  # type: ignore[attr-defined]


def test_reads_it_cannot_prepare_are_refused_when_compiled() -> None:
    wrapped = PreparedRead(
        lambda name: Organization.objects.filter(name__icontains=name), name="(example)"
    )
    with pytest.raises(ValueError, match="unchanged"):
        wrapped.first(name="acme")
    same = PreparedRead(
        lambda a, b: Organization.objects.filter(slug=a, name=b), a="(same)", b="(same)"
    )
    with pytest.raises(ValueError, match="not distinct"):
        same.first(a="x", b="y")
    values: PreparedRead[Organization] = PreparedRead(
        lambda slug: Organization.objects.filter(slug=slug).values("pk"),  # type: ignore[arg-type,return-value]
        slug="(example)",
    )
    with pytest.raises(ValueError, match="plain model queryset"):
        values.first(slug="x")
    read = PreparedRead(lambda slug: Organization.objects.filter(slug=slug), slug="(example)")
    with pytest.raises(TypeError):
        read.first(name="x")


def test_constants_in_the_statement_stay_constants() -> None:
    """Values the builder fixes (not parameters) keep their value in every run."""
    org = OrganizationFactory(slug="acme")
    MembershipFactory(organization=org, role=Membership.Role.ADMIN)
    member = MembershipFactory(organization=org, role=Membership.Role.MEMBER)
    admins = PreparedRead(
        lambda org_id: Membership.objects.filter(
            organization_id=org_id, role=Membership.Role.ADMIN
        ).order_by("pk"),
        org_id=-991,
    )
    found = list(admins.all(org_id=org.pk))
    assert [m.role for m in found] == [Membership.Role.ADMIN]
    assert member.pk not in {m.pk for m in found}


@pytest.mark.django_db(transaction=True)
def test_on_postgresql_the_statement_is_prepared_once_per_session(
    require_postgres, settings
) -> None:
    from django.db import connection as conn

    member = MembershipFactory(organization=OrganizationFactory(slug="acme"))
    user = User.objects.get(pk=member.user_id)
    assert resolve_membership(user, "acme") is not None
    with conn.cursor() as cursor:
        cursor.execute("SELECT name, statement FROM pg_prepared_statements")
        prepared = dict(cursor.fetchall())
    name = _MEMBERSHIP._name
    assert name in prepared
    assert "accounts_membership" in prepared[name]
    with CaptureQueriesContext(conn) as queries:
        assert resolve_membership(user, "acme").pk == member.pk  # type: ignore[union-attr]
    assert [q["sql"].split("(")[0] for q in queries.captured_queries] == [f"EXECUTE {name}"]
    # A new session (the connection was closed) prepares it again, once.
    conn.close()
    assert resolve_membership(user, "acme") is not None

    settings.DATABASE_PREPARED_STATEMENTS = False
    with CaptureQueriesContext(conn) as queries:
        assert resolve_membership(user, "acme") is not None
    assert "accounts_membership" in queries.captured_queries[0]["sql"]


def test_placeholders_are_numbered_for_the_server() -> None:
    from salesmgmt.prepared import _numbered

    assert _numbered("SELECT a FROM t WHERE b = %s AND c LIKE 'x%%' AND d = %s") == (
        "SELECT a FROM t WHERE b = $1 AND c LIKE 'x%' AND d = $2",
        2,
    )


def test_a_new_connection_handler_gets_a_new_compile() -> None:
    """Settings that replace the connection objects (override_settings(DATABASES=…)) must not
    leave a read on the old connection."""
    from django.db import connections

    OrganizationFactory(slug="acme")
    read = PreparedRead(
        lambda slug: Organization.objects.filter(slug=slug).order_by()[:1], slug="(example)"
    )
    assert read.first(slug="acme") is not None
    first = read._local.compiled
    assert first.compiler.connection is connections["default"]
    read._local.compiled = type(first)(
        **{
            **first.__dict__,
            "compiler": type(first.compiler)(first.compiler.query, object(), "default"),
        }
    )
    assert read.first(slug="acme") is not None
    assert read._local.compiled.compiler.connection is connections["default"]
