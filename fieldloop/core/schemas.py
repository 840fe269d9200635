"""Types every app's API schemas share."""

from typing import Annotated

from pydantic import Field

# The largest id a database row can have (a signed 64-bit primary key, PostgreSQL's bigint, SQLite's INTEGER).
MAX_ROW_ID = 2**63 - 1

# An id a client sends in a body or query (`owner_id`, `collaborator_ids`): a field error when it cannot name
# a row, instead of an integer the database cannot even compare.
RowId = Annotated[int, Field(ge=1, le=MAX_ROW_ID)]
