"""Import jobs: the commit of a checked file as a background task (`CustomerImportJob`), its outcome, and
the recovery of jobs whose worker died.

The task itself is `customers.tasks.run_customer_import_job`, a thin shell over `all_orgs_run_import_job`.
This module never imports the task module: the functions that queue a run take `enqueue`, a callable of
the job's id, and the views, API and commands pass `customers.tasks.enqueue_import_job`.
"""

import hashlib
import logging
import re
import uuid
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from fieldloop.core import progress, spreadsheets
from fieldloop.core.db import create_or_winner
from fieldloop.core.errors import ErrorCode, ServiceError, invalid, not_found
from fieldloop.core.jobs import ProgressWriter
from fieldloop.org.models import Employee
from fieldloop.org.selectors import visibility_for

from .imports import (
    ImportRefused,
    ImportReport,
    check_mapping,
    import_commit,
    refused_document,
    refused_rows,
    refused_workbook,
)
from .models import CustomerImportJob, ImportJobStatus

logger = logging.getLogger(__name__)

SHA256 = re.compile(r"^[0-9a-f]{64}$")

Enqueue = Callable[[int], object]  # queues `run_customer_import_job` for a job id

MAX_JOB_ROW_ERRORS = 500  # a failed job keeps this many rows' errors to show
STALE_FILE_AGE = timedelta(hours=24)
# A job RUNNING longer than this lost its worker (a commit of the largest file takes a few minutes).
STALE_RUN_AGE = timedelta(minutes=30)


def import_job_submit(
    *,
    actor: Employee,
    client_id: uuid.UUID,
    filename: str,
    content: bytes,
    enqueue: Enqueue,
    include_duplicates: bool = False,
    skip_errors: bool = False,
    mapping: list[str] | None = None,
) -> tuple[CustomerImportJob, bool]:
    """Queue the commit of a file: store it, record the job (with the options and the confirmed `mapping`
    of its columns, checked here against the file's header), `enqueue` its run. Returns (job, created); a
    replay of the same `client_id` returns the first job and queues nothing."""
    existing = CustomerImportJob.objects.filter(org_id=actor.org_id, client_id=client_id).first()
    if existing is not None:
        if existing.created_by_id != actor.pk:  # someone else's key: refused, as every create refuses it
            raise invalid("client_id", _("This id was already used."), code=ErrorCode.IDEMPOTENCY_MISMATCH)
        return existing, False
    extension = spreadsheets.file_extension(filename)
    if not content:
        raise invalid("file", _("The file is empty."))
    if len(content) > spreadsheets.MAX_BYTES:
        raise invalid("file", spreadsheets.too_large_message())
    if mapping is not None:  # refused now, with nothing stored, rather than by the job
        check_mapping(actor=actor, filename=filename, content=content, mapping=mapping)
    path = default_storage.save(f"imports/{actor.org_id}/job-{client_id}.{extension}", ContentFile(content))

    def create() -> CustomerImportJob:
        return CustomerImportJob.objects.create(
            org_id=actor.org_id,
            client_id=client_id,
            created_by=actor,
            filename=filename[-200:],
            sha256=hashlib.sha256(content).hexdigest(),
            file_path=path,
            include_duplicates=include_duplicates,
            skip_errors=skip_errors,
            mapping=mapping,
        )

    try:  # the same client_id submitted concurrently: the first job wins, and this upload is not kept
        job, created = create_or_winner(
            CustomerImportJob.objects.filter(org_id=actor.org_id, client_id=client_id), create
        )
    except IntegrityError:
        default_storage.delete(path)
        raise
    if not created:
        default_storage.delete(path)
        return job, False
    enqueue(job.pk)
    job.refresh_from_db()  # an immediate backend has run it already
    return job, True


def _row_errors(report: ImportReport) -> list[dict[str, Any]]:
    return [
        {
            "number": row.number,
            "column": column,
            "label": report.column_labels.get(column, column),
            "messages": messages,
        }
        for row in report.rows
        for column, messages in row.errors.items()
    ][:MAX_JOB_ROW_ERRORS]


