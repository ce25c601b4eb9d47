"""S13: `manage.py check --deploy` is clean with production settings; they refuse to start
without a secret key."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys

from django.conf import settings

MANAGE = str(settings.BASE_DIR / "manage.py")


def production_env(**overrides: str) -> dict[str, str]:
    """The process environment as a production deploy sets it (DEBUG off, own secret key)."""
    env = {
        key: value
        for key, value in os.environ.items()
        # The embedded defaults (SQLite, eager tasks) are enough for the checks to run.
        if key not in {"DATABASE_URL", "REDIS_URL", "SECRET_KEY", "DJANGO_SETTINGS_MODULE"}
        and not key.startswith(("SECURE_", "SESSION_", "CSRF_", "AXES_"))
    }
    env.update(
        DJANGO_SETTINGS_MODULE="salesmgmt.settings",
        DEBUG="0",
        SECRET_KEY=secrets.token_urlsafe(45),  # 60 characters
        ALLOWED_HOSTS="example.com",
    )
    env.update(overrides)
    return env


def manage(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, MANAGE, *args],
        env=env,
        cwd=settings.BASE_DIR,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_the_deploy_check_passes_with_production_settings():
    env = production_env()
    assert len(env["SECRET_KEY"]) == 60

    result = manage("check", "--deploy", "--fail-level", "WARNING", env=env)

    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_the_deploy_check_still_passes_with_database_and_redis_urls_set():
    env = production_env(
        DATABASE_URL="postgres://app@db.invalid:5432/salesmgmt",
        REDIS_URL="redis://cache.invalid:6379/0",
    )

    result = manage("check", "--deploy", "--fail-level", "WARNING", env=env)

    assert result.returncode == 0, result.stdout + result.stderr


def test_production_settings_refuse_to_start_without_a_secret_key():
    # Empty rather than absent, so a developer's .env file cannot fill it in.
    env = production_env(SECRET_KEY="")

    result = manage("check", "--deploy", env=env)

    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert "SECRET_KEY" in result.stderr


def test_production_settings_refuse_to_start_without_allowed_hosts():
    env = production_env(ALLOWED_HOSTS="")

    result = manage("check", "--deploy", env=env)

    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert "ALLOWED_HOSTS" in result.stderr


def test_a_weak_secret_key_fails_the_deploy_check():
    env = production_env(SECRET_KEY="too-short")

    result = manage("check", "--deploy", "--fail-level", "WARNING", env=env)

    assert result.returncode != 0
    assert "security.W009" in result.stderr + result.stdout
