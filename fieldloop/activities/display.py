"""How a record reads on a card (the feed, a customer's timeline): its template's name and the first
few filled values, through formtemplates' display. Card rows leave out photos, files and references, whose
labels would cost a query per card; the record's page shows everything."""

from typing import Any

from django.utils.translation import get_language

from fieldloop.formtemplates.display import DisplayRow, display_values
from fieldloop.formtemplates.fields import REFERENCE_KINDS, FieldType
from fieldloop.formtemplates.selectors import held_attachment_ids

from .models import WorkRecord

CARD_ROWS = 4
CARD_PHOTOS = 4  # thumbnails on a card; the record's page shows them all
SKIPPED_ON_CARDS = {FieldType.PHOTO, FieldType.FILE, *REFERENCE_KINDS}


def card_rows(record: WorkRecord, language: str, limit: int = CARD_ROWS) -> list[DisplayRow]:
    version = record.template_version
    skipped = {d.key for d in version.definitions if d.type in SKIPPED_ON_CARDS}
    values = {k: v for k, v in record.values.items() if k not in skipped}
    return [row for row in display_values(version=version, values=values, language=language) if row.text][:limit]


def photo_ids(record: WorkRecord) -> list[int]:
    """The ids of the record's photos, in field order (no query: the thumbnail URLs need only the ids)."""
    return held_attachment_ids(version=record.template_version, values=record.values, types=(FieldType.PHOTO,))


def decorate_cards(records: list[WorkRecord], language: str | None = None) -> list[WorkRecord]:
    """Attach `card_rows`, `photo_count`, `photo_ids` (the first few) and `template_name` to each record
    for the card template."""
    language = language or get_language() or "zh-hans"
    for record in records:
        extra: Any = record
        extra.card_rows = card_rows(record, language)
        photos = photo_ids(record)
        extra.photo_count = len(photos)
        extra.photo_ids = photos[:CARD_PHOTOS]
        extra.template_name = record.template.display_name(language)
    return records


def value_text(record: WorkRecord, key: str, value: Any, language: str) -> str:
    """One stored value as its field displays it (a revision's old or new value)."""
    if value is None:
        return ""
    rows = display_values(version=record.template_version, values={key: value}, language=language)
    return next((row.text for row in rows if row.key == key), str(value))
