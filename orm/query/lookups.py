"""Lookups (``__exact``, ``__in``, ...) and transforms (``__year``, ``__date``).

Each is a small class registered by name on the field classes it applies to; users add their own
with ``Field.register_lookup(MyLookup)``. A lookup compares a left-hand side expression (a column
or a transform of one) with a right-hand side that is a plain value (sent as a parameter,
prepared by the left-hand side's field) or an expression.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any, ClassVar

from ..exceptions import FieldError
from ..expressions import Col, Expression, SQLParams

if TYPE_CHECKING:
    from ..fields.base import Field
    from .compiler import SQLCompiler


def is_queryset(value: Any) -> bool:
    """A QuerySet (or a query wrapper) used as a value: it becomes a subquery."""
    return hasattr(value, "query") and hasattr(value, "model")


def instance_key(field: Field, value: Any) -> Any:
    """A model instance compared with a key column stands for its primary key (a foreign key
    field knows which of the instance's columns it holds)."""
    if hasattr(value, "_meta") and hasattr(value, "_state") and not getattr(field, "many_to_one", False) \
            and not getattr(field, "one_to_one", False):
        return value.pk
    return value


def _label(field: Field | None) -> str:
    """``Model.field`` for messages, or a neutral phrase for computed values."""
    return field.label if field is not None and field.model is not None else "the expression"


class Transform(Expression):
    """A function of one expression, usable in a lookup path (``born__year``)."""

    lookup_name: ClassVar[str] = ""
    output_internal_type: ClassVar[str | None] = None

    def __init__(self, lhs: Expression) -> None:
        self.lhs = lhs

    def get_source_expressions(self) -> list[Expression]:
        return [self.lhs]

    def set_source_expressions(self, expressions: list[Any]) -> None:
        (self.lhs,) = expressions

    @property
    def output_field(self) -> Field | None:
        from .. import fields

        if self.output_internal_type == "IntegerField":
            return fields.IntegerField()
        if self.output_internal_type == "DateField":
            return fields.DateField()
        return self.lhs.output_field

    # Transforms register lookups like fields do, through their output field.
    def get_lookup(self, name: str) -> type[Lookup] | None:
        field = self.output_field
        return field.get_lookup(name) if field is not None else None

    def get_transform(self, name: str) -> type[Transform] | None:
        field = self.output_field
        return field.get_transform(name) if field is not None else None


class Extract(Transform):
    output_internal_type = "IntegerField"

    def as_sql(self, compiler: SQLCompiler) -> SQLParams:
        sql, params = compiler.compile(self.lhs)
        internal = self.lhs.output_field.get_internal_type() if self.lhs.output_field else ""
        return compiler.dialect.date_extract_sql(self.lookup_name, sql, internal), params


class ExtractYear(Extract):
    lookup_name = "year"


class ExtractMonth(Extract):
    lookup_name = "month"


class ExtractDay(Extract):
    lookup_name = "day"


class ExtractWeekDay(Extract):
    lookup_name = "week_day"


class ExtractHour(Extract):
    lookup_name = "hour"


class ExtractMinute(Extract):
    lookup_name = "minute"


class ExtractSecond(Extract):
    lookup_name = "second"


class TruncDate(Transform):
    lookup_name = "date"
    output_internal_type = "DateField"

    def as_sql(self, compiler: SQLCompiler) -> SQLParams:
        sql, params = compiler.compile(self.lhs)
        return compiler.dialect.date_cast_sql(sql), params


class Lookup(Expression):
    """``lhs <operator> rhs``. Subclasses name themselves and may prepare the value."""

    lookup_name: ClassVar[str] = ""
    prepare_rhs: ClassVar[bool] = True

    def __init__(self, lhs: Expression, rhs: Any) -> None:
        self.lhs = lhs
        self.rhs = self.get_prep_lookup(rhs)

    @property
    def field(self) -> Field | None:
        return self.lhs.output_field

    def rhs_is_expression(self) -> bool:
        return isinstance(self.rhs, Expression)

    def get_prep_lookup(self, value: Any) -> Any:
        if isinstance(value, Expression) or hasattr(value, "resolve"):
            return value
        field = self.field
        if self.prepare_rhs and field is not None:
            return field.get_prep_value(instance_key(field, value))
        return value

    conditional = True

    @property
    def contains_aggregate(self) -> bool:
        # Expression's walk over get_source_expressions(), without building the list: every
        # filter() asks this of every condition it adds.
        if getattr(self.lhs, "contains_aggregate", False):
            return True
        rhs = self.rhs
        if isinstance(rhs, Expression):
            return bool(rhs.contains_aggregate)
        if isinstance(rhs, (list, tuple)):
            return any(getattr(v, "contains_aggregate", False) for v in rhs)
        return False

    def get_source_expressions(self) -> list[Expression]:
        sources = [self.lhs]
        if isinstance(self.rhs, Expression):
            sources.append(self.rhs)
        elif isinstance(self.rhs, (list, tuple)):
            sources.extend(v for v in self.rhs if isinstance(v, Expression))
        return sources

    def set_source_expressions(self, expressions: list[Any]) -> None:
        self.lhs, *rest = expressions
        if isinstance(self.rhs, Expression):
            self.rhs = rest[0]
        elif isinstance(self.rhs, (list, tuple)) and rest:
            replaced = iter(rest)
            self.rhs = [next(replaced) if isinstance(v, Expression) else v for v in self.rhs]

    def process_lhs(self, compiler: SQLCompiler) -> SQLParams:
        sql, params = compiler.compile(self.lhs)
        field = self.field
        internal = field.get_internal_type() if field is not None else ""
        if internal == "DecimalField" and compiler.dialect.vendor == "sqlite" and not hasattr(self.lhs, "alias"):
            # A computed decimal has no column affinity on SQLite: give it NUMERIC so it
            # compares with the decimal parameter (sent as text) by value.
            sql = f"CAST({sql} AS NUMERIC)"
        return compiler.dialect.lookup_lhs(self.lookup_name, sql, internal), params

    def process_rhs(self, compiler: SQLCompiler) -> SQLParams:
        if isinstance(self.rhs, Expression):
            return compiler.compile(self.rhs)
        return "%s", [compiler.adapt(self.field, self.rhs)]

    def as_sql(self, compiler: SQLCompiler) -> SQLParams:
        lhs = self.lhs
        if type(lhs) is Col and not isinstance(self.rhs, Expression):
            # A column compared with a value: the text depends only on the lookup's class, the
            # column and the dialect, so it is rendered once (see _column_sql).
            key = (type(self), lhs.alias, lhs.field, compiler.dialect)
            cached = _COLUMN_SQL.get(key)
            if cached is None:
                cached = _column_sql(self, key, compiler)
            if cached is not None:
                sql, adapter = cached
                value = self.rhs
                return sql, [value if adapter is None or value is None else adapter(value)]
        return self.render(compiler)

    def render(self, compiler: SQLCompiler) -> SQLParams:
        lhs_sql, lhs_params = self.process_lhs(compiler)
        rhs_sql, rhs_params = self.process_rhs(compiler)
        operator = compiler.dialect.operators[self.lookup_name]
        return f"{lhs_sql} {operator % rhs_sql}", lhs_params + rhs_params

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.lhs!r}, {self.rhs!r})"


