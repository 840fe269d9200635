"""HTML pages of the public pools (公海): browse and claim, set up pools, release and assign."""

import uuid
from collections.abc import Iterable
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from fieldloop.core.errors import ServiceError
from fieldloop.core.forms import add_service_error
from fieldloop.core.htmx import is_htmx
from fieldloop.core.pagination import keyset_page
from fieldloop.core.redirects import safe_next
from fieldloop.org.decorators import actor_of, employee_required
from fieldloop.org.idempotency import run_idempotent
from fieldloop.org.models import Employee
from fieldloop.org.permissions import Permission, has_permission
from fieldloop.org.selectors import employee_get, visible_employees

from . import bulk_changes, handover, pools, selectors
from .forms import AssignForm, BulkActionForm, HandoverForm, PoolForm, ReleaseForm
from .models import CustomerPool, PoolMembership

RULES = ("name", "description", "protection_days", "extension_days", "max_protection_days", "notify_days_before",
         "daily_claim_limit", "holding_cap", "reclaim_cooldown_days", "keep_stage_ids")  # fmt: skip


@employee_required()
def pool_list(request: HttpRequest) -> HttpResponse:
    """The pools the user reads (theirs, and a manager's team's), with the customers waiting in the chosen one;
    its members claim them."""
    actor = actor_of(request)
    my_pools = list(selectors.pools_readable(actor=actor).order_by("name", "id"))
    chosen = next((p for p in my_pools if str(p.pk) == request.GET.get("pool")), my_pools[0] if my_pools else None)
    page = None
    search = request.GET.get("q", "").strip()[:80]
    if chosen is not None:
        qs = selectors.pool_customer_list(actor=actor, pool_id=chosen.pk, search=search)
        page = keyset_page(qs, ordering=("-updated_at", "-id"), cursor=request.GET.get("cursor") or None, limit=50)
    bulk = _pool_bulk_bar(actor, chosen, request)
    bulk_kept_elsewhere(actor, bulk, page.items if page is not None else [])
    context = {
        "pools": my_pools,
        "chosen": chosen,
        "page": page,
        "search": search,
        "can_manage": has_permission(actor, Permission.MANAGE_CUSTOMER_POOLS),
        "can_manage_stages": has_permission(actor, Permission.MANAGE_ORGANIZATION),
        "bulk": bulk,
    }
    if is_htmx(request) and request.GET.get("cursor"):
        return render(request, "customers/pool_list.html#rows", context)
    return render(request, "customers/pool_list.html", context)


@require_POST
@employee_required()
def customer_claim(request: HttpRequest, customer_id: int) -> HttpResponse:
    try:
        customer = pools.customer_claim(actor=actor_of(request), customer_id=customer_id)
    except ServiceError as e:
        messages.error(request, str(e.message))
        return redirect(safe_next(request, "pool_list"))
    messages.success(request, _("“%(name)s” is yours now.") % {"name": customer.name})
    return redirect("customer_detail", customer_id=customer.pk)


@require_POST
@employee_required()
def customer_release(request: HttpRequest, customer_id: int) -> HttpResponse:
    actor = actor_of(request)
    form = ReleaseForm(request.POST, actor=actor)
    try:
        if not form.is_valid():
            raise ServiceError(*_form_error(form))
        pools.customer_release(actor=actor, customer_id=customer_id, pool_id=form.cleaned_data["pool_id"])
    except ServiceError as e:
        messages.error(request, str(e.message))
    else:
        messages.success(request, _("The customer went back to the pool."))
    return redirect("customer_detail", customer_id=customer_id)


@require_POST
@employee_required(Permission.ASSIGN_CUSTOMERS)
def customer_assign(request: HttpRequest, customer_id: int) -> HttpResponse:
    actor = actor_of(request)
    form = AssignForm(request.POST, actor=actor)
    try:
        if not form.is_valid():
            raise ServiceError(*_form_error(form))
        pools.customer_assign(actor=actor, customer_id=customer_id, owner_id=form.cleaned_data["owner_id"])
    except ServiceError as e:
        messages.error(request, str(e.message))
    else:
        messages.success(request, _("The customer has a new owner."))
    return redirect("customer_detail", customer_id=customer_id)


def _form_error(form: Any) -> tuple[Any, str]:
    from fieldloop.core.errors import ErrorCode

    return ErrorCode.INVALID, " ".join(str(m) for errors in form.errors.values() for m in errors)


