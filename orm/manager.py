"""Managers: ``Model.objects``, the entry point to querysets."""

from __future__ import annotations

import inspect
from typing import Any, Generic, TypeVar

from .query.queryset import QuerySet
from .query.raw import RawQuerySet

M = TypeVar("M")

# delete() stays queryset-only, as in Django: Model.objects.delete() would empty the table.
_NOT_PROXIED = {"model", "query", "db", "ordered", "sql", "delete", "adelete"}


class ManagerDescriptor:
    def __init__(self, manager: BaseManager[Any]) -> None:
        self.manager = manager

    def __get__(self, instance: Any, owner: type) -> Any:
        if instance is not None:
            raise AttributeError(
                f"Manager isn't accessible via {owner.__name__} instances; use {owner.__name__}.{self.manager.name}"
            )
        return self.manager


class BaseManager(Generic[M]):
    _queryset_class: type[QuerySet[Any]] = QuerySet

    def __init__(self) -> None:
        self.model: Any = None
        self.name = ""
        self._db: str | None = None

    def contribute_to_class(self, model: type, name: str) -> None:
        self.model = model
        self.name = name
        setattr(model, name, ManagerDescriptor(self))
        model._meta.managers.append(self)  # type: ignore[attr-defined]

    def get_queryset(self) -> QuerySet[M]:
        """The base queryset of this manager; override to filter every query it makes."""
        return self._queryset_class(model=self.model, using=self._db)

    def all(self) -> QuerySet[M]:
        """Every object; for a related manager whose objects were prefetched, the prefetched
        results (no query)."""
        return self.get_queryset()

    def raw(
        self,
        raw_query: str,
        params: Any = (),
        translations: dict[str, str] | None = None,
        using: str | None = None,
    ) -> RawQuerySet[M]:
        """Model instances from hand-written SQL, as Django's ``Manager.raw()``.

        ``params`` travel as parameters: ``%s`` placeholders with a list or tuple,
        ``%(name)s`` with a dict, ``%%`` for a literal percent sign. Columns are matched to
        fields by column name or attname, after ``translations`` (query column -> field
        name); other columns become attributes, unselected fields are deferred, and the
        primary key must be selected. Lazy: iterate with ``list(rs)`` or ``async for``.
        """
        return RawQuerySet(
            raw_query, model=self.model, params=params, translations=translations,
            using=using or self._db,
        )

    def db_manager(self, using: str) -> BaseManager[M]:
        clone = type(self).__new__(type(self))
        clone.__dict__.update(self.__dict__)
        clone._db = using
        return clone

    def __class_getitem__(cls, item: Any) -> Any:
        return cls

    def __repr__(self) -> str:
        model = self.model.__name__ if self.model is not None else "?"
        return f"<{type(self).__name__} {model}.{self.name}>"

    @classmethod
    def from_queryset(cls, queryset_class: type[QuerySet[Any]], class_name: str | None = None) -> type:
        """A manager class whose methods are the public methods of ``queryset_class``."""
        attrs: dict[str, Any] = {"_queryset_class": queryset_class}
        for name, method in inspect.getmembers(queryset_class, predicate=callable):
            if name.startswith("_") or name in _NOT_PROXIED or hasattr(cls, name):
                continue
            attrs[name] = _proxy(name, method)
        return type(class_name or f"{cls.__name__}From{queryset_class.__name__}", (cls,), attrs)


# Methods that chain the queryset once and never look at it again: building methods, and
# the reads that narrow it first (get() filters, first() orders and slices). Called on the
# fresh queryset of the default get_queryset(), which nothing else holds, they may build on
# it instead of a copy.
_BUILDERS = frozenset({
    "filter", "exclude", "order_by", "values", "values_list", "only", "defer",
    "select_related", "prefetch_related", "annotate", "alias", "distinct", "reverse",
    "get", "aget", "first", "afirst", "last", "alast",
})


def _proxy(name: str, method: Any) -> Any:
    builds = name in _BUILDERS

    def proxy(self: BaseManager[Any], *args: Any, **kwargs: Any) -> Any:
        queryset = self.get_queryset()
        if builds and type(self).get_queryset is BaseManager.get_queryset:
            queryset._owned = True  # its first _chain() returns it instead of a clone
        return getattr(queryset, name)(*args, **kwargs)

    proxy.__name__ = name
    proxy.__doc__ = method.__doc__
    return proxy


class Manager(BaseManager.from_queryset(QuerySet)):  # type: ignore[misc]
    """The default manager: ``Author.objects.filter(...)``, ``await Author.objects.aget(...)``."""