# "column <operator> %s" and the parameter's adapter, by (lookup class, table alias, field,
# dialect), for lookup classes that render through Lookup's own methods. Nearly every filter
# is one of these, and rendering them is most of compiling a small query.
_COLUMN_SQL: dict[tuple[Any, ...], tuple[str, Any]] = {}
_COLUMN_SQL_SIZE = 4096
# Lookup classes -> whether they render through Lookup.render/process_lhs/process_rhs.
_RENDERS_PLAINLY: dict[type, bool] = {}


def renders_plainly(cls: type[Lookup]) -> bool:
    """Whether the lookup class renders through Lookup's own methods: ``lhs <operator> %s``
    with the prepared value as the one parameter, whatever the value."""
    plain = _RENDERS_PLAINLY.get(cls)
    if plain is None:
        plain = _RENDERS_PLAINLY[cls] = (
            cls.as_sql is Lookup.as_sql
            and cls.render is Lookup.render
            and cls.process_lhs is Lookup.process_lhs
            and cls.process_rhs is Lookup.process_rhs
        )
    return plain


def _column_sql(lookup: Lookup, key: tuple[Any, ...], compiler: SQLCompiler) -> tuple[str, Any] | None:
    if not renders_plainly(type(lookup)):
        return None
    lhs_sql, lhs_params = lookup.process_lhs(compiler)
    if lhs_params:
        return None
    operator = compiler.dialect.operators[lookup.lookup_name]
    field = lookup.field
    adapter = field.get_db_adapter(compiler.dialect) if field is not None else None
    if len(_COLUMN_SQL) >= _COLUMN_SQL_SIZE:
        _COLUMN_SQL.clear()
    entry = _COLUMN_SQL[key] = (f"{lhs_sql} {operator % '%s'}", adapter)
    return entry


