"""HTML pages to import customers from a file and export them: parse, check access, call one function, render.

Between the dry run and the commit the uploaded file is kept in the default storage under
`imports/<org id>/<sha256>.<ext>` (`import_jobs.upload_keep`); the mapping form, the commit form and the
download of refused rows carry only the SHA-256, and the path always includes the actor's organization, so
nobody checks or commits another organization's file. The commit
submits an import job (the form's `client_id` makes a double click one job) and shows the job's page,
which polls until the background task has run. Files never committed are deleted by `cleanup_imports`.
"""

import hashlib
import uuid

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from fieldloop.core import spreadsheets
from fieldloop.core.errors import ServiceError, invalid
from fieldloop.core.htmx import is_htmx
from fieldloop.core.pagination import keyset_page
from fieldloop.org.decorators import actor_of, employee_required
from fieldloop.org.permissions import may_export_customers

from . import exports, import_jobs, import_template, imports, selectors, tasks
from .models import ImportJobStatus

JOBS_PER_PAGE = 50
REFUSED_FILENAME = "refused-rows.xlsx"


def _filename(name: str, extension: str) -> str:
    """The name the user's file had (shown in My imports), if it still fits its type; else a plain one."""
    name = name.strip()[-200:]
    return name if name.lower().endswith(f".{extension}") else f"import.{extension}"


def _mapping_rows(header: list[str], mapping: list[str]) -> list[tuple[int, str, str]]:
    return [(i, text, key) for i, (text, key) in enumerate(zip(header, mapping, strict=False))]


def _report_context(report: imports.ImportReport) -> dict[str, object]:
    labels = report.column_labels
    rows = [
        {
            "number": row.number,
            "status": str(row.status),
            "errors": [(labels.get(column, column), messages) for column, messages in row.errors.items()],
            "duplicates": row.duplicates,
            "name": row.values.get("name", "") or report.raw.get(row.number, [""])[0],
        }
        for row in report.rows
    ]
    return {
        "report": report,
        "report_rows": rows,
        "client_id": uuid.uuid4(),
        "mapping_rows": _mapping_rows(report.header, report.mapping),
        "choices": report.choices,
        "sha256": report.sha256,
    }


def _posted_mapping(request: HttpRequest) -> list[str] | None:
    """The mapping the form posted (one select per header column), or None when it posted none."""
    return request.POST.getlist("mapping") if "mapping_posted" in request.POST else None


def _file_error(e: ServiceError) -> str:
    return " ".join(str(m) for m in (e.fields.get("file") or e.fields.get("sha256") or [])) or str(e.message)


@employee_required()
def customer_import(request: HttpRequest) -> HttpResponse:
    """GET: the upload form. POST: a dry run of the uploaded file (kept for the commit) with the columns as
    proposed; or, with `sha256` and a mapping, a dry run of the kept file with the columns as the user
    confirmed them. The report shows the mapping, the rows and, the mapping confirmed, the commit form."""
    actor = actor_of(request)
    context: dict[str, object] = {}
    if request.method == "POST":
        upload = request.FILES.get("file")
        mapping = _posted_mapping(request)
        try:
            if upload is not None:
                if upload.size and upload.size > spreadsheets.MAX_BYTES:
                    raise invalid("file", spreadsheets.too_large_message())
                filename, content = upload.name or "", upload.read()
                report = imports.import_dry_run(actor=actor, filename=filename, content=content)
                import_jobs.upload_keep(actor=actor, filename=filename, content=content)
            elif request.POST.get("sha256"):
                extension, content = import_jobs.upload_kept(actor=actor, sha256=request.POST["sha256"])
                filename = _filename(request.POST.get("filename", ""), extension)
                report = imports.import_dry_run(actor=actor, filename=filename, content=content, mapping=mapping)
            else:
                raise invalid("file", _("Choose a file to upload."))
        except imports.MappingRefused as e:
            context["error"] = _file_error(e) if "file" in e.fields else ""
            context["mapping_error"] = "" if "file" in e.fields else str(e.message)
            if e.header:  # the columns shown again, to choose the right ones
                context |= {
                    "mapping_rows": _mapping_rows(e.header, e.mapping),
                    "choices": imports.mapping_choices_for(actor=actor),
                    "sha256": request.POST.get("sha256") or (hashlib.sha256(content).hexdigest()),
                    "filename": filename,
                }
                if upload is not None:
                    import_jobs.upload_keep(actor=actor, filename=filename, content=content)
        except ServiceError as e:
            if "mapping" in e.fields:
                context["error"] = " ".join(str(m) for m in e.fields["mapping"])
            else:
                context["error"] = _file_error(e)
        else:
            context |= _report_context(report) | {"filename": filename}
    status = 400 if context.get("error") or context.get("mapping_error") else 200
    return render(request, "customers/import.html", context, status=status)


def _commit_error(request: HttpRequest, message: str) -> HttpResponse:
    return render(request, "customers/import.html", {"error": message}, status=400)


@require_POST
@employee_required()
def customer_import_commit(request: HttpRequest) -> HttpResponse:
    """Submit the kept file as an import job, with the mapping confirmed on the dry run, then show the
    job's page."""
    actor = actor_of(request)
    try:
        client_id = uuid.UUID(request.POST.get("client_id", ""))
        extension, content = import_jobs.upload_kept(actor=actor, sha256=request.POST.get("sha256", ""))
        job, _created = import_jobs.import_job_submit(
            actor=actor,
            client_id=client_id,
            filename=_filename(request.POST.get("filename", ""), extension),
            content=content,
            include_duplicates=request.POST.get("include_duplicates") == "on",
            skip_errors=request.POST.get("skip_errors") == "on",
            mapping=_posted_mapping(request),
            enqueue=tasks.enqueue_import_job,
        )
    except ValueError:
        return _commit_error(request, _("Upload the file again."))
    except ServiceError as e:
        if "mapping" in e.fields:
            return _commit_error(request, " ".join(str(m) for m in e.fields["mapping"]))
        return _commit_error(request, _file_error(e))
    import_jobs.upload_forget(actor=actor, sha256=job.sha256, extension=extension)  # the job keeps its own copy
    return redirect("customer_import_job", job_id=job.pk)


def _xlsx(content: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type=spreadsheets.XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@require_POST
@employee_required()
def customer_import_refused(request: HttpRequest) -> HttpResponse:
    """The dry run's refused rows as an .xlsx (the kept file checked again with the confirmed mapping)."""
    actor = actor_of(request)
    try:
        extension, content = import_jobs.upload_kept(actor=actor, sha256=request.POST.get("sha256", ""))
        filename = _filename(request.POST.get("filename", ""), extension)
        document = imports.import_refused_rows(
            actor=actor, filename=filename, content=content, mapping=_posted_mapping(request)
        )
    except ServiceError as e:
        if "mapping" in e.fields:
            return _commit_error(request, " ".join(str(m) for m in e.fields["mapping"]))
        return _commit_error(request, _file_error(e))
    return _xlsx(imports.refused_workbook(document), REFUSED_FILENAME)


@employee_required()
def customer_import_job_refused(request: HttpRequest, job_id: int) -> HttpResponse:
    """A finished job's refused rows as an .xlsx."""
    return _xlsx(import_jobs.import_job_refused_file(actor=actor_of(request), job_id=job_id), REFUSED_FILENAME)


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
