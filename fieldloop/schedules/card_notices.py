"""The daily close's notification kinds (registered from SchedulesConfig.ready): read in the reader's language."""

from collections.abc import Mapping
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from fieldloop.notifications.kinds import register_kind

from .card_services import (
    KIND_COPIED,
    KIND_ITEM_STARTING,
    KIND_NOT_FILED,
    KIND_PLAN_TOMORROW,
    KIND_REVIEWED,
    KIND_TO_REVIEW,
)


def _to_review(p: Mapping[str, Any]) -> str:
    n = int(p["n"])
    return ngettext(
        "%(n)d daily close card has waited more than a day for your review.",
        "%(n)d daily close cards have waited more than a day for your review.",
        n,
    ) % {"n": n}


def _item_starting(p: Mapping[str, Any]) -> str:
    if p.get("title"):
        return _("At %(time)s: %(title)s.") % p
    return _("Something you planned starts at %(time)s.") % p


def register() -> None:
    register_kind(
        KIND_REVIEWED,
        message=lambda p: _("%(reviewer)s reviewed your daily close card of %(day)s: %(score)s/5.") % p,
        icon="ti-clipboard-check",
    )
    register_kind(
        KIND_COPIED, message=lambda p: _("%(author)s copied you their daily close card of %(day)s.") % p,
        icon="ti-clipboard-text",
    )  # fmt: skip
    register_kind(KIND_ITEM_STARTING, message=_item_starting, icon="ti-alarm")
    register_kind(
        KIND_PLAN_TOMORROW, message=lambda p: _("Nothing is planned for tomorrow (%(day)s) yet.") % p,
        icon="ti-calendar-plus",
    )  # fmt: skip
    register_kind(
        KIND_NOT_FILED, message=lambda p: _("Your daily close card of %(day)s is not filed yet.") % p,
        icon="ti-clipboard-x",
    )  # fmt: skip
    register_kind(KIND_TO_REVIEW, message=_to_review, icon="ti-clipboard-list")
