"""Working without a signal: the service worker, the outbox page, and marking pages the device keeps.

The browser side lives in static/js/outbox.js (forms marked `data-outbox` are stored on the device
when the network fails and sent when it returns) and static/js/sw.js (pages marked offline-capable
open from the device's cache when the network fails)."""

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.decorators import login_required
from django.contrib.staticfiles import finders
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

OFFLINE_HEADER = "X-Fieldloop-Offline"


def offline_capable(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Let the service worker keep this page on the device, to open it without a signal. Only for
    pages whose content is safe to keep on a phone (forms, not lists of customers)."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        request.offline_capable = True  # type: ignore[attr-defined]  # base.html tells outbox.js
        response = view(request, *args, **kwargs)
        if request.method == "GET" and response.status_code == 200:
            response[OFFLINE_HEADER] = "1"
        return response

    return wrapper


@require_GET
def service_worker(request: HttpRequest) -> FileResponse:
    """static/js/sw.js, served at the site's root so that it may control every page (scope "/")."""
    path = finders.find("js/sw.js")
    if not path or not isinstance(path, str):
        raise Http404
    response = FileResponse(open(path, "rb"), content_type="text/javascript")  # noqa: SIM115 - FileResponse closes it
    response["Service-Worker-Allowed"] = "/"
    response["Cache-Control"] = "no-cache"
    return response


@login_required
@offline_capable
@require_GET
def outbox(request: HttpRequest) -> HttpResponse:
    """What this device still has to send; the list itself is drawn from IndexedDB by outbox.js."""
    return render(request, "core/outbox.html")
