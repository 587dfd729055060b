"""Plans for the QuerySet's terminal methods: argument checks, batching and result shaping,
shared by the async methods and their generated sync twins. No I/O."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

from ..exceptions import FieldError
from ..expressions import Expression
from .queryset_base import MAX_GET_RESULTS

if TYPE_CHECKING:
    from backends.base.dialect import Dialect

    from ..fields.base import Field
    from .query import Query


def aggregate_arguments(args: Sequence[Any], kwargs: dict[str, Any]) -> dict[str, Any]:
    """Positional aggregates named Django's way (``Avg("price")`` -> ``price__avg``)."""
    aggregates: dict[str, Any] = {}
    for arg in args:
        alias = getattr(arg, "default_alias", None)
        if not isinstance(alias, str):
            raise TypeError(f"aggregate() cannot name {arg!r}; pass it as a keyword argument")
        aggregates[alias] = arg
    aggregates.update(kwargs)
    if not aggregates:
        raise TypeError("aggregate() needs at least one aggregate")
    return aggregates


def aggregate_result(aggregates: dict[str, Any], expressions: list[Any], row: Any, dialect: Any) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for (name, _), expression, value in zip(aggregates.items(), expressions, row):
        field = expression.output_field
        convert = field.get_db_converter(dialect) if field is not None else None
        result[name] = convert(value) if convert is not None and value is not None else value
    return result


def empty_aggregate_result(aggregates: dict[str, Any]) -> dict[str, Any]:
    """What aggregates give over no rows without asking the database (none())."""
    result: dict[str, Any] = {}
    for name, aggregate in aggregates.items():
        default = getattr(aggregate, "default", None)
        if default is not None:
            result[name] = default
        elif type(aggregate).__name__ == "Count":
            result[name] = 0
        else:
            result[name] = None
    return result


def get_result(model: Any, results: list[Any], lookup: dict[str, Any]) -> Any:
    count = len(results)
    if count == 1:
        return results[0]
    name = model.__name__
    if count == 0:
        described = f" with {lookup}" if lookup else ""
        raise model.DoesNotExist(f"{name} matching query{described} does not exist")
    shown = str(count) if count < MAX_GET_RESULTS else f"more than {MAX_GET_RESULTS - 1}"
    raise model.MultipleObjectsReturned(f"get() returned more than one {name}: it returned {shown}")


def check_latest_args(qs: Any, fields: Sequence[str], method: str) -> list[str]:
    if qs.query.is_sliced:
        raise TypeError(f"cannot call {method}() once a slice has been taken")
    if fields:
        return list(fields)
    by = qs.model._meta.get_latest_by
    if not by:
        raise ValueError(
            f"{method}() on {qs.model.__name__} needs field names, or get_latest_by in its Meta"
        )
    return [by] if isinstance(by, str) else list(by)


def in_bulk_plan(qs: Any, id_list: Iterable[Any] | None, field_name: str) -> tuple[list[Any], str]:
    if qs.query.is_sliced:
        raise TypeError("cannot use in_bulk() once a slice has been taken")
    if qs._kind != "model":
        raise TypeError("in_bulk() cannot be used after values() or values_list()")
    meta = qs.model._meta
    field = meta.get_field(field_name)
    if not field.unique:
        raise ValueError(
            f"in_bulk()'s field_name must be a unique field, but {field.label} is not"
        )
    if id_list is None:
        return [qs], field.attname
    ids = list(dict.fromkeys(id_list))
    if not ids:
        return [], field.attname
    size = 900
    lookup = f"{field_name}__in"
    return [qs.filter(**{lookup: ids[i : i + size]}) for i in range(0, len(ids), size)], field.attname


def update_values(model: Any, query: Query, kwargs: dict[str, Any]) -> list[tuple[Field, Any]]:
    values: list[tuple[Field, Any]] = []
    meta = model._meta
    for name, value in kwargs.items():
        field = meta.get_field(name)
        if not field.concrete:
            raise FieldError(f"{field.label} is not a column; update() can only set columns")
        if hasattr(value, "resolve"):
            joins_before = set(query.alias_map)
            value = value.resolve(query)
            if set(query.alias_map) != joins_before or _joined_columns(value, query.alias):
                raise FieldError(
                    f"joined field references are not permitted in update(): {field.label} = "
                    f"{value!r} reads another table; use a Subquery() with OuterRef() instead"
                )
        else:
            value = field.get_prep_value(value)
        values.append((field, value))
    return values


def _joined_columns(expression: Any, base_alias: str) -> bool:
    from ..expressions import Col

    if isinstance(expression, Col):
        return expression.alias != base_alias
    return any(_joined_columns(e, base_alias) for e in expression.get_source_expressions() if hasattr(e, "get_source_expressions"))


class InsertGroup:
    """One INSERT statement of bulk_create: its columns, rows and the objects they come from."""

    def __init__(self, fields: list[Field], returning: list[Field]) -> None:
        self.fields = fields
        self.returning = returning
        self.rows: list[list[Any]] = []
        self.objs: list[Any] = []

    def set_returned(self, rows: Sequence[Sequence[Any]]) -> None:
        if len(self.returning) == 1:  # the primary key, usually
            attname = self.returning[0].attname
            for obj, row in zip(self.objs, rows):
                setattr(obj, attname, row[0])
            return
        for obj, row in zip(self.objs, rows):
            for field, value in zip(self.returning, row):
                setattr(obj, field.attname, value)


def insert_row(obj: Any, fields: Sequence[Field]) -> list[Any]:
    """The prepared values of ``obj`` for an INSERT (runs pre_save: auto_now and friends)."""
    return [f.get_prep_value(f.pre_save(obj, True)) for f in fields]


