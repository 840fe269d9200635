"""Target plans' pages (目标计划): the settings, the list (and a new plan), a plan's decomposition editor (read-only
for everyone but administrators) and its suggestions. Each view parses, calls one service or selector, renders."""

from decimal import Decimal
from typing import Any

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from fieldloop.core.errors import ServiceError
from fieldloop.core.forms import StyledForm, add_service_error
from fieldloop.org.decorators import actor_of, employee_required
from fieldloop.org.models import Role
from fieldloop.org.permissions import Permission, has_permission
from fieldloop.org.selectors import visible_employees

from . import plan_selectors, plan_services
from .decomposition import problems, tiers_of
from .models import PERIODS, Metric, PlanStatus, Tier
from .periods import period_bounds

WEEKDAYS = [
    (0, gettext_lazy("Monday")), (1, gettext_lazy("Tuesday")), (2, gettext_lazy("Wednesday")),
    (3, gettext_lazy("Thursday")), (4, gettext_lazy("Friday")), (5, gettext_lazy("Saturday")),
    (6, gettext_lazy("Sunday")),
]  # fmt: skip
MONTH_CHOICES = [(m, str(m)) for m in range(1, 13)]
SUGGESTION_ROLES = [Role.REP, Role.MANAGER, Role.DIRECTOR]


class SettingsForm(StyledForm):
    fiscal_year_start_month = forms.TypedChoiceField(
        label=gettext_lazy("Fiscal year starts in month"), choices=MONTH_CHOICES, coerce=int
    )
    reminder_weekdays = forms.TypedMultipleChoiceField(
        label=gettext_lazy("Remind managers on"), choices=WEEKDAYS, coerce=int, required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=gettext_lazy("On these days managers hear about the people below them who are at risk."),
    )  # fmt: skip

    def style_fields(self) -> None:
        super().style_fields()
        self.fields["reminder_weekdays"].widget.attrs["class"] = "form-check-input"


@employee_required(Permission.MANAGE_TARGETS)
def target_settings(request: HttpRequest) -> HttpResponse:
    """目标设置: the fiscal year's start month and the reminder weekdays."""
    actor = actor_of(request)
    current = plan_selectors.target_settings_of(org_id=actor.org_id)
    initial = {
        "fiscal_year_start_month": current.fiscal_year_start_month,
        "reminder_weekdays": current.reminder_weekdays,
    }
    form = SettingsForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            plan_services.target_settings_update(actor=actor, **form.cleaned_data)
        except ServiceError as e:
            add_service_error(form, e)
        else:
            messages.success(request, _("Target settings saved."))
            return redirect("target_settings")
    status = 400 if request.method == "POST" else 200
    return render(request, "targets/plans/settings.html", {"form": form}, status=status)


class PlanForm(StyledForm):
    name = forms.CharField(label=gettext_lazy("Name"), max_length=100)
    metric = forms.ChoiceField(label=gettext_lazy("Metric"), choices=Metric.choices)
    fiscal_year = forms.IntegerField(label=gettext_lazy("Fiscal year"), min_value=2000, max_value=2100)
    tiers = forms.TypedChoiceField(
        label=gettext_lazy("Tiers"), coerce=int, initial=1,
        choices=[(1, gettext_lazy("Target")), (2, gettext_lazy("Target and sprint")),
                 (3, gettext_lazy("Target, sprint and challenge"))],
    )  # fmt: skip
    allow_department_surplus = forms.BooleanField(
        label=gettext_lazy("A department's target may exceed its members' sum"), required=False
    )


@employee_required()
def plan_list(request: HttpRequest) -> HttpResponse:
    """目标计划: the organization's plans; administrators create one."""
    actor = actor_of(request)
    may_manage = has_permission(actor, Permission.MANAGE_TARGETS)
    today = plan_selectors.org_today(actor)
    form = PlanForm(request.POST or None, initial={"fiscal_year": today.year}) if may_manage else None
    if request.method == "POST":
        if form is None:
            return HttpResponse(status=403)
        if form.is_valid():
            try:
                plan = plan_services.plan_create(actor=actor, **form.cleaned_data)
            except ServiceError as e:
                add_service_error(form, e)
            else:
                messages.success(request, _("Plan created: start from the suggestions or enter the values."))
                return redirect("target_plan_suggestions", plan_id=plan.pk)
    plans = list(plan_selectors.plan_list(actor=actor)[:200])
    status = 400 if request.method == "POST" else 200
    return render(request, "targets/plans/list.html", {"plans": plans, "form": form}, status=status)


