"""The daily close pages: a rep's card (phone first), the manager's review queue and "not filed" list (desktop),
and the organization's settings. Each view parses, calls one selector or service, renders."""

import uuid
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from fieldloop.activities.services import can_edit
from fieldloop.core.errors import ServiceError
from fieldloop.core.forms import add_service_error
from fieldloop.core.htmx import is_htmx
from fieldloop.core.pagination import keyset_page
from fieldloop.core.templatetags.money import money
from fieldloop.formtemplates.display import display_values
from fieldloop.formtemplates.values_form import TemplateValuesForm
from fieldloop.org.decorators import actor_of, employee_required
from fieldloop.org.models import Employee
from fieldloop.org.permissions import Permission, has_permission

from . import card_selectors as cs
from . import card_services
from .card_forms import CardCopyForm, CardFileForm, CardReviewForm, CloseSettingsForm
from .cards import figure_label
from .models import DailyCard, ItemState
from .selectors import items_for

PAGE_SIZE = 50
SUMMARY_KEY = "done_today"  # the built-in daily report's fields the card fills in from the day
PLAN_KEY = "plan_tomorrow"


def _parse_day(raw: str) -> date:
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise Http404 from None


def _summary(figures: dict[str, Any]) -> str:
    items = figures.get("items", {})
    return _(
        "Planned %(planned)d, done %(done)d, missed %(missed)d. Visits %(visits)d (effective %(effective)d), "
        "calls %(calls)d, new customers %(new)d."
    ) % {
        "planned": items.get("planned", 0), "done": items.get("done", 0), "missed": items.get("missed", 0),
        "visits": figures.get("visits", 0), "effective": figures.get("effective_visits", 0),
        "calls": figures.get("calls", 0), "new": figures.get("new_customers", 0),
    }  # fmt: skip


def _prefill(actor: Employee, card: DailyCard) -> dict[str, str]:
    """The write-up the card starts with: the day in one sentence and tomorrow's plan (one query)."""
    tomorrow = card.day + timedelta(days=1)
    lines = []
    for item in items_for(actor, [actor], tomorrow, tomorrow).exclude(state=ItemState.CANCELLED):
        when = item.start_time.strftime("%H:%M") + " " if item.start_time else ""
        what = item.title or (item.customer.name if item.customer else "") or item.get_kind_display()
        lines.append(f"{when}{item.get_kind_display()} · {what}" if what != item.get_kind_display() else when + what)
    return {SUMMARY_KEY: _summary(card.figures), PLAN_KEY: "\n".join(lines)}


def _figure_rows(card: DailyCard, language: str) -> dict[str, Any]:
    f = card.figures or {}
    records = [
        (r["name_en"] if language.startswith("en") and r.get("name_en") else r["name"], r["count"])
        for r in f.get("records", [])
    ]
    # a registered figure is a count (int) or an amount (a Decimal, kept as its string: `figure_json`)
    extra = [
        (figure_label(k), money(Decimal(v)) if isinstance(v, str) else v) for k, v in (f.get("extra") or {}).items()
    ]
    return {"items": f.get("items", {}), "f": f, "records": records, "extra": extra}


