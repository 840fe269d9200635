"""Saved filters: the customer list's and the map's filters, saved by one employee under a name and applied in
one click (a link to the list or the map with the saved query).

A saved filter is its owner's alone: nobody else lists, reads, renames or deletes it, not an administrator of
the same organization either (their ids answer not found). There is nothing to share: the owner is always the
actor, and no service takes another.

What is stored is what the one filter parser (`selectors.parse_customer_filters`) reads, normalised through it
into its canonical query string (`selectors.customer_filters_query`): a name the parser does not know, a value it
drops (a level or date that cannot be), an owner the actor cannot see, a department, stage or tag of another
organization, or no filter at all is refused on its field and nothing is saved. Names are unique per owner
ignoring case (a database constraint on LOWER(name); the check here gives the field error first); an owner keeps
at most SAVED_FILTERS_PER_EMPLOYEE. Each write first locks the owner's employee row, so two tabs saving at once
cannot pass the cap or both take a name.
"""

from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.http import QueryDict
from django.utils.translation import gettext as _

from fieldloop.core.errors import ErrorCode, ServiceError, invalid, not_found
from fieldloop.org.models import Department, Employee
from fieldloop.org.selectors import visible_employees

from .models import SAVED_FILTER_NAME_LIMIT, SAVED_FILTERS_PER_EMPLOYEE, CustomerStage, SavedFilter, Tag
from .selectors import FILTER_PARAMS, CustomerFilters, customer_filters_query, parse_customer_filters

QUERY_LIMIT = 4000  # characters of the query string sent: the longest canonical one (50 tags, CJK texts) fits


def saved_filter_list(*, actor: Employee) -> QuerySet[SavedFilter]:
    """The actor's own saved filters, by name: one query, however many there are."""
    return SavedFilter.objects.filter(org_id=actor.org_id, owner_id=actor.pk).order_by("name", "id")


def saved_filter_get(*, actor: Employee, saved_filter_id: int) -> SavedFilter:
    """One of the actor's own saved filters; anyone else's is not found."""
    found = saved_filter_list(actor=actor).filter(pk=saved_filter_id).first()
    if found is None:
        raise not_found()
    return found


def saved_filter_filters(saved: SavedFilter) -> CustomerFilters:
    """The filters a saved filter holds (its query read by the one parser)."""
    return parse_customer_filters(QueryDict(saved.query))[0]


def _refused(fields: dict[str, list[Any]]) -> ServiceError:
    return ServiceError(ErrorCode.INVALID, _("Please correct the errors below."), fields)


def filters_normalise(*, actor: Employee, query: str) -> tuple[CustomerFilters, str]:
    """The filters of `query` (a query string of the customer list or the map, a leading "?" allowed) and their
    canonical query string, checked: every name one the parser reads, every value one it keeps, every row it
    names one the actor may choose (an owner they see; a department, stage or tag of their organization), and
    at least one filter. A ServiceError with the errors by the query's names otherwise. At most four queries
    (one per kind of row named)."""
    if not isinstance(query, str) or len(query) > QUERY_LIMIT:
        raise invalid("query", _("Enter at most %(limit)d characters.") % {"limit": QUERY_LIMIT})
    params = QueryDict(query.strip().removeprefix("?"))
    errors: dict[str, list[Any]] = {}
    for name in params:
        if name not in FILTER_PARAMS:
            errors.setdefault(name, []).append(_("Unknown filter."))
    filters, dropped = parse_customer_filters(params)
    for name, messages in dropped.items():
        errors.setdefault(name, []).extend(messages)
    if filters.owner_id and not visible_employees(actor=actor).filter(pk=filters.owner_id).exists():
        errors.setdefault("owner", []).append(_("Choose an employee you can see."))
    if filters.department_id and not Department.objects.filter(org_id=actor.org_id, pk=filters.department_id).exists():
        errors.setdefault("department", []).append(_("Choose a department of your organization."))
    if filters.stage_id and not CustomerStage.objects.filter(org_id=actor.org_id, pk=filters.stage_id).exists():
        errors.setdefault("stage", []).append(_("Choose a stage of your organization."))
    if filters.tag_ids:
        found = Tag.objects.filter(org_id=actor.org_id, pk__in=filters.tag_ids).count()
        if found != len(filters.tag_ids):
            errors.setdefault("tag", []).append(_("Choose tags of your organization."))
    if errors:
        raise _refused(errors)
    canonical = customer_filters_query(filters)
    if not canonical:
        raise invalid("query", _("Choose at least one filter to save."))
    return filters, canonical


