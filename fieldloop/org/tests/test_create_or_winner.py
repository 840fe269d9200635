"""core.db.create_or_winner, the race half of every idempotent create (run_idempotent, customers, work records,
comments, attachments), on a real unique constraint: the idempotency record's (organization, key).

A concurrent request that committed first is a row already there when our insert runs (our own check for
it ran just before that commit)."""

import uuid

import pytest
from django.db import IntegrityError, transaction

from fieldloop.core.db import create_or_winner
from fieldloop.org.models import AuditEntry, IdempotencyRecord


def _record(cast, key: uuid.UUID, body: str) -> IdempotencyRecord:
    return IdempotencyRecord.objects.create(
        org=cast.org, key=key, employee=cast.rep, operation="thing.create", status_code=201, response={"id": body}
    )


def test_the_first_create_inserts_and_says_so(cast):
    key = uuid.uuid4()
    row, created = create_or_winner(
        IdempotencyRecord.objects.filter(org=cast.org, key=key), lambda: _record(cast, key, "1")
    )
    assert created
    assert IdempotencyRecord.objects.get(org=cast.org, key=key) == row


def test_a_create_that_lost_the_race_returns_the_winner_and_keeps_none_of_its_writes(cast):
    key = uuid.uuid4()
    winner = _record(cast, key, "won")

    def create() -> IdempotencyRecord:
        AuditEntry.objects.create(org=cast.org, actor=cast.rep, action="loser.write")
        return _record(cast, key, "lost")

    with transaction.atomic():  # the caller's transaction goes on after the refused insert
        row, created = create_or_winner(IdempotencyRecord.objects.filter(org=cast.org, key=key), create)
        assert (row, created) == (winner, False)
        assert row.response == {"id": "won"}
        assert not AuditEntry.objects.filter(action="loser.write").exists()
        AuditEntry.objects.create(org=cast.org, actor=cast.rep, action="caller.write")
    assert AuditEntry.objects.filter(action="caller.write").exists()


def test_a_refusal_about_anything_but_the_key_is_raised(cast):
    taken = uuid.uuid4()
    _record(cast, taken, "other")
    mine = uuid.uuid4()
    with pytest.raises(IntegrityError):
        create_or_winner(IdempotencyRecord.objects.filter(org=cast.org, key=mine), lambda: _record(cast, taken, "dup"))
