"""HTML pages of the review of doubtful visits: the manager's queue (desktop) and the decision (a form on the
queue's rows and on the visit's page). Each view parses, calls one service or selector, renders."""

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from fieldloop.core.errors import ServiceError
from fieldloop.core.forms import add_service_error
from fieldloop.core.pagination import keyset_page
from fieldloop.core.redirects import safe_next
from fieldloop.org.decorators import actor_of, employee_required
from fieldloop.org.models import Employee
from fieldloop.org.selectors import visible_employees

from . import selectors, visit_review_selectors, visit_review_services
from .models import ReviewState, Visit
from .visit_review import signal_text
from .visit_review_forms import ReviewForm

PAGE_SIZE = 20


def review_context(actor: Employee, visit: Visit, form: ReviewForm | None = None) -> dict[str, Any]:
    """What the visit's page shows of its review: the signals, the state, the decisions, the form."""
    can_review = visit.review_state != ReviewState.NONE and visit_review_services.may_review(actor=actor, visit=visit)
    return {
        "visit": visit,
        "signals": [signal_text(s) for s in visit.review_signals],
        "history": list(visit_review_selectors.review_history(visit=visit)) if visit.review_state != "none" else [],
        "can_review": can_review,
        "form": form if form is not None else ReviewForm() if can_review else None,
    }


@employee_required()
def review_queue(request: HttpRequest) -> HttpResponse:
    """存疑拜访: the flagged visits waiting for the viewer's decision, oldest first, narrowed by the visit list's
    filters (employee, from, to)."""
    actor = actor_of(request)
    filters = selectors.visit_filters_from_query(request.GET.dict())
    queue = visit_review_selectors.review_queue(actor=actor, filters=filters)
    page = keyset_page(
        queue, ordering=visit_review_selectors.QUEUE_ORDERING, cursor=request.GET.get("cursor") or None, limit=PAGE_SIZE
    )
    language = get_language()
    rows = [
        (v, v.visit_type.display_name(language), [(s.get("code"), signal_text(s)) for s in v.review_signals])
        for v in page.items
    ]
    query = request.GET.copy()
    query.pop("cursor", None)
    context = {
        "page": page,
        "rows": rows,
        "form": ReviewForm(),
        "filters": filters,
        "query": query.urlencode(),
        "waiting": queue.count() if page.next_cursor or request.GET.get("cursor") else len(page.items),
        "employees": visible_employees(actor=actor).active().order_by("name").values_list("pk", "name"),
    }
    return render(request, "activities/review_queue.html", context)


@require_POST
@employee_required()
def visit_review(request: HttpRequest, visit_id: int) -> HttpResponse:
    """Confirm or reject a flagged visit (a reason is required to reject); back to where the form was."""
    actor = actor_of(request)
    form = ReviewForm(request.POST)
    if form.is_valid():
        try:
            visit, _changed = visit_review_services.visit_review_decide(
                actor=actor,
                visit_id=visit_id,
                decision=form.cleaned_data["decision"],
                reason=form.cleaned_data["reason"],
            )
        except ServiceError as e:
            add_service_error(form, e)
        else:
            if visit.review_state == ReviewState.REJECTED:
                messages.success(request, _("Visit rejected."))
            else:
                messages.success(request, _("Visit confirmed."))
            return redirect(safe_next(request, f"/visits/{visit.pk}/"))
    visit = selectors.visit_get(actor=actor, visit_id=visit_id)
    context = review_context(actor, visit, form) | {"review_next": safe_next(request, f"/visits/{visit.pk}/")}
    return render(request, "activities/visit_review_form.html", context)
