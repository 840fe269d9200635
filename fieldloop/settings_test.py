"""Settings for the test suite: fast hashing; SQLite in a throw-away folder unless DATABASE_URL says otherwise."""

import atexit
import os
import shutil
import tempfile
from typing import Any

if "FIELDLOOP_DATA_DIR" not in os.environ:  # one folder per process (xdist workers included), removed at exit
    os.environ["FIELDLOOP_DATA_DIR"] = tempfile.mkdtemp(prefix="fieldloop-test-")
    atexit.register(shutil.rmtree, os.environ["FIELDLOOP_DATA_DIR"], ignore_errors=True)

from .settings import *  # noqa: F403
from .settings import DATABASES, TEMPLATES

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
_default: Any = DATABASES["default"]
if _default["ENGINE"] == "django.db.backends.sqlite3":
    # A file, not memory: threads in concurrency tests then share the database the way production does
    # (WAL, IMMEDIATE transactions); an in-memory shared cache locks tables instead of waiting.
    _default["TEST"] = {"NAME": os.path.join(os.environ["FIELDLOOP_DATA_DIR"], "test.sqlite3")}
TEMPLATES[0]["OPTIONS"]["debug"] = True  # type: ignore[index]
TASKS = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}
AXES_FAILURE_LIMIT = 5
LANGUAGE_CODE = "zh-hans"
