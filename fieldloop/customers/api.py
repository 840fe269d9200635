"""/api/v1/ endpoints for customers, contacts, stages and timelines: thin shells over services and selectors.

A create's `Idempotency-Key` is the new row's `client_id` where the row has one (customers, contacts, import jobs:
`org.idempotency.create_once`), else its first answer is kept by `run_idempotent`: a replay returns the first
result with the same status and writes nothing.
"""

import json
import uuid
from dataclasses import asdict, replace
from datetime import date
from typing import Any

from django.conf import settings
from django.http import FileResponse, HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import Field, File, Form, Query, Router, Schema, Status
from ninja.files import UploadedFile

from fieldloop.core import spreadsheets
from fieldloop.core.errors import ErrorCode, ServiceError, invalid
from fieldloop.core.pagination import keyset_page
from fieldloop.formtemplates.schemas import ATTACHMENT_DOWNLOAD
from fieldloop.formtemplates.serving import attachment_links, attachment_response
from fieldloop.org.decorators import actor_of
from fieldloop.org.idempotency import IdempotencyKey, create_once, run_idempotent
from fieldloop.org.schemas import ERRORS

from . import (
    bulk_changes,
    duplicates,
    exports,
    handover,
    import_jobs,
    import_template,
    imports,
    pools,
    saved_filters,
    selectors,
    services,
    stages,
    summary,
    tags,
    tasks,
)
from .duplicates import all_orgs_masked_existence_check
from .handover import HandoverResult
from .models import Contact, Customer, CustomerImportJob
from .names import NAME_KEY_LENGTH, normalise_name
from .schemas import (
    AssignIn,
    ContactIn,
    ContactOut,
    ContactPage,
    CustomerCreateIn,
    CustomerOut,
    CustomerPage,
    CustomerUpdateIn,
    HandoverIn,
    HandoverOut,
    ImportJobOut,
    ImportJobPage,
    ImportReportOut,
    MaskedMatchOut,
    MergeIn,
    PoolOut,
    ReleaseIn,
    StageOut,
    SummaryFactOut,
    TagIn,
    TagOut,
    TagUpdateIn,
    TimelinePage,
)
from .timeline import customer_timeline_page, timeline_item_data

router = Router(tags=["customers"])


def ref(employee: Any) -> dict[str, Any] | None:
    return {"id": employee.pk, "name": employee.name} if employee else None


CUSTOMER_OUT_BUILT = {"stage", "owner", "collaborator_ids", "attachments", "tags"}


def customer_out(c: Customer) -> dict[str, Any]:
    """A list passes customers with `template_version` prefetched (one query for the page)."""
    return {
        **{f: getattr(c, f) for f in CustomerOut.model_fields if f not in CUSTOMER_OUT_BUILT},
        "latitude": float(c.latitude) if c.latitude is not None else None,
        "longitude": float(c.longitude) if c.longitude is not None else None,
        "stage": c.stage,
        "owner": ref(c.owner),
        "collaborator_ids": [e.pk for e in c.collaborators.all()],
        "tags": [{"id": t.pk, "name": t.name, "colour": t.colour} for t in c.tags.all()],
        "attachments": attachment_links(
            version=c.template_version, values=c.custom_values, url_name="api:customer_attachment", holder_id=c.pk
        ),
    }


def contact_out(c: Contact) -> dict[str, Any]:
    return {f: getattr(c, f) for f in ContactOut.model_fields}


def contact_row_out(c: Contact) -> dict[str, Any]:
    return contact_out(c) | {"customer_name": c.customer.name}


@router.get("/customer-stages", response={200: list[StageOut], **ERRORS}, summary="Lifecycle stages, in order")
def stage_list(request: HttpRequest, include_inactive: bool = False) -> list[Any]:
    return stages.stage_list(actor=actor_of(request), include_inactive=include_inactive)


class CustomerQuery(Schema):
    """The customer list's filters (the web list's and the map's, under the API's names; `not_visited` is the
    same name everywhere). They only narrow what the caller sees; another organization's tag or department
    matches nothing."""

    search: str = Field("", max_length=80)
    owner_id: int | None = None
    level: str = Field("", max_length=1)
    stage_id: int | None = None
    tag_ids: list[int] = Field([], description="Customers with any of these tags.", max_length=50)
    department_id: int | None = Field(None, description="The owner is in this department or below it.")
    province: str = Field("", max_length=60)
    city: str = Field("", max_length=60)
    industry: str = Field("", max_length=60)
    source: str = Field("", max_length=16)
    created_from: date | None = Field(None, description="Created on or after this day (the organization's zone).")
    created_to: date | None = Field(None, description="Created on or before this day.")
    followed_from: date | None = Field(
        None, description="Last followed up (a visit or a work record, `last_followed_up_at`) on or after this day."
    )
    followed_to: date | None = Field(None, description="Last followed up on or before this day.")
    visited_from: date | None = Field(None, description="Last visited on or after this day.")
    visited_to: date | None = Field(None, description="Last visited on or before this day.")
    not_visited: int | None = Field(None, ge=1, le=3650, description="No visit for this many days (never counts).")
    expiring: bool = Field(False, description="Only those whose protection ends within their pool's warning window.")
    pool: bool = Field(False, description="Only those waiting in a public pool (no owner).")
    archived: bool = Field(False, description="Only the archived ones (to restore them).")
    sort: selectors.CustomerSort = selectors.CustomerSort.UPDATED

    def filters(self, *, include_archived: bool = False) -> selectors.CustomerFilters:
        query = {
            "q": self.search, "owner": self.owner_id, "level": self.level, "stage": self.stage_id,
            "department": self.department_id, "province": self.province, "city": self.city,
            "industry": self.industry, "source": self.source, "created_from": self.created_from,
            "created_to": self.created_to, "visited_from": self.visited_from, "visited_to": self.visited_to,
            "followed_from": self.followed_from, "followed_to": self.followed_to,
            "not_visited": self.not_visited, "sort": self.sort.value, "expiring": "1" if self.expiring else "",
            "pool": "1" if self.pool else "", "archived": "1" if self.archived else "",
        }  # fmt: skip
        plain = {k: "" if v is None else str(v) for k, v in query.items()}
        filters, errors = selectors.parse_customer_filters(plain | {"tag": [str(pk) for pk in self.tag_ids]})
        if errors:
            names = {"q": "search", "owner": "owner_id", "stage": "stage_id", "department": "department_id"}
            fields: dict[str, list[Any]] = {names.get(k, k): list(v) for k, v in errors.items()}
            raise ServiceError(ErrorCode.INVALID, _("Please correct the errors below."), fields)
        return replace(filters, include_archived=include_archived)


