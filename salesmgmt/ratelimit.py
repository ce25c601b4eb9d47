"""Fixed-window rate limits shared by every process (password resets, imports, …).

Counters live in the `throttle` cache, a database table: every gunicorn worker and Celery
process sees the same counts, and a Redis outage cannot fail (or unthrottle) a request.
A limit is a `Rate` such as `Rate.parse("5/hour")`; `hit(key, rate)` counts one attempt
and says whether it is still within the limit.
"""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass

from django.core.cache import caches

_PERIODS = {"s": 1, "sec": 1, "m": 60, "min": 60, "h": 3600, "hour": 3600, "d": 86400, "day": 86400}


@dataclass(frozen=True)
class Rate:
    """`count` attempts per `seconds`."""

    count: int
    seconds: int

    @classmethod
    def parse(cls, text: str) -> Rate:
        """'5/hour', '10/min', '3/15min' (an optional multiplier before the unit)."""
        count, _, period = text.partition("/")
        digits = "".join(ch for ch in period if ch.isdigit())
        unit = period[len(digits) :]
        if unit not in _PERIODS or not count.isdigit():
            raise ValueError(f"not a rate: {text!r}")
        return cls(int(count), int(digits or 1) * _PERIODS[unit])


def _cache_key(key: str, rate: Rate, now: float) -> str:
    window = int(now // rate.seconds)
    digest = hashlib.sha256(key.encode()).hexdigest()[:40]
    return f"rl:{rate.seconds}:{window}:{digest}"


def hit(key: str, rate: Rate | str) -> bool:
    """Count one attempt for `key`; True while the attempts in this window are within `rate`."""
    rate = Rate.parse(rate) if isinstance(rate, str) else rate
    cache = caches["throttle"]
    cache_key = _cache_key(key, rate, time.time())
    if cache.add(cache_key, 1, timeout=rate.seconds + 1):
        return rate.count >= 1
    try:
        count = cache.incr(cache_key)
    except ValueError:  # expired between add and incr
        cache.set(cache_key, 1, timeout=rate.seconds + 1)
        count = 1
    return count <= rate.count


def is_limited(key: str, rate: Rate | str) -> bool:
    """Whether `key` has already used up `rate` in this window (counts nothing)."""
    rate = Rate.parse(rate) if isinstance(rate, str) else rate
    count = caches["throttle"].get(_cache_key(key, rate, time.time()), 0)
    return int(count) >= rate.count


def seconds_until_reset(rate: Rate | str) -> int:
    """Seconds until the current window of `rate` ends (a Retry-After for a refusal)."""
    rate = Rate.parse(rate) if isinstance(rate, str) else rate
    return int(rate.seconds - time.time() % rate.seconds) + 1
