"""Query expressions: F, Value, column references, arithmetic, ordering, and Q objects.

An expression is built by the user without knowing the model (``F("price") * 2``). ``resolve``
binds it to a query (F becomes a column), ``as_sql`` renders it through a compiler into
``(sql, params)``. Values never enter the SQL text; they travel as parameters.
"""

from __future__ import annotations

import copy
import datetime as dt
import decimal
import uuid
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from .exceptions import FieldError

if TYPE_CHECKING:
    from .fields.base import Field
    from .query.compiler import SQLCompiler
    from .query.query import Query

SQLParams = tuple[str, list[Any]]


class Combinable:
    """Arithmetic between expressions and plain values."""

    ADD, SUB, MUL, DIV, MOD = "+", "-", "*", "/", "%%"

    def _combine(self, other: Any, connector: str, reversed_: bool) -> CombinedExpression:
        if not hasattr(other, "resolve"):
            other = Value(other)
        if reversed_:
            return CombinedExpression(other, connector, self)
        return CombinedExpression(self, connector, other)

    def __add__(self, other: Any) -> CombinedExpression:
        return self._combine(other, self.ADD, False)

    def __sub__(self, other: Any) -> CombinedExpression:
        return self._combine(other, self.SUB, False)

    def __mul__(self, other: Any) -> CombinedExpression:
        return self._combine(other, self.MUL, False)

    def __truediv__(self, other: Any) -> CombinedExpression:
        return self._combine(other, self.DIV, False)

    def __mod__(self, other: Any) -> CombinedExpression:
        return self._combine(other, self.MOD, False)

    def __radd__(self, other: Any) -> CombinedExpression:
        return self._combine(other, self.ADD, True)

    def __rsub__(self, other: Any) -> CombinedExpression:
        return self._combine(other, self.SUB, True)

    def __rmul__(self, other: Any) -> CombinedExpression:
        return self._combine(other, self.MUL, True)

    def __rtruediv__(self, other: Any) -> CombinedExpression:
        return self._combine(other, self.DIV, True)

    def __rmod__(self, other: Any) -> CombinedExpression:
        return self._combine(other, self.MOD, True)

    def __neg__(self) -> CombinedExpression:
        return CombinedExpression(Value(0), self.SUB, self)

    def asc(self, *, nulls_first: bool = False, nulls_last: bool = False) -> OrderBy:
        return OrderBy(self, descending=False, nulls_first=nulls_first, nulls_last=nulls_last)

    def desc(self, *, nulls_first: bool = False, nulls_last: bool = False) -> OrderBy:
        return OrderBy(self, descending=True, nulls_first=nulls_first, nulls_last=nulls_last)


class Expression(Combinable):
    """Base of everything that renders to SQL."""

    _output_field: Field | None = None
    # Usable as a condition in filter() (lookups, Exists, Q-like expressions).
    conditional = False

    @property
    def contains_aggregate(self) -> bool:
        return any(getattr(s, "contains_aggregate", False) for s in self.get_source_expressions())

    def set_source_expressions(self, expressions: list[Any]) -> None:
        """Replace the sub-expressions (the inverse of get_source_expressions)."""
        if expressions:
            raise TypeError(f"{type(self).__name__} has no sub-expressions")

    def transform(self, fn: Any) -> Any:
        """A copy with ``fn`` applied to every sub-expression, bottom-up, then to itself."""
        clone = copy.copy(self)
        sources = self.get_source_expressions()
        if sources:
            clone.set_source_expressions([s.transform(fn) if hasattr(s, "transform") else s for s in sources])
        return fn(clone)

    @property
    def output_field(self) -> Field | None:
        return self._output_field

    def resolve(self, query: Query) -> Expression:
        return self

    def as_sql(self, compiler: SQLCompiler) -> SQLParams:
        raise NotImplementedError

    def get_source_expressions(self) -> list[Expression]:
        return []

    def flatten(self) -> Iterator[Expression]:
        yield self
        for source in self.get_source_expressions():
            yield from source.flatten()

    def copy(self) -> Expression:
        return copy.copy(self)


