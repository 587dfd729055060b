"""Statement plans for ``Model.objects.get(**keywords)``: the most frequent query of an
application (a row by primary key, or by a few columns), compiled once per shape. No I/O.

The general path builds a QuerySet, its Query, a WHERE tree of lookups and compiles it for
every call; on a busy event loop that is about a third of the time of the whole get. A plan is
made by that very path, once per (model, keywords, database, dialect): it keeps the SQL, the
row factory, and for each keyword the column and lookup class that turn its value into the
statement's parameter. Later calls with the same keywords only build their lookups (which
prepare and check the values exactly as a filter() does) and read the parameters off them.

Only what renders the same SQL for any value of the keywords takes a plan: keywords naming a
column of the model's own table with a lookup that renders ``column <operator> %s`` (exact,
gt, gte, lt, lte and lookups like them), on a fresh queryset of a manager whose
get_queryset() is the default one. A value that would change the SQL (None, an expression, a
queryset) sends that call down the general path.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..expressions import Col, Expression
from ..fields.base import lookup_dependent_caches
from .lookups import is_queryset, renders_plainly
from .query import local_filter

if TYPE_CHECKING:
    from backends.base.dialect import Dialect

    from .queryset_base import BaseQuerySet
    from .rows import RowFactory


class GetPlan:
    """The compiled get() of one shape: SQL, how to make its parameters, and its rows."""

    __slots__ = ("sql", "keywords", "tail", "make")

    def __init__(
        self, sql: str, keywords: list[tuple[str, Col, Any, Any]], tail: list[Any], make: RowFactory
    ) -> None:
        self.sql = sql
        # (keyword, column, lookup class, the column's parameter adapter) in the order of the
        # statement's parameters (filter() sorts keywords)
        self.keywords = keywords
        self.tail = tail  # parameters after the WHERE clause: the LIMIT of get()
        self.make = make

    def params(self, kwargs: dict[str, Any]) -> list[Any] | None:
        """The statement's parameters for these values; None when one of them would change
        the SQL (the general path takes the call)."""
        params = []
        for name, column, lookup_cls, adapter in self.keywords:
            value = kwargs[name]
            if changes_sql(value):
                return None
            rhs = lookup_cls(column, value).rhs  # prepared and checked as filter() does it
            if isinstance(rhs, Expression):
                return None
            params.append(rhs if adapter is None or rhs is None else adapter(rhs))
        params += self.tail
        return params


def changes_sql(value: Any) -> bool:
    """Whether a keyword's value makes filter() build other SQL than a plain parameter:
    None (IS NULL), an expression, a queryset (a subquery)."""
    return value is None or hasattr(value, "resolve") or is_queryset(value)


# (model, keywords in call order, database alias, dialect) -> plan, or None for a shape that
# always takes the general path. Emptied by register_lookup(), which may change the lookups.
_PLANS: dict[tuple[Any, ...], GetPlan | None] = {}
_PLANS_SIZE = 1024
lookup_dependent_caches.append(_PLANS)


def planned_get(
    queryset: BaseQuerySet[Any], kwargs: dict[str, Any], dialect: Dialect
) -> tuple[str, list[Any], RowFactory] | None:
    """``(sql, params, row factory)`` of ``queryset.get(**kwargs)`` from the plan of its
    shape (made on first use), or None when the general path must take the call.
    ``queryset`` must be a fresh queryset of a default manager (nothing applied to it)."""
    key = (queryset.model, tuple(kwargs), queryset.db, dialect)
    try:
        plan = _PLANS[key]
    except KeyError:
        plan, lasting = _make_plan(queryset, kwargs, dialect)
        if plan is not None or lasting:
            if len(_PLANS) >= _PLANS_SIZE:
                _PLANS.clear()
            _PLANS[key] = plan
    if plan is None:
        return None
    params = plan.params(kwargs)
    return None if params is None else (plan.sql, params, plan.make)


def _make_plan(
    queryset: BaseQuerySet[Any], kwargs: dict[str, Any], dialect: Dialect
) -> tuple[GetPlan | None, bool]:
    """The plan of this shape, made by the general path; ``(None, True)`` when the shape
    cannot have one, ``(None, False)`` when only these values were unfit to make it."""
    model = queryset.model
    if any(changes_sql(value) for value in kwargs.values()):
        return None, False
    # A queryset of its own: the caller's fresh one stays untouched for the general path.
    prototype = type(queryset)(model=model, using=queryset._db)._narrowed_for_get((), kwargs)
    keywords = []
    for name in sorted(kwargs):
        resolved = local_filter(model, name)
        if resolved is None:
            return None, True
        field, lookup_cls = resolved
        if not renders_plainly(lookup_cls):
            return None, True
        keywords.append((name, Col(prototype.query.alias, field), lookup_cls, field.get_db_adapter(dialect)))
    conditions = prototype.query.where.children
    if len(conditions) != len(keywords) or prototype.query.having.children or any(
        type(condition) is not lookup_cls or type(condition.lhs) is not Col or condition.lhs.field is not column.field
        for condition, (_, column, lookup_cls, _) in zip(conditions, keywords)
    ):
        return None, True
    compiled = prototype._compile_select(dialect)
    return GetPlan(compiled.sql, keywords, compiled.params[len(keywords):], compiled.make), True
