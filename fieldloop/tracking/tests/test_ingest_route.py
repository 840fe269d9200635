"""The phones' route before Django (`ingest_route`): it answers a token's batch exactly as the API route does (status,
body, words, headers), leaves everything else to Django untouched, and is what production serves (scripts/serve,
over real HTTP)."""

import http.client
import json
import os
import socket
import subprocess
import time
from contextlib import contextmanager
from pathlib import Path

import pytest
from django.conf import settings
from django.core.handlers.wsgi import WSGIRequest
from django.core.signals import request_finished, request_started
from django.db import close_old_connections, connection, transaction
from django.test import Client
from django.test.client import ClientHandler

from fieldloop.org import services as org_services
from fieldloop.tracking import services
from fieldloop.tracking.ingest_route import PATH, PointsRoute
from fieldloop.tracking.models import LocationPoint

from .helpers import at, employed, last_workday, point

BASE_DIR = Path(settings.BASE_DIR)


class RouteHandler(ClientHandler):
    """The test client's handler with the route in front, as `fieldloop.wsgi` puts it in front of Django's."""

    route = PointsRoute(app=None)  # type: ignore[arg-type]

    def __call__(self, environ):  # type: ignore[no-untyped-def]
        # as Django's test handler: the test's transaction must not see its connection closed by the signals
        request_started.disconnect(close_old_connections)
        request_finished.disconnect(close_old_connections)
        try:
            response = self.route.answer(environ)
            if response is not None:
                response.wsgi_request = WSGIRequest(environ)  # type: ignore[attr-defined]
                response.close()  # what the server does at the end: request_finished
        finally:
            request_started.connect(close_old_connections)
            request_finished.connect(close_old_connections)
        return response if response is not None else super().__call__(environ)


def clients(**defaults):
    """The same request through the route (first) and through Django alone."""
    routed, plain = Client(**defaults), Client(**defaults)
    routed.handler = RouteHandler(enforce_csrf_checks=False)
    return routed, plain


def token(employee):
    return f"Bearer {org_services.api_token_create(actor=employee, name='phone').secret}"


def answered_by_route(response) -> bool:
    return getattr(response, "_handler_class", None) is PointsRoute


class Undo(Exception):
    pass


def in_savepoint(send):
    """What `send` answers, from the database as it is now: its writes are rolled back."""
    try:
        with transaction.atomic():
            response = send()
            raise Undo
    except Undo:
        return response


HEADERS_SET_BY_THE_SERVER = {"Date", "Server"}


def same_answer(routed, plain):
    assert routed.status_code == plain.status_code
    assert routed.json() == plain.json()
    assert {k: v for k, v in routed.items() if k not in HEADERS_SET_BY_THE_SERVER} == {
        k: v for k, v in plain.items() if k not in HEADERS_SET_BY_THE_SERVER
    }


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_a_phones_batches_are_answered_before_django_word_for_word_as_django_answers_them(cast, language):
    day = last_workday()
    rep = employed(cast.rep, day)
    rep.language = language
    rep.save(update_fields=["language"])
    bearer = token(rep)
    first = [point(at(day, 10, m)) for m in range(0, 30, 5)] + [point(at(day, 10, 40), lat=100)]
    replay = [*first[:3], {**first[3], "latitude": 31.9}, point(at(day, 11), accuracy=0)]
    routed, plain = clients(HTTP_AUTHORIZATION=bearer)
    for batch in (first, replay):
        body = {"points": batch}
        by_django = in_savepoint(lambda: plain.post(PATH, body, content_type="application/json"))  # noqa: B023
        by_route = routed.post(PATH, body, content_type="application/json")  # kept: the replay follows it
        assert answered_by_route(by_route)
        assert not answered_by_route(by_django)
        same_answer(by_route, by_django)
    answer = by_route.json()
    assert (answer["accepted"], answer["duplicates"]) == (0, 3)
    assert [(r["index"], r["field"]) for r in answer["rejected"]] == [(3, "id"), (4, "accuracy")]
    replayed = answer["rejected"][0]["message"]
    assert replayed == ("此定位点 ID 已以不同内容发送过。" if language == "zh-hans" else
                        "This point id was already sent with other content.")  # fmt: skip
    assert LocationPoint.objects.filter(employee=rep).count() == 6


