"""HTML pages to import customers from a file and export them: parse, check access, call one function, render.

Between the dry run and the commit the uploaded file is kept in the default storage under
`imports/<org id>/<sha256>.<ext>`; the commit form carries only the SHA-256 and the extension, and the
path always includes the actor's organization, so nobody commits another organization's file. The commit
submits an import job (the form's `client_id` makes a double click one job) and shows the job's page,
which polls until the background task has run. Files never committed are deleted by `cleanup_imports`.
"""

import re
import uuid

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from fieldloop.core import spreadsheets
from fieldloop.core.errors import ServiceError
from fieldloop.core.htmx import is_htmx
from fieldloop.core.pagination import keyset_page
from fieldloop.org.decorators import actor_of, employee_required
from fieldloop.org.models import Employee
from fieldloop.org.permissions import may_export_customers

from . import exports, import_jobs, import_template, imports, selectors, tasks
from .models import ImportJobStatus

SHA256 = re.compile(r"^[0-9a-f]{64}$")
JOBS_PER_PAGE = 50


def _stored_path(actor: Employee, sha256: str, extension: str) -> str:
    return f"imports/{actor.org_id}/{sha256}.{extension}"


def _filename(name: str, extension: str) -> str:
    """The name the user's file had (shown in My imports), if it still fits its type; else a plain one."""
    name = name.strip()[-200:]
    return name if name.lower().endswith(f".{extension}") else f"import.{extension}"


def _report_context(report: imports.ImportReport) -> dict[str, object]:
    labels = report.column_labels
    rows = [
        {
            "number": row.number,
            "status": str(row.status),
            "errors": [(labels.get(column, column), messages) for column, messages in row.errors.items()],
            "duplicates": row.duplicates,
            "name": row.values.get("name", ""),
        }
        for row in report.rows
    ]
    return {"report": report, "report_rows": rows, "client_id": uuid.uuid4()}


@employee_required()
def customer_import(request: HttpRequest) -> HttpResponse:
    """GET: the upload form. POST: a dry run of the uploaded file, with the commit form when it is clean."""
    actor = actor_of(request)
    context: dict[str, object] = {}
    if request.method == "POST":
        upload = request.FILES.get("file")
        if upload is None:
            context["error"] = _("Choose a file to upload.")
        elif upload.size and upload.size > spreadsheets.MAX_BYTES:
            context["error"] = spreadsheets.too_large_message()
        else:
            content = upload.read()
            try:
                report = imports.import_dry_run(actor=actor, filename=upload.name or "", content=content)
            except ServiceError as e:
                context["error"] = " ".join(str(m) for m in e.fields.get("file", [])) or str(e.message)
            else:
                path = _stored_path(actor, report.sha256, report.extension)
                if not default_storage.exists(path):
                    default_storage.save(path, ContentFile(content))
                context |= _report_context(report) | {"filename": upload.name or ""}
    status = 400 if "error" in context else 200
    return render(request, "customers/import.html", context, status=status)


@require_POST
@employee_required()
def customer_import_commit(request: HttpRequest) -> HttpResponse:
    """Submit the checked file as an import job, then show the job's page."""
    actor = actor_of(request)
    sha256 = request.POST.get("sha256", "")
    extension = request.POST.get("extension", "")
    try:
        client_id = uuid.UUID(request.POST.get("client_id", ""))
    except ValueError:
        client_id = None
    if not SHA256.match(sha256) or extension not in spreadsheets.EXTENSIONS or client_id is None:
        return render(request, "customers/import.html", {"error": _("Upload the file again.")}, status=400)
    path = _stored_path(actor, sha256, extension)
    if not default_storage.exists(path):
        return render(request, "customers/import.html", {"error": _("Upload the file again.")}, status=400)
    with default_storage.open(path, "rb") as stored:
        content = stored.read()
    try:
        job, _created = import_jobs.import_job_submit(
            actor=actor,
            client_id=client_id,
            filename=_filename(request.POST.get("filename", ""), extension),
            content=content,
            include_duplicates=request.POST.get("include_duplicates") == "on",
            enqueue=tasks.enqueue_import_job,
        )
    except ServiceError as e:
        message = " ".join(str(m) for m in e.fields.get("file", [])) or str(e.message)
        return render(request, "customers/import.html", {"error": message}, status=400)
    default_storage.delete(path)  # the job keeps its own copy until it has run
    return redirect("customer_import_job", job_id=job.pk)


@employee_required()
def customer_import_job(request: HttpRequest, job_id: int) -> HttpResponse:
    """An import job's page; while it waits or runs, htmx polls its status partial."""
    job = import_jobs.import_job_get(actor=actor_of(request), job_id=job_id)
    context = {
        "job": job,
        "finished": job.status in (ImportJobStatus.DONE, ImportJobStatus.FAILED),
        "stalled": import_jobs.import_job_stalled(job),
    }
    if is_htmx(request):
        return render(request, "customers/import_job.html#status", context)
    return render(request, "customers/import_job.html", context)


@require_POST
@employee_required()
def customer_import_job_restart(request: HttpRequest, job_id: int) -> HttpResponse:
    """Start again an import whose worker died (the job page offers it once the job has stalled)."""
    try:
        import_jobs.import_job_restart(actor=actor_of(request), job_id=job_id, enqueue=tasks.enqueue_import_job)
    except ServiceError as e:
        messages.error(request, str(e.message))
    return redirect("customer_import_job", job_id=job_id)


@employee_required()
def customer_import_jobs(request: HttpRequest) -> HttpResponse:
    """My imports: the newest import jobs the employee may see (their own; everyone's for an admin)."""
    page = keyset_page(
        import_jobs.import_jobs_visible(actor=actor_of(request)),
        ordering=("-created_at", "-id"),
        cursor=request.GET.get("cursor") or None,
        limit=JOBS_PER_PAGE,
    )
    return render(request, "customers/import_jobs.html", {"page": page})


@employee_required()
def customer_import_template(request: HttpRequest) -> HttpResponse:
    content = import_template.import_template(actor=actor_of(request))
    response = HttpResponse(content, content_type=spreadsheets.XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = 'attachment; filename="customers-template.xlsx"'
    return response


@employee_required()
def customer_export(request: HttpRequest) -> FileResponse:
    actor = actor_of(request)
    if not may_export_customers(actor):
        raise PermissionDenied(_("Your role may not export customers; ask an administrator."))
    file_format: exports.ExportFormat = "xlsx" if request.GET.get("format") == "xlsx" else "csv"
    export = exports.customers_export(
        actor=actor, filters=selectors.customer_filters_from_query(request.GET), file_format=file_format
    )
    return FileResponse(export.file, as_attachment=True, filename=export.filename, content_type=export.content_type)
