"""Database chores every app shares."""

from collections.abc import Callable

from django.db import IntegrityError, transaction
from django.db.models import Model, QuerySet


def create_or_winner[M: Model](winner: QuerySet[M], create: Callable[[], M]) -> tuple[M, bool]:
    """The race half of an idempotent create: returns (row, created).

    Runs `create` (the inserts, and whatever must be written with them) in a savepoint and returns its
    row with True. Should the database refuse it with an IntegrityError (a concurrent request committed
    a row under the same unique key first), the savepoint is rolled back, so the caller's transaction
    goes on, and the first row of `winner` (the query for that key) is returned with False. When `winner`
    finds nothing, the refusal was about something else: the IntegrityError is raised again.

    It does not look for the row first: a caller expecting replays checks before its validation,
    which is cheaper than a refused insert.
    """
    try:
        with transaction.atomic():
            return create(), True
    except IntegrityError:
        row = winner.first()
        if row is None:
            raise
        return row, False
