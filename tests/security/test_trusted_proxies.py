"""Forwarded headers count only from a proxy named in TRUSTED_PROXIES (salesmgmt.proxies).

The settings here are those production derives from `TRUSTED_PROXIES=10.0.0.0/8`: the list
itself, and SECURE_PROXY_SSL_HEADER, which is set only when proxies are configured. The
production server test (tests/deploy) runs the same through gunicorn.
"""

from __future__ import annotations

import pytest
from axes.models import AccessAttempt
from django.test import Client

from salesmgmt.proxies import client_address, trusted_networks

pytestmark = pytest.mark.django_db

PROXY = "10.0.0.2"
OTHER_PROXY = "10.0.0.5"
ATTACKER = "203.0.113.9"
CLIENT = "198.51.100.7"
LOGIN = "/accounts/login/"


@pytest.fixture
def behind_proxy(settings):
    settings.TRUSTED_PROXIES = ["10.0.0.0/8"]
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    settings.SECURE_SSL_REDIRECT = True
    settings.SECURE_HSTS_SECONDS = 31536000
    return settings


def test_a_spoofed_https_header_from_an_untrusted_address_is_still_redirected(behind_proxy):
    response = Client().get(LOGIN, HTTP_X_FORWARDED_PROTO="https", REMOTE_ADDR=ATTACKER)

    assert response.status_code == 301
    assert response["Location"] == f"https://testserver{LOGIN}"
    assert "Strict-Transport-Security" not in response


def test_a_spoofed_https_header_from_an_untrusted_address_is_not_a_secure_request(
    behind_proxy, settings
):
    settings.SECURE_SSL_REDIRECT = False

    response = Client().get(LOGIN, HTTP_X_FORWARDED_PROTO="https", REMOTE_ADDR=ATTACKER)

    assert response.status_code == 200
    assert response.wsgi_request.is_secure() is False
    assert "Strict-Transport-Security" not in response
    assert "HTTP_X_FORWARDED_PROTO" not in response.wsgi_request.META


def test_https_forwarded_by_a_trusted_proxy_is_a_secure_request_with_hsts(behind_proxy):
    response = Client().get(LOGIN, HTTP_X_FORWARDED_PROTO="https", REMOTE_ADDR=PROXY)

    assert response.status_code == 200
    assert response.wsgi_request.is_secure() is True
    assert response["Strict-Transport-Security"].startswith("max-age=31536000")


def test_plain_http_forwarded_by_a_trusted_proxy_is_redirected_to_https(behind_proxy):
    response = Client().get(LOGIN, HTTP_X_FORWARDED_PROTO="http", REMOTE_ADDR=PROXY)

    assert response.status_code == 301
    assert response["Location"].startswith("https://")


def test_without_trusted_proxies_no_client_can_claim_https(settings):
    # The defaults: no proxy named, so no SECURE_PROXY_SSL_HEADER either.
    assert settings.TRUSTED_PROXIES == []
    assert settings.SECURE_PROXY_SSL_HEADER is None
    settings.SECURE_HSTS_SECONDS = 31536000

    response = Client().get(LOGIN, HTTP_X_FORWARDED_PROTO="https", REMOTE_ADDR="127.0.0.1")

    assert response.wsgi_request.is_secure() is False
    assert "Strict-Transport-Security" not in response


def failed_login_ip(**extra) -> str:
    response = Client().post(LOGIN, {"username": "nobody", "password": "wrong-password-1"}, **extra)
    assert response.status_code == 200  # the form again, with an error
    return AccessAttempt.objects.get().ip_address


def test_the_lockout_counts_the_real_peer_when_an_untrusted_client_forges_its_address(
    behind_proxy,
):
    behind_proxy.SECURE_SSL_REDIRECT = False

    ip = failed_login_ip(REMOTE_ADDR=ATTACKER, HTTP_X_FORWARDED_FOR=CLIENT, HTTP_X_REAL_IP=CLIENT)

    assert ip == ATTACKER


def test_the_lockout_counts_the_client_a_trusted_proxy_names(behind_proxy):
    # The client wrote the left-most entry itself; our two proxies appended the rest.
    chain = f"192.0.2.1, {CLIENT}, {OTHER_PROXY}"

    ip = failed_login_ip(
        REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=chain, HTTP_X_FORWARDED_PROTO="https"
    )

    assert ip == CLIENT


def test_the_nearest_untrusted_hop_is_the_client():
    networks = trusted_networks(("10.0.0.0/8", "2001:db8::/32"))

    assert client_address(f"1.2.3.4, {CLIENT}, 10.1.2.3", networks) == CLIENT
    assert client_address("2001:db8::1, 2001:db9::5", networks) == "2001:db9::5"
    assert client_address("10.0.0.7", networks) == "10.0.0.7"
    assert client_address("", networks) is None


def test_a_malformed_hop_stops_the_walk_so_the_proxy_address_stays():
    networks = trusted_networks(("10.0.0.0/8",))

    assert client_address(f"{CLIENT}, not-an-ip, 10.0.0.3", networks) is None
