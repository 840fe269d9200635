"""/api/v1/visit-types and /api/v1/visits: thin shells over activities.visit_services (writes) and selectors (reads).

A check-in's `Idempotency-Key` is the visit's `client_id` (`org.idempotency.create_once`), a check-out's is stored
with the check-out, a visit type's answer is kept by `run_idempotent`: a replay returns the first result with the
same status and writes nothing.
"""

import uuid
from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import get_language
from ninja import Query, Router, Status

from fieldloop.core.geo import SentFix
from fieldloop.core.pagination import keyset_page
from fieldloop.core.schemas import MAX_ROW_ID
from fieldloop.org.decorators import actor_of
from fieldloop.org.idempotency import IdempotencyKey, create_once, run_idempotent
from fieldloop.org.schemas import ERRORS

from . import selectors, visit_services, visits
from .models import Visit, VisitType
from .visit_schemas import (
    CheckInIn,
    CheckInPreviewIn,
    CheckInPreviewOut,
    CheckOutIn,
    CheckOutPreviewOut,
    VisitFiltersIn,
    VisitOut,
    VisitPage,
    VisitPrefillOut,
    VisitTypeIn,
    VisitTypeOut,
    VisitTypePatchIn,
)

router = Router(tags=["visits"])


def visit_type_out(vt: VisitType) -> dict[str, Any]:
    return {
        "id": vt.pk, "name": vt.name, "name_en": vt.name_en, "is_active": vt.is_active,
        "steps": [
            {"template_id": s.template_id, "name": s.template.name, "name_en": s.template.name_en,
             "position": s.position, "required": s.required}
            for s in vt.steps.all()
        ],
        "department_ids": sorted(d.pk for d in vt.departments.all()), "roles": vt.roles,
        "max_distance_m": vt.max_distance_m, "distance_mode": vt.distance_mode, "photo_required": vt.photo_required,
        "customer_required": vt.customer_required, "min_duration_minutes": vt.min_duration_minutes,
        "check_out_required": vt.check_out_required, "copied_ids": sorted(e.pk for e in vt.copied.all()),
    }  # fmt: skip


def _fix_out(v: Visit, side: str) -> dict[str, Any] | None:
    at = getattr(v, f"check_{side}_fix_at")
    if at is None:
        return None
    return {
        "latitude": float(getattr(v, f"check_{side}_latitude")),
        "longitude": float(getattr(v, f"check_{side}_longitude")),
        "accuracy": getattr(v, f"check_{side}_accuracy_m"),
        "fix_at": at,
        "mocked": getattr(v, f"check_{side}_mocked"),
        "distance_m": getattr(v, f"check_{side}_distance_m"),
        "signals": getattr(v, f"check_{side}_signals"),
        "captured_at": v.checked_in_at if side == "in" else v.checked_out_at,
        "received_at": getattr(v, f"check_{side}_received_at"),
        "late": getattr(v, f"check_{side}_late"),
    }


def visit_out(v: Visit) -> dict[str, Any]:
    language = get_language()
    return {
        "id": v.pk, "client_id": v.client_id,
        "visit_type": {"id": v.visit_type.pk, "name": v.visit_type.display_name(language)},
        "employee": {"id": v.employee.pk, "name": v.employee.name},
        "customer": {"id": v.customer.pk, "name": v.customer.name} if v.customer else None,
        "status": v.status, "check_in": _fix_out(v, "in"), "check_out": _fix_out(v, "out"),
        "closed_automatically": v.closed_automatically, "duration_s": v.duration_s, "effective": v.effective,
        "reasons": [{"code": c, "label": visits.reason_label(c)} for c in v.reasons],
        "located_customer": v.located_customer, "created_at": v.created_at, "updated_at": v.updated_at,
    }  # fmt: skip


def _position(payload: CheckInIn | CheckOutIn) -> SentFix:
    return SentFix(
        latitude=payload.latitude,
        longitude=payload.longitude,
        accuracy_m=payload.accuracy,
        fix_at=payload.fix_at,
        mocked=payload.mocked,
    )


@router.get("/visit-types", response={200: list[VisitTypeOut], **ERRORS}, summary="Visit types")
def visit_type_list(request: HttpRequest, include_inactive: bool = False) -> list[dict[str, Any]]:
    actor = actor_of(request)
    return [visit_type_out(vt) for vt in selectors.visit_type_list(actor=actor, include_inactive=include_inactive)]


@router.post("/visit-types", response={201: VisitTypeOut, **ERRORS}, summary="Create a visit type (admin)")
def visit_type_create(
    request: HttpRequest, payload: VisitTypeIn, idempotency_key: uuid.UUID = IdempotencyKey
) -> Status[Any]:
    actor = actor_of(request)
    values = payload.dict()
    values["steps"] = [s.dict() for s in payload.steps]

    def create() -> tuple[int, Any]:
        return 201, visit_type_out(visit_services.visit_type_create(actor=actor, **values))

    result = run_idempotent(
        request=request, actor=actor, key=idempotency_key, operation="visit_type.create", create=create
    )
    return Status(result.status_code, result.body)


@router.patch("/visit-types/{int:visit_type_id}", response={200: VisitTypeOut, **ERRORS}, summary="Change (admin)")
def visit_type_update(request: HttpRequest, visit_type_id: int, payload: VisitTypePatchIn) -> dict[str, Any]:
    values = payload.dict(exclude_unset=True)
    if payload.steps is not None:
        values["steps"] = [s.dict() for s in payload.steps]
    vt = visit_services.visit_type_update(actor=actor_of(request), visit_type_id=visit_type_id, **values)
    return visit_type_out(vt)


