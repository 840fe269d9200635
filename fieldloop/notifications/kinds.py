"""The registry of notification kinds: each kind's message, written with gettext/ngettext and rendered
when the notification is shown, so it reads in the language of whoever reads it.

Domain apps register their kinds at start-up (in their AppConfig.ready):

    register_kind("customers.assigned", message=lambda p: _("%(actor)s gave you %(customer)s.") % p)
"""

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _

Message = Callable[[Mapping[str, Any]], str]


@dataclass(frozen=True)
class Kind:
    key: str
    message: Message
    icon: str = "ti-bell"


_KINDS: dict[str, Kind] = {}


def register_kind(key: str, *, message: Message, icon: str = "ti-bell") -> None:
    """Register (or, on a reload, replace) the kind `key`, e.g. "customers.protection_ending"."""
    _KINDS[key] = Kind(key=key, message=message, icon=icon)


def is_registered(key: str) -> bool:
    return key in _KINDS


def kind_icon(key: str) -> str:
    kind = _KINDS.get(key)
    return kind.icon if kind else "ti-bell"


def render_message(key: str, params: Mapping[str, Any]) -> str:
    """The text of a notification in the active language. A kind no longer registered, or params that
    no longer fit its message, still show something readable instead of failing the page."""
    kind = _KINDS.get(key)
    if kind is None:
        return _("You have a notification.")
    try:
        return kind.message(params)
    except (KeyError, TypeError, ValueError):
        return _("You have a notification.")
