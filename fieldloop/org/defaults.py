"""What a new organization starts with.

Domain apps register what they create for a new organization in their AppConfig.ready
(`register_defaults`): the default lifecycle stages and duplicate rules, the customer template, the
built-in work-record templates and settings, ... `organization_sign_up` (and the demo company) runs every
registered creator once, inside the transaction that creates the organization, so nothing is ever created
"on first use" and a read never writes. For organizations that existed before an app's defaults did, the
app ships a data migration that creates them. `org` imports no domain app.
"""

from collections.abc import Callable

from .models import Organization

_CREATORS: dict[str, Callable[[Organization], object]] = {}


def register_defaults(name: str, create: Callable[[Organization], object]) -> None:
    """`create(org)` makes a new organization's defaults of one app; it runs in the caller's transaction."""
    _CREATORS[name] = create


def organization_defaults_create(*, org: Organization) -> None:
    """Every app's defaults for a new organization, in the order the apps registered them."""
    for create in _CREATORS.values():
        create(org)
