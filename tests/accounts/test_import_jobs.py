"""Large CSV imports run as jobs on a worker: all or nothing, progress, claims, throttles,
who sees a job, and how the pages and the schema show it.

Small files (up to IMPORT_SYNC_MAX_ROWS rows) are imported within the request, as before;
the tests that need a job lower that setting rather than upload thousands of rows, except
where the size is the point (2,000 rows with a bad last line).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.db.models import F

from accounts import imports, rules, selectors
from accounts.imports import run_import_job, submit_import
from accounts.models import AuditEvent, ImportJob
from accounts.tasks import resume_import_jobs_task, run_import_job_task
from activities.models import Activity
from activities.services import ActivityImporter
from deals import access as deals_access
from deals import services as deal_services
from deals.models import Customer, Deal, StageChange
from salesmgmt.errors import DomainError
from tests.activities.factories import default_types
from tests.deals.factories import default_stages

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 3, 10, 3, 0, tzinfo=UTC)
ACTIVITIES = "/api/v1/orgs/acme/activities/import/"
DEALS = "/api/v1/orgs/acme/deals/import/"
JOBS = "/api/v1/orgs/acme/import-jobs/"


@pytest.fixture(autouse=True)
def _setup(org, time_machine):
    time_machine.move_to(NOW, tick=False)
    default_types(org)
    default_stages(org)


@pytest.fixture
def small_sync_limit(settings):
    """Files of more than 3 rows become jobs."""
    settings.IMPORT_SYNC_MAX_ROWS = 3


def activities_csv(email: str, rows: int, *, bad_last: bool = False) -> str:
    lines = ["user_email,type,occurred_at,quantity,note"]
    lines += [f"{email},call,2026-03-02T10:00:00+09:00,1,call {n}" for n in range(rows)]
    if bad_last:
        lines[-1] = f"{email},teleport,2026-03-02,1,no such type"
    return "\n".join(lines) + "\n"


def deals_csv(owner_email: str, rows: int, *, bad_last: bool = False) -> str:
    lines = ["title,customer,amount,owner_email"]
    lines += [f"Deal {n},Customer {n % 50},{n}.00,{owner_email}" for n in range(rows)]
    if bad_last:
        lines[-1] = f"Broken,Customer 1,-5,{owner_email}"
    return "\n".join(lines) + "\n"


def upload(text: str) -> dict[str, SimpleUploadedFile]:
    return {"file": SimpleUploadedFile("import.csv", text.encode(), content_type="text/csv")}


def job_url(job_id: int) -> str:
    return f"{JOBS}{job_id}/"


def throttled(scope: str):
    return AuditEvent.objects.filter(action="throttled", detail__scope=scope)


# --- small files: at once; large files: a job ----------------------------------------------


def test_a_file_within_the_sync_limit_is_imported_within_the_request(
    api_for, member, small_sync_limit
):
    response = api_for(member).post(
        ACTIVITIES, upload(activities_csv(member.user.email, 3)), format="multipart"
    )
    assert response.status_code == 201
    assert response.json() == {"created": 3, "errors": []}
    assert not ImportJob.objects.exists()


def test_a_larger_file_is_answered_202_and_written_by_the_worker_not_the_request(
    api_for, member, small_sync_limit, django_capture_on_commit_callbacks
):
    client = api_for(member)
    with django_capture_on_commit_callbacks() as enqueued:
        response = client.post(
            ACTIVITIES, upload(activities_csv(member.user.email, 4)), format="multipart"
        )
    assert response.status_code == 202, response.content
    job = response.json()
    assert (job["kind"], job["status"], job["phase"]) == ("activities", "queued", "queued")
    assert (job["total_rows"], job["processed_rows"], job["created"]) == (4, 0, 0)
    assert job["url"] == f"http://testserver{job_url(job['id'])}"
    assert response["Location"] == job["url"]
    assert not Activity.objects.exists()
    assert len(enqueued) == 1

    enqueued[0]()  # the worker's turn

    done = client.get(job_url(job["id"])).json()
    assert (done["status"], done["phase"], done["created"], done["errors"]) == (
        "succeeded",
        "done",
        4,
        [],
    )
    assert done["processed_rows"] == 4
    assert done["finished_at"] is not None
    assert Activity.objects.filter(user=member.user).count() == 4
    assert ImportJob.objects.get().content == ""  # the file is not kept once done


def test_a_bad_row_at_the_end_of_a_2000_row_file_writes_nothing(
    api_for, manager, member, django_capture_on_commit_callbacks
):
    text = deals_csv(member.user.email, 2000, bad_last=True)
    with django_capture_on_commit_callbacks(execute=True):
        response = api_for(manager).post(DEALS, upload(text), format="multipart")
    assert response.status_code == 202
    job = api_for(manager).get(response["Location"]).json()
    assert job["status"] == "failed"
    assert job["created"] == 0
    assert job["errors"] == [{"line": 2001, "message": "An amount cannot be negative."}]
    assert job["error_count"] == 1
    assert job["processed_rows"] == 2000  # every row was checked
    assert not Deal.objects.exists()
    assert not Customer.objects.exists()


def test_a_good_2000_row_deal_file_is_written_whole(
    api_for, manager, member, django_capture_on_commit_callbacks
):
    text = deals_csv(member.user.email, 2000)
    with django_capture_on_commit_callbacks(execute=True):
        response = api_for(manager).post(DEALS, upload(text), format="multipart")
    job = api_for(manager).get(response["Location"]).json()
    assert (job["status"], job["created"]) == ("succeeded", 2000)
    assert Deal.objects.filter(owner=member.user, team=member.team).count() == 2000
    assert StageChange.objects.count() == 2000
    assert Customer.objects.count() == 50


def test_a_failure_while_writing_rolls_back_every_row_already_written(
    api_for, manager, member, monkeypatch, django_capture_on_commit_callbacks, settings
):
    settings.IMPORT_SYNC_MAX_ROWS = 10
    real_open_deals = deal_services.open_deals

    def open_then_fail(**kwargs):
        real_open_deals(**kwargs)
        assert Deal.objects.count() == 300  # written, inside the transaction
        raise DomainError("The pipeline changed during the import.")

    monkeypatch.setattr(deal_services, "open_deals", open_then_fail)
    with django_capture_on_commit_callbacks(execute=True):
        response = api_for(manager).post(
            DEALS, upload(deals_csv(member.user.email, 300)), format="multipart"
        )
    job = ImportJob.objects.get(pk=response.json()["id"])
    assert job.status == ImportJob.Status.FAILED
    assert job.errors == [{"line": 0, "message": "The pipeline changed during the import."}]
    assert not Deal.objects.exists()
    assert not StageChange.objects.exists()
    assert not Customer.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_progress_is_committed_while_checking_and_all_rows_are_written_in_one_transaction(
    member, small_sync_limit, monkeypatch
):
    checked: list[tuple[int, bool]] = []
    real_progress = imports._progress

    def spy_progress(job_id, attempt, done):
        real_progress(job_id, attempt, done)
        checked.append((done, connection.in_atomic_block))

    writes: list[tuple[bool, str, int]] = []
    real_write = ActivityImporter.write

    def spy_write(self, rows):
        job = ImportJob.objects.get()
        writes.append((connection.in_atomic_block, job.phase, job.processed_rows))
        real_write(self, rows)

    monkeypatch.setattr(imports, "_progress", spy_progress)
    monkeypatch.setattr(ActivityImporter, "write", spy_write)

    # Outside a test transaction the commit runs the (eager) task at once.
    job = submit_import(
        actor=member, kind="activities", content=activities_csv(member.user.email, 1000)
    )

    assert [done for done, _ in checked] == [200, 400, 600, 800, 1000, 1000]
    assert not any(in_transaction for _, in_transaction in checked)  # each one committed
    assert writes == [(True, "writing", 1000)]
    job.refresh_from_db()
    assert (job.status, job.created_count) == (ImportJob.Status.SUCCEEDED, 1000)
    assert Activity.objects.count() == 1000


# --- claims: a job runs once ---------------------------------------------------------------


def _queued_job(api_for, member) -> ImportJob:
    response = api_for(member).post(
        ACTIVITIES, upload(activities_csv(member.user.email, 4)), format="multipart"
    )
    assert response.status_code == 202
    return ImportJob.objects.get(pk=response.json()["id"])


def test_a_redelivered_task_does_not_import_twice(api_for, member, small_sync_limit):
    job = _queued_job(api_for, member)
    run_import_job_task.apply(args=(job.pk,))
    run_import_job_task.apply(args=(job.pk,))  # the same message delivered again
    job.refresh_from_db()
    assert (job.status, job.attempts, job.created_count) == ("succeeded", 1, 4)
    assert Activity.objects.count() == 4


def test_a_job_another_worker_is_running_is_left_alone_until_it_goes_quiet(
    api_for, member, small_sync_limit, time_machine
):
    job = _queued_job(api_for, member)
    ImportJob.objects.filter(pk=job.pk).update(status="running", attempts=1, heartbeat_at=NOW)

    run_import_job(job_id=job.pk)
    job.refresh_from_db()
    assert (job.status, job.attempts) == ("running", 1)
    assert not Activity.objects.exists()

    time_machine.move_to(NOW + timedelta(minutes=16), tick=False)  # its worker died
    run_import_job(job_id=job.pk)
    job.refresh_from_db()
    assert (job.status, job.attempts, job.created_count) == ("succeeded", 2, 4)
    assert Activity.objects.count() == 4


def test_a_worker_whose_job_was_taken_over_writes_nothing(
    api_for, member, small_sync_limit, monkeypatch
):
    job = _queued_job(api_for, member)
    real_check = ActivityImporter.check_row

    def stall_then_lose_the_claim(self, values):
        # Meanwhile another worker took the job over (a claim bumps `attempts`).
        ImportJob.objects.filter(pk=job.pk).update(attempts=F("attempts") + 1)
        return real_check(self, values)

    monkeypatch.setattr(ActivityImporter, "check_row", stall_then_lose_the_claim)
    run_import_job(job_id=job.pk)
    assert not Activity.objects.exists()
    job.refresh_from_db()
    assert job.status == "running"  # the new claim's to finish


def test_a_job_that_keeps_stopping_is_given_up_after_three_attempts(
    api_for, member, small_sync_limit, time_machine
):
    job = _queued_job(api_for, member)
    ImportJob.objects.filter(pk=job.pk).update(status="running", attempts=3, heartbeat_at=NOW)
    time_machine.move_to(NOW + timedelta(minutes=16), tick=False)
    run_import_job(job_id=job.pk)
    job.refresh_from_db()
    assert job.status == "failed"
    assert "stopped 3 times" in job.errors[0]["message"]
    assert job.content == ""
    assert not Activity.objects.exists()


def test_a_job_the_broker_never_delivered_is_picked_up_by_the_sweep(
    api_for, member, small_sync_limit, monkeypatch, time_machine, caplog
):
    def broker_down(*args, **kwargs):
        raise ConnectionError("Redis is down")

    monkeypatch.setattr(run_import_job_task, "apply_async", broker_down)
    job = _queued_job(api_for, member)
    imports._enqueue(job.pk)  # what the commit of the upload does
    assert "not enqueued" in caplog.text
    job.refresh_from_db()
    assert job.status == "queued"
    monkeypatch.undo()

    assert resume_import_jobs_task.apply().get() == 0  # too early to call it lost
    time_machine.move_to(NOW + timedelta(minutes=3), tick=False)
    assert resume_import_jobs_task.apply().get() == 1
    job.refresh_from_db()
    assert (job.status, job.created_count) == ("succeeded", 4)


# --- throttles -----------------------------------------------------------------------------


def test_imports_past_the_per_person_rate_get_429_and_an_audit_row(api_for, member, settings):
    settings.IMPORT_RATE_PER_PERSON = "2/hour"
    client = api_for(member)
    text = activities_csv(member.user.email, 1)
    assert client.post(ACTIVITIES, upload(text), format="multipart").status_code == 201
    assert client.post(ACTIVITIES, upload(text), format="multipart").status_code == 201
    refused = client.post(ACTIVITIES, upload(text), format="multipart")
    assert refused.status_code == 429
    assert "too many imports" in refused.json()["detail"]
    assert 0 < int(refused["Retry-After"]) <= 3601
    assert Activity.objects.count() == 2
    [event] = throttled("import_person")
    assert (event.actor_id, event.organization_id, event.target) == (
        member.user_id,
        member.organization_id,
        "import:activities",
    )


def test_the_organisation_rate_counts_everyone_in_it(
    api_for, org, member, teammate, admin, settings
):
    settings.IMPORT_RATE_PER_ORG = "2/hour"
    for person in (member, teammate):
        text = activities_csv(person.user.email, 1)
        response = api_for(person).post(ACTIVITIES, upload(text), format="multipart")
        assert response.status_code == 201
    refused = api_for(admin).post(
        ACTIVITIES, upload(activities_csv(admin.user.email, 1)), format="multipart"
    )
    assert refused.status_code == 429
    assert "organisation" in refused.json()["detail"]
    assert throttled("import_org").get().organization_id == org.pk


def test_a_second_job_while_the_first_is_in_flight_gets_429(
    api_for, member, small_sync_limit, django_capture_on_commit_callbacks
):
    client = api_for(member)
    text = activities_csv(member.user.email, 4)
    with django_capture_on_commit_callbacks() as enqueued:
        assert client.post(ACTIVITIES, upload(text), format="multipart").status_code == 202
    refused = client.post(ACTIVITIES, upload(text), format="multipart")
    assert refused.status_code == 429
    assert "still running" in refused.json()["detail"]
    assert throttled("import_running").count() == 1
    small = activities_csv(member.user.email, 2)  # a small file does not wait for the job
    assert client.post(ACTIVITIES, upload(small), format="multipart").status_code == 201
    enqueued[0]()
    assert client.post(ACTIVITIES, upload(text), format="multipart").status_code == 202


# --- who sees a job ------------------------------------------------------------------------


def test_a_job_is_seen_by_its_creator_and_admins_and_is_404_to_everyone_else(
    api_for, member, teammate, manager, admin, outsider, small_sync_limit
):
    job = _queued_job(api_for, member)
    assert api_for(member).get(job_url(job.pk)).status_code == 200
    assert api_for(admin).get(job_url(job.pk)).status_code == 200
    assert api_for(teammate).get(job_url(job.pk)).status_code == 404
    assert api_for(manager).get(job_url(job.pk)).status_code == 404
    assert api_for(outsider).get(job_url(job.pk)).status_code == 404
    foreign = f"/api/v1/orgs/globex/import-jobs/{job.pk}/"
    assert api_for(outsider).get(foreign).status_code == 404
    assert [j["id"] for j in api_for(member).get(JOBS).json()["results"]] == [job.pk]
    assert api_for(teammate).get(JOBS).json()["results"] == []
    assert api_for(admin).get(JOBS).json()["results"] == []  # the list is one's own


def test_the_import_job_rule_and_its_query_agree(
    api_for, member, teammate, manager, admin, small_sync_limit
):
    jobs = [_queued_job(api_for, member)]
    jobs[0].status = "succeeded"
    jobs[0].save()
    jobs.append(_queued_job(api_for, teammate))
    for actor in (member, teammate, manager, admin):
        visible = set(selectors.import_jobs_visible_to(actor).values_list("pk", flat=True))
        assert {j.pk for j in jobs if rules.can_view_import_job(actor, j)} == visible


def test_deals_import_is_for_managers_and_admins(member, manager, other_manager, admin):
    assert not deals_access.can_import_deals(member)
    assert all(deals_access.can_import_deals(m) for m in (manager, other_manager, admin))


# --- pages ---------------------------------------------------------------------------------


def test_a_large_upload_on_the_page_leads_to_a_job_page_that_polls_until_done(
    org, member, client_for, small_sync_limit, django_capture_on_commit_callbacks
):
    client = client_for(member)
    page = f"/o/{org.slug}/activities/import/"
    text = activities_csv(member.user.email, 4)
    with django_capture_on_commit_callbacks() as enqueued:
        response = client.post(page, {"file": SimpleUploadedFile("a.csv", text.encode())})
    job = ImportJob.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/o/{org.slug}/imports/{job.pk}/"

    waiting = client.get(response["Location"])
    assert waiting.status_code == 200
    assert 'hx-trigger="every 2s"' in waiting.content.decode()
    assert "4 rows are waiting for a worker" in waiting.content.decode()
    assert 'data-testid="import-job"' in client.get(page).content.decode()  # shown there too

    ImportJob.objects.filter(pk=job.pk).update(status="running", processed_rows=2)
    checking = client.get(response["Location"], HTTP_HX_REQUEST="true").content.decode()
    assert "Checking rows: 2 of 4" in checking
    assert not checking.lstrip().startswith("<!DOCTYPE")  # the partial alone

    ImportJob.objects.filter(pk=job.pk).update(status="queued", processed_rows=0)
    enqueued[0]()
    done = client.get(response["Location"], HTTP_HX_REQUEST="true").content.decode()
    assert "Imported 4 activities." in done
    assert "hx-trigger" not in done  # polling stops
    assert 'data-testid="import-job"' not in client.get(page).content.decode()


def test_a_failed_job_page_lists_the_refused_lines(
    org, manager, member, client_for, settings, django_capture_on_commit_callbacks
):
    settings.IMPORT_SYNC_MAX_ROWS = 10
    client = client_for(manager)
    text = deals_csv(member.user.email, 30, bad_last=True)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            f"/o/{org.slug}/deals/import/", {"file": SimpleUploadedFile("d.csv", text.encode())}
        )
    page = client.get(response["Location"]).content.decode()
    assert 'data-testid="import-errors"' in page
    assert "<td>31</td>" in page
    assert "An amount cannot be negative." in page
    assert not Deal.objects.exists()


def test_someone_else_gets_404_on_a_job_page(
    org, member, teammate, manager, outsider, client_for, api_for, small_sync_limit
):
    job = _queued_job(api_for, member)
    for person in (teammate, manager):
        assert client_for(person).get(f"/o/{org.slug}/imports/{job.pk}/").status_code == 404
    assert client_for(outsider).get(f"/o/globex/imports/{job.pk}/").status_code == 404


def test_the_import_page_answers_a_throttled_upload_with_429(org, member, client_for, settings):
    settings.IMPORT_RATE_PER_PERSON = "1/hour"
    client = client_for(member)
    text = activities_csv(member.user.email, 1)
    page = f"/o/{org.slug}/activities/import/"
    assert (
        client.post(page, {"file": SimpleUploadedFile("a.csv", text.encode())}).status_code == 302
    )
    refused = client.post(page, {"file": SimpleUploadedFile("a.csv", text.encode())})
    assert refused.status_code == 429
    assert "too many imports" in refused.content.decode()
    assert throttled("import_person").count() == 1


def test_the_import_page_refuses_an_oversized_upload_with_413(org, member, client_for, settings):
    settings.IMPORT_MAX_BYTES = 1024
    text = activities_csv(member.user.email, 1) + "x" * (100 * 1024)
    response = client_for(member).post(
        f"/o/{org.slug}/activities/import/", {"file": SimpleUploadedFile("a.csv", text.encode())}
    )
    assert response.status_code == 413
    assert "larger than" in response.content.decode()
    assert not Activity.objects.exists()


@pytest.mark.parametrize(
    ("cell", "expected"),
    [("bad\x00note", "NUL character"), ('"unclosed note', "never closed")],
)
def test_the_import_page_names_the_line_of_a_nul_or_an_unclosed_quote(
    org, member, client_for, cell, expected
):
    email = member.user.email
    text = f"user_email,type,occurred_at,quantity,note\n{email},call,2026-03-02,1,{cell}\n"
    text += f"{email},call,2026-03-03,1,next\n"
    response = client_for(member).post(
        f"/o/{org.slug}/activities/import/", {"file": SimpleUploadedFile("a.csv", text.encode())}
    )
    assert response.status_code == 422
    [error] = response.context["errors"]
    assert error.line == 2
    assert expected in error.message
    assert not Activity.objects.exists()


# --- the contract ----------------------------------------------------------------------------


def test_the_schema_documents_every_answer_of_the_imports_and_the_jobs(client):
    schema = client.get("/api/v1/schema/?format=json").json()
    paths, components = schema["paths"], schema["components"]["schemas"]
    prefix = "/api/v1/orgs/{org_slug}/"
    for path in ("activities/import/", "deals/import/"):
        responses = paths[prefix + path]["post"]["responses"]
        assert {"201", "202", "400", "403", "413", "429"} <= set(responses), path
        refused = responses["400"]["content"]["application/json"]["schema"]["$ref"]
        assert refused.endswith("/ImportResult")
        queued = responses["202"]["content"]["application/json"]["schema"]["$ref"]
        assert queued.endswith("/ImportJob")
    assert set(components["ImportResult"]["required"]) == {"created", "errors"}
    job = components["ImportJob"]["properties"]
    assert {
        "id",
        "status",
        "phase",
        "total_rows",
        "processed_rows",
        "created",
        "errors",
        "url",
    } <= set(job)
    assert set(paths[prefix + "import-jobs/"]) >= {"get"}
    assert set(paths[prefix + "import-jobs/{job_id}/"]) >= {"get"}