@employee_required(Permission.MANAGE_CUSTOMER_POOLS)
def pool_edit(request: HttpRequest, pool_id: int | None = None) -> HttpResponse:
    actor = actor_of(request)
    pool = CustomerPool.objects.filter(org_id=actor.org_id, pk=pool_id).first() if pool_id else None
    if pool_id and pool is None:
        return render(request, "404.html", status=404)
    initial: dict[str, Any] = {f: getattr(pool or CustomerPool(), f) for f in RULES if f != "keep_stage_ids"}
    if pool is not None:
        memberships = PoolMembership.objects.filter(pool=pool)
        initial |= {
            "keep_stage_ids": list(pool.keep_stages.values_list("pk", flat=True)),
            "member_ids": [m.employee_id for m in memberships],
            "admin_ids": [m.employee_id for m in memberships if m.is_pool_admin],
        }
    form = PoolForm(request.POST or None, actor=actor, language=get_language(), initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        rules = {f: data[f] for f in RULES}
        try:
            if pool is None:
                pool = pools.pool_create(actor=actor, **rules)
            else:
                pools.pool_update(actor=actor, pool_id=pool.pk, **rules)
            pools.pool_set_members(
                actor=actor, pool_id=pool.pk, member_ids=data["member_ids"], admin_ids=data["admin_ids"]
            )
        except ServiceError as e:
            add_service_error(form, e)
        else:
            messages.success(request, _("Pool “%(name)s” saved.") % {"name": pool.name})
            return redirect(f"/customers/pools/?pool={pool.pk}")
    title = pool.name if pool else _("New pool")
    return render(request, "customers/pool_form.html", {"form": form, "title": title, "pool": pool})


def release_and_assign_forms(
    actor: Employee, customer: Any, *, can_change: bool, read_only: bool = False
) -> dict[str, Any]:
    """The pool actions a customer page offers this user: a release by someone who may change the customer
    (`selectors.may_change_customer`, the rule `pools.customer_release` applies), an assignment by someone
    with the permission, unless they only read the customer (`selectors.customer_read`: their team worked on it),
    which `pools.customer_assign` refuses."""
    release = customer.owner_id and can_change
    assign = not read_only and has_permission(actor, Permission.ASSIGN_CUSTOMERS)
    return {
        "release_form": ReleaseForm(actor=actor, initial={"pool_id": customer.pool_id}) if release else None,
        "assign_form": AssignForm(actor=actor) if assign else None,
    }


@employee_required(Permission.ASSIGN_CUSTOMERS)
def customer_handover(request: HttpRequest, employee_id: int) -> HttpResponse:
    """The handover wizard: whose customers, to whom, and whether the person then leaves."""
    actor = actor_of(request)
    leaver = employee_get(actor=actor, employee_id=employee_id)
    form = HandoverForm(request.POST or None, actor=actor, leaver=leaver)
    if request.method == "POST" and form.is_valid():
        try:
            result = handover.customer_handover(
                actor=actor, from_employee_id=leaver.pk, successor_ids=form.cleaned_data["successor_ids"],
                mark_left=form.cleaned_data.get("mark_left", False),
            )  # fmt: skip
        except ServiceError as e:
            add_service_error(form, e)
        else:
            count = sum(result.moved.values())
            messages.success(request, _("%(count)d customers handed over.") % {"count": count})
            return redirect("employee_detail", employee_id=leaver.pk)
    context = {"form": form, "leaver": leaver, "customer_count": handover.owned_customers(leaver)}
    return render(request, "customers/handover.html", context)


# --- Bulk actions (the customer list's and the pool page's action bar) ----------------------------------------
# Assign, transfer, release and archive are confirmed on a page first; level, stage and tags change at once. A
# refusal brings the list back as the user left it: the same customers ticked and the same values chosen (`kept`,
# from the query string the refusal redirects to), with the error shown.

KEPT = ("chosen", "bulk_owner", "bulk_level", "bulk_stage", "bulk_tag")  # the query keys a refusal sends back


def bulk_receivers(actor: Employee) -> list[tuple[int, str]]:
    """Whom the actor may give customers to: active employees within reach, for those who may assign."""
    if not has_permission(actor, Permission.ASSIGN_CUSTOMERS):
        return []
    return list(visible_employees(actor=actor).active().order_by("name").values_list("pk", "name"))


def bulk_bar(
    actor: Employee, request: HttpRequest | None = None, *, actions: tuple[str, ...] | None = None
) -> dict[str, Any]:
    """The action bar's context: the actions this actor may start here, the people to pick from, the request's
    client_id, and what a refusal sent back to this `request` (`kept`). The changes (level, stage, tags, archive)
    are offered to everyone: the services refuse the customers the actor may not change."""
    receivers = bulk_receivers(actor)
    offered = [(value, label) for value, label in BulkActionForm.ACTIONS if actions is None or value in actions]
    if not receivers:
        offered = [(value, label) for value, label in offered if value not in ("assign", "transfer")]
    return {
        "actions": offered,
        "offered": [value for value, _label in offered],
        "receivers": receivers,
        "client_id": uuid.uuid4(),
        "kept": bulk_kept(request) if request is not None else {},
    }


def bulk_kept_elsewhere(actor: Employee, bulk: dict[str, Any] | None, shown: Iterable[Any]) -> None:
    """The customers a refusal sent back as chosen that this page does not show (ticked further down, after a
    "load more", or no longer matching the filters): the bar lists them, still ticked, so the selection loses
    none. One query, only after a refusal."""
    if bulk is None:
        return
    missing = set(bulk["kept"].get("chosen", ())) - {c.pk for c in shown}
    rows = selectors.visible_customers(actor=actor, include_archived=True).filter(pk__in=missing)
    bulk["elsewhere"] = list(rows.order_by("name", "pk").values_list("pk", "name")) if missing else []


def _digits(values: list[str]) -> list[int]:
    return [int(v) for v in values if v.isdigit() and len(v) < 19]


def bulk_kept(request: HttpRequest) -> dict[str, Any]:
    """What a refused bulk action sent back in the query string: the customers chosen, the values picked, and
    the page's own address without them (where the next action returns)."""
    query = request.GET
    rest = query.copy()
    for key in KEPT:
        rest.pop(key, None)
    owner, stage = _digits(query.getlist("bulk_owner")[:1]), _digits(query.getlist("bulk_stage")[:1])
    return {
        "chosen": set(_digits(query.getlist("chosen")[: pools.BULK_LIMIT])),
        "owner_id": owner[0] if owner else None,
        "level": query.get("bulk_level", ""),
        "stage_id": stage[0] if stage else None,
        "tag_ids": set(_digits(query.getlist("bulk_tag")[:100])),
        "next": f"{request.path}?{rest.urlencode()}" if rest else request.path,
    }


def _with_selection(back: str, posted: QueryDict, *, values: bool = True) -> str:
    """`back` (a path on this site) with the chosen customers (and the bar's `values`) in its query string."""
    parts = urlsplit(back)
    query = QueryDict(parts.query, mutable=True)
    for key in KEPT:
        query.pop(key, None)
    query.setlist("chosen", [str(i) for i in _digits(posted.getlist("customer_ids"))[: pools.BULK_LIMIT]])
    if values:
        for key, name in (("bulk_owner", "owner_id"), ("bulk_level", "level"), ("bulk_stage", "stage_id")):
            if posted.get(name):
                query[key] = posted.get(name, "")[:20]
        query.setlist("bulk_tag", [str(i) for i in _digits(posted.getlist("tag_ids"))[:100]])
    return urlunsplit(parts._replace(query=query.urlencode()))


def _refused_text(error: ServiceError) -> str:
    """The refusal in one line: its message, then what each field says (which customers, and why)."""
    details = [str(m) for messages in error.fields.values() for m in messages]
    shown = details[:20] + (["…"] if len(details) > 20 else [])
    return " ".join([str(error.message), *shown]) if shown else str(error.message)


def _bulk_run(actor: Employee, action: str, data: dict[str, Any]) -> dict[str, Any]:
    ids = data["customer_ids"]
    if action == "assign":
        result = pools.customers_bulk_assign(actor=actor, customer_ids=ids, owner_id=data["owner_id"])
    elif action == "transfer":
        result = pools.customers_bulk_transfer(actor=actor, customer_ids=ids, to_employee_id=data["owner_id"])
    elif action == "release":
        result = pools.customers_bulk_release(actor=actor, customer_ids=ids)
    elif action == "level":
        result = bulk_changes.customers_bulk_level(actor=actor, customer_ids=ids, level=data["level"])
    elif action == "stage":
        result = bulk_changes.customers_bulk_stage(actor=actor, customer_ids=ids, stage_id=data["stage_id"])
    elif action in ("tags_add", "tags_remove"):
        lists = {"add_tag_ids" if action == "tags_add" else "remove_tag_ids": data["tag_ids"]}
        result = bulk_changes.customers_bulk_tags(actor=actor, customer_ids=ids, **lists)
    else:
        result = bulk_changes.customers_bulk_archive(actor=actor, customer_ids=ids)
    return {"moved": result.moved, "unchanged": result.unchanged}


def _bulk_done_message(action: str, body: dict[str, Any], receiver: str) -> str:
    n = len(body["moved"])
    if action == "assign":
        text = _("%(n)d customers assigned to %(name)s.") % {"n": n, "name": receiver}
    elif action == "transfer":
        text = _("%(n)d customers transferred to %(name)s.") % {"n": n, "name": receiver}
    elif action == "release":
        text = _("%(n)d customers released to the pool.") % {"n": n}
    elif action == "archive":
        text = _("%(n)d customers archived.") % {"n": n}
    else:
        text = _("%(n)d customers changed.") % {"n": n}
    if body["unchanged"]:
        if action in ("assign", "transfer", "release"):
            text += " " + _("%(n)d were already there.") % {"n": len(body["unchanged"])}
        else:
            text += " " + _("%(n)d needed no change.") % {"n": len(body["unchanged"])}
    return text


@require_POST
@employee_required()
def customer_bulk(request: HttpRequest) -> HttpResponse:
    """From the action bar: a change of level, stage or tags is applied at once, all or nothing, once per
    client_id. A move or an archive first shows the confirmation page listing the chosen customers; its POST
    (confirm=1, with the client_id) applies it. Either way back to the page with the result; a refusal from the
    bar brings that page back as it was left (`_with_selection`), one on the confirmation page is shown there.
    After a change of level, stage or tags the same customers stay chosen, for the next action on them."""
    actor = actor_of(request)
    back = safe_next(request, reverse("customer_list"))
    receivers = bulk_receivers(actor)
    form = BulkActionForm(request.POST, receivers=receivers)
    if not form.is_valid():
        messages.error(request, " ".join(str(m) for errors in form.errors.values() for m in errors))
        return redirect(_with_selection(back, request.POST))
    data = form.cleaned_data
    action = data["action"]
    receiver = dict(receivers).get(data["owner_id"] or 0, "")
    status = 200
    error: ServiceError | None = None
    confirmed = request.POST.get("confirm") == "1" and data["client_id"]
    if action not in BulkActionForm.CONFIRMED or confirmed:
        try:
            result = run_idempotent(
                actor=actor, key=data["client_id"] or uuid.uuid4(), operation=f"customers.bulk_{action}",
                create=lambda: (200, _bulk_run(actor, action, data)),
            )  # fmt: skip
        except ServiceError as e:
            if action not in BulkActionForm.CONFIRMED:
                messages.error(request, _refused_text(e))
                return redirect(_with_selection(back, request.POST))
            error, status = e, 400
        else:
            messages.success(request, _bulk_done_message(action, result.body, receiver))
            if action in BulkActionForm.CONFIRMED:
                return redirect(back)
            # a change keeps the customers chosen, for the next action on them (tag them, then assign them)
            return redirect(_with_selection(back, request.POST, values=False))
    ids = data["customer_ids"][: pools.BULK_LIMIT + 1]
    chosen = selectors.visible_customers(actor=actor).filter(pk__in=ids).select_related("owner", "pool")
    context = {
        "action": action,
        "action_label": dict(BulkActionForm.ACTIONS)[action],
        "receiver": receiver,
        "owner_id": data["owner_id"],
        "customers": chosen.order_by("name", "pk"),
        "customer_ids": data["customer_ids"],
        "client_id": uuid.uuid4(),
        "next": back,
        "back": _with_selection(back, request.POST) if error else back,
        "error": error,
    }
    return render(request, "customers/bulk_confirm.html", context, status=status)


def _pool_bulk_bar(actor: Employee, pool: CustomerPool | None, request: HttpRequest) -> dict[str, Any] | None:
    """On the pool page, its administrators (and those who manage pools) assign customers in bulk."""
    if pool is None or not has_permission(actor, Permission.ASSIGN_CUSTOMERS):
        return None
    pool_admin = PoolMembership.objects.filter(pool=pool, employee=actor, is_pool_admin=True)
    if not has_permission(actor, Permission.MANAGE_CUSTOMER_POOLS) and not pool_admin.exists():
        return None
    return bulk_bar(actor, request, actions=("assign",))
