"""The PostgreSQL backend checks a kept connection only after it sat idle (postgres_backend)."""

from __future__ import annotations

import psycopg2
import pytest
from django.db import DatabaseError, connection, connections

from salesmgmt.postgres_backend import base

pytestmark = [pytest.mark.usefixtures("require_postgres")]


@pytest.fixture
def kept_connection(transactional_db, monkeypatch):
    """The default connection kept between requests, with health checks (as gunicorn runs)."""
    monkeypatch.setitem(connection.settings_dict, "CONN_MAX_AGE", None)
    monkeypatch.setitem(connection.settings_dict, "CONN_HEALTH_CHECKS", True)
    connection.close()
    connection.ensure_connection()
    checks: list[bool] = []
    original = connection.is_usable

    def counted() -> bool:
        usable = original()
        checks.append(usable)
        return usable

    monkeypatch.setattr(connection, "is_usable", counted)
    yield checks
    connection.close()


def request(sql: str = "SELECT 1") -> None:
    """What a request does to the connection: boundary, a statement, boundary."""
    connection.close_if_unusable_or_obsolete()  # request_started
    with connection.cursor() as cursor:
        cursor.execute(sql)
    connection.close_if_unusable_or_obsolete()  # request_finished


def terminate_backend(pid: int) -> None:
    params = connection.get_connection_params()
    other = psycopg2.connect(**params)
    other.autocommit = True
    with other.cursor() as cursor:
        cursor.execute("SELECT pg_terminate_backend(%s)", [pid])
    other.close()


def test_the_engine_is_this_backend() -> None:
    assert connection.settings_dict["ENGINE"] == "salesmgmt.postgres_backend"
    assert isinstance(connections["default"], base.DatabaseWrapper)


def test_back_to_back_requests_are_not_checked(kept_connection) -> None:
    request()  # the first request after connecting has no recent use: checked
    first = len(kept_connection)
    for _ in range(5):
        request()
    assert first == 1
    assert len(kept_connection) == first


def test_a_connection_idle_longer_than_the_threshold_is_checked(kept_connection) -> None:
    request()
    request()
    assert len(kept_connection) == 1
    connection._boundary_at -= base.IDLE_BEFORE_CHECK + 1  # sat idle
    request()
    assert len(kept_connection) == 2


def test_a_connection_cut_while_idle_is_replaced_before_use(kept_connection) -> None:
    request()
    pid = connection.connection.info.backend_pid
    terminate_backend(pid)
    connection._boundary_at -= base.IDLE_BEFORE_CHECK + 1
    request("SELECT 2")  # the check finds it dead and reconnects: no error
    assert kept_connection[-1] is False
    assert connection.connection.info.backend_pid != pid


def test_a_connection_cut_between_busy_requests_fails_one_request_only(kept_connection):
    """The cost of not checking a connection used moments ago (documented in base.py)."""
    request()
    pid = connection.connection.info.backend_pid
    terminate_backend(pid)
    with pytest.raises(DatabaseError):
        request()
    connection.close_if_unusable_or_obsolete()  # request_finished after the error closes it
    request()
    assert connection.connection.info.backend_pid != pid