def insert_row_reader(fields: Sequence[Field]) -> Any:
    """``insert_row`` for many objects of one model: where no field has a pre_save of its
    own (auto_now and friends), values are read from the instance dict directly."""
    from ..fields.base import Field

    if any(type(f).pre_save is not Field.pre_save for f in fields):
        return lambda obj: insert_row(obj, fields)
    # One generated list display per model: a value whose exact type the field passes through
    # unchanged (str for CharField, int, bool) skips the get_prep_value() call.
    namespace: dict[str, Any] = {}
    items = []
    for i, field in enumerate(fields):
        namespace[f"p{i}"] = field.get_prep_value
        read_value = f"data[{field.attname!r}]"
        passthrough = field.prep_passthrough_type()
        if passthrough is None:
            items.append(f"p{i}({read_value})")
        else:
            namespace[f"t{i}"] = passthrough
            items.append(f"(v if type(v := {read_value}) is t{i} else p{i}(v))")
    source = f"def read_values(data):\n    return [{', '.join(items)}]\n"
    exec(compile(source, "<orm insert reader>", "exec"), namespace)  # noqa: S102 - repr() names
    read_values = namespace["read_values"]

    def read(obj: Any) -> list[Any]:
        try:
            return read_values(obj.__dict__)
        except KeyError:  # a value set some other way than the constructor: the long way
            return insert_row(obj, fields)

    return read


def bulk_insert_plan(model: Any, objs: list[Any], dialect: Dialect, batch_size: int | None) -> list[InsertGroup]:
    meta = model._meta
    from ..model.saving import prepare_related_fields

    has_relations = any(f.is_relation for f in meta.concrete_fields)
    pk = meta.pk
    pk_attname = pk.attname
    with_pk: list[Any] = []
    without_pk_objs: list[Any] = []
    for obj in objs:
        if not isinstance(obj, model):
            raise TypeError(f"bulk_create() on {model.__name__} got {obj!r}")
        if has_relations:
            prepare_related_fields(obj, "bulk_create")
        (without_pk_objs if getattr(obj, pk_attname) is None else with_pk).append(obj)
    all_fields = list(meta.concrete_fields)
    without_pk = [f for f in all_fields if f is not pk]
    groups: list[InsertGroup] = []
    for has_pk, members in ((True, with_pk), (False, without_pk_objs)):
        if not members:
            continue
        fields = all_fields if has_pk else without_pk
        returning = [] if has_pk else [pk]
        per_batch = dialect.max_query_params // max(len(fields), 1)
        if batch_size is not None:
            if batch_size <= 0:
                raise ValueError("batch_size must be a positive integer")
            per_batch = min(per_batch, batch_size)
        if not fields:
            per_batch = 1  # DEFAULT VALUES inserts one row per statement
        group = None
        read = insert_row_reader(fields)
        for obj in members:
            if group is None or len(group.objs) >= per_batch:
                group = InsertGroup(fields, returning)
                groups.append(group)
            group.rows.append(read(obj))
            group.objs.append(obj)
    return groups


def bulk_update_plan(
    model: Any, objs: list[Any], field_names: Sequence[str], dialect: Dialect, batch_size: int | None
) -> list[tuple[str, list[Any]]]:
    from .compiler import SQLCompiler
    from .query import Query

    meta = model._meta
    if not field_names:
        raise ValueError("bulk_update() needs the names of the fields to write")
    fields = [meta.get_field(name) for name in field_names]
    for field in fields:
        if field.primary_key:
            raise ValueError(f"bulk_update() cannot write the primary key {field.label}")
        if not field.concrete:
            raise ValueError(f"bulk_update() can only write columns; {field.label} is not one")
    pk = meta.pk
    for obj in objs:
        if not isinstance(obj, model):
            raise TypeError(f"bulk_update() on {model.__name__} got {obj!r}")
        if obj.pk is None:
            raise ValueError(f"bulk_update() needs saved objects; a {model.__name__} has no primary key")
    quote = dialect.quote_name
    per_object = 2 * len(fields) + 1
    per_batch = max(dialect.max_query_params // per_object, 1)
    if batch_size is not None:
        if batch_size <= 0:
            raise ValueError("batch_size must be a positive integer")
        per_batch = min(per_batch, batch_size)
    query = Query(model)
    compiler = SQLCompiler(query, dialect)
    pk_column = quote(pk.column)
    statements: list[tuple[str, list[Any]]] = []
    for start in range(0, len(objs), per_batch):
        batch = objs[start : start + per_batch]
        assignments: list[str] = []
        params: list[Any] = []
        for field in fields:
            whens: list[str] = []
            for obj in batch:
                value = getattr(obj, field.attname)
                if isinstance(value, Expression) or hasattr(value, "resolve"):
                    value_sql, value_params = compiler.compile(value.resolve(query))
                else:
                    # PostgreSQL types the parameter from the ELSE branch: the column itself.
                    value_sql = "%s"
                    value_params = [compiler.adapt(field, field.get_prep_value(value))]
                whens.append(f"WHEN {pk_column} = %s THEN {value_sql}")
                params.append(compiler.adapt(pk, obj.pk))
                params.extend(value_params)
            column = quote(field.column)
            assignments.append(f"{column} = CASE {' '.join(whens)} ELSE {column} END")
        placeholders = ", ".join(["%s"] * len(batch))
        params.extend(compiler.adapt(pk, obj.pk) for obj in batch)
        sql = (
            f"UPDATE {quote(meta.db_table)} SET {', '.join(assignments)} "
            f"WHERE {pk_column} IN ({placeholders})"
        )
        statements.append((sql, params))
    return statements
