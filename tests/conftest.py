"""The cast every test can use.

`org` has two teams: `team` (led by `manager`, with `sub_team` below it) and
`other_team` (led by `other_manager`). `member` and `teammate` sit in `team`;
`outsider` is an admin of another organisation (`other_org`) with its own team.
"""

from __future__ import annotations

import os
import socket
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice
from rest_framework.test import APIClient

from accounts.models import Membership, Organization, Team, User
from accounts.rules import must_use_mfa
from tests.factories import PASSWORD, MembershipFactory, OrganizationFactory, TeamFactory

# The access tests' actors (sub_team_member, deactivated, everyone): tests/access_cast.py.
pytest_plugins = ["tests.access_cast"]


def _require_services() -> bool:
    return os.environ.get("REQUIRE_SERVICES", "") in ("1", "true", "yes")


def _port_open(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=1):
            return True
    except OSError:
        return False


@pytest.fixture
def require_redis() -> str:
    """The configured Redis URL; fails under REQUIRE_SERVICES=1 when missing, else skips."""
    url = settings.REDIS_URL
    if url:
        from urllib.parse import urlparse

        parsed = urlparse(url)
        if _port_open(parsed.hostname or "127.0.0.1", parsed.port or 6379):
            return url
    message = "Redis is not configured (REDIS_URL) or not reachable"
    if _require_services():
        pytest.fail(message)
    pytest.skip(message)


@pytest.fixture
def require_postgres() -> None:
    from django.db import connection

    if connection.vendor != "postgresql":
        message = "this test needs PostgreSQL (DATABASE_URL)"
        if _require_services():
            pytest.fail(message)
        pytest.skip(message)


@pytest.fixture(scope="session", autouse=True)
def _compiled_translations() -> None:
    """Pages in Japanese need the compiled catalogue (`make install` builds it; a bare
    `pytest` after editing a .po compiles it here)."""
    import importlib.util

    script = Path(settings.BASE_DIR) / "scripts" / "i18n.py"
    spec = importlib.util.spec_from_file_location("_i18n_for_tests", script)
    module = importlib.util.module_from_spec(spec)  # type: ignore[arg-type]
    sys.modules["_i18n_for_tests"] = module
    spec.loader.exec_module(module)  # type: ignore[union-attr]
    if module.stale():
        module.compile_catalogues()


@pytest.fixture(autouse=True)
def _eager_tasks_unless_real_broker(request, settings):
    """Tasks run in-process by default, also when CI sets REDIS_URL; tests that exercise a
    real broker or worker carry `@pytest.mark.real_broker` and configure it themselves."""
    if request.node.get_closest_marker("real_broker"):
        yield
        return
    from salesmgmt.celery import app

    previous = app.conf.task_always_eager
    settings.CELERY_TASK_ALWAYS_EAGER = True
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = previous


@pytest.fixture(autouse=True)
def _fast_and_isolated(request, settings, tmp_path):
    from django.core.cache import cache, caches

    from dashboards import cache as dashboard_cache

    cache.clear()  # throttle counters live in the process cache; ids repeat across tests
    # Cached dashboards: with a Redis cache (REDIS_URL) every pytest process shares one
    # database, so each keeps its keys apart and drops only its own.
    worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
    settings.CACHES = {
        **settings.CACHES,
        "dashboards": {**settings.CACHES["dashboards"], "KEY_PREFIX": f"test-{worker}"},
    }
    dashboard_cache.forget_all()  # cached dashboards too, their keys only (dashboards/cache.py)
    if {"transactional_db", "live_server"} & set(request.fixturenames):
        # The database cache outlives a transactional test (flush leaves its table alone).
        request.getfixturevalue("transactional_db")
        caches["throttle"].clear()
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.MEDIA_ROOT = str(tmp_path / "media")
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    yield
    # A request leaves its language active in the thread (as in a server, where the next
    # request sets its own); the next test starts from the default, as a fresh process.
    from django.utils import translation

    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture(autouse=True)