class F(Combinable):
    """A reference to a field of the model being queried, resolved when the query is built."""

    def __init__(self, name: str) -> None:
        self.name = name

    def resolve(self, query: Query) -> Expression:
        return query.resolve_ref(self.name)

    def __repr__(self) -> str:
        return f"F({self.name})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, F) and other.name == self.name

    def __hash__(self) -> int:
        return hash(("F", self.name))


def field_for_value(value: Any) -> Field | None:
    """A field able to carry a plain Python value, for adapting it to the database."""
    from . import fields

    if isinstance(value, bool):
        return fields.BooleanField()
    if isinstance(value, int):
        return fields.BigIntegerField()
    if isinstance(value, float):
        return fields.FloatField()
    if isinstance(value, decimal.Decimal):
        return fields.DecimalField(max_digits=65, decimal_places=30)
    if isinstance(value, str):
        return fields.TextField()
    if isinstance(value, dt.datetime):
        return fields.DateTimeField()
    if isinstance(value, dt.date):
        return fields.DateField()
    if isinstance(value, dt.time):
        return fields.TimeField()
    if isinstance(value, dt.timedelta):
        return fields.DurationField()
    if isinstance(value, uuid.UUID):
        return fields.UUIDField()
    if isinstance(value, bytes):
        return fields.BinaryField()
    return None


class Value(Expression):
    """A literal value, sent as a parameter."""

    contains_aggregate = False

    def __init__(self, value: Any, output_field: Field | None = None) -> None:
        self.value = value
        self._output_field = output_field

    @property
    def output_field(self) -> Field | None:
        if self._output_field is None:
            self._output_field = field_for_value(self.value)
        return self._output_field

    def as_sql(self, compiler: SQLCompiler) -> SQLParams:
        if self.value is None:
            return "NULL", []
        field = self.output_field
        value = field.get_prep_value(self.value) if field is not None else self.value
        return compiler.dialect.value_placeholder(field), [compiler.adapt(field, value)]

    def __repr__(self) -> str:
        return f"Value({self.value!r})"


class Col(Expression):
    """A column of a table (or table alias) in the query."""

    contains_aggregate = False

    def __init__(self, alias: str, field: Field) -> None:
        self.alias = alias
        self.field = field
        self._output_field = field

    def as_sql(self, compiler: SQLCompiler) -> SQLParams:
        quote = compiler.quote
        return f"{quote(self.alias)}.{quote(self.field.column)}", []

    def __repr__(self) -> str:
        return f"Col({self.alias}, {self.field.label})"


class CombinedExpression(Expression):
    def __init__(self, lhs: Any, connector: str, rhs: Any) -> None:
        self.lhs = lhs
        self.connector = connector
        self.rhs = rhs

    def get_source_expressions(self) -> list[Expression]:
        return [self.lhs, self.rhs]

    def set_source_expressions(self, expressions: list[Any]) -> None:
        self.lhs, self.rhs = expressions

    def resolve(self, query: Query) -> Expression:
        clone = copy.copy(self)
        clone.lhs = self.lhs.resolve(query)
        clone.rhs = self.rhs.resolve(query)
        return clone

    @property
    def output_field(self) -> Field | None:
        """The result's type by Django's rules (integer with decimal gives decimal, datetime
        minus datetime gives a duration, ...); FieldError when the two sides do not combine."""
        return combined_type(self.connector, self.lhs.output_field, self.rhs.output_field)

    def as_sql(self, compiler: SQLCompiler) -> SQLParams:
        lhs_sql, lhs_params = compiler.compile(self.lhs)
        rhs_sql, rhs_params = compiler.compile(self.rhs)
        temporal = compiler.dialect.combine_temporal_sql(
            self.connector, _kind(self.lhs.output_field), lhs_sql, _kind(self.rhs.output_field), rhs_sql
        )
        if temporal is not None:
            return temporal, lhs_params + rhs_params
        return f"({lhs_sql} {self.connector} {rhs_sql})", lhs_params + rhs_params

    def __repr__(self) -> str:
        return f"{self.lhs!r} {self.connector.replace('%%', '%')} {self.rhs!r}"