@router.get("/customers", response={200: CustomerPage, **ERRORS}, summary="Visible customers, cursor-paged")
def customer_list(
    request: HttpRequest,
    query: Query[CustomerQuery],
    include_archived: bool = False,
    cursor: str | None = None,
    limit: int = Query(settings.FIELDLOOP_API_PAGE_SIZE, ge=1, le=200),
) -> dict[str, Any]:
    filters = query.filters(include_archived=include_archived)
    qs = selectors.customer_list(actor=actor_of(request), filters=filters).prefetch_related(
        "collaborators", "template_version"
    )
    page = keyset_page(qs, ordering=filters.ordering, cursor=cursor, limit=limit)
    return {"items": [customer_out(c) for c in page.items], "next_cursor": page.next_cursor}


@router.get("/customers/{int:customer_id}", response={200: CustomerOut, **ERRORS})
def customer_detail(request: HttpRequest, customer_id: int) -> dict[str, Any]:
    return customer_out(selectors.customer_read(actor=actor_of(request), customer_id=customer_id))


@router.post("/customers", response={201: CustomerOut, **ERRORS})
def customer_create(
    request: HttpRequest, payload: CustomerCreateIn, idempotency_key: uuid.UUID = IdempotencyKey
) -> Status[Any]:
    actor = actor_of(request)
    customer, _ = create_once(
        lambda: services.customer_create(
            actor=actor, client_id=idempotency_key, **payload.dict(exclude_unset=True, exclude_none=True)
        ),
        same=lambda c: (
            c.created_by_id == actor.pk and c.name_key == normalise_name(payload.name or "")[:NAME_KEY_LENGTH]
        ),
    )
    return Status(201, customer_out(customer))


@router.patch("/customers/{int:customer_id}", response={200: CustomerOut, **ERRORS})
def customer_update(request: HttpRequest, customer_id: int, payload: CustomerUpdateIn) -> dict[str, Any]:
    actor = actor_of(request)
    services.customer_update(actor=actor, customer_id=customer_id, **payload.dict(exclude_unset=True))
    return customer_out(selectors.customer_get(actor=actor, customer_id=customer_id))


@router.get(
    "/customers/{int:customer_id}/attachments/{int:attachment_id}",
    response={**ERRORS},
    openapi_extra={"responses": ATTACHMENT_DOWNLOAD},
    url_name="customer_attachment",
    summary="A photo or file the customer's custom fields hold (its `attachments` give the URLs)",
)
def customer_attachment(
    request: HttpRequest, customer_id: int, attachment_id: int, thumbnail: bool = False
) -> FileResponse:
    """Whoever may see the customer (as on its page) gets a photo or file its custom fields hold; `thumbnail=true`
    gives a photo's thumbnail. Anything else, including another customer's attachment, is not found (404)."""
    actor = actor_of(request)
    attachment = selectors.customer_attachment(actor=actor, customer_id=customer_id, attachment_id=attachment_id)
    return attachment_response(attachment, thumbnail=thumbnail)


@router.post("/customers/{int:customer_id}/archive", response={200: CustomerOut, **ERRORS})
def customer_archive(request: HttpRequest, customer_id: int) -> dict[str, Any]:
    actor = actor_of(request)
    services.customer_archive(actor=actor, customer_id=customer_id)
    return customer_out(selectors.customer_get(actor=actor, customer_id=customer_id))


@router.post(
    "/customers/{int:customer_id}/restore",
    response={200: CustomerOut, **ERRORS},
    summary="Restore an archived customer (whoever may archive it)",
)
def customer_restore(request: HttpRequest, customer_id: int) -> dict[str, Any]:
    actor = actor_of(request)
    services.customer_restore(actor=actor, customer_id=customer_id)
    return customer_out(selectors.customer_get(actor=actor, customer_id=customer_id))


