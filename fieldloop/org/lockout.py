"""Sign-in lockout that one address cannot turn against a whole company.

django-axes counts failures per (username, client address) pair: five wrong passwords lock that account
from that address only. On top, one address is locked for everyone after a much higher number of failures
(`AXES_ADDRESS_FAILURE_LIMIT`, 50 by default) within the cool-off: enough for an office behind one NAT or
a reverse proxy, not for a password sprayer. The client address is the socket's, unless the deployment
says how many reverse proxies it trusts (`FIELDLOOP_TRUSTED_PROXIES`): then the address the outermost
trusted proxy saw, from X-Forwarded-For (anything further left can be forged by the client).
"""

from datetime import timedelta
from typing import Any

from axes.backends import AxesStandaloneBackend
from axes.exceptions import AxesBackendPermissionDenied
from axes.helpers import get_client_ip_address
from axes.models import AccessAttempt
from django.conf import settings
from django.db.models import Sum
from django.http import HttpRequest
from django.utils import timezone


def client_address(request: HttpRequest) -> str | None:
    """The client's address, trusting X-Forwarded-For only as far as the configured number of proxies."""
    remote = request.META.get("REMOTE_ADDR")
    proxies = settings.FIELDLOOP_TRUSTED_PROXIES
    if proxies <= 0:
        return remote
    forwarded = [a.strip() for a in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if a.strip()]
    # Each trusted proxy appended the address it received from; the last `proxies` entries are theirs.
    if len(forwarded) >= proxies:
        return forwarded[-proxies]
    return remote


def address_failures(address: str | None) -> int:
    if not address:
        return 0
    since = timezone.now() - timedelta(hours=settings.AXES_COOLOFF_TIME)
    total = AccessAttempt.objects.filter(ip_address=address, attempt_time__gte=since).aggregate(
        n=Sum("failures_since_start")
    )["n"]
    return int(total or 0)


class LockoutBackend(AxesStandaloneBackend):
    """axes' per-(username, address) lockout, plus the per-address limit."""

    def authenticate(self, request: HttpRequest, username: str | None = None, password: str | None = None,
                     **kwargs: Any) -> None:  # fmt: skip
        super().authenticate(request, username=username, password=password, **kwargs)
        if address_failures(get_client_ip_address(request)) >= settings.AXES_ADDRESS_FAILURE_LIMIT:
            request.axes_locked_out = True  # type: ignore[attr-defined]  # axes' middleware answers with the lockout page
            raise AxesBackendPermissionDenied("too many failed sign-ins from this address")