_KINDS = {
    "IntegerField": "integer", "BigIntegerField": "integer", "SmallIntegerField": "integer",
    "PositiveIntegerField": "integer", "AutoField": "integer", "BigAutoField": "integer",
    "SmallAutoField": "integer", "FloatField": "float", "DecimalField": "decimal",
    "CharField": "text", "TextField": "text", "DateField": "date", "DateTimeField": "datetime",
    "TimeField": "time", "DurationField": "duration",
}


def _kind(field: Field | None) -> str | None:
    if field is None:
        return None
    internal = field.get_internal_type()
    return _KINDS.get(internal, internal)


def combined_type(connector: str, lhs: Field | None, rhs: Field | None) -> Field | None:
    from . import fields

    if lhs is None or rhs is None:
        return lhs if lhs is not None else rhs
    left, right = _kind(lhs), _kind(rhs)
    kinds = {left, right}
    if left == right:
        if left in ("date", "datetime", "time") and connector == Combinable.SUB:
            return fields.DurationField()
        if left in ("integer", "float", "decimal", "duration", "text") or connector == Combinable.SUB:
            return lhs
    elif kinds == {"integer", "decimal"}:
        return lhs if left == "decimal" else rhs
    elif kinds == {"integer", "float"}:
        return lhs if left == "float" else rhs
    elif kinds in ({"datetime", "duration"}, {"time", "duration"}) and connector in (Combinable.ADD, Combinable.SUB):
        if connector == Combinable.ADD or left != "duration":
            return lhs if left != "duration" else rhs
    elif kinds == {"date", "duration"} and connector in (Combinable.ADD, Combinable.SUB):
        if connector == Combinable.ADD or left != "duration":
            return fields.DateTimeField()
    elif "duration" in kinds and kinds & {"integer", "float", "decimal"} and connector in (Combinable.MUL, Combinable.DIV):
        if connector == Combinable.MUL or left == "duration":
            return lhs if left == "duration" else rhs
    raise FieldError(
        f"cannot compute {type(lhs).__name__} {connector.replace('%%', '%')} {type(rhs).__name__}: "
        "the types do not combine; wrap the expression in ExpressionWrapper(..., output_field=...) "
        "to say what it gives, or Cast() one side"
    )


class OrderBy(Expression):
    def __init__(
        self,
        expression: Any,
        descending: bool = False,
        nulls_first: bool = False,
        nulls_last: bool = False,
    ) -> None:
        if nulls_first and nulls_last:
            raise ValueError("nulls_first and nulls_last are mutually exclusive")
        self.expression = expression
        self.descending = descending
        self.nulls_first = nulls_first
        self.nulls_last = nulls_last

    def get_source_expressions(self) -> list[Expression]:
        return [self.expression]

    def set_source_expressions(self, expressions: list[Any]) -> None:
        (self.expression,) = expressions

    def resolve(self, query: Query) -> OrderBy:
        clone = copy.copy(self)
        clone.expression = self.expression.resolve(query)
        return clone

    def reversed(self) -> OrderBy:
        return OrderBy(
            self.expression,
            descending=not self.descending,
            nulls_first=self.nulls_last,
            nulls_last=self.nulls_first,
        )

    def as_sql(self, compiler: SQLCompiler) -> SQLParams:
        sql, params = compiler.compile(self.expression)
        sql = f"{sql} {'DESC' if self.descending else 'ASC'}"
        if self.nulls_first:
            sql += " NULLS FIRST"
        elif self.nulls_last:
            sql += " NULLS LAST"
        return sql, params


class RawSQL(Expression):
    """A fixed SQL fragment with its own parameters (used internally, e.g. ``RANDOM()``)."""

    def __init__(self, sql: str, params: list[Any] | None = None, output_field: Field | None = None):
        self.sql = sql
        self.params = list(params or [])
        self._output_field = output_field

    def as_sql(self, compiler: SQLCompiler) -> SQLParams:
        return self.sql, list(self.params)


