"""The phones' route: `POST /api/v1/tracking/points` with an API token, answered before Django's request cycle.

Every phone sends its positions every few minutes, so this one route takes most of the requests a company makes.
Through Django's handler a batch paid about as much for the request cycle (fifteen middleware, the URL
resolution, ninja's operation) as for checking and storing its points (bench/README.md, tracking). Here the same
request is answered by the same services, in the same words and with the same headers, at a third less CPU:

- it takes a request only when everything Django would check before the view is plainly fine: the method and
  path, no query string, a JSON body whose length is given and within `DATA_UPLOAD_MAX_MEMORY_SIZE`, a host in
  `ALLOWED_HOSTS`, no HTTPS redirect due, nothing in the body that the input guard would walk for, a JSON object
  with a `points` list, a `Bearer` token;
- the token is checked and the batch stored by the services the API route calls (`api_token_authenticate`,
  `location_batch_ingest`), in the employee's language and time zone, between Django's `request_started` and
  `request_finished` signals (which keep the database connection healthy);
- the answer is `api.ingest_answer`'s, given the headers Django's middleware would add (`ANSWER_MIDDLEWARE`).

Everything else goes to Django untouched, the body put back: a session (the browser's page), a refused token, a
batch refused whole (too many points, tracking off), malformed JSON, unsafe text, a wrong host. Those services
refuse before they write anything, so Django's route does the same work again and answers the error as every
other route does, in the user's language. Any other exception is logged and also handed to Django: the ingest's
write is one transaction and stores each point once however often it arrives, so a second try is safe.
"""

import io
import json
import logging
from collections.abc import Callable, Iterable
from typing import Any

from django.conf import settings
from django.contrib.sessions.middleware import SessionMiddleware
from django.core import signals
from django.core.exceptions import DisallowedHost
from django.core.handlers.wsgi import WSGIRequest
from django.http import HttpResponse
from django.middleware.clickjacking import XFrameOptionsMiddleware
from django.middleware.common import CommonMiddleware
from django.middleware.csp import ContentSecurityPolicyMiddleware
from django.middleware.gzip import GZipMiddleware
from django.middleware.locale import LocaleMiddleware
from django.middleware.security import SecurityMiddleware
from django.utils import timezone, translation
from django.utils.cache import patch_vary_headers
from django.utils.module_loading import import_string

from fieldloop.core.errors import ServiceError
from fieldloop.core.input_guard import may_hold_unsafe_text
from fieldloop.org.services import api_token_authenticate

from . import services
from .api import ingest_answer

PATH = "/api/v1/tracking/points"
logger = logging.getLogger(__name__)

WSGIApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]

# The middleware whose answer side puts headers on a token request's JSON answer (the others act on the request,
# on cookies or on static files; the session's is `_SessionRead`); applied in the order Django applies them (the
# settings' order, from the bottom). `test_ingest_route` checks that both routes answer with the same headers.
ANSWER_MIDDLEWARE = (
    SecurityMiddleware,
    GZipMiddleware,
    LocaleMiddleware,
    CommonMiddleware,
    XFrameOptionsMiddleware,
    ContentSecurityPolicyMiddleware,
)


def _unused(request: Any) -> Any:
    raise AssertionError("only the middleware's answer side is used")


class _SessionRead:
    """SessionMiddleware's answer side for a request whose session Django's middleware reads (the user is looked
    up before the token is): `Vary: Cookie`, and nothing saved."""

    def process_response(self, request: Any, response: HttpResponse) -> HttpResponse:
        patch_vary_headers(response, ("Cookie",))
        return response


def _answer_side() -> list[Any]:
    chosen = [import_string(path) for path in settings.MIDDLEWARE]
    return [
        _SessionRead() if cls is SessionMiddleware else cls(_unused)
        for cls in reversed(chosen)
        if cls in ANSWER_MIDDLEWARE or cls is SessionMiddleware
    ]


def _is_json(content_type: str) -> bool:
    return content_type.split(";", 1)[0].strip().lower() == "application/json"


def _bearer(environ: dict[str, Any]) -> str | None:
    """The token of `Authorization: Bearer …`, read as ninja's HttpBearer reads it."""
    scheme, _, token = environ.get("HTTP_AUTHORIZATION", "").partition(" ")
    return token if scheme.lower() == "bearer" and token else None


class PointsRoute:
    """WSGI: the phones' batches answered here, every other request by `app` (Django's handler)."""

    def __init__(self, app: WSGIApp) -> None:
        self.app = app
        self.middleware: list[Any] | None = None  # built at the first batch: the settings are ready by then
        self.security = SecurityMiddleware(_unused)

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        response = self.answer(environ)
        if response is None:
            return self.app(environ, start_response)
        status = f"{response.status_code} {response.reason_phrase}"
        start_response(status, list(response.items()))
        return response  # the server's close() sends request_finished, as for Django's answers

    def answer(self, environ: dict[str, Any]) -> HttpResponse | None:
        """The answer to a phone's batch, or None: Django's to give (with the body, if read, put back)."""
        request = self._plain_request(environ)
        if request is None:
            return None
        try:
            body = request.body
        except OSError:  # the phone went before its body arrived: Django answers what it can read of it
            environ["wsgi.input"] = io.BytesIO(b"")
            return None
        environ["wsgi.input"] = io.BytesIO(body)  # for Django, if it answers after all
        points = self._points(body)
        token = _bearer(environ)
        if points is None or token is None:
            return None
        signals.request_started.send(sender=self.__class__, environ=environ)
        try:
            actor = api_token_authenticate(token)
            with translation.override(actor.language), timezone.override(actor.org.time_zone):
                response = ingest_answer(services.location_batch_ingest(actor=actor, points=points))
                for middleware in self.middleware or self._middleware():
                    response = middleware.process_response(request, response)
        except ServiceError:
            signals.request_finished.send(sender=self.__class__)
            return None  # refused before any point was written: Django's route refuses it again, in its words
        except Exception:
            logger.exception("the points route failed; Django's route answers the batch")
            signals.request_finished.send(sender=self.__class__)
            return None
        response._handler_class = self.__class__  # type: ignore[attr-defined]
        return response

    def _middleware(self) -> list[Any]:
        self.middleware = _answer_side()
        return self.middleware

    def _plain_request(self, environ: dict[str, Any]) -> WSGIRequest | None:
        """The request, if it is a batch with nothing for Django to check or refuse before the view."""
        if environ.get("PATH_INFO") != PATH or environ.get("REQUEST_METHOD") != "POST":
            return None
        if environ.get("QUERY_STRING") or not _is_json(environ.get("CONTENT_TYPE", "")):
            return None
        try:
            length = int(environ.get("CONTENT_LENGTH") or 0)
        except ValueError:
            return None
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        if length <= 0 or (limit is not None and length > limit):
            return None
        request = WSGIRequest(environ)
        try:
            request.get_host()
        except DisallowedHost:
            return None
        if self.security.process_request(request) is not None:  # an HTTPS redirect
            return None
        return request

    @staticmethod
    def _points(body: bytes) -> list[Any] | None:
        if may_hold_unsafe_text(body):
            return None
        try:
            data = json.loads(body)
        except ValueError:
            return None
        points = data.get("points") if isinstance(data, dict) else None
        return points if isinstance(points, list) else None
