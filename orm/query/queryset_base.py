"""The chainable, I/O-free half of QuerySet: every method that only builds a new query."""

from __future__ import annotations

import operator
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from ..exceptions import FieldError, NotSupportedError
from ..expressions import Q
from .compiler import SQLCompiler
from .query import Query
from .rows import RowFactory, row_factory

if TYPE_CHECKING:
    from backends.base.dialect import Dialect

M = TypeVar("M")

# get() reads at most this many rows to tell "one" from "several".
MAX_GET_RESULTS = 21


# Row factories of cached column lists (see SQLCompiler.plan_shared), by (result kind,
# the compiler's select_key, database alias).
_FACTORIES: dict[tuple[Any, ...], Any] = {}


class CompiledSelect:
    __slots__ = ("sql", "params", "make")

    def __init__(self, sql: str, params: list[Any], make: RowFactory) -> None:
        self.sql = sql
        self.params = params
        self.make = make


class _BlankQuery:
    """``QuerySet.query`` of a queryset made without one: the blank Query of its model, made
    when first read. A get() by keywords on a manager reads none (its statement is planned),
    so the Query it would have made is saved. Not a data descriptor: once made, the query is
    an ordinary instance attribute, read at the cost of any other."""

    def __get__(self, instance: Any, owner: type | None = None) -> Any:
        if instance is None:
            return self
        query = instance.__dict__["query"] = Query(instance.model)
        return query


