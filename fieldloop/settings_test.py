"""Settings for the test suite: fast hashing, in-memory SQLite unless DATABASE_URL says otherwise."""

import os

os.environ.setdefault("FIELDLOOP_DATA_DIR", "/tmp/fieldloop-test-data")

from .settings import *  # noqa: E402,F403
from .settings import DATABASES, TEMPLATES

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["TEST"] = {"NAME": None}  # in memory
TEMPLATES[0]["OPTIONS"]["debug"] = True
TASKS = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}
AXES_FAILURE_LIMIT = 5
LANGUAGE_CODE = "zh-hans"
