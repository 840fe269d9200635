"""HTML pages of work records: the feed (下属工作), a record with its comments, new and edit pages, settings.
Each view parses, calls one selector or service, renders; an htmx request gets the partial."""

import uuid
from collections.abc import Callable

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from fieldloop.core.errors import ServiceError
from fieldloop.core.forms import add_service_error
from fieldloop.core.htmx import is_htmx
from fieldloop.core.offline import offline_capable
from fieldloop.customers.models import Customer
from fieldloop.customers.selectors import customer_get
from fieldloop.formtemplates.display import display_values
from fieldloop.formtemplates.models import FormTemplate, Purpose
from fieldloop.formtemplates.selectors import template_get, template_list
from fieldloop.formtemplates.serving import attachment_response
from fieldloop.formtemplates.values_form import TemplateValuesForm
from fieldloop.org.decorators import actor_of, employee_required
from fieldloop.org.models import Employee
from fieldloop.org.permissions import Permission, has_permission
from fieldloop.org.selectors import can_change_owned_by, filter_departments, visible_employees

from . import selectors, services, visit_services, visits
from .builtin import activity_settings
from .display import value_text
from .feed import feed_page
from .forms import ActivitySettingsForm, CommentForm, RecordForm, add_record_error
from .models import Visit, WorkRecord

PAGE_SIZE = 20


def record_templates(actor: Employee) -> list[FormTemplate]:
    """The active templates a record may be filed with."""
    return list(template_list(actor=actor).exclude(purpose=Purpose.CUSTOMER))


@employee_required()
def record_feed(request: HttpRequest) -> HttpResponse:
    actor = actor_of(request)
    get = request.GET
    filters = selectors.feed_filters_from_query(get.dict())
    page = feed_page(actor=actor, filters=filters, cursor=get.get("cursor") or None, limit=PAGE_SIZE)
    query = get.copy()
    query.pop("cursor", None)
    context = {"page": page, "filters": filters, "query": query.urlencode()}
    if is_htmx(request) and get.get("cursor"):
        return render(request, "activities/record_feed.html#cards", context)
    context |= {
        "can_manage": has_permission(actor, Permission.MANAGE_ORGANIZATION),
        "employees": visible_employees(actor=actor).active().order_by("name").values_list("pk", "name"),
        "departments": filter_departments(actor=actor).values_list("pk", "name", "depth"),
        "templates": [(t.pk, t.display_name(get_language())) for t in record_templates(actor)],
        "filter_customer": _filter_customer(actor, filters.customer_id),
    }
    return render(request, "activities/record_feed.html", context)


def _filter_customer(actor: Employee, customer_id: int | None) -> Customer | None:
    if customer_id is None:
        return None
    try:
        return customer_get(actor=actor, customer_id=customer_id)
    except ServiceError:
        return None


def _customer_from_query(request: HttpRequest, actor: Employee) -> Customer | None:
    raw = request.GET.get("customer", "")
    return customer_get(actor=actor, customer_id=int(raw)) if raw.isdigit() else None


@employee_required()
def record_new(request: HttpRequest) -> HttpResponse:
    """Choose the template of a new record (for a customer when the page was opened from one)."""
    actor = actor_of(request)
    customer = _customer_from_query(request, actor)
    templates = record_templates(actor)
    language = get_language()
    choices = [(t, t.display_name(language)) for t in templates]
    return render(request, "activities/record_new.html", {"choices": choices, "customer": customer})


