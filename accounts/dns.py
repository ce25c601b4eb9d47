"""The one place the product asks DNS anything: TXT records for domain verification."""

from __future__ import annotations

import dns.exception
import dns.resolver

LOOKUP_SECONDS = 4.0


class LookupFailed(Exception):
    """DNS did not answer (timeout, no server): try again later; not the same as "no record"."""


def txt_records(name: str) -> list[str]:
    """The TXT strings published at `name`; empty when the name or the record does not exist."""
    try:
        answer = dns.resolver.resolve(name, "TXT", lifetime=LOOKUP_SECONDS)
    except (dns.resolver.NXDOMAIN, dns.resolver.NoAnswer):
        return []
    except (dns.exception.DNSException, OSError) as exc:
        raise LookupFailed(str(exc)) from exc
    return [b"".join(record.strings).decode("utf-8", "replace") for record in answer]