def _no_dns(monkeypatch):
    """DNS is a boundary: a test that needs an answer patches `accounts.dns.txt_records`."""
    from accounts import dns

    def unreachable(name: str) -> list[str]:
        raise dns.LookupFailed(f"tests do not query DNS ({name})")

    monkeypatch.setattr(dns, "txt_records", unreachable)


@pytest.fixture(scope="session")
def collected_static(tmp_path_factory) -> str:
    """A STATIC_ROOT filled by `collectstatic` with production settings (once per process)."""
    from tests.production import manage, production_env

    root = str(tmp_path_factory.mktemp("static_root"))
    result = manage("collectstatic", "--noinput", env=production_env(STATIC_ROOT=root))
    assert result.returncode == 0, result.stdout + result.stderr
    return root


@pytest.fixture
def password() -> str:
    return PASSWORD


@pytest.fixture
def org(db) -> Organization:
    return OrganizationFactory(slug="acme", name="Acme Sales")


@pytest.fixture
def other_org(db) -> Organization:
    return OrganizationFactory(slug="globex", name="Globex")


@pytest.fixture
def admin(org) -> Membership:
    return MembershipFactory(organization=org, role=Membership.Role.ADMIN, user__username="ada")


@pytest.fixture
def team(org) -> Team:
    return TeamFactory(organization=org, name="Tokyo")


@pytest.fixture
def sub_team(org, team) -> Team:
    return TeamFactory(organization=org, name="Tokyo Enterprise", parent=team)


@pytest.fixture
def other_team(org) -> Team:
    return TeamFactory(organization=org, name="Osaka")


@pytest.fixture
def manager(org, team, sub_team) -> Membership:
    membership = MembershipFactory(
        organization=org, role=Membership.Role.MANAGER, team=team, user__username="mia"
    )
    team.managers.add(membership.user)
    return membership


@pytest.fixture
def other_manager(org, other_team) -> Membership:
    membership = MembershipFactory(
        organization=org, role=Membership.Role.MANAGER, team=other_team, user__username="otto"
    )
    other_team.managers.add(membership.user)
    return membership


@pytest.fixture
def member(org, team) -> Membership:
    return MembershipFactory(organization=org, team=team, user__username="sam")


@pytest.fixture
def teammate(org, team) -> Membership:
    return MembershipFactory(organization=org, team=team, user__username="tess")


@pytest.fixture
def other_team_member(org, other_team) -> Membership:
    return MembershipFactory(organization=org, team=other_team, user__username="olga")


@pytest.fixture
def outsider_team(other_org) -> Team:
    return TeamFactory(organization=other_org, name="Globex Team")


@pytest.fixture
def outsider(other_org, outsider_team) -> Membership:
    return MembershipFactory(
        organization=other_org,
        role=Membership.Role.ADMIN,
        team=outsider_team,
        user__username="oscar",
    )


def pass_second_factor(client: Client, user: User) -> None:
    """Give the user an authenticator and mark the client's session as having passed it,
    exactly as django-otp does after a correct code (its session key names the device)."""
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="Authenticator app", confirmed=True)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()


@pytest.fixture
def client_for() -> Callable[[Membership | None], Client]:
    """A browser-like client signed in as the membership's user (or anonymous).

    Whoever must use two-factor authentication at that moment (admins, staff, managers of an
    organisation that asks for it: accounts.rules.must_use_mfa) has passed it, as after the
    code page; everyone else has an ordinary password session, as in real life.
    """

    def make(membership: Membership | None, **kwargs: object) -> Client:
        client = Client(**kwargs)  # type: ignore[arg-type]
        if membership is not None:
            client.force_login(membership.user, backend="accounts.backends.UsernameOrEmailBackend")
            if must_use_mfa(membership.user):
                pass_second_factor(client, membership.user)
        return client

    return make


@pytest.fixture
def api_for() -> Callable[[Membership | None], APIClient]:
    """An API client authenticated (forced) as the membership's user, or anonymous.

    Forced authentication stands for a token, which is issued only after the second factor.
    """

    def make(membership: Membership | None) -> APIClient:
        client = APIClient()
        if membership is not None:
            client.force_authenticate(membership.user)
        return client

    return make
