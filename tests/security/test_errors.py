"""S18: with DEBUG off a crash shows a generic 500 page with the request id, never a
traceback, and is logged with that request id; bad JSON is a 400, never a 500."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest
from django.conf import settings
from django.test import Client
from knox.models import AuthToken

from salesmgmt.observability import RequestIdFilter
from tests.security.urls_boom import SECRET_DETAIL

pytestmark = pytest.mark.django_db

LEAKS = ("Traceback", "RuntimeError", SECRET_DETAIL, 'File "', "urls_boom", "site-packages")


@pytest.fixture
def request_id_filter(caplog) -> Iterator[None]:
    """Give captured records the project's request-id filter, as every LOGGING handler has."""
    request_id_filter = RequestIdFilter()
    caplog.handler.addFilter(request_id_filter)
    yield
    caplog.handler.removeFilter(request_id_filter)


def django_request_errors(caplog) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.name == "django.request" and r.levelno >= logging.ERROR]


@pytest.fixture
def crash_client(settings) -> Client:
    settings.DEBUG = False
    return Client(raise_request_exception=False)


@pytest.mark.urls("tests.security.urls_boom")
@pytest.mark.parametrize("url", ["/boom/", "/api/v1/boom/"])
def test_a_crash_shows_a_generic_page_with_the_request_id_and_no_traceback(crash_client, url):
    response = crash_client.get(url)

    assert response.status_code == 500
    body = response.content.decode()
    request_id = response["X-Request-ID"]
    assert len(request_id) >= 8
    assert request_id in body
    assert "Something went wrong" in body
    for leak in LEAKS:
        assert leak not in body, leak


@pytest.mark.urls("tests.security.urls_boom")
@pytest.mark.usefixtures("request_id_filter")
def test_a_crash_is_logged_with_its_request_id(crash_client, caplog):
    response = crash_client.get("/boom/")

    errors = django_request_errors(caplog)
    assert len(errors) == 1
    record = errors[0]
    assert record.exc_info is not None
    assert record.exc_info[0] is RuntimeError
    # The request id was still known when Django logged the error...
    assert record.request_id == response["X-Request-ID"]
    # ...so the production log line carries it.
    line = logging.Formatter(settings.LOGGING["formatters"]["plain"]["format"]).format(record)
    assert f"[req:{response['X-Request-ID']}]" in line
    assert SECRET_DETAIL in line  # the details go to the log, not to the user


@pytest.mark.urls("tests.security.urls_boom")
@pytest.mark.usefixtures("request_id_filter")
def test_a_sane_request_id_from_the_proxy_is_kept_and_shown(crash_client, caplog):
    response = crash_client.get("/boom/", HTTP_X_REQUEST_ID="lb-7f3a9c21-0001")

    assert response["X-Request-ID"] == "lb-7f3a9c21-0001"
    assert "lb-7f3a9c21-0001" in response.content.decode()
    assert django_request_errors(caplog)[0].request_id == "lb-7f3a9c21-0001"


@pytest.mark.urls("tests.security.urls_boom")
def test_a_hostile_request_id_from_outside_is_replaced_not_reflected(crash_client):
    hostile = "<script>alert(1)</script>"

    response = crash_client.get("/boom/", HTTP_X_REQUEST_ID=hostile)

    assert response["X-Request-ID"] != hostile
    assert "<script>alert" not in response.content.decode()
    assert response["X-Request-ID"] in response.content.decode()


def test_the_normal_404_page_is_generic_too(client_for, member):
    response = client_for(member).get("/o/acme/teams/424242/")

    assert response.status_code == 404
    assert "Page not found" in response.content.decode()
    assert "Traceback" not in response.content.decode()


# --- malformed JSON -----------------------------------------------------------------------

MALFORMED_BODIES = {
    "truncated object": b'{"name": ',
    "single quotes": b"{'name': 'x'}",
    "trailing comma": b'{"name": "x",}',
    "not utf-8": b"\xff\xfe\x00n\x00a",
    "a list": b"[]",
    "null": b"null",
    "a bare string": b'"team"',
    "NaN": b'{"name": NaN}',
    "nested too deeply": b"[" * 100_000 + b"]" * 100_000,
}


@pytest.fixture
def api_client(admin) -> Client:
    _instance, token = AuthToken.objects.create(user=admin.user)
    return Client(HTTP_AUTHORIZATION=f"Token {token}")


def endpoints(member) -> list[tuple[str, str]]:
    return [
        ("post", "/api/v1/auth/token/"),
        ("patch", "/api/v1/orgs/acme/"),
        ("post", "/api/v1/orgs/acme/teams/"),
        ("post", "/api/v1/orgs/acme/members/"),
        ("patch", f"/api/v1/orgs/acme/members/{member.user_id}/"),
    ]


@pytest.mark.parametrize("body", list(MALFORMED_BODIES), ids=list(MALFORMED_BODIES))
def test_malformed_json_bodies_answer_400_json_never_500(api_client, member, team, body):
    for method, url in endpoints(member):
        response = getattr(api_client, method)(
            url, MALFORMED_BODIES[body], content_type="application/json"
        )

        assert response.status_code == 400, (method, url, response.content[:200])
        assert response["Content-Type"] == "application/json"
        assert response.json()


def test_a_body_in_an_unsupported_format_answers_415_json(api_client, member):
    for method, url in endpoints(member):
        response = getattr(api_client, method)(url, b"name=x", content_type="text/plain")

        assert response.status_code == 415, (method, url)
        assert "detail" in response.json()