@employee_required()
@offline_capable
def record_create(request: HttpRequest, template_id: int) -> HttpResponse:
    actor = actor_of(request)
    template = template_get(actor=actor, template_id=template_id)
    raw_visit = request.GET.get("visit", "")
    visit_id = int(raw_visit) if raw_visit.isdigit() and len(raw_visit) < 19 else None
    visit = _own_visit(actor, visit_id)
    # inside a visit the customer is the visit's, fixed; elsewhere the page may be opened for one
    customer = visit.customer if visit is not None else _customer_from_query(request, actor)
    post = request.POST if request.method == "POST" else None
    form = RecordForm(
        post, actor=actor, customer=customer, fixed=visit is not None, initial={"client_id": uuid.uuid4()},
        about_customer=template.purpose != Purpose.DAILY_REPORT,  # a daily report is about the day, not a customer
    )  # fmt: skip
    taken_at = form.cleaned_data.get("captured_at") if post is not None and form.is_valid() else None
    prefill = _visit_prefill(visit, template)
    namespace = post.get("client_id") if post else None
    values_form = TemplateValuesForm(
        post,
        request.FILES if post else None,
        version=template.current_version,
        actor=actor,
        prefix="v",
        upload_namespace=namespace,  # a replayed form stores its photos once
        taken_at=taken_at,  # a record kept offline: its photos show when they were taken
        initial_values=prefill.values if prefill else None,
        reusable=_reusable_photos(prefill),
        reuse=_photo_reuser(actor, visit, namespace),
    )
    replayed = selectors.record_of_client(actor=actor, client_id=form["client_id"].value()) if post else None
    if replayed is not None:  # sent again by the outbox: the first one stands, and its photos are not stored twice
        return redirect("record_detail", record_id=replayed.pk)
    if post is not None and form.is_valid() and values_form.is_valid():
        data = form.cleaned_data
        try:
            record, _created = services.record_create(
                actor=actor,
                client_id=data["client_id"],
                template_id=template.pk,
                values=values_form.values,
                customer_id=data.get("customer_id") or (customer.pk if customer else None),
                contact_id=data.get("contact_id"),
                captured_at=data.get("captured_at"),
                visit_id=visit_id,
            )
        except ServiceError as e:
            add_record_error(form, values_form, e)
        else:
            messages.success(request, _("Record saved."))
            if record.visit_id is not None:
                return redirect("visit_detail", visit_id=record.visit_id)
            return redirect("record_detail", record_id=record.pk)
    context = {
        "form": form,
        "values_form": values_form,
        "template": template,
        "template_name": template.display_name(get_language()),
        "customer": customer,
        "customer_required": template.purpose in services.CUSTOMER_REQUIRED,
        "visit": visit,
        "prefilled": bool(prefill and (prefill.values or prefill.photos)),
    }
    return render(request, "activities/record_form.html", context)


def _own_visit(actor: Employee, visit_id: int | None) -> Visit | None:
    """The actor's own visit a step is filled in (None: none asked, or not theirs: the service refuses it)."""
    if visit_id is None:
        return None
    try:
        return selectors.visit_record_check(actor=actor, visit_id=visit_id)
    except ServiceError:
        return None


def _visit_prefill(visit: Visit | None, template: FormTemplate) -> visits.StepPrefill | None:
    """What the visit's earlier steps already captured for this step's fields (one query)."""
    return selectors.visit_step_prefill(visit=visit, template=template) if visit is not None else None


def _reusable_photos(prefill: visits.StepPrefill | None) -> dict[str, list[tuple[int, str, str]]]:
    if prefill is None:
        return {}
    return {
        key: [
            (pk, reverse("record_attachment_thumbnail", args=[record_id, pk]),
             reverse("record_attachment", args=[record_id, pk]))
            for record_id, pk in found
        ]
        for key, found in prefill.photos.items()
    }  # fmt: skip


def _photo_reuser(
    actor: Employee, visit: Visit | None, namespace: str | None
) -> Callable[[str, list[int]], list[int]] | None:
    """Copies the ticked photos of the visit's earlier steps for the record being saved."""
    if visit is None or not namespace:
        return None
    try:
        client_id = uuid.UUID(namespace)
    except ValueError:
        return None
    return lambda key, ids: visit_services.visit_photos_reuse(
        actor=actor, visit_id=visit.pk, attachment_ids=ids, namespace=client_id, field=key
    )


def _detail_context(actor: Employee, record: WorkRecord) -> dict[str, object]:
    language = get_language()
    return {
        "record": record,
        "template_name": record.template.display_name(language),
        "rows": display_values(version=record.template_version, values=record.values, language=language),
        "comments": list(selectors.comment_list(record=record)),
        "revisions": _revision_rows(record, language),
        "comment_form": CommentForm(initial={"client_id": uuid.uuid4()}),
        "can_edit": services.can_edit(actor=actor, record=record),
        "can_archive": can_change_owned_by(actor=actor, owner=record.author),
    }


def _revision_rows(record: WorkRecord, language: str) -> list[tuple[object, list[tuple[str, object, object]]]]:
    """Each revision with its changes as (field label, old, new), newest first."""
    labels = {d.key: d.display_label(language) for d in record.template_version.definitions}
    return [
        (
            rev,
            [
                (labels.get(key, key), value_text(record, key, old, language), value_text(record, key, new, language))
                for key, (old, new) in rev.changes.items()
            ],
        )
        for rev in selectors.revision_list(record=record)
    ]