class Ref(Expression):
    """A column of a derived table by name: ``"subquery"."__col0"``."""

    def __init__(self, table: str, column: str, output_field: Field | None) -> None:
        self.table = table
        self.column = column
        self._output_field = output_field

    def as_sql(self, compiler: SQLCompiler) -> SQLParams:
        return f"{compiler.quote(self.table)}.{compiler.quote(self.column)}", []


class Star(Expression):
    """``*`` in ``COUNT(*)``."""

    def as_sql(self, compiler: SQLCompiler) -> SQLParams:
        return "*", []

    def __repr__(self) -> str:
        return "'*'"


class Random(Expression):
    """``order_by("?")``: the dialect's random function."""

    def as_sql(self, compiler: SQLCompiler) -> SQLParams:
        return compiler.dialect.random_function_sql(), []


def parse_argument(arg: Any) -> Any:
    """A function argument: a name is a field reference (F), an expression stays, anything
    else is a Value."""
    if isinstance(arg, str):
        return F(arg)
    if hasattr(arg, "resolve"):
        return arg
    return Value(arg)


class Func(Expression):
    """A SQL function call: ``Func(F("name"), function="UPPER")`` or a subclass that sets
    ``function``/``template``. String arguments are field names."""

    function: str = ""
    template: str = "{function}({expressions})"
    arg_joiner: str = ", "
    arity: int | None = None  # the exact number of arguments, where fixed

    def __init__(self, *expressions: Any, output_field: Field | None = None, **extra: Any) -> None:
        name = type(self).__name__
        if self.arity is not None and len(expressions) != self.arity:
            raise TypeError(
                f"{name} takes {self.arity} argument{'s' if self.arity != 1 else ''}, "
                f"{len(expressions)} given"
            )
        for key in ("function", "template", "arg_joiner"):
            if key in extra:
                setattr(self, key, extra.pop(key))
        self.source_expressions: list[Any] = [parse_argument(e) for e in expressions]
        self._output_field = output_field
        self.extra = extra

    def get_source_expressions(self) -> list[Any]:
        return list(self.source_expressions)

    def set_source_expressions(self, expressions: list[Any]) -> None:
        self.source_expressions = list(expressions)

    def resolve(self, query: Query) -> Expression:
        clone = copy.copy(self)
        clone.source_expressions = [e.resolve(query) for e in self.source_expressions]
        clone.check_arguments()
        return clone

    def check_arguments(self) -> None:
        """Hook: raise FieldError for arguments of a type the function cannot take."""

    @property
    def output_field(self) -> Field | None:
        if self._output_field is None:
            self._output_field = self.resolve_output_field()
        return self._output_field

    def resolve_output_field(self) -> Field | None:
        """The type of the sources, which must agree (FieldError asks for output_field)."""
        fields = [
            e.output_field for e in self.source_expressions
            if e.output_field is not None and not (isinstance(e, Value) and e._output_field is None)
        ]
        if not fields:
            fields = [e.output_field for e in self.source_expressions if e.output_field is not None]
        kinds = {_numeric_kind(f) for f in fields}
        if len(kinds) > 1:
            names = ", ".join(sorted({type(f).__name__ for f in fields}))
            raise FieldError(
                f"{type(self).__name__} mixes {names}; pass output_field= to say which type the "
                "result has (e.g. output_field=models.DecimalField(...))"
            )
        return fields[0] if fields else None

    def as_sql(self, compiler: SQLCompiler) -> SQLParams:
        vendor_sql = getattr(self, f"as_{compiler.dialect.vendor}", None)
        if vendor_sql is not None:
            return vendor_sql(compiler)  # type: ignore[no-any-return,unused-ignore]
        return self.render(compiler)

    def render(self, compiler: SQLCompiler, **overrides: Any) -> SQLParams:
        parts: list[str] = []
        params: list[Any] = []
        for arg in overrides.pop("expressions", self.source_expressions):
            sql, arg_params = compiler.compile(arg)
            parts.append(sql)
            params.extend(arg_params)
        context = {"function": self.function, **self.extra, **overrides}
        template = context.pop("template", self.template)
        joiner = context.pop("arg_joiner", self.arg_joiner)
        context["expressions"] = joiner.join(parts)
        if "%(" in template:  # Django's spelling: "%(function)s(%(expressions)s)"
            return template % context, params
        return template.format(**context), params

    def __repr__(self) -> str:
        args = ", ".join(repr(e) for e in self.source_expressions)
        return f"{type(self).__name__}({args})"


