"""Celery entry points of the rollup pipeline: small, id-taking, safe to run twice.

Publishing a drain is coalesced: at most one `drain_dirty_buckets_task` per organisation
waits in the queue (see `publish_drain`).
"""

from __future__ import annotations

import logging
import threading
from datetime import datetime, timedelta

import redis
from celery import Task, shared_task

from accounts.models import Organization
from activities import jobs, rollup
from activities.models import DirtyBucket
from salesmgmt import periods
from salesmgmt.tasks import retrying_task

log = logging.getLogger(__name__)


# --- one pending drain per organisation ------------------------------------------------------

# How long a "drain pending" flag lives at most. Normally the task clears it within
# milliseconds of being published; the TTL only matters when the task never runs (lost with a
# purged queue or a crashed broker, expired unrun). Then writes publish nothing for up to this
# long and the periodic drain (every 60 s) recomputes their buckets meanwhile; a queue backed
# up for longer than this gets one extra task per organisation per TTL (harmless, see below).
DRAIN_PENDING_TTL = 60
# How long a published drain waits before it starts. Writes meanwhile find it pending and add
# their buckets to it, so one drain round (whose statements cost about the same for one bucket
# as for fifty) serves every write of the window instead of a round per few writes; a task
# drains what was marked before it started and leaves later marks to the drain they published
# (`rollup.drain_marked_before`). It adds at most this much to the time until a logged
# activity shows in goal progress (tests/bench/README.md, "Write path").
DRAIN_DELAY = 0.1
DRAIN_EXPIRES = 600
_PENDING_KEY = "salesmgmt:drain-pending:{org_id}"

_clients: dict[str, redis.Redis] = {}
_clients_lock = threading.Lock()


def _pending_key(org_id: int) -> str:
    return _PENDING_KEY.format(org_id=org_id)


def _flag_store() -> redis.Redis | None:
    """The broker's Redis, where the flags live next to the queue; None when there is none.

    Eager tasks (the embedded default, no REDIS_URL) run the drain inside the write's
    on_commit, so nothing is ever pending and there is nothing to coalesce; a broker that is
    not Redis (memory:// in some tests) publishes every time, as before.
    """
    conf = drain_dirty_buckets_task.app.conf
    if conf.task_always_eager:
        return None
    url = conf.broker_write_url or conf.broker_url
    if not isinstance(url, str) or not url.startswith(("redis://", "rediss://")):
        return None
    client = _clients.get(url)
    if client is None:
        with _clients_lock:
            client = _clients.get(url)
            if client is None:
                # The broker's own budget (settings: 1 s socket timeouts, no retry sleep):
                # a stalled or refusing Redis must not hold a web request.
                client = redis.Redis.from_url(url, socket_timeout=1, socket_connect_timeout=1)
                _clients[url] = client
    return client