def all_orgs_run_import_job(*, job_id: int) -> str:
    """The task's body: commit a queued job's file as its submitter, record the outcome, delete the file.
    A job already started (a task delivered twice) is left alone. Returns the job's status."""
    now = timezone.now()
    claimed = CustomerImportJob.objects.filter(pk=job_id, status=ImportJobStatus.QUEUED).update(
        status=ImportJobStatus.RUNNING, started_at=now, updated_at=now
    )
    job = (
        CustomerImportJob.objects.select_related("created_by__org", "created_by__department").filter(pk=job_id).first()
    )
    if job is None or not claimed:
        return job.status if job is not None else ""
    actor = job.created_by
    progress = ProgressWriter(job)  # rows checked, then customers written: on the job's row as it runs
    with translation.override(actor.language):
        try:
            with default_storage.open(job.file_path, "rb") as stored:
                content = stored.read()
            result = import_commit(
                actor=actor,
                filename=job.filename,
                content=content,
                include_duplicates=job.include_duplicates,
                skip_errors=job.skip_errors,
                mapping=job.mapping,
                progress=progress,
            )
        except FileNotFoundError:
            job.status, job.error = ImportJobStatus.FAILED, _("The uploaded file is gone; upload it again.")
        except ImportRefused as refusal:
            job.status, job.error = ImportJobStatus.FAILED, str(refusal.message)
            job.rows, job.row_errors = len(refusal.report.rows), _row_errors(refusal.report)
            job.refused = refused_document(
                refusal.report.header, refused_rows(refusal.report), refusal.report.column_labels
            )
        except ServiceError as refusal:
            message = " ".join(str(m) for m in refusal.fields.get("file", [])) or str(refusal.message)
            job.status, job.error = ImportJobStatus.FAILED, message
        except Exception:
            logger.exception("customer import job %s failed", job.pk)
            job.status, job.error = ImportJobStatus.FAILED, _("The import failed unexpectedly; nothing was imported.")
        else:
            job.status = ImportJobStatus.DONE
            job.rows, job.created_count, job.skipped_count = result.rows, result.created, result.skipped_duplicates
            if result.refused:
                job.refused = refused_document(result.header, result.refused, result.column_labels)
                job.row_errors = [
                    {
                        "number": row.number,
                        "column": column,
                        "label": result.column_labels.get(column, column),
                        "messages": messages,
                    }
                    for row in result.refused
                    for column, messages in row.errors.items()
                ][:MAX_JOB_ROW_ERRORS]
            job.progress_done = job.progress_total
        finally:
            progress.close()
    job.finished_at = timezone.now()
    job.save(
        update_fields=[
            "status", "error", "rows", "row_errors", "refused", "created_count", "skipped_count", "finished_at",
            "updated_at", "progress_step", "progress_done", "progress_total",
        ]
    )  # fmt: skip
    default_storage.delete(job.file_path)
    return job.status


def import_job_refused_file(*, actor: Employee, job_id: int) -> bytes:
    """The .xlsx of a finished job's refused rows (a read); 404 when it refused none."""
    job = import_job_get(actor=actor, job_id=job_id)
    if not job.refused.get("rows"):
        raise not_found()
    return refused_workbook(job.refused)


# --- The file between the dry run and the commit ------------------------------------------------------------


def upload_path(actor: Employee, sha256: str, extension: str) -> str:
    """Where a checked file waits for its commit: under the actor's organization, named by its SHA-256, so
    nobody commits another organization's file (`cleanup_imports` deletes it after a day)."""
    return f"imports/{actor.org_id}/{sha256}.{extension}"


def upload_keep(*, actor: Employee, filename: str, content: bytes) -> tuple[str, str]:
    """Keep a checked file for its commit (once per content). Returns its (sha256, extension)."""
    extension = spreadsheets.file_extension(filename)
    sha256 = hashlib.sha256(content).hexdigest()
    path = upload_path(actor, sha256, extension)
    if not default_storage.exists(path):
        default_storage.save(path, ContentFile(content))
    return sha256, extension


def upload_kept(*, actor: Employee, sha256: str) -> tuple[str, bytes]:
    """A file kept by a dry run of the actor's organization, by its SHA-256: (extension, content). Refused on
    `sha256` when it is not (or no longer) there: upload it again."""
    if SHA256.match(sha256):
        for extension in spreadsheets.EXTENSIONS:
            path = upload_path(actor, sha256, extension)
            if default_storage.exists(path):
                with default_storage.open(path, "rb") as stored:
                    return extension, stored.read()
    raise invalid("sha256", _("This file is no longer kept; upload it again."))


def upload_forget(*, actor: Employee, sha256: str, extension: str) -> None:
    default_storage.delete(upload_path(actor, sha256, extension))