class Exact(Lookup):
    lookup_name = "exact"


class GreaterThan(Lookup):
    lookup_name = "gt"


class GreaterThanOrEqual(Lookup):
    lookup_name = "gte"


class LessThan(Lookup):
    lookup_name = "lt"


class LessThanOrEqual(Lookup):
    lookup_name = "lte"


class PatternLookup(Lookup):
    """Lookups on text whose value becomes a LIKE (or GLOB) pattern."""

    prepare_rhs = False

    def get_prep_lookup(self, value: Any) -> Any:
        if isinstance(value, Expression) or hasattr(value, "resolve"):
            raise FieldError(
                f"the {self.lookup_name!r} lookup on {_label(self.field)} takes a plain value, "
                "not an expression"
            )
        if value is None:
            raise FieldError(f"the {self.lookup_name!r} lookup on {_label(self.field)} cannot be None")
        field = self.field
        if field is not None and field.get_internal_type() in ("CharField", "TextField"):
            value = field.get_prep_value(value)
        return str(value)

    def process_rhs(self, compiler: SQLCompiler) -> SQLParams:
        return "%s", [compiler.dialect.prepare_pattern(self.lookup_name, self.rhs)]


class IExact(PatternLookup):
    lookup_name = "iexact"


class Contains(PatternLookup):
    lookup_name = "contains"


class IContains(PatternLookup):
    lookup_name = "icontains"


class StartsWith(PatternLookup):
    lookup_name = "startswith"


class IStartsWith(PatternLookup):
    lookup_name = "istartswith"


class EndsWith(PatternLookup):
    lookup_name = "endswith"


class IEndsWith(PatternLookup):
    lookup_name = "iendswith"


class Regex(PatternLookup):
    lookup_name = "regex"


class IRegex(PatternLookup):
    lookup_name = "iregex"