def left_to_django(cast, day):
    """Requests the route must not answer, each with what makes it so."""
    rep = employed(cast.rep, day)
    bearer = token(rep)
    good = {"points": [point(at(day, 10))]}
    off = employed(cast.rep2, day)
    services.tracking_switch_set(actor=cast.admin, employee_id=off.pk, enabled=False)
    revoked = org_services.api_token_create(actor=rep, name="old")
    org_services.api_token_revoke(actor=rep, token_id=revoked.token.pk)
    return {
        "no token (a browser's session)": dict(data=good),
        "an unknown token": dict(data=good, HTTP_AUTHORIZATION="Bearer flp_nothing"),
        "a revoked token": dict(data=good, HTTP_AUTHORIZATION=f"Bearer {revoked.secret}"),
        "another scheme": dict(data=good, HTTP_AUTHORIZATION=f"Basic {bearer[7:]}"),
        "tracking off for the employee": dict(data=good, HTTP_AUTHORIZATION=token(off)),
        "more than a thousand points": dict(data={"points": good["points"] * 1001}, HTTP_AUTHORIZATION=bearer),
        "points not a list": dict(data={"points": {"0": good["points"][0]}}, HTTP_AUTHORIZATION=bearer),
        "a body that is not an object": dict(data=[good], HTTP_AUTHORIZATION=bearer),
        "malformed JSON": dict(data='{"points": [', HTTP_AUTHORIZATION=bearer),
        "a NUL in a string": dict(
            data={"points": [{**good["points"][0], "provider": "gps\x00"}]}, HTTP_AUTHORIZATION=bearer
        ),
        "a lone surrogate escaped": dict(data='{"points": [], "note": "\\ud800"}', HTTP_AUTHORIZATION=bearer),
        "a query string": dict(data=good, HTTP_AUTHORIZATION=bearer, QUERY_STRING="x=1"),
        "a host not allowed": dict(data=good, HTTP_AUTHORIZATION=bearer, HTTP_HOST="evil.example"),
        "form data": dict(data="points=1", content_type="application/x-www-form-urlencoded", HTTP_AUTHORIZATION=bearer),
    }


def test_what_the_route_leaves_to_django_is_answered_by_django_as_before(cast):
    day = last_workday()
    for case, request in left_to_django(cast, day).items():
        request = {"content_type": "application/json", **request}
        data = request.pop("data")
        query = request.pop("QUERY_STRING", "")
        path = f"{PATH}?{query}" if query else PATH
        routed, plain = clients()
        by_django = in_savepoint(lambda: plain.post(path, data, **request))  # noqa: B023 - called at once
        by_route = in_savepoint(lambda: routed.post(path, data, **request))  # noqa: B023
        assert not answered_by_route(by_route), case
        assert (by_route.status_code, by_route.content) == (by_django.status_code, by_django.content), case


def test_other_routes_and_methods_pass_through(cast):
    routed, _plain = clients(HTTP_AUTHORIZATION=token(cast.rep))
    assert routed.get("/api/v1/me").status_code == 200
    assert routed.get(PATH).status_code == 405
    assert not answered_by_route(routed.get("/api/v1/me"))


def test_the_production_application_puts_the_route_in_front_of_django():
    from fieldloop.wsgi import application, django_application

    assert isinstance(application, PointsRoute) and application.app is django_application


# --- production's server, over real HTTP ------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def database_url() -> str:
    """The test database as a URL, for a server in another process."""
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{db['NAME']}"
    return f"postgres://{db['USER']}:{db['PASSWORD']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"


@contextmanager
def production_server():
    """`scripts/serve` (granian) on a free port of 127.0.0.1, against the test database; stopped at the end."""
    port = free_port()
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "fieldloop.settings", "DATABASE_URL": database_url(),
           "PORT": str(port), "WORKERS": "1", "THREADS": "1", "DEBUG": "0"}  # fmt: skip
    process = subprocess.Popen([str(BASE_DIR / "scripts" / "serve")], env=env, start_new_session=True)  # noqa: S603
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                assert process.poll() is None and time.monotonic() < deadline, "scripts/serve did not start"
                time.sleep(0.1)
        yield port
    finally:
        os.killpg(process.pid, 15)
        process.wait(timeout=30)


def post(port: int, body: object, bearer: str) -> tuple[int, dict]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        payload = json.dumps(body)
        conn.request("POST", PATH, payload, {"Authorization": bearer, "Content-Type": "application/json"})
        answer = conn.getresponse()
        return answer.status, json.loads(answer.read())
    finally:
        conn.close()


@pytest.mark.django_db(transaction=True)
def test_a_phone_sends_its_batches_to_production_s_server_and_each_point_is_stored_once(cast):
    day = last_workday()
    rep = employed(cast.rep, day)
    bearer = token(rep)
    batch = [point(at(day, 9, m)) for m in range(0, 50, 5)]
    with production_server() as port:
        assert post(port, {"points": batch}, bearer) == (200, {"accepted": 10, "duplicates": 0, "rejected": []})
        assert post(port, {"points": batch}, bearer) == (200, {"accepted": 0, "duplicates": 10, "rejected": []})
        status, refused = post(port, {"points": batch}, "Bearer flp_nothing")  # Django's route answers
        assert status == 401 and refused["code"]
    assert LocationPoint.objects.filter(employee=rep).count() == 10


def test_a_body_cut_short_is_left_to_django(cast):
    class Cut:
        def read(self, *args):
            raise OSError("connection reset")

        readline = read

    environ = {
        "REQUEST_METHOD": "POST", "PATH_INFO": PATH, "CONTENT_TYPE": "application/json", "CONTENT_LENGTH": "100",
        "HTTP_AUTHORIZATION": token(cast.rep), "HTTP_HOST": "127.0.0.1", "SERVER_NAME": "127.0.0.1",
        "SERVER_PORT": "80", "wsgi.input": Cut(), "wsgi.url_scheme": "http",
    }  # fmt: skip
    assert PointsRoute(app=None).answer(environ) is None  # type: ignore[arg-type]
    assert environ["wsgi.input"].read() == b""
