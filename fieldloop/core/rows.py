"""Model instances from a hand-written SQL row, for the few hot paths (every API request's token lookup, the
location ingest) where compiling the ORM's query costs more than running it.

`columns(Model, "alias")` lists a model's concrete columns for a SELECT; `instance(Model, values)` turns those
values into the instance the ORM would have built: each value goes through the same converters (the backend's
and the field's `from_db_value`: SQLite's text timestamps, booleans, JSON), then `Model.from_db`.
"""

from collections.abc import Callable, Sequence
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connections, models

Converter = Callable[[Any, Any, Any], Any]
_converters: dict[tuple[str, type[models.Model]], list[tuple[Any, list[Converter]]]] = {}


def columns(model: type[models.Model], alias: str) -> str:
    """`alias."col1", alias."col2", …`: every concrete column of `model`, in field order."""
    quote = connections[DEFAULT_DB_ALIAS].ops.quote_name
    return ", ".join(f"{alias}.{quote(str(f.column))}" for f in model._meta.concrete_fields)


def width(model: type[models.Model]) -> int:
    return len(model._meta.concrete_fields)


def _plan(model: type[models.Model], using: str) -> list[tuple[Any, list[Converter]]]:
    key = (using, model)
    if key not in _converters:
        connection = connections[using]
        plan = []
        for field in model._meta.concrete_fields:
            column = field.get_col(model._meta.db_table)
            plan.append((column, [*connection.ops.get_db_converters(column), *field.get_db_converters(connection)]))
        _converters[key] = plan
    return _converters[key]


def instance[M: models.Model](model: type[M], values: Sequence[Any], *, using: str = DEFAULT_DB_ALIAS) -> M:
    """The instance of `model` whose columns (in `columns` order) hold `values`, as loaded by the ORM."""
    connection = connections[using]
    converted = []
    for value, (column, converters) in zip(values, _plan(model, using), strict=True):
        for convert in converters:
            value = convert(value, column, connection)
        converted.append(value)
    return model.from_db(using, [f.attname for f in model._meta.concrete_fields], converted)
