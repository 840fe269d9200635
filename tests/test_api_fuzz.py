"""Property-based fuzzing of the whole API from its own OpenAPI document (schemathesis).

Whatever a client sends, the API answers with a 4xx in the documented error format or a
documented success, never a 500.

In `make test` the examples are derandomized (the same ones every run: a landing is never decided by
chance); `make fuzz` draws many more at random (FIELDLOOP_FUZZ_EXAMPLES). Whatever it finds becomes a
regression test (tests/test_hostile_input.py).
"""

import os

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error, response_schema_conformance

from conftest import build_cast
from fieldloop.org import services
from fieldloop.wsgi import application

schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", application)


@pytest.fixture
def token(db):
    cast = build_cast()
    return services.api_token_create(actor=cast.admin, name="fuzz").secret


@pytest.fixture(autouse=True)
def keep_the_test_transactions_connection():
    """Requests go straight to the WSGI app, whose request signals would close the test's connection
    (it sits inside the test transaction); Django's own test client disconnects them the same way."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@schema.parametrize()
@settings(
    max_examples=int(os.environ.get("FIELDLOOP_FUZZ_EXAMPLES", "25")),
    derandomize="FIELDLOOP_FUZZ_EXAMPLES" not in os.environ,
    deadline=None,
    suppress_health_check=list(HealthCheck),
)
def test_api_never_answers_500_and_keeps_its_schema(case, token):
    case.call_and_validate(
        # identity: the checks read the body as sent; pages and API answers are gzipped for clients that ask
        headers={"Authorization": f"Bearer {token}", "Accept-Encoding": "identity"},
        checks=[not_a_server_error, response_schema_conformance],
        excluded_checks=[
            c
            for c in schemathesis.checks.CHECKS.get_all()
            if c not in (not_a_server_error, response_schema_conformance)
        ],
    )
