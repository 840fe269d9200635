"""Settings for the test suite: fast hashing, in-memory SQLite unless DATABASE_URL says otherwise."""

import os
import tempfile
from typing import Any

os.environ.setdefault("FIELDLOOP_DATA_DIR", os.path.join(tempfile.gettempdir(), "fieldloop-test-data"))

from .settings import *  # noqa: F403
from .settings import DATABASES, TEMPLATES

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
_default: Any = DATABASES["default"]
if _default["ENGINE"] == "django.db.backends.sqlite3":
    _default["TEST"] = {"NAME": None}  # in memory
TEMPLATES[0]["OPTIONS"]["debug"] = True  # type: ignore[index]
TASKS = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}
AXES_FAILURE_LIMIT = 5
LANGUAGE_CODE = "zh-hans"
