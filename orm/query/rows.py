"""Row converters: built once per query, they turn each driver row into an instance, a dict,
a tuple or a single value without looking anything up by name per row."""

from __future__ import annotations

from collections import namedtuple
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from backends.base.dialect import Dialect

    from ..expressions import Expression

RowFactory = Callable[[Sequence[Any]], Any]


def _converters(columns: Sequence[Expression], dialect: Dialect) -> list[tuple[int, Callable[[Any], Any]]]:
    found = []
    for index, column in enumerate(columns):
        field = column.output_field
        if field is None:
            continue
        convert = field.get_db_converter(dialect)
        if convert is not None:
            found.append((index, convert))
    return found


def _converted(
    converters: list[tuple[int, Callable[[Any], Any]]], width: int
) -> Callable[[Sequence[Any]], list[Any]]:
    # Rows may carry extra trailing columns (ordering columns of a DISTINCT): cut to width.
    def convert(row: Sequence[Any]) -> list[Any]:
        values = list(row)[:width]
        for index, fn in converters:
            value = values[index]
            if value is not None:
                values[index] = fn(value)
        return values

    return convert


def instance_factory(plan: Any, columns: Sequence[Expression], dialect: Dialect, alias: str) -> RowFactory:
    """Instances from rows: the model's own columns, then objects of select_related models
    (cached on their parent, None when the LEFT JOIN found nothing) and annotations."""
    from ..model.state import ModelState

    converters = _converters(columns, dialect)
    convert = _converted(converters, len(columns))
    new = object.__new__

    def build(level: Any, values: list[Any]) -> Any:
        obj = new(level.model)
        data = obj.__dict__
        data.update(zip(level.attnames, values[level.start : level.end]))
        state = data["_state"] = ModelState(alias, adding=False)
        for child in level.children:
            related = None if values[child.pk_index] is None else build(child, values)
            state.fields_cache[child.cache_name] = related
            if related is not None and child.reverse_cache_name:
                related._state.fields_cache[child.reverse_cache_name] = obj
        for name, index in level.annotations:
            data[name] = values[index]
        return obj

    if not plan.children and not plan.annotations:
        make = _plain_builder(tuple(plan.attnames))(plan.model, alias, new)
        if not converters:
            return make  # nothing to convert: the driver's row is read as it is
        return lambda row: make(convert(row))
    return lambda row: build(plan, convert(row))


_plain_builders: dict[tuple[str, ...], Callable[..., RowFactory]] = {}


def _plain_builder(attnames: tuple[str, ...]) -> Callable[..., RowFactory]:
    """A function making row-to-instance functions for models with these attribute names.

    The instance's ``__dict__`` is written as one dict display with each value read by
    position (``{'id': row[0], 'name': row[1], ...}``), about a third faster per row than
    zip() into a dict, and the database alias under ``_state`` (made into a ModelState when
    first asked for; see StateDescriptor). The source is made from repr() of the names, once
    per tuple of names. Trailing columns the row may carry (the ordering columns of a
    DISTINCT) are not read.
    """
    builder = _plain_builders.get(attnames)
    if builder is None:
        items = ", ".join(f"{name!r}: row[{i}]" for i, name in enumerate(attnames))
        source = (
            "def build(model, alias, new):\n"
            "    def make(row):\n"
            "        obj = new(model)\n"
            f"        obj.__dict__ = {{{items}, '_state': alias}}\n"
            "        return obj\n"
            "    return make\n"
        )
        namespace: dict[str, Any] = {}
        exec(compile(source, "<orm row builder>", "exec"), namespace)  # noqa: S102 - names via repr()
        builder = _plain_builders[attnames] = namespace["build"]
    return builder


def dict_factory(names: list[str], columns: Sequence[Expression], dialect: Dialect) -> RowFactory:
    converters = _converters(columns, dialect)
    if not converters:
        return lambda row: dict(zip(names, row))  # zip stops before trailing extra columns
    convert = _converted(converters, len(columns))
    return lambda row: dict(zip(names, convert(row)))


def tuple_factory(columns: Sequence[Expression], dialect: Dialect) -> RowFactory:
    convert = _converted(_converters(columns, dialect), len(columns))
    return lambda row: tuple(convert(row))


def flat_factory(columns: Sequence[Expression], dialect: Dialect) -> RowFactory:
    converters = _converters(columns, dialect)
    if not converters:
        return lambda row: row[0]
    fn = converters[0][1]
    return lambda row: None if row[0] is None else fn(row[0])


def named_factory(names: list[str], columns: Sequence[Expression], dialect: Dialect) -> RowFactory:
    Row = namedtuple("Row", names, rename=True)  # type: ignore[misc]
    convert = _converted(_converters(columns, dialect), len(columns))
    return lambda row: Row(*convert(row))


def row_factory(
    kind: str, plan: Any, names: list[str] | None, columns: Sequence[Expression], dialect: Dialect, alias: str
) -> RowFactory:
    if kind == "model":
        return instance_factory(plan, columns, dialect, alias)
    assert names is not None
    if kind == "dict":
        return dict_factory(names, columns, dialect)
    if kind == "flat":
        return flat_factory(columns, dialect)
    if kind == "named":
        return named_factory(names, columns, dialect)
    return tuple_factory(columns, dialect)