NUMBER_TYPES = (
    "IntegerField", "BigIntegerField", "SmallIntegerField", "PositiveIntegerField", "FloatField",
    "DecimalField", "AutoField", "BigAutoField", "SmallAutoField",
)
TEXT_TYPES = ("CharField", "TextField", "EmailField")


def check_argument_types(func: Func, kinds: tuple[str, ...], what: str, hint: str) -> None:
    """FieldError naming the function, the argument and what to do, for an argument whose
    type the function cannot take."""
    for source in func.source_expressions:
        field = source.output_field
        if field is not None and field.get_internal_type() not in kinds:
            raise FieldError(
                f"{type(func).__name__}() takes {what}; got {source!r} of type "
                f"{type(field).__name__} ({hint})"
            )


def _numeric_kind(field: Field) -> str:
    # Integer columns of any width mix freely; other types must match.
    internal = field.get_internal_type()
    if internal in ("IntegerField", "BigIntegerField", "SmallIntegerField", "PositiveIntegerField",
                    "AutoField", "BigAutoField", "SmallAutoField"):
        return "integer"
    if internal in ("CharField", "TextField"):
        return "text"
    return internal


class ExpressionWrapper(Expression):
    """Give an expression the type of its result: ``ExpressionWrapper(F("a") * F("b"),
    output_field=DecimalField(...))``."""

    def __init__(self, expression: Any, output_field: Field) -> None:
        self.expression = parse_argument(expression) if not isinstance(expression, str) else F(expression)
        self._output_field = output_field

    def get_source_expressions(self) -> list[Any]:
        return [self.expression]

    def set_source_expressions(self, expressions: list[Any]) -> None:
        (self.expression,) = expressions

    def resolve(self, query: Query) -> Expression:
        clone = copy.copy(self)
        clone.expression = self.expression.resolve(query)
        return clone

    def as_sql(self, compiler: SQLCompiler) -> SQLParams:
        return compiler.compile(self.expression)


class When(Expression):
    """``When(condition, then=value)``: one branch of a Case. The condition is a Q, keyword
    lookups or a conditional expression (Exists, a lookup)."""

    conditional = True

    def __init__(self, condition: Any = None, then: Any = None, **lookups: Any) -> None:
        if lookups:
            condition = Q(**lookups) if condition is None else condition & Q(**lookups)
        if condition is None:
            raise TypeError("When() needs a condition: a Q object, keyword lookups or an expression")
        self.condition = condition
        self.result = parse_argument(then) if then is not None else Value(None)

    def get_source_expressions(self) -> list[Any]:
        return [self.condition, self.result]

    def set_source_expressions(self, expressions: list[Any]) -> None:
        self.condition, self.result = expressions

    def resolve(self, query: Query) -> Expression:
        clone = copy.copy(self)
        if isinstance(self.condition, Q):
            clone.condition = query.build_condition(self.condition)
        else:
            clone.condition = self.condition.resolve(query)
        clone.result = self.result.resolve(query)
        return clone

    @property
    def output_field(self) -> Field | None:
        return self.result.output_field

    def as_sql(self, compiler: SQLCompiler) -> SQLParams:
        condition_sql, condition_params = compiler.compile(self.condition)
        result_sql, result_params = compiler.compile(self.result)
        return f"WHEN {condition_sql or '1 = 1'} THEN {result_sql}", condition_params + result_params