def _clean_name(name: Any) -> str:
    clean = " ".join(str(name or "").split())
    if not clean:
        raise invalid("name", _("This field is required."))
    if len(clean) > SAVED_FILTER_NAME_LIMIT:
        raise invalid("name", _("Enter at most %(limit)d characters.") % {"limit": SAVED_FILTER_NAME_LIMIT})
    return clean


def _taken() -> ServiceError:
    return invalid("name", _("You already have a saved filter with this name."), ErrorCode.DUPLICATE)


def _lock_own(actor: Employee) -> list[SavedFilter]:
    """The actor's saved filters, read after locking the actor's employee row: two saves at once queue there, and
    the second reads the first one's row (its own statement, a fresh snapshot), so neither the cap nor a name
    check is passed twice. Locking the saved filters themselves would not do: a row inserted meanwhile is not
    among those locked."""
    list(Employee.objects.select_for_update().filter(pk=actor.pk).values_list("pk"))
    return list(SavedFilter.objects.filter(org_id=actor.org_id, owner_id=actor.pk).order_by("pk"))


def _save(saved: SavedFilter) -> None:
    """Save inside the caller's transaction (no savepoint: a clash ends it, and the service with it)."""
    try:
        saved.save()
    except IntegrityError:  # LOWER() of the database and casefold() disagree on some letters
        raise _taken() from None


@transaction.atomic
def saved_filter_create(*, actor: Employee, name: str, query: str) -> SavedFilter:
    """Save the filters of `query` under `name` for the actor alone. A few queries, whatever the data."""
    clean = _clean_name(name)
    _filters, canonical = filters_normalise(actor=actor, query=query)
    own = _lock_own(actor)
    if any(s.name.casefold() == clean.casefold() for s in own):
        raise _taken()
    if len(own) >= SAVED_FILTERS_PER_EMPLOYEE:
        message = _("You can keep at most %(limit)d saved filters: delete one first.")
        raise invalid("name", message % {"limit": SAVED_FILTERS_PER_EMPLOYEE}, ErrorCode.CONFLICT)
    saved = SavedFilter(org_id=actor.org_id, owner=actor, name=clean, query=canonical)
    _save(saved)
    return saved


@transaction.atomic
def saved_filter_update(
    *, actor: Employee, saved_filter_id: int, name: str | None = None, query: str | None = None
) -> SavedFilter:
    """Rename one of the actor's saved filters and/or replace its filters (only what is given changes)."""
    own = _lock_own(actor)
    saved = next((s for s in own if s.pk == saved_filter_id), None)
    if saved is None:
        raise not_found()
    fields: list[str] = []
    if name is not None:
        clean = _clean_name(name)
        if any(s.name.casefold() == clean.casefold() for s in own if s.pk != saved.pk):
            raise _taken()
        if clean != saved.name:
            saved.name = clean
            fields.append("name")
    if query is not None:
        _filters, canonical = filters_normalise(actor=actor, query=query)
        if canonical != saved.query:
            saved.query = canonical
            fields.append("query")
    if fields:
        _save(saved)
    return saved


@transaction.atomic
def saved_filter_delete(*, actor: Employee, saved_filter_id: int) -> None:
    """Delete one of the actor's saved filters."""
    deleted, _rows = saved_filter_list(actor=actor).filter(pk=saved_filter_id).delete()
    if not deleted:
        raise not_found()
