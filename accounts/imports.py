"""Import jobs: how every CSV import runs, small ones at once and large ones on a worker.

`submit_import` is the one entry point of pages and the API. It asks the import kind's rule,
counts the import against the throttles (per person and per organisation; a refusal is a
429 and an audit row) and reads the file as a whole (a broken file is refused at once, with
line numbers). A file of up to IMPORT_SYNC_MAX_ROWS rows is then imported within the
request; a larger one becomes an `ImportJob` that `run_import_job_task` runs on a worker,
one job in flight per person, so a heavy import never holds a web worker.

A job runs the two phases of `salesmgmt.imports`: checking every row, with progress
committed as it goes (outside any transaction, so the job page sees it), then writing all
rows in one transaction that also marks the job succeeded: both commit, or neither. A
worker claims a job with a conditional UPDATE that bumps `attempts`; a redelivered or
duplicated task finds the job claimed or finished and does nothing, and a worker whose
claim was taken over (it showed no sign of life for IMPORT_JOB_STALE_MINUTES) finds its
attempt gone when it comes to write, and writes nothing.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import timedelta
from functools import partial
from typing import NoReturn

from django.conf import settings
from django.db import IntegrityError, OperationalError, transaction
from django.db.models import F, Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from accounts import rules
from accounts.audit import record_event
from accounts.models import ImportJob, Membership
from salesmgmt import ratelimit
from salesmgmt.csv_files import ImportRefused, ImportResult, LineError, decode
from salesmgmt.errors import DomainError, TooManyRequests
from salesmgmt.imports import check_rows, import_now, importer_for, read_import

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 3  # claims of one job before it is given up (a file that kills workers)
REQUEUE_AFTER = timedelta(minutes=2)  # a queued job no worker took: enqueue it again
TASK_EXPIRES = 3600  # seconds; the sweep re-enqueues anything still waiting


class _ClaimLost(Exception):
    """Another worker took the job over; this one stops without writing."""


# --- submitting ---------------------------------------------------------------------------


def _refuse(actor: Membership, kind: str, scope: str, message: str, retry: int | None) -> NoReturn:
    record_event(
        action="throttled",
        actor=actor.user_id,
        organization=actor.organization_id,
        target=f"import:{kind}",
        scope=scope,
    )
    raise TooManyRequests(message, retry_after=retry)


def _throttle(actor: Membership, kind: str) -> None:
    person, org = settings.IMPORT_RATE_PER_PERSON, settings.IMPORT_RATE_PER_ORG
    if not ratelimit.hit(f"import:person:{actor.user_id}", person):
        message = _("You have started too many imports in a short time; try again later.")
        _refuse(actor, kind, "import_person", message, ratelimit.seconds_until_reset(person))
    if not ratelimit.hit(f"import:org:{actor.organization_id}", org):
        message = _(
            "Your organisation has started too many imports in a short time; try again later."
        )
        _refuse(actor, kind, "import_org", message, ratelimit.seconds_until_reset(org))


def _refuse_second_job(actor: Membership, kind: str) -> NoReturn:
    message = _(
        "Your previous import is still running; wait until it has finished, then try again."
    )
    _refuse(actor, kind, "import_running", message, 60)


def submit_import(
    *, actor: Membership, kind: str, content: bytes | str
) -> ImportResult | ImportJob:
    """Import a CSV file: at once when small (the result), else as a job for a worker.

    PermissionDenied without the kind's rule; TooManyRequests past a throttle or while the
    person has a job in flight; ImportRefused for a file that cannot be read as a whole.
    """
    importer = importer_for(kind)
    rules.require(importer.may_import(actor))
    _throttle(actor, kind)
    text = decode(content)
    table = read_import(importer, text)
    if len(table.rows) <= settings.IMPORT_SYNC_MAX_ROWS:
        return import_now(importer, actor=actor, table=table)
    if ImportJob.objects.filter(created_by_id=actor.user_id, status__in=ImportJob.ACTIVE).exists():
        _refuse_second_job(actor, kind)
    try:
        with transaction.atomic():
            job = ImportJob.objects.create(
                organization_id=actor.organization_id,
                kind=kind,
                created_by_id=actor.user_id,
                total_rows=len(table.rows),
                content=text,
                heartbeat_at=timezone.now(),
            )
            transaction.on_commit(partial(_enqueue, job.pk))
    except IntegrityError:  # a second upload of the same person's won the race
        _refuse_second_job(actor, kind)
    return job


def _enqueue(job_id: int) -> None:
    """Ask a worker to run the job. Never raises: the sweep re-enqueues what is left."""
    from accounts.tasks import run_import_job_task

    try:
        run_import_job_task.apply_async((job_id,), expires=TASK_EXPIRES)
    except Exception:
        log.warning(
            "import job %s not enqueued; the periodic sweep will pick it up", job_id, exc_info=True
        )


# --- running ------------------------------------------------------------------------------


def _claim(job_id: int) -> int | None:
    """Take the job (queued, or running without a sign of life); its attempt number or None."""
    now = timezone.now()
    stale = now - timedelta(minutes=settings.IMPORT_JOB_STALE_MINUTES)
    claimable = ImportJob.objects.filter(
        Q(status=ImportJob.Status.QUEUED)
        | Q(status=ImportJob.Status.RUNNING, heartbeat_at__lt=stale),
        pk=job_id,
    )
    taken = claimable.filter(attempts__lt=MAX_ATTEMPTS).update(
        status=ImportJob.Status.RUNNING,
        attempts=F("attempts") + 1,
        started_at=now,
        heartbeat_at=now,
        processed_rows=0,
    )
    if taken:
        return int(ImportJob.objects.values_list("attempts", flat=True).get(pk=job_id))
    message = _("The import stopped %(n)d times without finishing; nothing was imported.")
    gave_up = ImportResult.refused([LineError(0, message % {"n": MAX_ATTEMPTS})])
    if claimable.update(**_finished(ImportJob.Status.FAILED, gave_up)):
        log.error("import job %s given up after %d attempts", job_id, MAX_ATTEMPTS)
    return None


def _finished(status: str, result: ImportResult) -> dict[str, object]:
    now = timezone.now()
    return {
        "status": status,
        "created_count": result.created,
        "errors": [error.as_dict() for error in result.errors],
        "error_count": result.error_count,
        "content": "",
        "finished_at": now,
        "heartbeat_at": now,
    }


def _progress(job_id: int, attempt: int, done: int) -> None:
    """Rows checked so far; committed at once (the job page polls it)."""
    mine = ImportJob.objects.filter(pk=job_id, status=ImportJob.Status.RUNNING, attempts=attempt)
    if not mine.update(processed_rows=done, heartbeat_at=timezone.now()):
        raise _ClaimLost


def _fail(job_id: int, attempt: int, errors: Sequence[LineError]) -> None:
    ImportJob.objects.filter(pk=job_id, attempts=attempt).update(
        **_finished(ImportJob.Status.FAILED, ImportResult.refused(errors))
    )


def run_import_job(*, job_id: int) -> None:
    """Claim the job and run it: check every row (with progress), then write all or none."""
    attempt = _claim(job_id)
    if attempt is None:
        return  # finished, or another worker has it: a redelivered task does nothing
    job = ImportJob.objects.select_related("organization", "created_by").get(pk=job_id)
    try:
        with translation.override(job.created_by.locale):
            _run(job, attempt)
    except _ClaimLost:
        log.warning("import job %s was taken over by another worker", job_id)
    except OperationalError:
        # Transient database trouble: hand the job back for the task's retry.
        ImportJob.objects.filter(pk=job_id, attempts=attempt).update(
            status=ImportJob.Status.QUEUED, attempts=F("attempts") - 1
        )
        raise
    except Exception:
        message = _("The import stopped on an unexpected error; nothing was imported.")
        _fail(job_id, attempt, [LineError(0, message)])
        raise


def _run(job: ImportJob, attempt: int) -> None:
    importer_class = importer_for(job.kind)
    actor = (
        Membership.objects.for_org(job.organization_id)
        .select_related("organization", "team", "user")
        .filter(user_id=job.created_by_id, active=True)
        .first()
    )
    if actor is None or not importer_class.may_import(actor):
        message = _("You may no longer run this import; nothing was imported.")
        _fail(job.pk, attempt, [LineError(0, message)])
        return
    try:
        table = read_import(importer_class, job.content)
    except ImportRefused as exc:
        _fail(job.pk, attempt, exc.result.errors)
        return
    importer = importer_class(actor)
    checked, errors = check_rows(importer, table.rows, progress=partial(_progress, job.pk, attempt))
    if errors:
        _fail(job.pk, attempt, errors)
        return
    try:
        with transaction.atomic():
            # Lock our claim for the whole write: a take-over waits for this transaction,
            # then finds the job finished.
            mine = ImportJob.objects.select_for_update().filter(
                pk=job.pk, status=ImportJob.Status.RUNNING, attempts=attempt
            )
            if not list(mine.values_list("pk", flat=True)):
                raise _ClaimLost
            importer.write(checked)
            mine.update(**_finished(ImportJob.Status.SUCCEEDED, ImportResult(len(checked))))
    except ImportRefused as exc:
        _fail(job.pk, attempt, exc.result.errors)
    except DomainError as exc:
        _fail(job.pk, attempt, [LineError(0, exc.message)])


def resume_import_jobs() -> int:
    """Enqueue jobs no worker took (the broker was down) or whose worker died; how many."""
    now = timezone.now()
    stale = now - timedelta(minutes=settings.IMPORT_JOB_STALE_MINUTES)
    waiting = ImportJob.objects.filter(
        Q(status=ImportJob.Status.QUEUED, heartbeat_at__lt=now - REQUEUE_AFTER)
        | Q(status=ImportJob.Status.RUNNING, heartbeat_at__lt=stale)
    ).order_by("created_at")
    job_ids = list(waiting.values_list("pk", flat=True)[:100])
    ImportJob.objects.filter(pk__in=job_ids, status=ImportJob.Status.QUEUED).update(
        heartbeat_at=now
    )
    for job_id in job_ids:
        _enqueue(job_id)
    return len(job_ids)