def _period_and_tier(request: HttpRequest, tiers: int) -> tuple[str, str]:
    period = request.GET.get("period") or request.POST.get("period") or "Y"
    tier = request.GET.get("tier") or request.POST.get("tier") or "target"
    return (period if period in PERIODS else "Y"), (tier if tier in tiers_of(tiers) else "target")


def _changed_cells(
    request: HttpRequest, tree: Any, period: str, tier: str
) -> tuple[list[dict[str, Any]], dict[str, str]]:
    """The grid's edits as the service's values (only the cells whose text changed), and the raw text of each."""
    values: list[dict[str, Any]] = []
    raw: dict[str, str] = {}
    for node in tree.walk():
        name = f"v-{node.field_name}"
        if name not in request.POST:
            continue
        text = request.POST[name].strip()
        raw[node.field_name] = text
        current = node.value(period, tier)
        if text == "" and current is None:
            continue
        try:
            if current is not None and plan_services.parse_amount(text) == current:
                continue
        except ValueError:
            pass  # the service names the field
        ids = {"department_id": node.id} if node.kind == "d" else {"employee_id": node.id}
        values.append({**ids, "period": period, tier: text if text != "" else ("0" if tier == "target" else None)})
    return values, raw


@employee_required()
def plan_detail(request: HttpRequest, plan_id: int) -> HttpResponse:
    """A plan's decomposition: every node the viewer sees, for one period and tier, with the parent's value, the
    sum of its children and the gap, and the period's parts along time. Administrators edit it here."""
    actor = actor_of(request)
    plan = plan_selectors.plan_get(actor=actor, plan_id=plan_id)
    may_edit = has_permission(actor, Permission.MANAGE_TARGETS)
    period, tier = _period_and_tier(request, plan.tiers)
    tree = plan_selectors.plan_tree(actor=actor, plan=plan)
    errors: dict[str, list[str]] = {}
    general: list[str] = []
    raw: dict[str, str] = {}
    sent: list[dict[str, Any]] = []
    status = 200
    if request.method == "POST":
        if not may_edit:
            return HttpResponse(status=403)
        action = request.POST.get("action", "")
        reason = request.POST.get("reason", "")
        spread = request.POST.get("spread", "").split(":")  # "spread_down:share:d12" from a row's button
        if len(spread) == 3:
            action = spread[0]
        try:
            if action == "save":
                sent, raw = _changed_cells(request, tree, period, tier)
                n = plan_services.plan_values_set(actor=actor, plan_id=plan.pk, values=sent, reason=reason)
                messages.success(request, _("%(n)d values saved.") % {"n": n})
            elif action in ("spread_down", "spread_time"):
                method, node = spread[1:] if len(spread) == 3 else ("", "")
                if action == "spread_down":
                    n = plan_services.plan_spread_down(actor=actor, plan_id=plan.pk, node=node, period=period,
                                                       tier=tier, method=method, reason=reason)  # fmt: skip
                else:
                    n = plan_services.plan_spread_time(actor=actor, plan_id=plan.pk, node=node, tier=tier,
                                                       method=method, reason=reason)  # fmt: skip
                messages.success(request, _("%(n)d values saved.") % {"n": n})
            elif action == "lock":
                plan_services.plan_lock(actor=actor, plan_id=plan.pk)
                messages.success(request, _("The plan is locked: changes are now recorded as revisions."))
            elif action == "newcomer":
                n = plan_services.plan_newcomer_add(
                    actor=actor, plan_id=plan.pk, employee_id=_int(request.POST.get("employee_id")),
                    annual_default=request.POST.get("annual_default", ""), reason=reason,
                )  # fmt: skip
                messages.success(request, _("%(n)d values saved.") % {"n": n})
        except ServiceError as e:
            status = 400
            for name, msgs in e.fields.items():
                errors[name] = [str(m) for m in msgs]
            general = [str(e.message)]
        else:
            return redirect(f"{request.path}?period={period}&tier={tier}")
        tree = plan_selectors.plan_tree(actor=actor, plan=plan)
    found = problems(tree, tiers=plan.tiers, allow_department_surplus=plan.allow_department_surplus)
    cell_errors = _cell_errors(errors, sent)
    explanations = plan_selectors.plan_explanations(plan=plan) if period == "Y" else {}
    rows = [
        {
            "node": n, "value": n.value(period, tier), "children_sum": n.children_sum(period, tier),
            "gap": n.gap(period, tier), "parts": n.time_sum(period, tier),
            "raw": raw.get(n.field_name), "error": cell_errors.get(n.field_name),
            "parent_value": n.parent.value(period, tier) if n.parent else None,
            "explanation": explanations.get(n.key, ""),
        }
        for n in tree.walk()
    ]  # fmt: skip
    first_day, last_day = period_bounds(plan, period)
    newcomers = (
        visible_employees(actor=actor)
        .active()
        .filter(joined_on__gte=period_bounds(plan, "Y")[0])
        .order_by("name")[:100]
        if may_edit
        else []
    )
    context = {
        "plan": plan, "rows": rows, "period": period, "tier": tier, "periods": PERIODS,
        "tiers": [(t, Tier(t).label) for t in tiers_of(plan.tiers)], "may_edit": may_edit,
        "locked": plan.status == PlanStatus.LOCKED, "problems": [plan_services.problem_text(p) for p in found[:20]],
        "problem_count": len(found), "errors": errors, "general": general, "first_day": first_day,
        "last_day": last_day,
        "revisions": list(plan_selectors.plan_revisions(actor=actor, plan=plan)[:50]), "newcomers": newcomers,
    }  # fmt: skip
    return render(request, "targets/plans/detail.html", context, status=status)


