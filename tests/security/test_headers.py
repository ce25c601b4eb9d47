"""S11: security headers on every kind of response, and templates the CSP can live with."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client
from knox.models import AuthToken

pytestmark = pytest.mark.django_db

TEMPLATES_DIR = Path(settings.BASE_DIR) / "templates"


def parse_csp(header: str) -> dict[str, list[str]]:
    directives: dict[str, list[str]] = {}
    for part in header.split(";"):
        name, *values = part.split()
        directives[name] = values
    return directives


@pytest.fixture
def responses(member, team):
    """One response of each kind: an HTML page, JSON from the API, an error page, a static file."""
    _instance, token = AuthToken.objects.create(user=member.user)
    page_client = Client()
    page_client.force_login(member.user, backend="accounts.backends.UsernameOrEmailBackend")
    return {
        "html page": page_client.get(f"/o/acme/teams/{team.pk}/"),
        "login page": Client().get("/accounts/login/"),
        "json api": Client(HTTP_AUTHORIZATION=f"Token {token}").get("/api/v1/orgs/acme/teams/"),
        "json api error": Client().get("/api/v1/orgs/acme/teams/"),
        "404 page": page_client.get("/o/acme/teams/999999/"),
        "static file": Client().get("/static/css/app.css"),
    }


KINDS = ["html page", "login page", "json api", "json api error", "404 page", "static file"]
EXPECTED_STATUS = {
    "html page": 200,
    "login page": 200,
    "json api": 200,
    "json api error": 401,
    "404 page": 404,
    "static file": 200,
}


@pytest.mark.parametrize("kind", KINDS)
def test_every_response_carries_a_strict_content_security_policy(responses, kind):
    response = responses[kind]
    assert response.status_code == EXPECTED_STATUS[kind]

    csp = parse_csp(response["Content-Security-Policy"])

    assert csp["object-src"] == ["'none'"]
    assert csp["base-uri"] == ["'none'"]
    assert csp["frame-ancestors"] == ["'none'"]
    assert csp["script-src"] == ["'self'"]
    assert csp["default-src"] == ["'self'"]
    everything = response["Content-Security-Policy"]
    assert "unsafe-inline" not in everything
    assert "unsafe-eval" not in everything
    assert "*" not in everything.split()


@pytest.mark.parametrize("kind", KINDS)
def test_every_response_forbids_sniffing_and_limits_the_referrer(responses, kind):
    response = responses[kind]

    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"


@pytest.mark.parametrize("kind", ["html page", "login page", "404 page"])
def test_html_responses_cannot_be_framed(responses, kind):
    assert responses[kind]["X-Frame-Options"] == "DENY"


def test_hsts_is_sent_on_secure_requests_when_configured(settings, member):
    settings.SECURE_HSTS_SECONDS = 31536000
    settings.SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    client = Client()  # built after the settings change: SecurityMiddleware reads them at start

    secure = client.get("/accounts/login/", secure=True)
    plain = client.get("/accounts/login/")

    assert secure["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"
    assert "Strict-Transport-Security" not in plain  # browsers ignore it over http anyway


def test_the_static_file_is_the_real_stylesheet(responses):
    response = responses["static file"]

    assert response["Content-Type"].startswith("text/css")
    assert b"team-depth-1" in b"".join(response.streaming_content)


# --- templates the CSP can live with ------------------------------------------------------

INLINE_SCRIPT = re.compile(r"<script\b(?![^>]*\bsrc=)[^>]*>", re.IGNORECASE)
STYLE_ATTRIBUTE = re.compile(r"\sstyle\s*=", re.IGNORECASE)
STYLE_ELEMENT = re.compile(r"<style\b", re.IGNORECASE)
EVENT_HANDLER = re.compile(r"\son[a-z]+\s*=", re.IGNORECASE)
JAVASCRIPT_URL = re.compile(r"javascript:", re.IGNORECASE)
HTMX_EVAL = re.compile(r"\b(?:hx|data-hx)-on\b|js:", re.IGNORECASE)

TEMPLATE_FILES = sorted(TEMPLATES_DIR.rglob("*.html"))


def test_there_are_templates_to_check():
    assert len(TEMPLATE_FILES) > 10


@pytest.mark.parametrize(
    "path", TEMPLATE_FILES, ids=[str(p.relative_to(TEMPLATES_DIR)) for p in TEMPLATE_FILES]
)
def test_template_has_no_inline_script_style_or_event_handler(path):
    source = path.read_text(encoding="utf-8")

    assert not INLINE_SCRIPT.search(source), "inline <script> (only <script src=...> is allowed)"
    assert not STYLE_ELEMENT.search(source), "<style> element"
    assert not STYLE_ATTRIBUTE.search(source), "style= attribute"
    assert not EVENT_HANDLER.search(source), "on...= event handler attribute"
    assert not JAVASCRIPT_URL.search(source), "javascript: URL"
    assert not HTMX_EVAL.search(source), "hx-on / js: evaluated by htmx"


def test_rendered_pages_load_scripts_only_from_files(responses):
    for kind in ("html page", "login page", "404 page"):
        html = responses[kind].content.decode()
        assert "<script" in html
        assert not INLINE_SCRIPT.search(html), kind
        assert not STYLE_ATTRIBUTE.search(html), kind
