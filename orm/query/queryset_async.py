"""The I/O half of QuerySet: every method that reads or writes the database.

Async source; ``queryset_sync.py`` is generated from it by ``tools/async_to_sync.py``. Everything
that does not do I/O (building queries, compiling SQL, checking arguments, building results)
lives in shared helpers, so the two worlds run the same code.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable, Sequence
from contextlib import aclosing
from typing import Any

from ..connection_async import aconnection
from ..connections import get_database
from ..deletion_async import adelete_queryset
from ..exceptions import DatabaseError, IntegrityError, TransactionManagementError, name_model
from ..model.saving import update_or_create_fields
from ..prefetch_async import aprefetch_related_objects
from ..transaction.atomic import Atomic
from ..transaction.state import current_async_transaction
from .compiler import SQLCompiler, compile_insert
from .get_plans import planned_get
from .queryset_base import BaseQuerySet
from .writes import (
    aggregate_arguments,
    aggregate_result,
    bulk_insert_plan,
    bulk_update_plan,
    check_latest_args,
    empty_aggregate_result,
    get_result,
    in_bulk_plan,
    update_values,
)


class AsyncQuerySetMethods(BaseQuerySet[Any]):

    # -- reading -------------------------------------------------------------------------------
    async def _afetch_rows(self) -> list[Any]:
        """Run the query and build every result (instances, dicts, tuples or values)."""
        if self.query.is_empty:
            return []
        if self.query.select_for_update:
            _check_locking_in_transaction(self.db, current_async_transaction)
        async with aconnection(self.db) as conn:
            compiled = self._compile_select(conn.dialect)
            rows = await conn.fetch_all(compiled.sql, compiled.params)
        make = compiled.make
        return [make(row) for row in rows]

    async def _afetch_all(self) -> None:
        if self._result_cache is None:
            results = await self._afetch_rows()
            if self._prefetch_related_lookups and self._kind == "model":
                await aprefetch_related_objects(results, *self._prefetch_related_lookups)
            self._result_cache = results

    def __aiter__(self) -> AsyncIterator[Any]:
        return self._aiter_results()

    async def _aiter_results(self) -> AsyncIterator[Any]:
        await self._afetch_all()
        for obj in self._result_cache or ():
            yield obj

    async def aiterator(self, chunk_size: int | None = None) -> AsyncIterator[Any]:
        """Stream the results without caching them, reading ``chunk_size`` rows at a time
        (a server-side cursor on PostgreSQL)."""
        if chunk_size is not None and chunk_size <= 0:
            raise ValueError("chunk_size must be a positive integer")
        if self.query.is_empty:
            return
        if self.query.select_for_update:
            _check_locking_in_transaction(self.db, current_async_transaction)
        lookups = self._prefetch_related_lookups if self._kind == "model" else ()
        async with aconnection(self.db) as conn:
            compiled = self._compile_select(conn.dialect)
            make = compiled.make
            # Closed here, before the connection goes back to the pool: a stream left for the
            # garbage collector would end its cursor later, on the connection's next user.
            stream = conn.stream(compiled.sql, compiled.params, chunk_size or 2000)
            async with aclosing(stream) as chunks:
                async for rows in chunks:
                    objs = [make(row) for row in rows]
                    if lookups:  # one prefetch per chunk, as Django does
                        await aprefetch_related_objects(objs, *lookups)
                    for obj in objs:
                        yield obj

    async def aget(self, *args: Any, **kwargs: Any) -> Any:
        """The single object matching the conditions; DoesNotExist or
        MultipleObjectsReturned otherwise."""
        if kwargs and not args and "_owned" in self.__dict__:
            # Fresh from a default manager: the compiled statement of this shape is reused.
            planned = planned_get(self, kwargs, get_database(self.db).async_dialect)
            if planned is not None:
                sql, params, make = planned
                async with aconnection(self.db) as conn:
                    rows = await conn.fetch_all(sql, params)
                return get_result(self.model, [make(row) for row in rows], kwargs)
        clone = self._narrowed_for_get(args, kwargs)
        return get_result(self.model, await clone._afetch_rows(), kwargs)

    async def acount(self) -> int:
        if self._result_cache is not None:
            return len(self._result_cache)
        if self.query.is_empty:
            return 0
        async with aconnection(self.db) as conn:
            sql, params = SQLCompiler(self.query, conn.dialect).as_count()
            row = await conn.fetch_one(sql, params)
        return int(row[0]) if row is not None else 0

    async def aexists(self) -> bool:
        if self._result_cache is not None:
            return bool(self._result_cache)
        if self.query.is_empty:
            return False
        async with aconnection(self.db) as conn:
            sql, params = SQLCompiler(self.query, conn.dialect).as_exists()
            row = await conn.fetch_one(sql, params)
        return row is not None

    async def acontains(self, obj: Any) -> bool:
        """Whether ``obj`` (a saved instance of this model) is among the results."""
        if not isinstance(obj, self.model):
            raise TypeError(f"contains() takes a {self.model.__name__} instance, got {obj!r}")
        if obj.pk is None:
            raise ValueError("contains() cannot be used on an unsaved object")
        if self._result_cache is not None:
            return obj in self._result_cache
        return await self.filter(pk=obj.pk).aexists()

    async def afirst(self) -> Any:
        """The first object (by the ordering, or by primary key), or None."""
        qs = self if self.query.is_ordered else self.order_by("pk")
        for obj in await qs[:1]._afetch_rows():
            return obj
        return None

    async def alast(self) -> Any:
        qs = self.reverse() if self.query.is_ordered else self.order_by("-pk")
        for obj in await qs[:1]._afetch_rows():
            return obj
        return None

    async def alatest(self, *fields: str) -> Any:
        """The latest object by ``fields`` (or Meta.get_latest_by)."""
        ordering = check_latest_args(self, fields, "latest")
        descending = ["-" + f if not f.startswith("-") else f[1:] for f in ordering]
        return await self.order_by(*descending)[:1].aget()

    async def aearliest(self, *fields: str) -> Any:
        ordering = check_latest_args(self, fields, "earliest")
        return await self.order_by(*ordering)[:1].aget()

    async def ain_bulk(self, id_list: Iterable[Any] | None = None, *, field_name: str = "pk") -> dict[Any, Any]:
        """``{value: object}`` for the objects whose ``field_name`` is in ``id_list``
        (every object when id_list is None)."""
        batches, key = in_bulk_plan(self, id_list, field_name)
        result: dict[Any, Any] = {}
        for batch in batches:
            for obj in await batch._afetch_rows():
                result[getattr(obj, key)] = obj
        return result

    async def aaggregate(self, *args: Any, **kwargs: Any) -> dict[str, Any]:
        """``{"price__avg": ..., "n": ...}``: aggregates over the rows (or, after annotate(),
        distinct() or slicing, over the results)."""
        aggregates = aggregate_arguments(args, kwargs)
        if self.query.is_empty:
            return empty_aggregate_result(aggregates)
        async with aconnection(self.db) as conn:
            sql, params, expressions = SQLCompiler(self.query, conn.dialect).as_aggregate(aggregates)
            row = await conn.fetch_one(sql, params)
        return aggregate_result(aggregates, expressions, row, conn.dialect)

    async def aexplain(self, **options: Any) -> str:
        async with aconnection(self.db) as conn:
            sql, params, _ = SQLCompiler(self.query, conn.dialect).as_select()
            rows = await conn.fetch_all(conn.dialect.explain_sql(sql, options), params)
        return "\n".join(" ".join(str(v) for v in row) for row in rows)

    # -- writing -------------------------------------------------------------------------------
    async def acreate(self, **kwargs: Any) -> Any:
        obj = self.model(**kwargs)
        await obj.asave(force_insert=True, using=self.db)
        return obj

    async def aget_or_create(self, defaults: dict[str, Any] | None = None, **kwargs: Any) -> tuple[Any, bool]:
        """``(object, created)``: the object matching ``kwargs``, created with ``defaults``
        when there is none. A concurrent insert of the same row is detected (unique
        constraint) and answered with the row that won."""
        try:
            return await self.aget(**kwargs), False
        except self.model.DoesNotExist:
            pass
        params = _create_params(kwargs, defaults)
        try:
            async with Atomic(using=self.db):
                obj = self.model(**params)
                await obj.asave(force_insert=True, using=self.db)
            return obj, True
        except IntegrityError:
            try:
                return await self.aget(**kwargs), False
            except self.model.DoesNotExist:
                pass
            raise

    async def aupdate_or_create(
        self,
        defaults: dict[str, Any] | None = None,
        create_defaults: dict[str, Any] | None = None,
        **kwargs: Any,
    ) -> tuple[Any, bool]:
        """``(object, created)``: update the object matching ``kwargs`` with ``defaults``, or
        create it (with ``create_defaults`` if given, else ``defaults``)."""
        defaults = defaults or {}
        async with Atomic(using=self.db):
            locked = self
            if _supports_locking(self.db):
                locked = self.select_for_update()
            obj, created = await locked.aget_or_create(
                defaults=create_defaults if create_defaults is not None else defaults, **kwargs
            )
            if created:
                return obj, created
            for name, value in defaults.items():
                setattr(obj, name, value() if callable(value) else value)
            await obj.asave(using=self.db, update_fields=update_or_create_fields(self.model, defaults))
        return obj, False

    async def abulk_create(self, objs: Iterable[Any], batch_size: int | None = None) -> list[Any]:
        """Insert many objects in as few statements as the database allows, all in one
        transaction, and set their primary keys. Signals are not sent (as in Django)."""
        objs = list(objs)
        if not objs:
            return objs
        async with Atomic(using=self.db, savepoint=False):
            async with aconnection(self.db) as conn:
                for group in bulk_insert_plan(self.model, objs, conn.dialect, batch_size):
                    sql, params = compile_insert(
                        self.model, group.fields, group.rows, conn.dialect, group.returning
                    )
                    try:
                        if group.returning:
                            group.set_returned(await conn.fetch_all(sql, params))
                        else:
                            await conn.execute(sql, params)
                    except DatabaseError as e:
                        raise name_model(e, self.model) from e.__cause__
        for obj in objs:
            obj._state.adding = False
            obj._state.db = self.db
        return objs

    async def abulk_update(self, objs: Iterable[Any], fields: Sequence[str], batch_size: int | None = None) -> int:
        """Write ``fields`` of every object in ``objs`` (saved instances) with one UPDATE per
        batch; returns the number of rows matched."""
        objs = list(objs)
        if not objs:
            return 0
        updated = 0
        async with Atomic(using=self.db, savepoint=False):
            async with aconnection(self.db) as conn:
                for sql, params in bulk_update_plan(self.model, objs, fields, conn.dialect, batch_size):
                    try:
                        updated += await conn.execute(sql, params)
                    except DatabaseError as e:
                        raise name_model(e, self.model) from e.__cause__
        return updated

    async def aupdate(self, **kwargs: Any) -> int:
        """Set fields on every matching row in one UPDATE; returns the number of rows."""
        if self.query.is_sliced:
            raise TypeError("cannot update a query once a slice has been taken")
        self._not_combined("update()")
        if not kwargs:
            raise TypeError("update() needs at least one field=value")
        if self.query.is_empty:
            return 0
        values = update_values(self.model, self.query, kwargs)
        async with aconnection(self.db) as conn:
            sql, params = SQLCompiler(self.query, conn.dialect).as_update(values)
            try:
                return await conn.execute(sql, params)
            except DatabaseError as e:
                raise name_model(e, self.model) from e.__cause__

    async def adelete(self) -> tuple[int, dict[str, int]]:
        """Delete every matching row; returns ``(total, {"app.Model": count})``."""
        if self.query.is_sliced:
            raise TypeError("cannot delete a query once a slice has been taken")
        self._not_combined("delete()")
        if self.query.distinct:
            raise TypeError("cannot call delete() after distinct()")
        if self._kind != "model":
            raise TypeError("cannot call delete() after values() or values_list()")
        if self.query.is_empty:
            return 0, {}
        return await adelete_queryset(self)


def _create_params(lookup: dict[str, Any], defaults: dict[str, Any] | None) -> dict[str, Any]:
    params = {k: v for k, v in lookup.items() if "__" not in k}
    for key, value in (defaults or {}).items():
        params[key] = value() if callable(value) else value
    return params


def _check_locking_in_transaction(alias: str | None, current: Any) -> None:
    """select_for_update() locks rows until the transaction ends: outside one (autocommit)
    the locks would be gone before the rows are used, so Django refuses, and so do we, on the
    databases that support it (the others raise NotSupportedError when the SQL is compiled)."""
    from ..connections import get_database

    database = get_database(alias)
    if database.backend.sync_dialect.supports_select_for_update and current(database.alias) is None:
        raise TransactionManagementError("select_for_update cannot be used outside of a transaction.")


def _supports_locking(alias: str) -> bool:
    from ..connections import get_database

    return bool(get_database(alias).backend.sync_dialect.supports_select_for_update)


__all__ = ["AsyncQuerySetMethods"]