def _int(text: str | None) -> int:
    return int(text) if text and text.isdigit() and len(text) < 12 else 0


def _cell_errors(errors: dict[str, list[str]], sent: list[dict[str, Any]]) -> dict[str, str]:
    """The service's `values.<i>.<tier>` errors are by position in what was sent: back to the grid's cells."""
    found: dict[str, str] = {}
    for name, msgs in errors.items():
        parts = name.split(".")
        if len(parts) == 3 and parts[0] == "values" and parts[1].isdigit() and int(parts[1]) < len(sent):
            item = sent[int(parts[1])]
            key = f"d{item['department_id']}" if "department_id" in item else f"e{item['employee_id']}"
            found[key] = " ".join(msgs)
    return found


class SuggestionForm(StyledForm):
    scale = forms.DecimalField(
        label=gettext_lazy("Scale"), initial=Decimal("1.2"), min_value=Decimal("0.1"), max_value=Decimal(10),
        decimal_places=2, help_text=gettext_lazy("1.2: the company +20 %, distributed by share."),
    )  # fmt: skip
    rep_default = forms.DecimalField(label=gettext_lazy("A new rep's year"), min_value=0, required=False)
    manager_default = forms.DecimalField(label=gettext_lazy("A new manager's year"), min_value=0, required=False)
    director_default = forms.DecimalField(label=gettext_lazy("A new director's year"), min_value=0, required=False)

    def role_defaults(self) -> dict[str, Decimal]:
        return {
            str(role): self.cleaned_data[f"{role}_default"]
            for role in SUGGESTION_ROLES
            if self.cleaned_data.get(f"{role}_default") is not None
        }


def _percent(value: Decimal | None, places: str) -> Decimal | None:
    return (value * 100).quantize(Decimal(places)) if value is not None else None


@employee_required(Permission.MANAGE_TARGETS)
def plan_suggestions(request: HttpRequest, plan_id: int) -> HttpResponse:
    """Suggestions from data: every node's year from its own history, scaled, with its explanation; accept them
    into a draft plan."""
    actor = actor_of(request)
    plan = plan_selectors.plan_get(actor=actor, plan_id=plan_id)
    data = request.POST if request.method == "POST" else (request.GET if "scale" in request.GET else None)
    form = SuggestionForm(data, initial={"scale": Decimal("1.2")})
    status = 200
    scale, defaults = Decimal("1.2"), {}
    if form.is_bound and form.is_valid():
        scale, defaults = form.cleaned_data["scale"], form.role_defaults()
        if request.method == "POST":
            try:
                plan_services.plan_suggestion_accept(actor=actor, plan_id=plan.pk, scale=scale, role_defaults=defaults)
            except ServiceError as e:
                add_service_error(form, e)
                status = 400
            else:
                messages.success(request, _("Suggestions accepted: adjust them here, then lock the plan."))
                return redirect("target_plan_detail", plan_id=plan.pk)
    elif form.is_bound:
        status = 400
    _plan, tree, result, texts = plan_selectors.plan_suggestion_preview(
        actor=actor, plan_id=plan.pk, scale=scale, role_defaults=defaults
    )
    rows = [
        {"node": n, "s": result[n.key], "text": texts.get(n.key, ""),
         "trend": _percent(result[n.key].trend, "1"), "share": _percent(result[n.key].share, "0.1")}
        for n in tree.walk()
        if n.key in result
    ]  # fmt: skip
    context = {"plan": plan, "form": form, "rows": rows, "locked": plan.status == PlanStatus.LOCKED}
    return render(request, "targets/plans/suggestions.html", context, status=status)
