"""API schemas for notifications."""

from datetime import datetime
from typing import Any

from ninja import Schema


class NotificationOut(Schema):
    id: int
    kind: str
    message: str  # rendered in the reader's language
    params: dict[str, Any]
    link: str
    read_at: datetime | None
    created_at: datetime


class NotificationPage(Schema):
    items: list[NotificationOut]
    next_cursor: str | None


class UnreadCountOut(Schema):
    count: int


class MarkedOut(Schema):
    marked: int
