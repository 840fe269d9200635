"""The generated OpenAPI document equals the committed docs/openapi.json: every API change is a visible diff.

After an intended change, run `make openapi` and commit the new document. That every create declares its
`Idempotency-Key` is walked in tests/test_idempotency.py, with the replay of each.
"""

import json
from pathlib import Path

from django.conf import settings
from django.utils import translation

from fieldloop.api import api

COMMITTED = Path(settings.BASE_DIR) / "docs" / "openapi.json"


def generated() -> dict:
    with translation.override("en"):
        return json.loads(json.dumps(api.get_openapi_schema(path_prefix="/api/v1/"), sort_keys=True))


def test_openapi_document_matches_the_committed_copy():
    committed = json.loads(COMMITTED.read_text())
    assert generated() == committed, "The API changed: run `make openapi` and commit docs/openapi.json"