def import_jobs_visible(*, actor: Employee) -> QuerySet[CustomerImportJob]:
    """The import jobs the actor may see: their own; the whole organization's for those who see it all."""
    if not actor.is_active:
        return CustomerImportJob.objects.none()
    jobs = CustomerImportJob.objects.filter(org_id=actor.org_id).select_related("created_by")
    return jobs if visibility_for(actor).sees_whole_org else jobs.filter(created_by_id=actor.pk)


def import_job_get(*, actor: Employee, job_id: int) -> CustomerImportJob:
    """The job (a read: a job whose worker died shows as stalled, `import_job_stalled`; restarting it is
    `import_job_restart`, a POST, or the nightly `cleanup_imports`)."""
    job = import_jobs_visible(actor=actor).filter(pk=job_id).first()
    if job is None:
        raise not_found()
    return job


def import_job_stalled(job: CustomerImportJob) -> bool:
    """Running for longer than any import takes: its worker died."""
    return _stale(job, timezone.now() - STALE_RUN_AGE)


@transaction.atomic
def import_job_restart(*, actor: Employee, job_id: int, enqueue: Enqueue) -> CustomerImportJob:
    """Start a stalled job again (or fail it if it stalled twice), as `cleanup_imports` would; refused for a
    job that is not stalled."""
    job = import_job_get(actor=actor, job_id=job_id)
    if not import_job_stalled(job):
        raise ServiceError(ErrorCode.CONFLICT, _("This import has not stopped; wait for it to finish."))
    _recover(job, enqueue)
    job.refresh_from_db()
    return job


def _stale(job: CustomerImportJob, cutoff: datetime) -> bool:
    return job.status == ImportJobStatus.RUNNING and job.started_at is not None and job.started_at < cutoff


def _recover(job: CustomerImportJob, enqueue: Enqueue) -> str:
    """A job whose worker died while it ran: run it again once, or fail it with a message for its submitter
    if it already ran again. Re-running writes nothing twice: the commit is one transaction, so the dead
    run either stored every row or none, and rows already stored are found by their row client_id and
    skipped. Returns the job's new status ("" when another process recovered it first)."""
    with translation.override(job.created_by.language):
        if job.error:  # it was restarted once already and died again: do not retry forever
            error = _("The import stopped twice before finishing; check the file and import it again.")
            status = ImportJobStatus.FAILED
        else:
            error = _("The import stopped before finishing (the server restarted); it was started again.")
            status = ImportJobStatus.QUEUED
    now = timezone.now()
    changes: dict[str, Any] = {"status": status, "error": str(error), "updated_at": now}
    if status == ImportJobStatus.FAILED:
        changes["finished_at"] = now
    recovered = CustomerImportJob.objects.filter(
        pk=job.pk, status=ImportJobStatus.RUNNING, started_at=job.started_at
    ).update(**changes)
    if not recovered:
        return ""
    logger.warning("customer import job %s: its worker died; %s", job.pk, status)
    if status == ImportJobStatus.FAILED:
        default_storage.delete(job.file_path)
        return status
    enqueue(job.pk)
    return status


def all_orgs_recover_import_jobs(*, enqueue: Enqueue, older_than: timedelta = STALE_RUN_AGE) -> dict[str, int]:
    """Every job left RUNNING for longer than `older_than` (its worker died) is queued again, or failed if
    it died once already. Returns how many of each."""
    cutoff = timezone.now() - older_than
    counts = {ImportJobStatus.QUEUED.value: 0, ImportJobStatus.FAILED.value: 0}
    stale = CustomerImportJob.objects.filter(status=ImportJobStatus.RUNNING, started_at__lt=cutoff)
    for job in progress.track(list(stale.select_related("created_by").order_by("pk")), label="stalled import jobs"):
        if status := _recover(job, enqueue):
            counts[status] += 1
    return counts


def all_orgs_cleanup_import_files(*, older_than: timedelta = STALE_FILE_AGE) -> int:
    """Delete uploaded files that no job waits for (dry runs never committed) once older than `older_than`.
    Returns how many were deleted."""
    cutoff = timezone.now() - older_than
    waiting = set(
        CustomerImportJob.objects.filter(status__in=[ImportJobStatus.QUEUED, ImportJobStatus.RUNNING]).values_list(
            "file_path", flat=True
        )
    )
    try:
        folders, _files = default_storage.listdir("imports")
    except FileNotFoundError:
        return 0
    deleted = 0
    for folder in folders:
        for name in default_storage.listdir(f"imports/{folder}")[1]:
            path = f"imports/{folder}/{name}"
            if path not in waiting and default_storage.get_modified_time(path) < cutoff:
                default_storage.delete(path)
                deleted += 1
    return deleted