@router.get("/visits", response={200: VisitPage, **ERRORS}, summary="Visible employees' visits")
def visit_list(
    request: HttpRequest,
    filters: Query[VisitFiltersIn],
    cursor: str | None = None,
    limit: int = Query(settings.FIELDLOOP_API_PAGE_SIZE, ge=1, le=200),
) -> dict[str, Any]:
    qs = selectors.visit_list(actor=actor_of(request), filters=filters.as_filters())
    page = keyset_page(qs, ordering=selectors.VISIT_ORDERING, cursor=cursor, limit=limit)
    return {"items": [visit_out(v) for v in page.items], "next_cursor": page.next_cursor}


@router.post("/visits", response={201: VisitOut, **ERRORS}, summary="Check in (starts a visit)")
def visit_check_in(
    request: HttpRequest, payload: CheckInIn, idempotency_key: uuid.UUID = IdempotencyKey
) -> Status[Any]:
    actor = actor_of(request)
    visit, created = create_once(
        lambda: visit_services.visit_check_in(
            actor=actor,
            client_id=idempotency_key,
            visit_type_id=payload.visit_type_id,
            customer_id=payload.customer_id,
            position=_position(payload),
            captured_at=payload.captured_at,
            confirm_flagged=payload.confirm_flagged,
        ),
        same=lambda v: (
            (v.employee_id, v.visit_type_id, v.customer_id) == (actor.pk, payload.visit_type_id, payload.customer_id)
        ),
    )
    if not created:  # a replay: the first visit, answered only to whoever may see it
        visit = selectors.visit_get(actor=actor, visit_id=visit.pk)
    # a new visit is answered from the instance the service saved (its type, employee and customer attached)
    return Status(201, visit_out(visit))


@router.get("/visits/{int:visit_id}", response={200: VisitOut, **ERRORS})
def visit_detail(request: HttpRequest, visit_id: int) -> dict[str, Any]:
    return visit_out(selectors.visit_get(actor=actor_of(request), visit_id=visit_id))


@router.post("/visits/{int:visit_id}/check-out", response={200: VisitOut, **ERRORS}, summary="Check out (closes it)")
def visit_check_out(
    request: HttpRequest, visit_id: int, payload: CheckOutIn, idempotency_key: uuid.UUID = IdempotencyKey
) -> dict[str, Any]:
    actor = actor_of(request)
    visit_services.visit_check_out(
        actor=actor,
        client_id=idempotency_key,
        visit_id=visit_id,
        position=_position(payload),
        captured_at=payload.captured_at,
        confirm_not_effective=payload.confirm_not_effective,
    )
    return visit_out(selectors.visit_get(actor=actor, visit_id=visit_id))


def check_in_preview_out(verdict: visits.CheckInVerdict) -> dict[str, Any]:
    return {
        "outcome": verdict.outcome,
        "distance_m": verdict.distance_m,
        "max_distance_m": verdict.max_distance_m,
        "reasons": [{"code": c, "label": visits.reason_label(c)} for c in verdict.reasons],
        "counts": verdict.counts,
        "locates_customer": verdict.locates_customer,
        "message": visit_services.flagged_message(verdict) if verdict.outcome != visits.Outcome.FINE else "",
    }


@router.get("/visits/check-in-preview", response={200: CheckInPreviewOut, **ERRORS}, summary="What a check-in would be")
def visit_check_in_preview(request: HttpRequest, query: Query[CheckInPreviewIn]) -> dict[str, Any]:
    """The verdict the check-in would get with this position, now (fine, flagged or refused; writes nothing)."""
    verdict = visit_services.visit_check_in_preview(
        actor=actor_of(request),
        visit_type_id=query.visit_type_id,
        customer_id=query.customer_id,
        position=SentFix(query.latitude, query.longitude, query.accuracy, query.fix_at, query.mocked),
    )
    return check_in_preview_out(verdict)


@router.get(
    "/visits/{int:visit_id}/check-out-preview",
    response={200: CheckOutPreviewOut, **ERRORS},
    summary="What checking out now would make of the visit",
)
def visit_check_out_preview(request: HttpRequest, visit_id: int) -> dict[str, Any]:
    preview = visit_services.visit_check_out_preview(actor=actor_of(request), visit_id=visit_id)
    return {
        "outcome": preview.outcome,
        "reasons": [{"code": c, "label": visits.reason_label(c)} for c in preview.reasons],
        "remaining_minutes": preview.remaining_minutes,
        "message": preview.message,
    }


@router.get(
    "/visits/{int:visit_id}/prefill",
    response={200: VisitPrefillOut, **ERRORS},
    summary="What a step of a template starts from in this visit",
)
def visit_prefill(
    request: HttpRequest,
    visit_id: int,
    # needed; checked after the visit (one outside the caller's scope is not found, whatever the query)
    template_id: int | None = Query(None, ge=1, le=MAX_ROW_ID, description="The step's template (required)."),
) -> dict[str, Any]:
    """The values the visit's earlier steps already captured for a step of `template_id` (so that nothing is
    entered twice), and their photos offered for reuse: file the step with `visit_id` and the chosen photos'
    ids in `reuse_photo_ids` (by field key), which makes copies of them. For the visit's rep and whoever may
    read the visit; writes nothing."""
    visit, prefill = selectors.visit_prefill(actor=actor_of(request), visit_id=visit_id, template_id=template_id)
    photos = []
    for key, found in prefill.photos.items():
        for record_id, attachment_id in found:
            url = reverse("api:work_record_attachment", args=[record_id, attachment_id])
            photos.append({"field": key, "attachment_id": attachment_id, "record_id": record_id, "url": url,
                           "thumbnail_url": f"{url}?thumbnail=true"})  # fmt: skip
    return {"visit_id": visit.pk, "template_id": template_id or 0, "values": prefill.values, "photos": photos}
