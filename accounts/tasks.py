"""Celery entry points of import jobs: id-taking, safe to run twice (jobs are claimed)."""

from __future__ import annotations

from accounts import imports, services
from salesmgmt.tasks import retrying_task


@retrying_task
def run_import_job_task(job_id: int) -> None:
    """Run one import job; a duplicate or redelivered message finds it claimed and stops."""
    imports.run_import_job(job_id=job_id)


@retrying_task
def resume_import_jobs_task() -> int:
    """Every minute: enqueue jobs nobody took (broker down) or whose worker died."""
    return imports.resume_import_jobs()


@retrying_task
def delete_expired_api_tokens_task() -> int:
    """Hourly: delete expired API tokens (authentication refuses them but leaves the others)."""
    return services.delete_expired_api_tokens()