@router.get(
    "/customers/{int:customer_id}/timeline",
    response={200: TimelinePage, **ERRORS},
    summary="Timeline, newest first",
)
def customer_timeline(
    request: HttpRequest,
    customer_id: int,
    cursor: str | None = None,
    limit: int = Query(settings.FIELDLOOP_API_PAGE_SIZE, ge=1, le=200),
) -> dict[str, Any]:
    """The customer's own changes merged with the work records (and what other apps add) about it."""
    actor = actor_of(request)
    customer = selectors.customer_read(actor=actor, customer_id=customer_id)
    page = customer_timeline_page(actor=actor, customer=customer, cursor=cursor, limit=limit)
    return {"items": [timeline_item_data(item) for item in page.items], "next_cursor": page.next_cursor}


@router.get("/customers/{int:customer_id}/contacts", response={200: list[ContactOut], **ERRORS})
def contact_list(request: HttpRequest, customer_id: int) -> list[dict[str, Any]]:
    actor = actor_of(request)
    customer = selectors.customer_read(actor=actor, customer_id=customer_id)  # as the customer page shows them
    return [contact_out(c) for c in selectors.contact_list(actor=actor, customer=customer)]


@router.post("/customers/{int:customer_id}/contacts", response={201: ContactOut, **ERRORS})
def contact_create(
    request: HttpRequest, customer_id: int, payload: ContactIn, idempotency_key: uuid.UUID = IdempotencyKey
) -> Status[Any]:
    contact, _ = create_once(
        lambda: services.contact_create(
            actor=actor_of(request),
            customer_id=customer_id,
            client_id=idempotency_key,
            **payload.dict(exclude_unset=True, exclude_none=True),
        ),
        same=lambda c: c.customer_id == customer_id,
    )
    return Status(201, contact_out(contact))


@router.get("/contacts", response={200: ContactPage, **ERRORS}, summary="Contacts of the visible customers, by name")
def contact_search(
    request: HttpRequest,
    q: str = Query("", max_length=80, description="Part of the name, a phone, the email or the customer's name"),
    archived: bool = Query(False, description="Include archived contacts and those of archived customers"),
    cursor: str | None = None,
    limit: int = Query(settings.FIELDLOOP_API_PAGE_SIZE, ge=1, le=200),
) -> dict[str, Any]:
    qs = selectors.contact_search(actor=actor_of(request), text=q, include_archived=archived)
    page = keyset_page(qs, ordering=("name", "id"), cursor=cursor, limit=limit)
    return {"items": [contact_row_out(c) for c in page.items], "next_cursor": page.next_cursor}


@router.patch("/contacts/{int:contact_id}", response={200: ContactOut, **ERRORS})
def contact_update(request: HttpRequest, contact_id: int, payload: ContactIn) -> dict[str, Any]:
    contact = services.contact_update(
        actor=actor_of(request), contact_id=contact_id, **payload.dict(exclude_unset=True)
    )
    return contact_out(contact)


@router.post(
    "/contacts/{int:contact_id}/archive",
    response={200: ContactOut, **ERRORS},
    summary="Archive a contact (the primary one: the earliest added other contact becomes primary)",
)
def contact_archive(request: HttpRequest, contact_id: int) -> dict[str, Any]:
    return contact_out(services.contact_archive(actor=actor_of(request), contact_id=contact_id))


@router.post(
    "/contacts/{int:contact_id}/primary",
    response={200: ContactOut, **ERRORS},
    summary="Make a contact its customer's primary contact",
)
def contact_make_primary(request: HttpRequest, contact_id: int) -> dict[str, Any]:
    return contact_out(services.contact_update(actor=actor_of(request), contact_id=contact_id, is_primary=True))


# --- Pools (公海) -------------------------------------------------------------------


@router.get(
    "/customer-pools",
    response={200: list[PoolOut], **ERRORS},
    summary="The pools I read: those I claim from (may_claim) and those my team draws from",
)
def pool_list(request: HttpRequest) -> list[Any]:
    return list(selectors.pools_readable(actor=actor_of(request)).order_by("name", "id"))


@router.get("/customer-pools/{int:pool_id}/customers", response={200: CustomerPage, **ERRORS})
def pool_customers(
    request: HttpRequest,
    pool_id: int,
    search: str = Query("", max_length=80),
    cursor: str | None = None,
    limit: int = Query(settings.FIELDLOOP_API_PAGE_SIZE, ge=1, le=200),
) -> dict[str, Any]:
    actor = actor_of(request)
    qs = selectors.pool_customer_list(actor=actor, pool_id=pool_id, search=search.strip())
    page = keyset_page(
        qs.prefetch_related("collaborators", "template_version"),
        ordering=("-updated_at", "-id"),
        cursor=cursor,
        limit=limit,
    )
    return {"items": [customer_out(c) for c in page.items], "next_cursor": page.next_cursor}


@router.post("/customers/{int:customer_id}/claim", response={200: CustomerOut, **ERRORS}, summary="Claim from the pool")
def customer_claim(request: HttpRequest, customer_id: int) -> dict[str, Any]:
    actor = actor_of(request)
    pools.customer_claim(actor=actor, customer_id=customer_id)
    return customer_out(selectors.customer_get(actor=actor, customer_id=customer_id))


