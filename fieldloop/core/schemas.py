"""Types every app's API schemas share."""

import re
from datetime import time
from typing import Annotated

from django.utils.translation import gettext as _
from pydantic import BeforeValidator, Field, WithJsonSchema

# The largest id a database row can have (a signed 64-bit primary key, PostgreSQL's bigint, SQLite's INTEGER).
MAX_ROW_ID = 2**63 - 1

# An id a client sends in a body or query (`owner_id`, `collaborator_ids`): a field error when it cannot name
# a row, instead of an integer the database cannot even compare.
RowId = Annotated[int, Field(ge=1, le=MAX_ROW_ID)]

# A time of day on the organization's clock (a shift's start, working hours): no zone, so not JSON Schema's
# "time" format (RFC 3339 wants an offset). Sent and answered as HH:MM:SS; HH:MM is accepted. Anything else (a
# number of seconds, an offset that would make it unlike every stored time) is a field error.
LOCAL_TIME = r"^([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9])?$"


def _local_time(value: object) -> object:
    if isinstance(value, time) and value.tzinfo is None:
        return value
    if isinstance(value, str) and re.fullmatch(LOCAL_TIME, value):
        return value
    raise ValueError(_("Enter a time of day as HH:MM or HH:MM:SS, without a zone."))


LocalTime = Annotated[
    time,
    BeforeValidator(_local_time),
    WithJsonSchema(
        {
            "type": "string",
            "pattern": LOCAL_TIME,
            "description": "A time of day on the organization's clock, HH:MM:SS (HH:MM accepted).",
        }
    ),
]
