"""Computed dashboards kept in the cache, dropped the moment a number in them may move.

A cached dashboard sits under a key that contains *generation tokens*: one per
organisation (bumped by any change that can move any of its dashboards: goals, deals,
memberships, the team tree, days off, settings, metrics, activity types, check-ins, 1:1s),
one per team (bumped by a rollup drain whose buckets touch the team or one of its
sub-teams) and one per organisation's activity (bumped by every drain; the organisation
overview reads all teams' activity). Bumping gives a key a new random token, so every
entry made under the old one is never read again and ages out of the cache.

The tokens are read *before* the dashboard is computed: a change committed meanwhile
bumps a token the entry is not stored under, so no entry can hold numbers older than its
tokens. Writers bump twice: at once (readers in the same transaction, and tests that
never commit) and again after the commit (readers that computed from the data as it was
before it). `dashboards.invalidation` connects the bumps to the other apps' hooks.

The cache is settings.CACHES["dashboards"]. With several processes (gunicorn workers,
Celery workers) it must be shared: Redis when REDIS_URL is set, none with DEBUG off and no
Redis; the per-process memory of the development setup is right for one process only. A
cache that fails (Redis down) costs speed, never an answer: the dashboard is computed as if
nothing were cached.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Any, TypeVar

from django.core.cache import caches
from django.core.cache.backends.redis import RedisCache
from django.db import transaction
from django.utils import timezone

PREFIX = "dash:v1"
# How long an entry may live at most. Every change bumps a token, so this only bounds how
# long unused entries take room (and what a missed hook could cost).
TIMEOUT = 15 * 60

T = TypeVar("T")
log = logging.getLogger(__name__)


def _cache() -> Any:
    return caches["dashboards"]


def _org_key(org_id: int) -> str:
    return f"{PREFIX}:gen:org:{org_id}"


def _team_key(team_id: int) -> str:
    return f"{PREFIX}:gen:team:{team_id}"


def _activity_key(org_id: int) -> str:
    return f"{PREFIX}:gen:activity:{org_id}"


def _token() -> str:
    return uuid.uuid4().hex[:16]


def generations(keys: list[str]) -> list[str]:
    """The current token of each generation key, a new one where none is stored yet."""
    cache = _cache()
    found = cache.get_many(keys)
    missing = [key for key in keys if key not in found]
    if missing:
        for key in missing:
            cache.add(key, _token(), None)
        found.update(cache.get_many(missing))
    # A cache that keeps nothing (DummyCache) gives a new token each time: never a hit.
    return [str(found.get(key) or _token()) for key in keys]


def _bump_now(keys: list[str]) -> None:
    if not keys:
        return
    try:
        _cache().set_many({key: _token() for key in keys}, None)
    except Exception:  # the write stands; entries under the old tokens age out (TIMEOUT)
        log.warning("dashboard cache: generation bump failed", exc_info=True)


def _bump(keys: list[str]) -> None:
    _bump_now(keys)
    transaction.on_commit(lambda: _bump_now(keys))


def bump_org(org_id: int) -> None:
    """Every dashboard of the organisation (and its overview) is recomputed on next read."""
    _bump([_org_key(org_id)])


def bump_teams(org_id: int, team_ids: Iterable[int]) -> None:
    """These teams' dashboards and the organisation's overview are recomputed on next read
    (give each team whose numbers moved together with its ancestors)."""
    _bump([_activity_key(org_id), *(_team_key(team_id) for team_id in sorted(set(team_ids)))])


def team_board_key(org_id: int, team_id: int, parts: tuple[Any, ...]) -> list[str]:
    """A team's board: the org's and the team's generation keys, then its own parts."""
    return [_org_key(org_id), _team_key(team_id), f"team:{org_id}:{team_id}", *map(str, parts)]


def overview_key(org_id: int, parts: tuple[Any, ...]) -> list[str]:
    """An overview: the org's and its activity's generation keys, then its own parts."""
    return [_org_key(org_id), _activity_key(org_id), f"overview:{org_id}", *map(str, parts)]


def forget_all() -> None:
    """Drop every cached dashboard (tests; an operator after fixing data by hand).

    Only this cache's own keys go: its Redis database may be the broker's too (REDIS_URL),
    and flushing it would drop queued tasks and the drain-pending flags with the boards.
    """
    cache = _cache()
    if isinstance(cache, RedisCache):
        client = cache._cache.get_client(write=True)
        keys = list(client.scan_iter(match=cache.make_key(f"{PREFIX}:*"), count=1000))
        if keys:
            client.delete(*keys)
    else:
        cache.clear()


def remembered(
    key: list[str], compute: Callable[[], T], *, valid_until: Callable[[T], datetime | None]
) -> T:
    """The value under `key` (two generation keys, then the entry's own parts), computed
    and stored when missing. `valid_until(value)`: the moment its numbers change by
    themselves with no write (a deal turning stale), if any."""
    cache = _cache()
    try:
        tokens = generations(key[:2])
        entry = ":".join([PREFIX, *key[2:], *tokens])
        value = cache.get(entry)
    except Exception:
        log.warning("dashboard cache: read failed, computing", exc_info=True)
        return compute()
    if value is not None:
        stored_until, stored = value
        # Checked here too, not only by the entry's timeout: the cache's clock (Redis) is not
        # necessarily the one `timezone.now()` reads.
        if stored_until is None or timezone.now() < stored_until:
            return stored
    value = compute()
    timeout = TIMEOUT
    until = valid_until(value)
    if until is not None:
        timeout = min(timeout, int((until - timezone.now()).total_seconds()))
    if timeout > 0:
        try:
            cache.set(entry, (until, value), timeout)
        except Exception:
            log.warning("dashboard cache: write failed", exc_info=True)
    return value
