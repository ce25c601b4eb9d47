"""S13: `manage.py check --deploy` is clean with production settings (static files collected,
as the Procfile's release step does); they refuse to start without a secret key, allowed
hosts, collected static files or with a malformed trusted proxy."""

from __future__ import annotations

from tests.production import manage, production_env


def test_the_deploy_check_passes_with_production_settings(collected_static):
    env = production_env(STATIC_ROOT=collected_static)
    assert len(env["SECRET_KEY"]) == 60

    result = manage("check", "--deploy", "--fail-level", "WARNING", env=env)

    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_the_deploy_check_still_passes_with_database_redis_and_proxies_set(collected_static):
    env = production_env(
        STATIC_ROOT=collected_static,
        DATABASE_URL="postgres://app@db.invalid:5432/salesmgmt",
        REDIS_URL="redis://cache.invalid:6379/0",
        TRUSTED_PROXIES="10.0.0.0/8,192.0.2.7",
    )

    result = manage("check", "--deploy", "--fail-level", "WARNING", env=env)

    assert result.returncode == 0, result.stdout + result.stderr


def test_the_deploy_check_fails_when_static_files_were_not_collected(tmp_path):
    env = production_env(STATIC_ROOT=str(tmp_path / "empty"))

    result = manage("check", "--deploy", env=env)

    assert result.returncode != 0
    assert "salesmgmt.E001" in result.stderr
    assert "collectstatic" in result.stderr


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


def test_settings_refuse_to_start_with_a_malformed_trusted_proxy():
    env = production_env(TRUSTED_PROXIES="10.0.0.0/8,proxy.internal")

    result = manage("check", env=env)

    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert "proxy.internal" in result.stderr


def test_a_weak_secret_key_fails_the_deploy_check(collected_static):
    env = production_env(SECRET_KEY="too-short", STATIC_ROOT=collected_static)

    result = manage("check", "--deploy", "--fail-level", "WARNING", env=env)

    assert result.returncode != 0
    assert "security.W009" in result.stderr + result.stdout
