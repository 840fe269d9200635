"""API routes cannot shadow each other: every id in a path is a whole number (`{int:customer_id}`), so a literal
route such as /customers/export is matched by its own pattern only, whatever order the routers register them in;
and a path that names no route (/customers/abc) gets a 404 in the error format, not Django's HTML page.

The walk covers every API route of the project, so a route added later joins it.
"""

import uuid

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, resolve
from django.urls.resolvers import RoutePattern

from fieldloop.org import services as org_services


def api_routes() -> list[str]:
    def walk(patterns: list, prefix: str):
        for p in patterns:
            if isinstance(p, URLResolver):
                yield from walk(p.url_patterns, prefix + str(p.pattern))
            elif isinstance(p, URLPattern) and isinstance(p.pattern, RoutePattern):  # the 404 fallback is a regex
                yield prefix + str(p.pattern)

    return sorted({r for r in walk(get_resolver().url_patterns, "") if r.startswith("api/v1/")})


ROUTES = api_routes()
LITERAL_ROUTES = [r for r in ROUTES if "<" not in r]
PARAMETER_ROUTES = [r for r in ROUTES if "<" in r]


def api(employee):
    client = Client()
    client.defaults["HTTP_AUTHORIZATION"] = f"Bearer {org_services.api_token_create(actor=employee, name='t').secret}"
    return client


def test_the_walk_finds_literal_routes_beside_parameter_routes():
    assert {"api/v1/customers/export", "api/v1/customers/bulk/assign", "api/v1/customers/imports/dry-run"} <= set(
        LITERAL_ROUTES
    )
    assert "api/v1/customers/<int:customer_id>" in PARAMETER_ROUTES


def test_every_id_in_an_api_path_is_a_whole_number():
    untyped = [r for r in PARAMETER_ROUTES if "<" in r.replace("<int:", "")]
    assert not untyped, f"give these path parameters a converter ({{int:name}}): {untyped}"


@pytest.mark.parametrize("route", LITERAL_ROUTES)
def test_no_parameter_route_matches_a_literal_route_so_registration_order_does_not_matter(route):
    shadowing = [p for p in PARAMETER_ROUTES if RoutePattern(p, is_endpoint=True).match(route)]
    assert not shadowing, f"/{route} is also matched by {shadowing}"
    assert resolve("/" + route).route == route


def test_the_literal_customer_routes_answer_whatever_was_registered_first(cast):
    client = api(cast.admin)
    export = client.get("/api/v1/customers/export")
    assert export.status_code == 200
    assert export["Content-Type"].startswith("application/vnd.openxmlformats")
    assert client.get("/api/v1/customers/import-template").status_code == 200
    assert client.get("/api/v1/customers/imports").status_code == 200
    key = str(uuid.uuid4())
    bulk = client.post("/api/v1/customers/bulk/assign", {}, content_type="application/json", HTTP_IDEMPOTENCY_KEY=key)
    assert bulk.status_code == 422
    assert set(bulk.json()["fields"]) == {
        "customer_ids",
        "owner_id",
    }  # the bulk route's own checks


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "/api/v1/customers/abc"),
        ("patch", "/api/v1/customers/abc"),
        ("post", "/api/v1/customers/abc/claim"),
        ("get", "/api/v1/customers/-1"),
        ("get", "/api/v1/customers/imports/abc"),
        ("get", "/api/v1/work-records/1.5"),
        ("get", "/api/v1/form-templates/1/versions/latest"),
        ("post", "/api/v1/notifications/abc/read"),
        ("get", "/api/v1/no-such-thing"),
    ],
)
def test_a_path_naming_no_route_gets_not_found_in_the_error_format(cast, method, path):
    response = getattr(api(cast.rep), method)(path, content_type="application/json")
    assert response.status_code == 404
    body = response.json()
    assert body["code"] == "not_found"
    assert body["message"]
    assert body["fields"] == {}


def test_an_id_too_large_for_the_database_is_not_found_either(cast):
    response = api(cast.rep).get("/api/v1/customers/99999999999999999999999")
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"
