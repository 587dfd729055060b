"""Subquery, Exists and OuterRef: a queryset used as an expression of another query.

``OuterRef("pk")`` inside the inner queryset refers to the outer query's row. When the outer
query resolves the subquery, the inner query's tables get aliases of their own (U0, U1, ...)
so the same table can appear inside and outside, and each OuterRef becomes a column of the
outer query.
"""

from __future__ import annotations

import copy
from typing import TYPE_CHECKING, Any

from ..exceptions import FieldError
from ..expressions import Col, Expression, F, SQLParams
from .joins import Join

if TYPE_CHECKING:
    from .compiler import SQLCompiler
    from .query import Query

class OuterRef(F):
    """A field of the enclosing query's current row, for use inside Subquery/Exists."""

    def resolve(self, query: Query) -> Expression:
        return ResolvedOuterRef(self.name)

    def __repr__(self) -> str:
        return f"OuterRef({self.name})"


class ResolvedOuterRef(Expression):
    def __init__(self, name: Any) -> None:
        self.name = name

    def as_sql(self, compiler: SQLCompiler) -> SQLParams:
        raise FieldError(
            f"OuterRef({self.name!r}) is only usable inside a Subquery() or Exists() that is "
            "used in another query"
        )


class Subquery(Expression):
    """The value of a one-column queryset: ``Subquery(Book.objects.filter(writer=OuterRef("pk"))
    .order_by("-pages").values("title")[:1])``."""

    template = "({subquery})"

    def __init__(self, queryset: Any, output_field: Any = None) -> None:
        if not hasattr(queryset, "query"):
            raise TypeError(f"{type(self).__name__}() takes a queryset, got {queryset!r}")
        self.query = queryset.query
        self._output_field = output_field

    def get_source_expressions(self) -> list[Any]:
        return []

    @property
    def output_field(self) -> Any:
        if self._output_field is not None:
            return self._output_field
        query = self.query
        if query.values_select is not None:
            if len(query.values_select) != 1:
                raise FieldError(
                    f"{type(self).__name__}() needs a queryset selecting one column; this one "
                    f"selects {len(query.values_select)} (use values('field'))"
                )
            return query.values_select[0][1].output_field
        return query.model._meta.pk

    def resolve(self, query: Query) -> Expression:
        clone = copy.copy(self)
        clone.query = _bind_to_outer(self.query, query)
        return clone

    def inner_select(self, compiler: SQLCompiler) -> SQLParams:
        from .compiler import SQLCompiler

        inner = self.query
        if inner.values_select is None:
            inner = inner.clone()
            inner.set_values([inner.model._meta.pk.attname], {})
        self.output_field  # noqa: B018 - raises for a multi-column subquery
        sql, params, _ = SQLCompiler(inner, compiler.dialect).as_select()
        return sql, params

    def as_sql(self, compiler: SQLCompiler) -> SQLParams:
        sql, params = self.inner_select(compiler)
        return f"({sql})", params


class Exists(Subquery):
    """Whether the queryset finds any row: a condition for filter() or a boolean annotation.
    ``~Exists(...)`` negates it."""

    conditional = True

    def __init__(self, queryset: Any, negated: bool = False) -> None:
        super().__init__(queryset)
        self.negated = negated

    @property
    def output_field(self) -> Any:
        from ..fields import BooleanField

        return BooleanField()

    def __invert__(self) -> Exists:
        clone = copy.copy(self)
        clone.negated = not self.negated
        return clone

    def as_sql(self, compiler: SQLCompiler) -> SQLParams:
        from .compiler import SQLCompiler

        inner = self.query.clone()
        inner.order_by = ()
        inner.default_ordering = False
        sql, params = SQLCompiler(inner, compiler.dialect).as_exists()
        return f"{'NOT ' if self.negated else ''}EXISTS({sql})", params


def _bind_to_outer(inner: Query, outer: Query) -> Query:
    """A copy of ``inner`` with aliases of its own and its OuterRefs bound to ``outer``.

    The aliases are ``U<n>_<i>``, with ``n`` counted per outer query, and above every ``n``
    used by subqueries nested in ``inner``: an alias never hides one of an enclosing query,
    and the same queryset always renders the same SQL (a counter shared by the process
    would make every statement new to the driver's statement cache).
    """
    inner = inner.clone()
    number = max(outer.subquery_count, inner.subquery_count)
    outer.subquery_count = number + 1
    prefix = f"U{number}"
    mapping = {inner.alias: f"{prefix}_0"}
    for index, alias in enumerate(inner.alias_map, start=1):
        mapping[alias] = f"{prefix}_{index}"

    def rebind(expression: Any) -> Any:
        if isinstance(expression, Col) and expression.alias in mapping:
            return Col(mapping[expression.alias], expression.field)
        if isinstance(expression, ResolvedOuterRef):
            if isinstance(expression.name, OuterRef):  # OuterRef(OuterRef(...)): one more level out
                return ResolvedOuterRef(expression.name.name)
            return outer.resolve_ref(expression.name)
        if isinstance(expression, Subquery):  # a nested subquery may point two levels out
            nested = copy.copy(expression)
            nested.query = _rebind_nested(expression.query, rebind)
            return nested
        return expression

    inner.alias_map = {
        mapping[alias]: Join(join.path, mapping[join.parent_alias], mapping[alias], join.join_type)
        for alias, join in inner.alias_map.items()
    }
    inner.alias = mapping[inner.alias]
    inner.where = inner.where.transform(rebind)
    inner.having = inner.having.transform(rebind)
    inner.annotations = {k: v.transform(rebind) for k, v in inner.annotations.items()}
    if inner.values_select is not None:
        inner.values_select = [(k, v.transform(rebind)) for k, v in inner.values_select]
    if isinstance(inner.group_by, list):
        inner.group_by = [g.transform(rebind) for g in inner.group_by]
    inner.order_by = tuple(o.transform(rebind) if hasattr(o, "transform") else o for o in inner.order_by)
    return inner


def _rebind_nested(query: Query, rebind: Any) -> Query:
    query = query.clone()
    query.where = query.where.transform(rebind)
    return query