def publish_drain(org_id: int) -> bool:
    """Ask a worker to drain `org_id`'s dirty buckets, unless a drain is already pending.

    Called after the commit of every write that marked buckets dirty. Returns whether a task
    was published. Raises when Redis or the broker fails (the caller logs it; the periodic
    drain catches up, because the dirty marks are committed).

    The flag is `SET salesmgmt:drain-pending:<org> 1 NX EX 60`: the write that sets it
    publishes the task; writes that find it set publish nothing. The task deletes the flag
    *before* it reads any dirty bucket (`drain_dirty_buckets_task`). Why no write is left
    behind:

    - A write commits its dirty mark, then (on_commit) tries the flag. If the flag is still
      set, the pending task has not deleted it yet, so it has not started reading; its reads
      begin after the delete, hence after this commit, and see the mark (each drain
      statement takes a fresh snapshot under READ COMMITTED, and its transaction starts after
      the delete).
    - If the task deleted the flag before the write tried it, the write sets it again and
      publishes a new task. That task may find nothing left (the running drain loops until no
      dirty bucket remains and may take the mark too): a cheap no-op, as before.
    - A task that is retried (transient database error) or redelivered (worker lost, late
      acknowledgement) deletes the flag again on each run; at worst that lets one more task
      be published while another is queued. Duplicates are safe: draining is idempotent.
    - A task that never runs (queue purged, broker data lost, expired unrun) leaves the flag
      set until its TTL; meanwhile the periodic drain recomputes every dirty bucket every
      minute and deletes the flags of the organisations it drains, so the next write
      publishes again.
    - Publishing fails after the flag was set: the flag is deleted again (best effort) so the
      next write tries to publish; the dirty mark is committed, the periodic drain has it.
    - Redis unreachable for the flag: the broker is the same Redis, so the publish would fail
      too; the error goes to the caller (logged), nothing is published, nothing blocks longer
      than the 1 s socket timeout.
    """
    store = _flag_store()
    if store is not None and not store.set(_pending_key(org_id), 1, nx=True, ex=DRAIN_PENDING_TTL):
        return False
    try:
        drain_dirty_buckets_task.apply_async(
            (org_id,), countdown=DRAIN_DELAY, expires=DRAIN_EXPIRES
        )
    except Exception:
        if store is not None:
            try:
                store.delete(_pending_key(org_id))
            except Exception:  # the flag expires by itself
                log.debug("drain-pending flag of org %s not cleared", org_id, exc_info=True)
        raise
    return True


def clear_drain_pending(org_id: int) -> None:
    """Forget the "drain pending" flag before reading dirty buckets (see `publish_drain`).

    Never raises: if Redis is unreachable the flag expires by itself (TTL) and the drain
    goes ahead, since the database, not the flag, is what says which buckets are dirty.
    """
    try:
        store = _flag_store()
        if store is not None:
            store.delete(_pending_key(org_id))
    except Exception:
        log.warning("drain-pending flag of org %s not cleared", org_id, exc_info=True)


@retrying_task
def drain_dirty_buckets_task(org_id: int) -> int:
    """Recompute the dirty buckets of one organisation from source.

    The pending flag goes first, before any dirty bucket is read: a write committed after
    this point publishes a new task, one committed before is seen by this drain. So the task
    drains what was marked before it started and stops; what is marked while it runs is the
    next task's.
    """
    clear_drain_pending(org_id)
    return rollup.drain_marked_before(org_id=org_id)


@retrying_task
def drain_all_dirty_buckets_task() -> int:
    """Every minute: drain leftovers (broker was down, a worker died mid-task).

    It clears each organisation's pending flag before draining it, so that after a lost
    task the next write publishes again instead of waiting out the flag's TTL.
    """
    total = 0
    org_ids = DirtyBucket.objects.values_list("organization_id", flat=True).distinct()
    for org_id in list(org_ids):
        clear_drain_pending(org_id)
        total += rollup.drain_all(org_id=org_id)
    if total:
        log.info("periodic drain recomputed %d buckets", total)
    return total


@retrying_task
def reconcile_open_periods_task() -> None:
    """Nightly: rebuild every organisation's open months from source.

    Open months are the current and the previous one, reaching back to the month before the
    last completed run: after nights without a run (beat or the workers down), the first run
    covers every month those nights would have.
    """
    last_run = jobs.last_completed(reconcile_open_periods_task.name)
    for org in Organization.objects.all():
        today = periods.today(org)
        since = min(today, periods.local_date(org, last_run)) if last_run else today
        start = periods.month_of(periods.month_of(since).start - timedelta(days=1)).start
        rollup.rebuild_range(org_id=org.pk, start=start, end=today + timedelta(days=1))


@shared_task(ignore_result=True)
def heartbeat_task() -> None:
    """Every minute: nothing but its recorded completion, which shows beat is scheduling."""


@shared_task(bind=True, ignore_result=True)
def worker_ping_task(self: Task, sent_at: str) -> None:
    """The worker liveness probe's round trip: this worker took the probe off its own queue.

    Records the probe's own send time (not the worker's clock), so the probe recognises the
    answer to its message whatever the clocks of the two machines say.
    """
    jobs.record_completed(f"worker:{self.request.hostname}", at=datetime.fromisoformat(sent_at))
