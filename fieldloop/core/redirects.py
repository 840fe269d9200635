"""Where a form goes back to: the `next` it carries when that stays on this site, else a default."""

from django.http import HttpRequest
from django.utils.http import url_has_allowed_host_and_scheme


def safe_next(request: HttpRequest, default: str) -> str:
    """The request's `next` (POST, then GET) if it is a path or URL on this host, else `default` (a path
    or a URL name for `redirect`). Off-site targets (`https://evil.example/`, `//evil.example/`,
    `/\\evil.example`, `javascript:`) fall back to the default."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return default