class In(Lookup):
    lookup_name = "in"

    def get_prep_lookup(self, value: Any) -> Any:
        if is_queryset(value):
            return value
        if isinstance(value, Expression):
            return value
        if isinstance(value, (str, bytes)) or not isinstance(value, Iterable):
            raise FieldError(
                f"the 'in' lookup on {_label(self.field)} takes an iterable of values, "
                f"got {type(value).__name__}"
            )
        field = self.field
        prepared = []
        for item in value:
            if item is None:  # NULL never matches IN; Django drops it too
                continue
            prepared.append(field.get_prep_value(instance_key(field, item)) if field is not None else item)
        return prepared

    def as_sql(self, compiler: SQLCompiler) -> SQLParams:
        lhs_sql, lhs_params = self.process_lhs(compiler)
        if is_queryset(self.rhs):
            if self.rhs.query.is_empty:
                return "1 = 0", []  # IN (none()) matches nothing
            sub_sql, sub_params = compiler.compile_subquery(self.rhs)
            return f"{lhs_sql} IN ({sub_sql})", lhs_params + sub_params
        if hasattr(self.rhs, "inner_select"):  # Subquery(): its SELECT, without its parentheses
            rhs_sql, rhs_params = self.rhs.inner_select(compiler)
            return f"{lhs_sql} IN ({rhs_sql})", lhs_params + rhs_params
        if isinstance(self.rhs, Expression):
            rhs_sql, rhs_params = compiler.compile(self.rhs)
            return f"{lhs_sql} IN ({rhs_sql})", lhs_params + rhs_params
        if not self.rhs:
            return "1 = 0", []  # nothing can match; under NOT it becomes always true, as it should
        field = self.field
        adapt = compiler.adapt
        params = [adapt(field, v) for v in self.rhs]
        placeholders = ", ".join(["%s"] * len(params))
        return f"{lhs_sql} IN ({placeholders})", lhs_params + params


class Range(Lookup):
    lookup_name = "range"

    def get_prep_lookup(self, value: Any) -> Any:
        if isinstance(value, (str, bytes)) or not isinstance(value, Iterable):
            raise FieldError(
                f"the 'range' lookup on {_label(self.field)} takes a (low, high) pair, got {value!r}"
            )
        pair = list(value)
        if len(pair) != 2:
            raise FieldError(
                f"the 'range' lookup on {_label(self.field)} takes exactly two values, "
                f"got {len(pair)}"
            )
        return [super(Range, self).get_prep_lookup(v) for v in pair]

    def as_sql(self, compiler: SQLCompiler) -> SQLParams:
        lhs_sql, lhs_params = self.process_lhs(compiler)
        parts: list[str] = []
        params: list[Any] = []
        for value in self.rhs:
            if isinstance(value, Expression):
                sql, p = compiler.compile(value)
            else:
                sql, p = "%s", [compiler.adapt(self.field, value)]
            parts.append(sql)
            params.extend(p)
        return f"{lhs_sql} BETWEEN {parts[0]} AND {parts[1]}", lhs_params + params


class IsNull(Lookup):
    lookup_name = "isnull"
    prepare_rhs = False

    def get_prep_lookup(self, value: Any) -> Any:
        if not isinstance(value, bool):
            raise FieldError(
                f"the 'isnull' lookup on {_label(self.field)} takes True or False, got {value!r}"
            )
        return value

    def as_sql(self, compiler: SQLCompiler) -> SQLParams:
        sql, params = compiler.compile(self.lhs)
        return f"{sql} IS {'' if self.rhs else 'NOT '}NULL", params


DEFAULT_LOOKUPS: list[type[Lookup]] = [
    Exact, IExact, Contains, IContains, StartsWith, IStartsWith, EndsWith, IEndsWith,
    GreaterThan, GreaterThanOrEqual, LessThan, LessThanOrEqual, In, Range, IsNull, Regex, IRegex,
]
DATE_TRANSFORMS: list[type[Transform]] = [ExtractYear, ExtractMonth, ExtractDay, ExtractWeekDay]
TIME_TRANSFORMS: list[type[Transform]] = [ExtractHour, ExtractMinute, ExtractSecond]


def register_default_lookups() -> None:
    from ..fields import DateField, DateTimeField, Field, TimeField

    for lookup in DEFAULT_LOOKUPS:
        Field.register_lookup(lookup)
    for transform in DATE_TRANSFORMS:
        DateField.register_lookup(transform)
    for transform in TIME_TRANSFORMS:
        DateTimeField.register_lookup(transform)
        TimeField.register_lookup(transform)
    DateTimeField.register_lookup(TruncDate)
    from .json_lookups import register_json_lookups
    register_json_lookups()
