"""What the customers app tells people through in-app notifications: the kinds it registers (their
text is rendered in the reader's language when shown) and one function per occasion, so a service
notifies in one line."""

from collections.abc import Mapping
from typing import Any

from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from fieldloop.notifications.kinds import register_kind
from fieldloop.notifications.services import Notice, notify_many
from fieldloop.org.models import Employee

from .models import Customer

PROTECTION_ENDING = "customers.protection_ending"
ASSIGNED = "customers.assigned"
ASSIGNED_MANY = "customers.assigned_many"
ASSIGNED_ONE_BY_ONE = 3  # more customers at once make one digest notice
HANDED_OVER = "customers.handed_over"
RECYCLED = "customers.recycled"


def _days(n: int) -> str:
    return ngettext("%(n)d day", "%(n)d days", n) % {"n": n}


def _protection_ending(p: Mapping[str, Any]) -> str:
    return ngettext(
        "%(count)d customer returns to the public pool within %(days)s unless you follow it up.",
        "%(count)d customers return to the public pool within %(days)s unless you follow them up.",
        p["count"],
    ) % {"count": p["count"], "days": _days(p["days"])}


def _assigned(p: Mapping[str, Any]) -> str:
    return _("%(actor)s assigned the customer %(customer)s to you.") % p


def _assigned_many(p: Mapping[str, Any]) -> str:
    return (
        ngettext(
            "%(actor)s assigned %(count)d customer to you.",
            "%(actor)s assigned %(count)d customers to you.",
            p["count"],
        )
        % p
    )


def _handed_over(p: Mapping[str, Any]) -> str:
    return (
        ngettext(
            "%(actor)s handed %(count)d customer of %(from)s over to you.",
            "%(actor)s handed %(count)d customers of %(from)s over to you.",
            p["count"],
        )
        % p
    )


def _recycled(p: Mapping[str, Any]) -> str:
    return _("%(customer)s went back to the public pool: its protection ended.") % p


def register() -> None:
    register_kind(PROTECTION_ENDING, message=_protection_ending, icon="ti-hourglass-low")
    register_kind(ASSIGNED, message=_assigned, icon="ti-user-plus")
    register_kind(ASSIGNED_MANY, message=_assigned_many, icon="ti-user-plus")
    register_kind(HANDED_OVER, message=_handed_over, icon="ti-arrows-exchange")
    register_kind(RECYCLED, message=_recycled, icon="ti-lifebuoy")


def expiring_link(owner_id: int) -> str:
    """The customer list filtered to the owner's customers whose protection is about to end."""
    return f"{reverse('customer_list')}?expiring=1&owner={owner_id}"


def protection_ending_notice(*, org_id: int, owner_id: int, count: int, days: int, day: str) -> Notice:
    """The day's digest for one owner; `day` (the organization's date) makes a re-run send nothing new."""
    return Notice(
        org_id=org_id,
        recipient_id=owner_id,
        kind=PROTECTION_ENDING,
        params={"count": count, "days": days},
        link=expiring_link(owner_id),
        dedupe_key=f"{PROTECTION_ENDING}:{day}",
    )


def customers_assigned(customers: list[Customer], *, owner: Employee, actor: Employee) -> None:
    """Tell the new owner what they received (one notice per customer, up to a few; then one digest),
    unless they assigned it to themselves."""
    if not customers or owner.pk == actor.pk:
        return
    if len(customers) <= ASSIGNED_ONE_BY_ONE:
        notices = [
            Notice(
                org_id=actor.org_id,
                recipient_id=owner.pk,
                kind=ASSIGNED,
                params={"actor": actor.name, "customer": c.name},
                link=reverse("customer_detail", kwargs={"customer_id": c.pk}),
            )
            for c in customers
        ]
    else:
        notices = [
            Notice(
                org_id=actor.org_id,
                recipient_id=owner.pk,
                kind=ASSIGNED_MANY,
                params={"actor": actor.name, "count": len(customers)},
                link=f"{reverse('customer_list')}?owner={owner.pk}",
            )
        ]
    notify_many(notices)


def customers_handed_over(*, actor: Employee, leaver: Employee, moved: Mapping[int, int]) -> None:
    """Tell each successor how many of the leaver's customers they received."""
    notify_many(
        Notice(
            org_id=actor.org_id,
            recipient_id=successor_id,
            kind=HANDED_OVER,
            params={"actor": actor.name, "from": leaver.name, "count": count},
            link=f"{reverse('customer_list')}?owner={successor_id}",
        )
        for successor_id, count in moved.items()
        if count and successor_id != actor.pk
    )


def customer_recycled(customer: Customer, *, previous_owner_id: int) -> None:
    """Tell the previous owner that the nightly job returned the customer to its pool."""
    notify_many(
        [
            Notice(
                org_id=customer.org_id,
                recipient_id=previous_owner_id,
                kind=RECYCLED,
                params={"customer": customer.name},
                link=reverse("customer_detail", kwargs={"customer_id": customer.pk}),
            )
        ]
    )