class Case(Expression):
    """``Case(When(...), When(...), default=value, output_field=...)``: the result of the first
    branch whose condition holds, else the default (NULL when none is given)."""

    def __init__(self, *cases: When, default: Any = None, output_field: Field | None = None) -> None:
        if not all(isinstance(c, When) for c in cases):
            raise TypeError("Case() takes When() objects as positional arguments")
        self.cases = list(cases)
        self.default = parse_argument(default) if default is not None else Value(None)
        self._output_field = output_field

    def get_source_expressions(self) -> list[Any]:
        return [*self.cases, self.default]

    def set_source_expressions(self, expressions: list[Any]) -> None:
        *self.cases, self.default = expressions

    def resolve(self, query: Query) -> Expression:
        clone = copy.copy(self)
        clone.cases = [c.resolve(query) for c in self.cases]  # type: ignore[misc]
        clone.default = self.default.resolve(query)
        # Plain values in the branches take the CASE's type, so they are adapted (and on
        # PostgreSQL cast) alike.
        field = clone.output_field
        for case in clone.cases:
            case.result = _typed(case.result, field)
        clone.default = _typed(clone.default, field)
        return clone

    @property
    def output_field(self) -> Field | None:
        if self._output_field is not None:
            return self._output_field
        found: list[Field] = []
        for source in [*self.cases, self.default]:
            result = source.result if isinstance(source, When) else source
            if isinstance(result, Value) and result._output_field is None:
                continue  # plain values take the type of the others
            if result.output_field is not None:
                found.append(result.output_field)
        if not found:
            for source in [*self.cases, self.default]:
                if source.output_field is not None:
                    return source.output_field
            return None
        if len({_numeric_kind(f) for f in found}) > 1:
            names = ", ".join(sorted({type(f).__name__ for f in found}))
            raise FieldError(f"Case() branches give {names}; pass output_field= to say which type the result has")
        return found[0]

    def as_sql(self, compiler: SQLCompiler) -> SQLParams:
        params: list[Any] = []
        parts: list[str] = []
        for case in self.cases:
            sql, case_params = compiler.compile(case)
            parts.append(sql)
            params.extend(case_params)
        default_sql, default_params = compiler.compile(self.default)
        if not parts:
            return default_sql, default_params
        return f"CASE {' '.join(parts)} ELSE {default_sql} END", params + default_params


def _typed(expression: Any, field: Field | None) -> Any:
    if isinstance(expression, Value) and expression._output_field is None and field is not None:
        return Value(expression.value, output_field=field)
    return expression


class Q:
    """A filter condition tree: ``Q(a=1) | Q(b=2)``, ``~Q(c=3)``, ``Q(x) & Q(y)``."""

    AND = "AND"
    OR = "OR"

    def __init__(self, *args: Any, _connector: str = "AND", _negated: bool = False, **kwargs: Any):
        self.children: list[Any] = [*args, *sorted(kwargs.items())]
        self.connector = _connector
        self.negated = _negated

    def _combine(self, other: Any, connector: str) -> Q:
        if not isinstance(other, Q):
            raise TypeError(f"cannot combine Q with {type(other).__name__}")
        if not other.children:
            return copy.deepcopy(self)
        if not self.children:
            return copy.deepcopy(other)
        combined = Q(_connector=connector)
        combined.children = [self, other]
        return combined

    def __and__(self, other: Any) -> Q:
        return self._combine(other, self.AND)

    def __or__(self, other: Any) -> Q:
        return self._combine(other, self.OR)

    def __invert__(self) -> Q:
        inverted = Q(_connector=self.AND, _negated=True)
        inverted.children = [self]
        return inverted

    def __bool__(self) -> bool:
        return bool(self.children)

    def __repr__(self) -> str:
        inner = f" {self.connector} ".join(repr(c) for c in self.children)
        return f"<Q: {'NOT ' if self.negated else ''}({inner})>"

    def __eq__(self, other: object) -> bool:
        return (
            isinstance(other, Q)
            and other.connector == self.connector
            and other.negated == self.negated
            and other.children == self.children
        )

    __hash__ = None  # type: ignore[assignment]


def ensure_expression(value: Any) -> Any:
    """Plain values become Value(); expressions and F are returned as they are."""
    if hasattr(value, "resolve"):
        return value
    return Value(value)


def check_resolvable(value: Any, where: str) -> None:
    if isinstance(value, Q):
        raise FieldError(f"a Q object cannot be used as a value in {where}")