@router.post("/customers/{int:customer_id}/release", response={200: CustomerOut, **ERRORS}, summary="Release to a pool")
def customer_release(request: HttpRequest, customer_id: int, payload: ReleaseIn) -> dict[str, Any]:
    actor = actor_of(request)
    customer = pools.customer_release(actor=actor, customer_id=customer_id, pool_id=payload.pool_id)
    return customer_out(Customer.objects.select_related("owner", "stage").get(pk=customer.pk))


@router.post(
    "/customers/{int:customer_id}/assign", response={200: CustomerOut, **ERRORS}, summary="Assign to an employee"
)
def customer_assign(request: HttpRequest, customer_id: int, payload: AssignIn) -> dict[str, Any]:
    actor = actor_of(request)
    pools.customer_assign(actor=actor, customer_id=customer_id, owner_id=payload.owner_id)
    return customer_out(selectors.customer_get(actor=actor, customer_id=customer_id))


@router.post(
    "/employees/{int:employee_id}/customer-handover",
    response={200: HandoverOut, **ERRORS},
    summary="Hand an employee's customers over to successors",
)
def customer_handover(request: HttpRequest, employee_id: int, payload: HandoverIn) -> HandoverResult:
    return handover.customer_handover(
        actor=actor_of(request), from_employee_id=employee_id, successor_ids=payload.successor_ids,
        mark_left=payload.mark_left,
    )  # fmt: skip


# --- Import and export: thin shells over customers/imports.py, import_jobs.py and exports.py ---------------

BINARY = {"schema": {"type": "string", "format": "binary"}}
XLSX_FILE = {spreadsheets.XLSX_CONTENT_TYPE: BINARY}
CSV_FILE = {"text/csv": BINARY}
ExportFormatQuery = Query("xlsx", alias="format", description="xlsx or csv")


def import_report_out(report: imports.ImportReport) -> dict[str, Any]:
    totals = {
        "rows": len(report.rows), "ok": report.ok_count, "errors": report.error_count,
        "duplicates": report.duplicate_count,
    }  # fmt: skip
    rows = [
        {"number": r.number, "status": str(r.status), "errors": r.errors, "duplicates": r.duplicates}
        for r in report.rows
    ]
    mapping = [{"header": text, "field": key} for text, key in zip(report.header, report.mapping, strict=False)]
    return {
        "totals": totals, "rows": rows, "ignored_columns": report.ignored_columns, "sha256": report.sha256,
        "mapping": mapping, "fields": [{"key": key, "label": label} for key, label in report.choices],
    }  # fmt: skip


MAPPING_DOC = (
    "A JSON array with one entry per column of the file's header row: the field's key (as in the dry run's "
    "`fields`) or an empty string to ignore the column. Empty: the mapping the dry run proposes."
)


def _mapping(text: str) -> list[str] | None:
    """The posted mapping (a JSON array of keys), or None; refused on `mapping` when it is not one."""
    if not text.strip():
        return None
    try:
        mapping = json.loads(text)
    except ValueError:
        mapping = None
    if not isinstance(mapping, list) or not all(isinstance(key, str) for key in mapping):
        raise invalid("mapping", _("Send the mapping as a list of field keys, one per column."))
    return mapping


def _upload(file: UploadedFile) -> tuple[str, bytes]:
    """The upload's name and content; one byte over the limit is enough for imports to refuse it."""
    return file.name or "", file.read(spreadsheets.MAX_BYTES + 1)


