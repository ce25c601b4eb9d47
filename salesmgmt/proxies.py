"""Forwarded headers are believed only from the reverse proxies named in TRUSTED_PROXIES.

Any client can send `X-Forwarded-Proto: https` or `X-Forwarded-For: 10.0.0.1`. Believed from
anyone, the first makes a plain-HTTP request look secure (no HTTPS redirect, HSTS on an
insecure answer) and the second lets an attacker pick the address django-axes locks out and
the audit trail records. So:

- from a trusted proxy, the headers stand, and the client address (REMOTE_ADDR, which axes,
  the audit trail and the security log read) becomes the nearest address in
  `X-Forwarded-For` that is not itself a trusted proxy;
- from anyone else, every forwarded header is removed before anything reads it.

`SECURE_PROXY_SSL_HEADER` is set only when proxies are configured (settings), and the
gunicorn configuration keeps gunicorn from deriving the scheme from headers itself.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable, Iterable
from functools import lru_cache

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.http import HttpRequest, HttpResponse

Network = ipaddress.IPv4Network | ipaddress.IPv6Network

FORWARDED_HEADERS = (
    "HTTP_FORWARDED",
    "HTTP_X_FORWARDED_FOR",
    "HTTP_X_FORWARDED_HOST",
    "HTTP_X_FORWARDED_PORT",
    "HTTP_X_FORWARDED_PROTO",
    "HTTP_X_FORWARDED_PROTOCOL",
    "HTTP_X_FORWARDED_SSL",
    "HTTP_X_REAL_IP",
)


@lru_cache(maxsize=8)
def trusted_networks(entries: tuple[str, ...]) -> tuple[Network, ...]:
    """Parse TRUSTED_PROXIES entries (addresses or CIDR networks); a typo is a startup error."""
    networks = []
    for entry in entries:
        try:
            networks.append(ipaddress.ip_network(entry.strip(), strict=False))
        except ValueError as exc:
            raise ImproperlyConfigured(
                f"TRUSTED_PROXIES: {entry!r} is not an IP address or network."
            ) from exc
    return tuple(networks)


def _is_trusted(address: str, networks: Iterable[Network]) -> bool:
    try:
        ip = ipaddress.ip_address(address.strip())
    except ValueError:
        return False
    return any(ip in network for network in networks)


def client_address(forwarded_for: str, networks: tuple[Network, ...]) -> str | None:
    """The nearest untrusted address in an `X-Forwarded-For` chain (read right to left).

    Entries left of it were written by the client and prove nothing. A malformed entry stops
    the walk: nothing beyond it can be attributed, so the caller keeps the proxy's address.
    """
    hops = [hop.strip() for hop in forwarded_for.split(",") if hop.strip()]
    for hop in reversed(hops):
        try:
            ipaddress.ip_address(hop)
        except ValueError:
            return None
        if not _is_trusted(hop, networks):
            return hop
    return hops[0] if hops else None


class TrustedProxyMiddleware:
    """First in the chain: drop forwarded headers from untrusted peers, resolve the client."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        networks = trusted_networks(tuple(settings.TRUSTED_PROXIES))
        meta = request.META
        if networks and _is_trusted(meta.get("REMOTE_ADDR", ""), networks):
            client = client_address(meta.get("HTTP_X_FORWARDED_FOR", ""), networks)
            if client:
                meta["REMOTE_ADDR"] = client
        else:
            for header in FORWARDED_HEADERS:
                meta.pop(header, None)
        return self.get_response(request)
