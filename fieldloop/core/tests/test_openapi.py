"""The generated OpenAPI document equals the committed docs/openapi.json: every API change is a visible diff.

After an intended change, run `make openapi` and commit the new document.
"""

import json
from pathlib import Path

from django.utils import translation

from fieldloop.api import api

COMMITTED = Path(__file__).resolve().parents[3] / "docs" / "openapi.json"


def generated() -> dict:
    with translation.override("en"):
        return json.loads(json.dumps(api.get_openapi_schema(path_prefix="/api/v1/"), sort_keys=True))


def test_openapi_document_matches_the_committed_copy():
    committed = json.loads(COMMITTED.read_text())
    assert generated() == committed, "The API changed: run `make openapi` and commit docs/openapi.json"


def test_every_create_declares_its_idempotency_key():
    schema = generated()
    for path, operations in schema["paths"].items():
        post = operations.get("post")
        if post and post.get("responses", {}).get("201"):
            headers = [p["name"] for p in post.get("parameters", []) if p["in"] == "header"]
            assert "Idempotency-Key" in headers, f"POST {path} creates without an idempotency key"