@employee_required()
def record_detail(request: HttpRequest, record_id: int) -> HttpResponse:
    actor = actor_of(request)
    record = selectors.record_get(actor=actor, record_id=record_id)
    return render(request, "activities/record_detail.html", _detail_context(actor, record))


@employee_required()
def record_attachment(
    request: HttpRequest, record_id: int, attachment_id: int, thumbnail: bool = False
) -> HttpResponseBase:
    """A record's photo (or its thumbnail) or file, for a viewer who may see the record; else not found."""
    attachment = selectors.record_attachment(actor=actor_of(request), record_id=record_id, attachment_id=attachment_id)
    return attachment_response(attachment, thumbnail=thumbnail)


@require_POST
@employee_required()
def record_comment(request: HttpRequest, record_id: int) -> HttpResponse:
    """Comment or reply; an htmx request gets the comments back in place, a plain one the page."""
    actor = actor_of(request)
    record = selectors.record_get(actor=actor, record_id=record_id)
    form = CommentForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.comment_create(
                actor=actor,
                record_id=record.pk,
                client_id=data["client_id"],
                body=data["body"],
                parent_id=data.get("parent_id"),
            )
        except ServiceError as e:
            add_service_error(form, e)
        else:
            form = CommentForm(initial={"client_id": uuid.uuid4()})
    if not is_htmx(request):
        if form.errors:
            messages.error(request, " ".join(str(m) for msgs in form.errors.values() for m in msgs))
        return redirect("record_detail", record_id=record.pk)
    context = _detail_context(actor, selectors.record_get(actor=actor, record_id=record.pk))
    context["comment_form"] = form
    return render(request, "activities/record_detail.html#comments", context)


@employee_required()
def record_edit(request: HttpRequest, record_id: int) -> HttpResponse:
    actor = actor_of(request)
    record = selectors.record_get(actor=actor, record_id=record_id)
    if not services.can_edit(actor=actor, record=record):
        messages.error(request, _("This record can no longer be edited: the edit window has passed or it is archived."))
        return redirect("record_detail", record_id=record.pk)
    post = request.POST if request.method == "POST" else None
    values_form = TemplateValuesForm(
        post,
        request.FILES if post else None,
        version=record.template_version,
        actor=actor,
        previous=record.values,
        prefix="v",
        attachment_url=lambda pk, thumbnail: reverse(
            "record_attachment_thumbnail" if thumbnail else "record_attachment", args=[record.pk, pk]
        ),
    )
    form = RecordForm(None, actor=actor, customer=record.customer)
    if post is not None and values_form.is_valid():
        cleared = {key: None for key in values_form.definition_of if key not in values_form.values}
        try:
            services.record_update(actor=actor, record_id=record.pk, values={**values_form.values, **cleared})
        except ServiceError as e:
            add_record_error(form, values_form, e)
        else:
            messages.success(request, _("Record saved."))
            return redirect("record_detail", record_id=record.pk)
    context = {
        "values_form": values_form,
        "form": form,
        "record": record,
        "template_name": record.template.display_name(get_language()),
        "editing": True,
    }
    return render(request, "activities/record_form.html", context)


@require_POST
@employee_required()
def record_archive(request: HttpRequest, record_id: int) -> HttpResponse:
    try:
        services.record_archive(actor=actor_of(request), record_id=record_id)
    except ServiceError as e:
        messages.error(request, str(e.message))
    else:
        messages.success(request, _("Record archived."))
    return redirect("record_detail", record_id=record_id)


@employee_required(Permission.MANAGE_ORGANIZATION)
def settings_edit(request: HttpRequest) -> HttpResponse:
    actor = actor_of(request)
    current = activity_settings(org_id=actor.org_id)
    form = ActivitySettingsForm(request.POST or None, initial={"edit_window_hours": current.edit_window_hours})
    if request.method == "POST" and form.is_valid():
        try:
            services.settings_update(actor=actor, edit_window_hours=form.cleaned_data["edit_window_hours"])
        except ServiceError as e:
            add_service_error(form, e)
        else:
            messages.success(request, _("Settings saved."))
            return redirect("activity_settings")
    return render(request, "activities/settings.html", {"form": form})
