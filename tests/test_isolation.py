"""Nothing crosses an organization or a branch, on any page or API route.

The test walks every URL pattern of the project (HTML pages and API routes alike), so an
endpoint added by a later issue joins it automatically. A pattern with a path parameter
needs an entry in PARAM_TARGETS naming the rows of the other organization (and, for a rep,
of the other branch) to try; an unknown parameter fails the test until it is registered.
"""

import re
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

from conftest import Cast
from org import services
from org.models import ApiToken, Department, Employee

# Routes that hold no organization data.
PUBLIC = {"login/", "logout/", "signup/", "i18n/setlang/", "api/v1/docs", "api/v1/openapi.json"}

# Rows of the other organization, and rows of the other branch, that an actor must never reach.
MARKERS_OTHER_ORG = ["Otto", "对手公司"]
MARKERS_OTHER_BRANCH = ["Ben"]


def _foreign_token(cast: Cast) -> list[int]:
    token = services.api_token_create(actor=cast.outsider, name="Otto's token").token
    branch_token = services.api_token_create(actor=cast.other_branch_rep, name="Ben's token").token
    return [token.pk, branch_token.pk]


# parameter name -> the ids (other organization's, other branch's) to try
PARAM_TARGETS: dict[str, Callable[[Cast], list[Any]]] = {
    "employee_id": lambda cast: [cast.outsider.pk, cast.other_branch_rep.pk],
    "department_id": lambda cast: [cast.outsider.department_id],
    "token_id": _foreign_token,
}

PARAM = re.compile(r"<(?:(\w+):)?(\w+)>")


def all_routes() -> Iterator[str]:
    def walk(patterns: list[Any], prefix: str) -> Iterator[str]:
        for p in patterns:
            if isinstance(p, URLResolver):
                yield from walk(p.url_patterns, prefix + str(p.pattern))
            elif isinstance(p, URLPattern):
                yield prefix + str(p.pattern)

    for route in walk(get_resolver().url_patterns, ""):
        route = route.lstrip("^").rstrip("$")
        if route not in PUBLIC and not route.startswith("static"):
            yield route


ROUTES = sorted(set(all_routes()))
LIST_ROUTES = [r for r in ROUTES if not PARAM.search(r)]
DETAIL_ROUTES = [r for r in ROUTES if PARAM.search(r)]


def fill(route: str, cast: Cast) -> list[str]:
    names = [m.group(2) for m in PARAM.finditer(route)]
    unknown = [n for n in names if n not in PARAM_TARGETS]
    assert not unknown, f"register a target for {unknown} of /{route} in PARAM_TARGETS"
    urls = []
    for value in PARAM_TARGETS[names[0]](cast):
        urls.append("/" + PARAM.sub(str(value), route))
    return urls


def snapshot(cast: Cast) -> dict[str, Any]:
    """Every row an outsider's or another branch's action must leave untouched."""
    return {
        "employees": list(Employee.objects.exclude(org=cast.org).values())
        + list(Employee.objects.filter(pk=cast.other_branch_rep.pk).values()),
        "departments": list(Department.objects.exclude(org=cast.org).values()),
        "tokens": list(ApiToken.objects.values()),
    }


def test_the_walk_finds_the_pages_and_api_routes():
    assert "employees/" in LIST_ROUTES
    assert "api/v1/employees" in LIST_ROUTES
    assert any(r.startswith("api/v1/employees/") for r in DETAIL_ROUTES)


@pytest.mark.parametrize("route", LIST_ROUTES)
@pytest.mark.parametrize("who", ["admin", "manager", "rep"])
def test_lists_never_show_another_organizations_or_branchs_rows(cast, route, who):
    actor = getattr(cast, who)
    client = cast.client_for(actor)
    response = client.get("/" + route)
    assert response.status_code < 500
    body = response.content.decode()
    for marker in MARKERS_OTHER_ORG:
        assert marker not in body, f"/{route} shows {marker} to {who}"
    if who != "admin":
        for marker in MARKERS_OTHER_BRANCH:
            assert marker not in body, f"/{route} shows {marker} to {who}"


@pytest.mark.parametrize("route", DETAIL_ROUTES)
@pytest.mark.parametrize("method", ["get", "post"])
def test_details_and_actions_on_another_organizations_rows_are_not_found(cast, route, method):
    """Even an admin reaches nothing of another organization; a rep nothing of another branch."""
    urls = fill(route, cast)
    before = snapshot(cast)
    for who in ("admin", "rep"):
        client = cast.client_for(getattr(cast, who))
        for url in urls:
            if who == "admin" and str(cast.other_branch_rep.pk) in url and "employee" in route:
                continue  # the admin may see the other branch of her own organization
            response = getattr(client, method)(url)
            assert response.status_code in {302, 400, 403, 404, 405, 422}, f"{method.upper()} {url} as {who}"
            body = response.content.decode()
            for marker in MARKERS_OTHER_ORG + MARKERS_OTHER_BRANCH:
                assert marker not in body, f"{method.upper()} {url} shows {marker} to {who}"
    assert snapshot(cast) == before