def _render_card(
    request: HttpRequest,
    actor: Employee,
    card: DailyCard,
    *,
    file_form: CardFileForm | None = None,
    values_form: TemplateValuesForm | None = None,
    review_form: CardReviewForm | None = None,
    copy_form: CardCopyForm | None = None,
    status: int = 200,
) -> HttpResponse:
    language = get_language() or "zh-hans"
    own = card.employee_id == actor.pk
    colleagues = list(cs.copy_candidates(actor=actor)) if own else []
    today = cs.today_of(actor)
    context: dict[str, Any] = {
        "card": card, "own": own, "previous_day": card.day - timedelta(days=1),
        "next_day": card.day + timedelta(days=1) if card.day < today else None, **_figure_rows(card, language),
    }  # fmt: skip
    if own and not card.is_filed:
        template = cs.daily_report_template(actor=actor)
        context["template_name"] = template.display_name(language) if template else ""
        if values_form is None and template is not None:
            earlier = cs.unlinked_daily_report(actor=actor, template=template, day=card.day)
            values_form = TemplateValuesForm(
                None, version=template.current_version, actor=actor, prefix="v",
                previous=earlier.values if earlier is not None else _prefill(actor, card),
            )  # fmt: skip
        context["values_form"] = values_form
        context["file_form"] = file_form or CardFileForm(initial={"client_id": uuid.uuid4()}, colleagues=colleagues)
    if card.is_filed:
        record = card.record
        if record is not None:
            context["writeup"] = display_values(
                version=record.template_version, values=record.values, language=language
            )
            context["can_edit_writeup"] = can_edit(actor=actor, record=record)
        context["readers"] = cs.card_readers(card=card)
        if own:
            context["copy_form"] = copy_form or CardCopyForm(colleagues=colleagues)
        else:
            reader = cs.reader_of(actor=actor, card=card)
            reviewer = cs.may_review(actor=actor, card=card)
            unread = (reader is not None or reviewer) and (reader is None or reader.read_at is None)
            if reviewer and not card.is_reviewed:  # reviewing marks it read: one button, not two
                context["review_form"] = review_form or CardReviewForm()
            else:
                context["may_mark_read"] = unread
    return render(request, "schedules/card.html", context, status=status)


@employee_required()
def card_today(request: HttpRequest) -> HttpResponse:
    """The rep's card of today: the phone's 日清 (the Today page's daily report opens it)."""
    actor = actor_of(request)
    return _card_day(request, actor, cs.today_of(actor))


@employee_required()
def card_day(request: HttpRequest, day: str) -> HttpResponse:
    actor = actor_of(request)
    return _card_day(request, actor, _parse_day(day))


def _card_day(request: HttpRequest, actor: Employee, day: date) -> HttpResponse:
    if day > cs.today_of(actor):
        raise Http404
    card = cs.card_of_day(actor=actor, day=day)
    if request.method != "POST" or card.is_filed:
        return _render_card(request, actor, card)
    template = cs.daily_report_template(actor=actor)
    post = request.POST
    form = CardFileForm(post, colleagues=list(cs.copy_candidates(actor=actor)))
    values_form = (
        TemplateValuesForm(
            post, request.FILES, version=template.current_version, actor=actor, prefix="v",
            upload_namespace=post.get("client_id"),
        )
        if template is not None
        else None
    )  # fmt: skip
    if form.is_valid() and (values_form is None or values_form.is_valid()):
        try:
            card_services.card_file(
                actor=actor, client_id=form.cleaned_data["client_id"], day=day,
                values=values_form.values if values_form else {}, copy_to=form.cleaned_data["copy_to"],
            )  # fmt: skip
        except ServiceError as e:
            values_errors = {k.removeprefix("values."): v for k, v in e.fields.items() if k.startswith("values.")}
            if values_form is not None and values_errors:
                add_service_error(values_form, ServiceError(e.code, e.message, values_errors))
            other = {k: v for k, v in e.fields.items() if not k.startswith("values.")}
            if other or not e.fields:
                add_service_error(
                    form,
                    ServiceError(
                        e.code, e.message, {"copy_to" if k == "employee_ids" else k: v for k, v in other.items()}
                    ),
                )
        else:
            messages.success(request, _("Daily close card filed."))
            return redirect("daily_card_day", day=day.isoformat())
    return _render_card(request, actor, card, file_form=form, values_form=values_form, status=400)


@employee_required()
def card_detail(request: HttpRequest, card_id: int) -> HttpResponse:
    """A card by its id: the author's, a manager's view of a subordinate's, or one copied to the viewer."""
    actor = actor_of(request)
    card = cs.card_get(actor=actor, card_id=card_id)
    return _render_card(request, actor, card)


def _back(card: DailyCard, actor: Employee) -> HttpResponse:
    if card.employee_id == actor.pk:
        return redirect("daily_card_day", day=card.day.isoformat())
    return redirect("daily_card", card_id=card.pk)


