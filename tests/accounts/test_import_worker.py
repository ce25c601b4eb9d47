"""A 5,000-row deals import through the API and a real Celery worker (PostgreSQL + Redis).

The web request only stores the job (202); a `celery worker` subprocess on the pytest test
database claims it, checks every row while committing its progress, which this process
reads meanwhile, and writes all deals in one transaction.
"""

from __future__ import annotations

import time

import pytest
import redis
from django.core.files.uploadedfile import SimpleUploadedFile

from accounts.models import ImportJob
from deals.models import Deal, StageChange
from tests.activities.conftest import celery_broker  # noqa: F401  (fixture)
from tests.activities.workers import Worker, wait_until, worker_redis_url
from tests.deals.factories import default_stages

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.real_broker,
    pytest.mark.usefixtures("require_postgres"),
]

ROWS = 5000


@pytest.fixture
def import_broker(require_redis, celery_broker):  # noqa: F811
    url = worker_redis_url(require_redis)
    client = redis.Redis.from_url(url, socket_timeout=5)
    client.flushdb()
    celery_broker(url)
    try:
        yield url
    finally:
        client.flushdb()
        client.close()


def test_a_5000_row_deal_import_completes_through_a_real_worker(
    org, manager, member, api_for, import_broker, tmp_path
):
    default_stages(org)
    org.currency = "USD"  # amounts with cents (a yen amount has no decimals)
    org.save(update_fields=["currency"])
    lines = ["title,customer,amount,owner_email,stage"]
    for n in range(ROWS):
        stage = "won" if n % 20 == 0 else "lead"
        lines.append(f"Deal {n},Customer {n % 300},{n}.50,{member.user.email},{stage}")
    upload = SimpleUploadedFile("deals.csv", "\n".join(lines).encode(), content_type="text/csv")
    worker = Worker(import_broker, tmp_path, "solo").start()
    try:
        started = time.monotonic()
        response = api_for(manager).post(
            "/api/v1/orgs/acme/deals/import/", {"file": upload}, format="multipart"
        )
        answered = time.monotonic() - started
        assert response.status_code == 202, response.content
        job_id = response.json()["id"]
        seen: list[tuple[str, int]] = []

        def finished() -> bool:
            job = ImportJob.objects.get(pk=job_id)
            seen.append((job.phase, job.processed_rows))
            return job.is_finished

        wait_until(finished, 120, "the import job to finish", worker.log)
        took = time.monotonic() - started
    finally:
        worker.kill()

    job = ImportJob.objects.get(pk=job_id)
    assert (job.status, job.created_count, job.errors) == ("succeeded", ROWS, [])
    assert Deal.objects.filter(owner=member.user).count() == ROWS
    assert StageChange.objects.count() == ROWS
    assert Deal.objects.filter(won_user=member.user).count() == ROWS // 20
    # The request only stored the file; the progress was readable from here while it ran.
    assert answered < 5, answered
    assert any(phase == "checking" and 0 < done < ROWS for phase, done in seen), seen
    print(f"5,000-row deals import: answered in {answered:.2f}s, done in {took:.1f}s")