@router.get(
    "/customers/import-template",
    response={**ERRORS},
    openapi_extra={"responses": {200: {"description": "The import template (.xlsx)", "content": XLSX_FILE}}},
    summary="The import template (.xlsx), labels in the user's language",
)
def customer_import_template(request: HttpRequest) -> HttpResponse:
    content = import_template.import_template(actor=actor_of(request))
    response = HttpResponse(content, content_type=spreadsheets.XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = 'attachment; filename="customers-template.xlsx"'
    return response


@router.post(
    "/customers/imports/dry-run",
    response={200: ImportReportOut, **ERRORS},
    summary="Check an .xlsx or CSV file row by row; writes nothing (the file is kept a day for its commit)",
    description=f"`mapping`: {MAPPING_DOC} {spreadsheets.LIMITS_DOC}",
)
def customer_import_dry_run(
    request: HttpRequest,
    file: File[UploadedFile],
    mapping: Form[str] = "",
) -> dict[str, Any]:
    actor = actor_of(request)
    filename, content = _upload(file)
    report = imports.import_dry_run(actor=actor, filename=filename, content=content, mapping=_mapping(mapping))
    import_jobs.upload_keep(actor=actor, filename=filename, content=content)
    return import_report_out(report)


def import_job_out(job: CustomerImportJob) -> dict[str, Any]:
    progress = job.progress_figures()
    return {
        **{f: getattr(job, f) for f in ImportJobOut.model_fields if f not in ("created_by", "stalled", *progress)},
        **progress,
        "created_by": ref(job.created_by),
        "stalled": import_jobs.import_job_stalled(job),
    }


@router.post(
    "/customers/imports",
    response={202: ImportJobOut, **ERRORS},
    summary="Import an .xlsx or CSV file as a background job, all or nothing; poll the job for its outcome",
    description="The Idempotency-Key becomes the job's `client_id`: a replay returns the first job. The job writes "
    "what your dry run of the same file found while the data it was checked against is unchanged; otherwise it "
    "checks the file again (as the dry run does) and imports nothing while a row has errors. Committing the same "
    "file again creates nothing new. Send the `file`, or the `sha256` a dry run returned (the file it kept). "
    f"`mapping`: {MAPPING_DOC} `skip_errors`: import the rows without errors and leave the others out (the job "
    "lists them; `refused-rows` downloads them). A file beyond the dry run's limits (see it) makes the job fail "
    "with the dry run's message as its `error`.",
)
def customer_import_submit(
    request: HttpRequest,
    file: File[UploadedFile | None] = None,
    idempotency_key: uuid.UUID = IdempotencyKey,
    sha256: Form[str] = "",
    include_duplicates: Form[bool] = False,
    skip_errors: Form[bool] = False,
    mapping: Form[str] = "",
) -> Status[Any]:
    actor = actor_of(request)
    if file is not None:
        filename, content = _upload(file)
    elif sha256:
        extension, content = import_jobs.upload_kept(actor=actor, sha256=sha256)
        filename = f"import.{extension}"
    else:
        raise invalid("file", _("Send a file, or the sha256 of a file your dry run checked."))
    job, _created = create_once(
        lambda: import_jobs.import_job_submit(
            actor=actor,
            client_id=idempotency_key,
            filename=filename,
            content=content,
            include_duplicates=include_duplicates,
            skip_errors=skip_errors,
            mapping=_mapping(mapping),
            enqueue=tasks.enqueue_import_job,
        ),
        same=lambda j: j.created_by_id == actor.pk,
    )
    return Status(202, import_job_out(job))


@router.get(
    "/customers/imports",
    response={200: ImportJobPage, **ERRORS},
    summary="Import jobs, newest first, cursor-paged: your own; an administrator sees the organization's",
)
def customer_import_list(
    request: HttpRequest, cursor: str | None = None, limit: int = Query(settings.FIELDLOOP_API_PAGE_SIZE, ge=1, le=200)
) -> dict[str, Any]:
    jobs = import_jobs.import_jobs_visible(actor=actor_of(request))
    page = keyset_page(jobs, ordering=("-created_at", "-id"), cursor=cursor, limit=limit)
    return {"items": [import_job_out(j) for j in page.items], "next_cursor": page.next_cursor}


@router.get("/customers/imports/{int:job_id}", response={200: ImportJobOut, **ERRORS}, summary="An import job's status")
def customer_import_get(request: HttpRequest, job_id: int) -> dict[str, Any]:
    return import_job_out(import_jobs.import_job_get(actor=actor_of(request), job_id=job_id))


@router.get(
    "/customers/imports/{int:job_id}/refused-rows",
    response={**ERRORS},
    openapi_extra={"responses": {200: {"description": "The refused rows (.xlsx)", "content": XLSX_FILE}}},
    summary="A finished job's refused rows (.xlsx): the file's columns and an errors column; 404 if none",
)
def customer_import_refused_rows(request: HttpRequest, job_id: int) -> HttpResponse:
    content = import_jobs.import_job_refused_file(actor=actor_of(request), job_id=job_id)
    response = HttpResponse(content, content_type=spreadsheets.XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = 'attachment; filename="refused-rows.xlsx"'
    return response


@router.post(
    "/customers/imports/{int:job_id}/restart",
    response={200: ImportJobOut, **ERRORS},
    summary="Start again an import whose worker died (`stalled` true); 409 otherwise",
)
def customer_import_restart(request: HttpRequest, job_id: int) -> dict[str, Any]:
    job = import_jobs.import_job_restart(actor=actor_of(request), job_id=job_id, enqueue=tasks.enqueue_import_job)
    return import_job_out(job)


@router.get(
    "/customers/export",
    response={**ERRORS},
    openapi_extra={
        "responses": {200: {"description": "The visible customers, filtered", "content": XLSX_FILE | CSV_FILE}}
    },
    summary="Export the visible customers (.xlsx or CSV), with the list's filters",
)
def customer_export(
    request: HttpRequest,
    query: Query[CustomerQuery],
    file_format: exports.ExportFormat = ExportFormatQuery,
) -> FileResponse:
    filters = query.filters()
    export = exports.customers_export(actor=actor_of(request), filters=filters, file_format=file_format)
    return FileResponse(export.file, as_attachment=True, filename=export.filename, content_type=export.content_type)


@router.get(
    "/customer-existence",
    response={200: list[MaskedMatchOut], **ERRORS},
    summary="Does this company exist? (masked: name, owner's department, pool status)",
)
def customer_existence(request: HttpRequest, q: str = Query(..., max_length=80)) -> list[Any]:
    return list(all_orgs_masked_existence_check(actor=actor_of(request), query=q))


# --- Enrichment (更多资讯): thin shells over customers/enrichment.py ----------------------------------------

from . import enrichment  # noqa: E402
from .models import EnrichmentResult  # noqa: E402
from .schemas import EnrichmentOut, RegistryImportOut  # noqa: E402


def enrichment_out(r: EnrichmentResult) -> dict[str, Any]:
    return {
        "id": r.pk, "provider": r.provider, "status": r.status, "data": r.data, "error": r.error, "source": r.source,
        "requested_at": r.created_at, "fetched_at": r.fetched_at,
    }  # fmt: skip


@router.post(
    "/customers/{int:customer_id}/enrichment",
    response={202: list[EnrichmentOut], **ERRORS},
    summary="Refresh what the providers (website, business registry) know about a customer, in the background",
)
def customer_enrich(request: HttpRequest, customer_id: int) -> Status[Any]:
    pending = enrichment.enrich_customer(
        actor=actor_of(request), customer_id=customer_id, enqueue=tasks.enqueue_enrichment
    )
    return Status(202, [enrichment_out(r) for r in pending])


@router.get(
    "/customers/{int:customer_id}/enrichment",
    response={200: list[EnrichmentOut], **ERRORS},
    summary="The newest result of each enrichment provider for a customer",
)
def customer_enrichment(request: HttpRequest, customer_id: int) -> list[dict[str, Any]]:
    actor = actor_of(request)
    customer = selectors.customer_read(actor=actor, customer_id=customer_id)
    panels = enrichment.enrichment_latest(actor=actor, customer=customer)
    return [enrichment_out(p.result) for p in panels if p.result is not None]


@router.post(
    "/customer-registry/imports",
    response={201: RegistryImportOut, **ERRORS},
    summary="Import a business-registry file (.xlsx or CSV; administrators), all or nothing",
    description=spreadsheets.LIMITS_DOC,
)
def registry_import(
    request: HttpRequest, file: File[UploadedFile], idempotency_key: uuid.UUID = IdempotencyKey
) -> Status[Any]:
    actor = actor_of(request)
    filename, content = _upload(file)

    def create() -> tuple[int, Any]:
        result = enrichment.registry_import(actor=actor, filename=filename, content=content)
        return 201, {"created": result.created, "replaced": result.replaced, "rows": len(result.rows)}

    result = run_idempotent(
        request=request, actor=actor, key=idempotency_key, operation="customers.registry_import", create=create
    )
    return Status(result.status_code, result.body)


@router.post(
    "/customers/{int:customer_id}/merge", response={200: CustomerOut, **ERRORS}, summary="Merge a duplicate in"
)
def customer_merge(request: HttpRequest, customer_id: int, payload: MergeIn) -> dict[str, Any]:
    """The duplicate's contacts, history, visits, work records, orders and schedules move to this customer, with
    the tags and collaborators it lacks; the duplicate is archived. The "merged" entry of both timelines says
    how many rows of each kind moved (`changes.moved`)."""
    actor = actor_of(request)
    duplicates.customer_merge(actor=actor, keep_id=customer_id, merge_id=payload.merge_id)
    return customer_out(selectors.customer_get(actor=actor, customer_id=customer_id))


# --- Lifecycle stages (customers/stages.py) and bulk assign / transfer / release (customers/pools.py) -----

from .schemas import (  # noqa: E402
    BulkAssignIn,
    BulkChangedOut,
    BulkCustomersIn,
    BulkLevelIn,
    BulkOut,
    BulkReleaseIn,
    BulkStageIn,
    BulkTagsIn,
    BulkTransferIn,
    StageIn,
    StageUpdateIn,
)


@router.post("/customer-stages", response={201: StageOut, **ERRORS}, summary="Add a lifecycle stage (administrators)")
def stage_create(request: HttpRequest, payload: StageIn, idempotency_key: uuid.UUID = IdempotencyKey) -> Status[Any]:
    actor = actor_of(request)

    def create() -> tuple[int, Any]:
        stage = stages.stage_create(actor=actor, **payload.dict())
        return 201, StageOut.model_validate(stage).model_dump()

    result = run_idempotent(
        request=request, actor=actor, key=idempotency_key, operation="customers.stage_create", create=create
    )
    return Status(result.status_code, result.body)


@router.patch(
    "/customer-stages/{int:stage_id}",
    response={200: StageOut, **ERRORS},
    summary="Rename, mark won, deactivate or reactivate, or move a lifecycle stage (administrators)",
)
def stage_update(request: HttpRequest, stage_id: int, payload: StageUpdateIn) -> Any:
    return stages.stage_update(actor=actor_of(request), stage_id=stage_id, **payload.dict(exclude_unset=True))


@router.delete(
    "/customer-stages/{int:stage_id}",
    response={204: None, **ERRORS},
    summary="Delete an unused lifecycle stage (one in use can only be deactivated)",
)
def stage_delete(request: HttpRequest, stage_id: int) -> Status[None]:
    stages.stage_delete(actor=actor_of(request), stage_id=stage_id)
    return Status(204, None)


def _bulk(request: HttpRequest, key: uuid.UUID, operation: str, move: Any, done: str = "moved") -> Status[Any]:
    """Run a bulk move (or, with `done="changed"`, a bulk change) once per Idempotency-Key; the answer lists the
    customers it moved (changed) and those already as asked."""
    actor = actor_of(request)

    def create() -> tuple[int, Any]:
        result = move(actor)
        return 200, {done: result.moved, "unchanged": result.unchanged}

    result = run_idempotent(request=request, actor=actor, key=key, operation=operation, create=create)
    return Status(result.status_code, result.body)


BULK = "All or nothing: if any customer cannot move, none does and `fields.customer_ids` says which and why. "
BULK += "A replay with the same Idempotency-Key returns the first answer and moves nothing."


@router.post(
    "/customers/bulk/assign", response={200: BulkOut, **ERRORS}, summary="Assign customers to one employee",
    description="Customers of a pool (its administrators) or of people whose customers you may change. "
    "Protection restarts for each. " + BULK,
)  # fmt: skip
def customers_bulk_assign(
    request: HttpRequest, payload: BulkAssignIn, idempotency_key: uuid.UUID = IdempotencyKey
) -> Status[Any]:
    return _bulk(request, idempotency_key, "customers.bulk_assign", lambda actor: pools.customers_bulk_assign(
        actor=actor, customer_ids=payload.customer_ids, owner_id=payload.owner_id))  # fmt: skip


@router.post(
    "/customers/bulk/transfer", response={200: BulkOut, **ERRORS},
    summary="Transfer owned customers to another employee",
    description="Managers within the people they see, administrators anywhere. Protection restarts for each. "
    + BULK,
)  # fmt: skip
def customers_bulk_transfer(
    request: HttpRequest, payload: BulkTransferIn, idempotency_key: uuid.UUID = IdempotencyKey
) -> Status[Any]:
    return _bulk(request, idempotency_key, "customers.bulk_transfer", lambda actor: pools.customers_bulk_transfer(
        actor=actor, customer_ids=payload.customer_ids, to_employee_id=payload.to_employee_id))  # fmt: skip


@router.post(
    "/customers/bulk/release", response={200: BulkOut, **ERRORS}, summary="Release customers to their pool",
    description="Protection is cleared and the previous owner's re-claim cool-down starts. " + BULK,
)  # fmt: skip
def customers_bulk_release(
    request: HttpRequest, payload: BulkReleaseIn, idempotency_key: uuid.UUID = IdempotencyKey
) -> Status[Any]:
    return _bulk(request, idempotency_key, "customers.bulk_release", lambda actor: pools.customers_bulk_release(
        actor=actor, customer_ids=payload.customer_ids, pool_id=payload.pool_id))  # fmt: skip


# --- Bulk level, stage, tags and archive (customers/bulk_changes.py) --------------------------------------


CHANGE = "Whoever may edit each customer (its owner, or someone who may change the owner's customers). All or "
CHANGE += "nothing: if any customer may not be changed, none is and `fields.customer_ids` says which and why. "
CHANGE += "A replay with the same Idempotency-Key returns the first answer and changes nothing."


@router.post(
    "/customers/bulk/level", response={200: BulkChangedOut, **ERRORS}, summary="Give customers one level",
    description=CHANGE,
)  # fmt: skip
def customers_bulk_level(
    request: HttpRequest, payload: BulkLevelIn, idempotency_key: uuid.UUID = IdempotencyKey
) -> Status[Any]:
    def change(actor: Any) -> Any:
        return bulk_changes.customers_bulk_level(actor=actor, customer_ids=payload.customer_ids, level=payload.level)

    return _bulk(request, idempotency_key, "customers.bulk_level", change, done="changed")


@router.post(
    "/customers/bulk/stage", response={200: BulkChangedOut, **ERRORS}, summary="Move customers to one stage",
    description="An active stage of the organization. " + CHANGE,
)  # fmt: skip
def customers_bulk_stage(
    request: HttpRequest, payload: BulkStageIn, idempotency_key: uuid.UUID = IdempotencyKey
) -> Status[Any]:
    def change(actor: Any) -> Any:
        return bulk_changes.customers_bulk_stage(
            actor=actor, customer_ids=payload.customer_ids, stage_id=payload.stage_id
        )

    return _bulk(request, idempotency_key, "customers.bulk_stage", change, done="changed")


@router.post(
    "/customers/bulk/tags", response={200: BulkChangedOut, **ERRORS}, summary="Add and remove customers' tags",
    description="Tags added must be active tags of the organization; the customers' other tags stay. " + CHANGE,
)  # fmt: skip
def customers_bulk_tags(
    request: HttpRequest, payload: BulkTagsIn, idempotency_key: uuid.UUID = IdempotencyKey
) -> Status[Any]:
    def change(actor: Any) -> Any:
        return bulk_changes.customers_bulk_tags(
            actor=actor,
            customer_ids=payload.customer_ids,
            add_tag_ids=payload.add_tag_ids,
            remove_tag_ids=payload.remove_tag_ids,
        )

    return _bulk(request, idempotency_key, "customers.bulk_tags", change, done="changed")


@router.post(
    "/customers/bulk/archive", response={200: BulkChangedOut, **ERRORS}, summary="Archive customers",
    description="Whoever may archive a customer may restore it. Those archived already are `unchanged`. " + CHANGE,
)  # fmt: skip
def customers_bulk_archive(
    request: HttpRequest, payload: BulkCustomersIn, idempotency_key: uuid.UUID = IdempotencyKey
) -> Status[Any]:
    def change(actor: Any) -> Any:
        return bulk_changes.customers_bulk_archive(actor=actor, customer_ids=payload.customer_ids)

    return _bulk(request, idempotency_key, "customers.bulk_archive", change, done="changed")


@router.get(
    "/customers/{int:customer_id}/summary",
    response={200: list[SummaryFactOut], **ERRORS},
    summary="The customer's summary: recent work, last follow-up, open follow-ups, days until the pool",
)
def customer_summary(request: HttpRequest, customer_id: int) -> list[dict[str, Any]]:
    actor = actor_of(request)
    customer = selectors.customer_read(actor=actor, customer_id=customer_id)
    return [asdict(fact) for fact in summary.customer_summary(actor=actor, customer=customer)]


# --- Tags (customers/tags.py) -------------------------------------------------------------------------------


@router.get("/customer-tags", response={200: list[TagOut], **ERRORS}, summary="The organization's tags")
def tag_list(request: HttpRequest, include_archived: bool = False) -> list[Any]:
    return list(tags.tag_list(actor=actor_of(request), include_archived=include_archived))


@router.post("/customer-tags", response={201: TagOut, **ERRORS}, summary="Add a tag (administrators)")
def tag_create(request: HttpRequest, payload: TagIn, idempotency_key: uuid.UUID = IdempotencyKey) -> Status[Any]:
    actor = actor_of(request)

    def create() -> tuple[int, Any]:
        tag = tags.tag_create(actor=actor, **payload.dict())
        return 201, TagOut.model_validate(tag).model_dump(mode="json")

    result = run_idempotent(
        request=request, actor=actor, key=idempotency_key, operation="customers.tag_create", create=create
    )
    return Status(result.status_code, result.body)


@router.patch(
    "/customer-tags/{int:tag_id}",
    response={200: TagOut, **ERRORS},
    summary="Rename, recolour, regroup, archive or restore a tag (administrators)",
)
def tag_update(request: HttpRequest, tag_id: int, payload: TagUpdateIn) -> Any:
    return tags.tag_update(actor=actor_of(request), tag_id=tag_id, **payload.dict(exclude_unset=True))


# --- Saved filters (customers/saved_filters.py): each employee's own, nobody else's ------------------------
from .models import SavedFilter  # noqa: E402
from .schemas import SavedFilterIn, SavedFilterOut, SavedFilterPage, SavedFilterUpdateIn  # noqa: E402


def saved_filter_out(saved: SavedFilter) -> dict[str, Any]:
    f = saved_filters.saved_filter_filters(saved)
    fields = {
        "search": f.search, "owner_id": f.owner_id, "department_id": f.department_id, "level": f.level,
        "stage_id": f.stage_id, "tag_ids": list(f.tag_ids), "province": f.province, "city": f.city,
        "industry": f.industry, "source": f.source, "created_from": f.created_from, "created_to": f.created_to,
        "followed_from": f.followed_from, "followed_to": f.followed_to,
        "visited_from": f.visited_from, "visited_to": f.visited_to, "not_visited": f.not_visited_days,
        "expiring": f.expiring, "in_pool": f.in_pool, "archived": f.archived, "sort": str(f.sort),
    }  # fmt: skip
    return {
        "id": saved.pk, "name": saved.name, "query": saved.query, "filters": fields,
        "created_at": saved.created_at, "updated_at": saved.updated_at,
    }  # fmt: skip


@router.get(
    "/customer-filters",
    response={200: SavedFilterPage, **ERRORS},
    summary="Your saved customer filters, by name, cursor-paged (nobody else's, whatever your role)",
)
def saved_filter_list(
    request: HttpRequest, cursor: str | None = None, limit: int = Query(settings.FIELDLOOP_API_PAGE_SIZE, ge=1, le=200)
) -> dict[str, Any]:
    rows = saved_filters.saved_filter_list(actor=actor_of(request))
    page = keyset_page(rows, ordering=("name", "id"), cursor=cursor, limit=limit)
    return {"items": [saved_filter_out(s) for s in page.items], "next_cursor": page.next_cursor}


@router.post(
    "/customer-filters",
    response={201: SavedFilterOut, **ERRORS},
    summary="Save the customer list's filters under a name, for yourself alone",
)
def saved_filter_create(
    request: HttpRequest, payload: SavedFilterIn, idempotency_key: uuid.UUID = IdempotencyKey
) -> Status[Any]:
    actor = actor_of(request)

    def create() -> tuple[int, Any]:
        saved = saved_filters.saved_filter_create(actor=actor, name=payload.name, query=payload.query)
        return 201, SavedFilterOut.model_validate(saved_filter_out(saved)).model_dump(mode="json")

    result = run_idempotent(
        request=request, actor=actor, key=idempotency_key, operation="customers.saved_filter_create", create=create
    )
    return Status(result.status_code, result.body)


@router.patch(
    "/customer-filters/{int:saved_filter_id}",
    response={200: SavedFilterOut, **ERRORS},
    summary="Rename one of your saved filters or replace its filters",
)
def saved_filter_update(request: HttpRequest, saved_filter_id: int, payload: SavedFilterUpdateIn) -> dict[str, Any]:
    saved = saved_filters.saved_filter_update(
        actor=actor_of(request), saved_filter_id=saved_filter_id, **payload.dict(exclude_unset=True)
    )
    return saved_filter_out(saved)


@router.delete(
    "/customer-filters/{int:saved_filter_id}",
    response={204: None, **ERRORS},
    summary="Delete one of your saved filters",
)
def saved_filter_delete(request: HttpRequest, saved_filter_id: int) -> Status[None]:
    saved_filters.saved_filter_delete(actor=actor_of(request), saved_filter_id=saved_filter_id)
    return Status(204, None)
