"""The rep's phone pages: Today (the customers nearby, sorted by distance), a call logged in two taps, and
today's daily report in one. Each view parses, calls selectors or one service, renders; they stay light for a
mid-range phone on a slow connection (no maps or charts, the list swapped in as an htmx-style partial).
"""

import uuid
from dataclasses import dataclass
from datetime import datetime

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from fieldloop.core.errors import ServiceError
from fieldloop.core.geo import Position, distance_text, position_from
from fieldloop.core.htmx import is_htmx
from fieldloop.core.offline import offline_capable
from fieldloop.core.redirects import safe_next
from fieldloop.customers.models import Customer
from fieldloop.customers.selectors import contact_list, customer_get, customers_nearby
from fieldloop.formtemplates.models import Purpose
from fieldloop.formtemplates.values_form import TemplateValuesForm
from fieldloop.org.decorators import actor_of, employee_required
from fieldloop.org.models import Employee

from . import selectors, services
from .forms import RecordForm, add_record_error
from .today import DAILY_TILE, TOP, today_sections

# The call log's fields the phone form lays out itself; any other field an administrator adds follows them.
CALL_KEYS = ("direction", "duration_minutes", "result", "notes")
FILED_SHOWN = 3  # today's latest records on Today: the rep sees at once that a call went in


def _position(query: QueryDict) -> Position | None:
    """The phone's position from `lat`, `lon`, `acc` (metres); None when missing or not a usable fix."""
    try:
        return position_from(query.get("lat"), query.get("lon"), query.get("acc"))
    except ServiceError:
        return None


def visit_start_url() -> str | None:
    """The visit flow's start page (built beside this one), or None while it does not exist."""
    try:
        return reverse("visit_start")
    except NoReverseMatch:
        return None


@dataclass(frozen=True)
class TodayRow:
    customer: Customer
    distance: str
    navigate: str  # a geo: link the phone's map app opens, or ""
    last_visited_at: datetime | None


def _rows(actor: Employee, position: Position | None) -> list[TodayRow]:
    nearby = customers_nearby(
        actor=actor,
        latitude=position.latitude if position else None,
        longitude=position.longitude if position else None,
    )
    rows = []
    for n in nearby:
        c = n.customer
        navigate = ""
        if c.latitude is not None and c.longitude is not None:
            navigate = f"geo:{c.latitude},{c.longitude}?q={c.latitude},{c.longitude}"
        rows.append(TodayRow(c, distance_text(n.distance_m), navigate, getattr(c, "last_visited_at", None)))
    return rows


@employee_required()
def phone_today(request: HttpRequest) -> HttpResponse:
    """Today (今日), a rep's home: what other apps put first (today's plan and the day's close card, see
    activities/today.py), what waits in the phone's outbox (counted by static/js/outbox.js), the calls and
    records filed today, and the customers nearby with big buttons. The page comes first with the
    rep's own customers; static/js/phone_today.js reads the position and swaps in the nearby list."""
    actor = actor_of(request)
    position = _position(request.GET)
    context: dict[str, object] = {
        "rows": _rows(actor, position),
        "position": position,
        "visit_start": visit_start_url(),
    }
    if is_htmx(request):
        return render(request, "activities/phone/today.html#nearby", context)
    sections = today_sections(actor)
    daily_tile = next((s for s in sections if s.slot == DAILY_TILE), None)
    report = None
    if daily_tile is None:  # no app closes the day: today's daily report is the tile
        report_template = selectors.purpose_template(actor=actor, purpose=Purpose.DAILY_REPORT)
        report = selectors.daily_report_today(actor=actor, template=report_template) if report_template else None
    today = selectors.records_today(actor=actor)
    filed = list(today[:FILED_SHOWN])
    language = get_language()
    context |= {
        "sections": [s for s in sections if s.slot == TOP],
        "daily_tile": daily_tile,
        "report": report,
        "filed_count": len(filed) if len(filed) < FILED_SHOWN else today.count(),
        "filed": [(r, r.template.display_name(language)) for r in filed],
    }
    return render(request, "activities/phone/today.html", context)


@employee_required()
@offline_capable
def phone_call(request: HttpRequest, customer_id: int) -> HttpResponse:
    """Log a call with a customer: the customer, its primary contact, the direction and the time are filled;
    each result is a submit button, so a call takes two taps (this page's link, then the result)."""
    actor = actor_of(request)
    customer = customer_get(actor=actor, customer_id=customer_id)
    template = selectors.purpose_template(actor=actor, purpose=Purpose.CALL)
    if template is None or template.current_version is None:
        messages.error(request, _("The call log template is archived; choose another form."))
        return redirect(f"{reverse('record_new')}?customer={customer.pk}")
    primary = contact_list(actor=actor, customer=customer).filter(is_primary=True).values_list("pk", flat=True)
    post = request.POST if request.method == "POST" else None
    initial = {"client_id": uuid.uuid4(), "contact_id": primary.first()}
    form = RecordForm(post, actor=actor, customer=customer, initial=initial)
    values_form = TemplateValuesForm(post, None, version=template.current_version, actor=actor, prefix="v")
    back = safe_next(request, reverse("customer_detail", args=[customer.pk]))
    if post is not None and form.is_valid() and values_form.is_valid():
        data = form.cleaned_data
        try:
            services.record_create(
                actor=actor,
                client_id=data["client_id"],
                template_id=template.pk,
                values=values_form.values,
                customer_id=customer.pk,
                contact_id=data.get("contact_id"),
                captured_at=data.get("captured_at"),
            )
        except ServiceError as e:
            add_record_error(form, values_form, e)
        else:
            messages.success(request, _("Call logged."))
            return redirect(back)
    fields = {key: values_form[key] for key in CALL_KEYS if key in values_form.fields}
    result = values_form.definition_of.get("result")
    language = get_language()
    context = {
        "form": form,
        "values_form": values_form,
        "fields": fields,
        "results": [(c.value, c.display(language)) for c in result.choices] if result else [],
        "others": [(f, d) for f, d in values_form.rows() if d.key not in CALL_KEYS],
        "customer": customer,
        "template_name": template.display_name(language),
        "now": timezone.now(),
        "next": back,
    }
    return render(request, "activities/phone/call.html", context)


@employee_required()
def phone_daily_report(request: HttpRequest) -> HttpResponse:
    """One tap to today's daily report: the daily close card (日清, built above this app) when it exists, whose
    write-up is this template; else a new report, or today's for edit while its edit window lasts."""
    try:
        return redirect(reverse("daily_card_today"))
    except NoReverseMatch:
        pass
    actor = actor_of(request)
    template = selectors.purpose_template(actor=actor, purpose=Purpose.DAILY_REPORT)
    if template is None:
        messages.error(request, _("The daily report template is archived; choose another form."))
        return redirect("record_new")
    record = selectors.daily_report_today(actor=actor, template=template)
    if record is None:
        return redirect("record_create", template_id=template.pk)
    if services.can_edit(actor=actor, record=record):
        return redirect("record_edit", record_id=record.pk)
    messages.info(request, _("Today's report is filed and can no longer be edited."))
    return redirect("record_detail", record_id=record.pk)