@employee_required()
def card_copy(request: HttpRequest, card_id: int) -> HttpResponse:
    actor = actor_of(request)
    card = cs.card_get(actor=actor, card_id=card_id)
    if request.method != "POST":
        return _back(card, actor)
    form = CardCopyForm(request.POST, colleagues=list(cs.copy_candidates(actor=actor)))
    if form.is_valid():
        try:
            card_services.card_copy(actor=actor, card_id=card.pk, employee_ids=form.cleaned_data["employee_ids"])
        except ServiceError as e:
            add_service_error(form, e)
        else:
            messages.success(request, _("Copied."))
            return _back(card, actor)
    return _render_card(request, actor, card, copy_form=form, status=400)


@employee_required()
def card_read(request: HttpRequest, card_id: int) -> HttpResponse:
    """已读: a copied colleague or the manager says they have read the card (an explicit POST, never a GET)."""
    actor = actor_of(request)
    card = cs.card_get(actor=actor, card_id=card_id)
    if request.method == "POST":
        try:
            card_services.card_mark_read(actor=actor, card_id=card.pk)
        except ServiceError as e:
            messages.error(request, str(e.message))
    return _back(card, actor)


@employee_required(Permission.CHANGE_SUBORDINATE_RECORDS)
def card_review(request: HttpRequest, card_id: int) -> HttpResponse:
    actor = actor_of(request)
    card = cs.card_get(actor=actor, card_id=card_id)
    if request.method != "POST":
        return _back(card, actor)
    form = CardReviewForm(request.POST)
    if form.is_valid():
        try:
            card_services.card_review(
                actor=actor, card_id=card.pk, score=form.cleaned_data["score"], comment=form.cleaned_data["comment"]
            )
        except ServiceError as e:
            add_service_error(form, e)
        else:
            messages.success(request, _("Card reviewed."))
            nxt = cs.review_queue(actor=actor).order_by(*cs.QUEUE_ORDERING).values_list("pk", flat=True).first()
            return redirect("daily_card", card_id=nxt) if nxt else redirect("daily_card_review_queue")
    return _render_card(request, actor, card, review_form=form, status=400)


@employee_required(Permission.CHANGE_SUBORDINATE_RECORDS)
def review_queue(request: HttpRequest) -> HttpResponse:
    """The filed, unreviewed cards of the people the manager sees, oldest first."""
    actor = actor_of(request)
    qs = cs.review_queue(actor=actor)
    page = keyset_page(qs, ordering=cs.QUEUE_ORDERING, cursor=request.GET.get("cursor") or None, limit=PAGE_SIZE)
    context = {"page": page, "may_configure": has_permission(actor, Permission.MANAGE_ORGANIZATION)}
    if is_htmx(request):
        return render(request, "schedules/card_queue.html#rows", context)
    return render(request, "schedules/card_queue.html", context)


@employee_required(Permission.CHANGE_SUBORDINATE_RECORDS)
def not_filed(request: HttpRequest) -> HttpResponse:
    """Who has not filed their card of a day (yesterday unless chosen)."""
    actor = actor_of(request)
    today = cs.today_of(actor)
    raw = request.GET.get("day", "")
    try:
        day = date.fromisoformat(raw) if raw else today - timedelta(days=1)
    except ValueError:
        day = today - timedelta(days=1)
    day = min(day, today)
    rows = list(cs.not_filed(actor=actor, day=day)[:500])
    context = {
        "day": day, "rows": rows, "previous": day - timedelta(days=1),
        "next": day + timedelta(days=1) if day < today else None,
        "working_day": cs.is_day_required(org_id=actor.org_id, day=day),
    }  # fmt: skip
    return render(request, "schedules/card_not_filed.html", context)


@employee_required(Permission.MANAGE_ORGANIZATION)
def close_settings(request: HttpRequest) -> HttpResponse:
    actor = actor_of(request)
    current = cs.close_settings(org_id=actor.org_id)
    initial = {
        "deadline_time": current.deadline_time, "deadline_next_day": current.deadline_next_day,
        "working_weekdays": current.working_weekdays, "remind_before_minutes": current.remind_before_minutes,
        "plan_reminder_time": current.plan_reminder_time,
    }  # fmt: skip
    form = CloseSettingsForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            card_services.close_settings_update(actor=actor, **form.cleaned_data)
        except ServiceError as e:
            add_service_error(form, e)
        else:
            messages.success(request, _("Settings saved."))
            return redirect("daily_close_settings")
    return render(request, "schedules/card_settings.html", {"form": form})