class BaseQuerySet(Generic[M]):
    """A lazy query: building methods return new querysets and never touch the database."""

    # Set (on the instance) by manager proxies for a queryset nothing else holds: its first
    # _chain() builds on it instead of copying it.
    _owned: bool

    if TYPE_CHECKING:
        query: Query
    else:
        query = _BlankQuery()

    def __init__(self, model: type[M] | None = None, query: Query | None = None, using: str | None = None):
        self.model: Any = model
        if query is not None:
            self.query = query
        self._db = using
        self._result_cache: list[Any] | None = None
        self._kind = "model"  # model, dict, tuple, flat or named
        self._prefetch_related_lookups: tuple[Any, ...] = ()

    # -- cloning -------------------------------------------------------------------------------
    def _chain(self) -> Any:
        if self.__dict__.pop("_owned", False):
            return self  # fresh from a manager and held by nobody else (manager._proxy)
        clone = object.__new__(type(self))
        clone.model = self.model
        clone.query = self.query.clone()
        clone._db = self._db
        clone._result_cache = None
        clone._kind = self._kind
        clone._prefetch_related_lookups = self._prefetch_related_lookups
        return clone

    @property
    def db(self) -> str:
        """The alias this queryset runs on."""
        return self._db or "default"

    def using(self, alias: str) -> Any:
        clone = self._chain()
        clone._db = alias
        return clone

    # -- filtering -----------------------------------------------------------------------------
    def all(self) -> Any:
        return self._chain()

    def filter(self, *args: Any, **kwargs: Any) -> Any:
        """Rows matching every condition: keyword lookups, Q objects."""
        return self._filter_or_exclude(False, args, kwargs)

    def exclude(self, *args: Any, **kwargs: Any) -> Any:
        """Rows not matching the conditions taken together."""
        return self._filter_or_exclude(True, args, kwargs)

    def _filter_or_exclude(self, negate: bool, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
        if self.query.is_sliced and (args or kwargs):
            raise TypeError("cannot filter a query once a slice has been taken")
        self._not_combined("filter() or exclude()")
        clone = self._chain()
        if not args and not kwargs:
            return clone
        q = Q(*args, **kwargs)
        clone.query.add_q(~q if negate else q)
        return clone

    def _narrowed_for_get(self, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
        """The queryset get() reads: filtered, at most MAX_GET_RESULTS rows, and unordered
        unless it locks rows (the order rows are locked in matters)."""
        clone = self.filter(*args, **kwargs) if (args or kwargs) else self._chain()
        if not clone.query.is_sliced:
            clone.query.set_limits(None, MAX_GET_RESULTS)
            if not clone.query.select_for_update:
                clone.query.order_by = ()
                clone.query.default_ordering = False
        return clone

    def none(self) -> Any:
        """A queryset that matches nothing and never queries the database."""
        clone = self._chain()
        clone.query.is_empty = True
        return clone

    # -- ordering ------------------------------------------------------------------------------
    def order_by(self, *fields: Any) -> Any:
        """Replace the ordering: names (``"-born"``, ``"?"``) or expressions. No arguments
        clears it, Meta.ordering included."""
        self._not_sliced("order")
        clone = self._chain()
        clone.query.order_by = clone.query.check_ordering(fields)
        clone.query.default_ordering = False if not fields else clone.query.default_ordering
        return clone

    def reverse(self) -> Any:
        clone = self._chain()
        clone.query.standard_ordering = not clone.query.standard_ordering
        return clone

    @property
    def ordered(self) -> bool:
        return self.query.is_ordered

    def distinct(self, *field_names: str) -> Any:
        self._not_combined("distinct()")
        if field_names:
            raise NotSupportedError("distinct(*fields) is not supported; use distinct()")
        self._not_sliced("make distinct")
        clone = self._chain()
        clone.query.distinct = True
        return clone

    # -- shapes of the results -----------------------------------------------------------------
    def values(self, *fields: str, **expressions: Any) -> Any:
        """Rows as dicts of the named fields (all concrete fields when none are named)."""
        self._not_combined("values()")
        clone = self._chain()
        clone.query.set_values(fields, expressions)
        clone._kind = "dict"
        return clone

    def values_list(self, *fields: str, flat: bool = False, named: bool = False) -> Any:
        """Rows as tuples; ``flat=True`` gives single values for one field, ``named=True``
        named tuples."""
        self._not_combined("values_list()")
        if flat and named:
            raise TypeError("values_list() takes flat or named, not both")
        if flat and len(fields) != 1:
            raise TypeError("values_list(flat=True) takes exactly one field")
        clone = self._chain()
        clone.query.set_values(fields, {})
        clone._kind = "flat" if flat else "named" if named else "tuple"
        return clone

    def only(self, *fields: str) -> Any:
        """Load only these fields now (and the primary key); others load when touched."""
        self._not_combined("only()")
        if not fields:
            raise TypeError("only() takes at least one field name")
        return self._defer(fields, only=True)

    def defer(self, *fields: str) -> Any:
        """Do not load these fields now; they load when touched. ``defer(None)`` clears."""
        self._not_combined("defer()")
        if fields == (None,):
            clone = self._chain()
            clone.query.deferred = (frozenset(), False)
            return clone
        return self._defer(fields, only=False)

    def _defer(self, fields: Sequence[str], only: bool) -> Any:
        for name in fields:
            meta = self.model._meta
            *relations, last = name.split("__")
            for relation in relations:  # "author__name": a field of a select_related model
                meta = meta.get_field(relation).related_model._meta
            field = meta.get_field(last)  # FieldError naming the model for a wrong name
            if not field.concrete:
                raise FieldError(f"{field.label} is not a column and cannot be deferred")
        clone = self._chain()
        names, was_only = clone.query.deferred
        if only:
            clone.query.deferred = (frozenset(fields), True)
        elif was_only:
            clone.query.deferred = (names - set(fields), True)
        else:
            clone.query.deferred = (names | set(fields), False)
        return clone

    # -- relations and annotations --------------------------------------------------------
    def select_related(self, *fields: str | None) -> Any:
        """Load these foreign keys (and one-to-one relations) in the same query, by JOIN.
        No arguments: every non-null foreign key; ``select_related(None)`` clears."""
        self._not_combined("select_related()")
        if self._kind != "model":
            raise TypeError("select_related() cannot be used after values() or values_list()")
        clone = self._chain()
        if fields == (None,):
            clone.query.select_related = False
        elif not fields:
            clone.query.select_related = True
        else:
            clone.query.add_select_related([f for f in fields if f is not None])
        return clone

    def prefetch_related(self, *lookups: Any) -> Any:
        """Load these relations (any kind, nested with "__", or Prefetch objects) with one
        extra query per level once the results are read. ``prefetch_related(None)`` clears."""
        clone = self._chain()
        if lookups == (None,):
            clone._prefetch_related_lookups = ()
        else:
            from ..prefetch import check_lookups

            check_lookups(self.model, lookups)
            clone._prefetch_related_lookups = clone._prefetch_related_lookups + lookups
        return clone

    def annotate(self, **expressions: Any) -> Any:
        """Add computed values (F, Value, arithmetic, across relations) to each result."""
        self._not_combined("annotate()")
        clone = self._chain()
        clone.query.add_annotations(expressions, select=True)
        return clone

    def alias(self, **expressions: Any) -> Any:
        """Like annotate(), but only for use in filter()/order_by(); not selected."""
        self._not_combined("alias()")
        clone = self._chain()
        clone.query.add_annotations(expressions, select=False)
        return clone

    def select_for_update(self, nowait: bool = False, skip_locked: bool = False, of: Sequence[str] = ()) -> Any:
        if nowait and skip_locked:
            raise ValueError("nowait and skip_locked cannot both be set")
        clone = self._chain()
        clone.query.select_for_update = True
        clone.query.select_for_update_options = {"nowait": nowait, "skip_locked": skip_locked, "of": list(of)}
        return clone

    # -- slicing -------------------------------------------------------------------------------
    def __getitem__(self, k: int | slice) -> Any:
        if not isinstance(k, (int, slice)):
            raise TypeError(f"QuerySet indices must be integers or slices, not {type(k).__name__}")
        if (isinstance(k, int) and k < 0) or (
            isinstance(k, slice) and ((k.start or 0) < 0 or (k.stop is not None and k.stop < 0))
        ):
            raise ValueError("negative indexing is not supported")
        if self._result_cache is not None:
            return self._result_cache[k]
        if isinstance(k, slice):
            if k.step not in (None, 1):
                raise ValueError("slices with a step are not supported")
            clone = self._chain()
            start = operator.index(k.start) if k.start is not None else None
            stop = operator.index(k.stop) if k.stop is not None else None
            clone.query.set_limits(start, stop)
            return clone
        clone = self._chain()
        clone.query.set_limits(k, k + 1)
        results = list(clone)  # a blocking read; async code uses qs[k:k+1] with afirst()
        if not results:
            raise IndexError("queryset index out of range")
        return results[0]

    # -- combining querysets --------------------------------------------------------------
    def union(self, *others: Any, all: bool = False) -> Any:  # noqa: A002 - Django's name
        """Rows of this queryset and of ``others`` (duplicates removed unless all=True)."""
        return self._combine("UNION ALL" if all else "UNION", others)

    def intersection(self, *others: Any) -> Any:
        """Rows found in this queryset and in every one of ``others``."""
        return self._combine("INTERSECT", others)

    def difference(self, *others: Any) -> Any:
        """Rows of this queryset found in none of ``others``."""
        return self._combine("EXCEPT", others)

    def _combine(self, operator: str, others: Sequence[Any]) -> Any:
        for other in others:
            if not isinstance(other, BaseQuerySet):
                raise TypeError(f"{operator.split()[0].lower()}() takes querysets, got {other!r}")
        querysets = [qs for qs in (self, *others) if not qs.query.is_empty]
        if operator == "INTERSECT" and len(querysets) < 1 + len(others):
            return self.none()  # intersecting with nothing is nothing
        if operator == "EXCEPT" and self.query.is_empty:
            return self.none()
        # The first part with rows decides the shape of the results (Django does the same).
        clone = (querysets[0] if querysets else self)._chain()
        parts = [qs.query for qs in querysets]
        query = Query(self.model)
        query.values_select = clone.query.values_select
        query.default_ordering = False
        if not parts:
            query.is_empty = True
        else:
            query.combinator = (operator, parts)
        clone.query = query
        return clone

    def _not_combined(self, action: str) -> None:
        if self.query.combinator is not None:
            raise NotSupportedError(
                f"{action} after union(), intersection() or difference() is not supported; "
                "filter the querysets before combining them"
            )

    def _not_sliced(self, action: str) -> None:
        if self.query.is_sliced:
            raise TypeError(f"cannot {action} a query once a slice has been taken")

    # -- compiling (no I/O) --------------------------------------------------------------------
    def _compile_select(self, dialect: Dialect) -> CompiledSelect:
        compiler = SQLCompiler(self.query, dialect)
        sql, params, columns = compiler.as_select()
        if compiler.plan_shared:
            # Columns from the compiler's cache: the row factory is cached with them (per
            # result kind and database alias).
            key = (self._kind, compiler.select_key, self.db)
            make = _FACTORIES.get(key)
            if make is None:
                if len(_FACTORIES) >= 512:
                    _FACTORIES.clear()
                make = _FACTORIES[key] = self._row_factory(compiler, columns, dialect)
        else:
            make = self._row_factory(compiler, columns, dialect)
        return CompiledSelect(sql, params, make)

    def _row_factory(self, compiler: SQLCompiler, columns: list[Any], dialect: Dialect) -> RowFactory:
        values = self.query.values_select
        names = [name for name, _ in values] if values else None
        return row_factory(self._kind, compiler.plan, names, columns, dialect, self.db)

    @property
    def sql(self) -> str:
        """The SQL this queryset would run on its database (for debugging)."""
        from ..connections import get_database

        dialect = get_database(self._db).sync_dialect
        sql, params, _ = SQLCompiler(self.query, dialect).as_select()
        return f"{sql} -- params: {params!r}"

    def __class_getitem__(cls, item: Any) -> Any:
        return cls
