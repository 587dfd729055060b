"""Django's ORM on psycopg 3, through its async API (``django-async``) and its sync API
(``django-sync``).

Django's a-methods run the sync ORM in asgiref's thread pool (``sync_to_async`` with
``thread_sensitive=True``: one shared worker thread), which is exactly the design this project
replaces, so that is what ``django-async`` measures. Both adapters use Django's own psycopg
pool (``OPTIONS={"pool": {"min_size": n, "max_size": n}}``, Django >= 5.1).

Django is configured in code (``settings.configure`` + ``django.setup``): this module itself
is the installed app, and the model is defined once, after setup, since Django refuses model
classes before its app registry is ready. Nothing from Django is imported at module level, so
the module imports without the ``[bench]`` extra.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable
from decimal import Decimal
from typing import Any, ParamSpec, TypeVar
from urllib.parse import unquote, urlsplit

from bench.adapters.base import Adapter, Row

_ALIAS = "default"
_setup_lock = threading.Lock()
_model: Any = None  # the BenchItem model class, once Django is set up

P = ParamSpec("P")
T = TypeVar("T")


def _database(url: str, pool_size: int) -> dict[str, Any]:
    """Django's DATABASES entry for a ``postgresql://user:pw@host:port/db`` URL."""
    parts = urlsplit(url)
    return {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": unquote(parts.path.lstrip("/")),
        "USER": unquote(parts.username or ""),
        "PASSWORD": unquote(parts.password or ""),
        "HOST": parts.hostname or "",
        "PORT": str(parts.port or ""),
        # Django's pool refuses persistent connections; 0 is also the default.
        "CONN_MAX_AGE": 0,
        "OPTIONS": {"pool": {"min_size": pool_size, "max_size": pool_size}},
    }


def _define_model() -> Any:
    from django.db import models

    class BenchItem(models.Model):
        id = models.BigAutoField(primary_key=True)
        name = models.CharField(max_length=100)
        category = models.IntegerField()
        price = models.DecimalField(max_digits=10, decimal_places=2)
        active = models.BooleanField()

        class Meta:
            db_table = "bench_item"
            managed = False  # the runner owns the table

    return BenchItem


def setup_django(url: str, pool_size: int) -> Any:
    """Configure Django for ``url`` with a pool of ``pool_size``; return the model class.

    Settings can be configured once per process. A later call (the tests run both adapters in
    one process) rewrites the database entry in place: Django's connection objects hold that
    very dict, and the previous adapter's ``close()`` dropped the pool built from it.
    """
    global _model
    import django
    from django.conf import settings

    database = _database(url, pool_size)
    with _setup_lock:
        if not settings.configured:
            settings.configure(
                DATABASES={_ALIAS: database},
                INSTALLED_APPS=[__name__],  # a plain module is an app: label "django_adapter"
                USE_TZ=True,
                TIME_ZONE="UTC",
                DEBUG=False,  # else every query is kept in connection.queries
            )
            django.setup()
        else:
            from django.db import connections

            connections.settings[_ALIAS].update(database)
        if _model is None:
            _model = _define_model()
    return _model


def _connect() -> None:
    """Open the pool and take this thread's connection (so open() fails on a bad URL)."""
    from django.db import connections

    connections[_ALIAS].ensure_connection()


def _release() -> None:
    """Give this thread's connection back to the pool, as Django does at a request's end."""
    from django.db import connections

    connections[_ALIAS].close()


def _shutdown() -> None:
    from django.db import connections

    connections.close_all()
    connections[_ALIAS].close_pool()


class DjangoAsyncAdapter(Adapter):
    """Django's async ORM (a-methods, ``async for``): the sync ORM in a worker thread."""

    name = "django-async"
    requires = ("django", "psycopg", "psycopg_pool")
    is_async = True

    async def open(self, url: str, pool_size: int) -> None:
        from asgiref.sync import sync_to_async

        self.model: Any = setup_django(url, pool_size)
        # The connection lives in asgiref's shared thread, where every a-method runs; it stays
        # there between operations, which is what Django's async ORM does outside a request.
        await sync_to_async(_connect)()

    async def close(self) -> None:
        from asgiref.sync import sync_to_async

        await sync_to_async(_shutdown)()

    async def insert_one(self, row: Row) -> int:
        obj = await self.model.objects.acreate(**row)
        return int(obj.pk)

    async def bulk_insert(self, rows: list[Row]) -> int:
        model = self.model
        created = await model.objects.abulk_create([model(**row) for row in rows])
        return len(created)

    async def get_by_pk(self, pk: int) -> Any:
        return await self.model.objects.aget(pk=pk)

    async def fetch_all(self) -> list[Any]:
        return [obj async for obj in self.model.objects.all()]

    async def filter_small(self, category: int) -> list[Any]:
        qs = self.model.objects.filter(category=category, active=True).order_by("price", "id")
        return [obj async for obj in qs[:10]]

    async def values(self, category: int) -> list[dict[str, Any]]:
        qs = self.model.objects.filter(category=category).order_by("id")
        return [row async for row in qs.values("id", "name", "price")]

    async def count_filtered(self, category: int) -> int:
        return int(await self.model.objects.filter(category=category, active=True).acount())

    async def update_one(self, pk: int, price: Decimal) -> int:
        return int(await self.model.objects.filter(pk=pk).aupdate(price=price))

    async def fetch_then_save(self, pk: int, suffix: str) -> None:
        obj = await self.model.objects.aget(pk=pk)
        obj.name += suffix
        await obj.asave()

    async def delete_filtered(self, category: int) -> int:
        deleted, _ = await self.model.objects.filter(category=category).adelete()
        return int(deleted)


def _per_request(method: Callable[P, T]) -> Callable[P, T]:
    """Return the thread's connection to the pool after each operation, as a request would.

    The runner calls sync adapters from its own thread and from a pool of worker threads;
    a connection parked in each of them would exhaust a pool of ``pool_size``.
    """

    @functools.wraps(method)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> T:
        try:
            return method(*args, **kwargs)
        finally:
            _release()

    return wrapper


class DjangoSyncAdapter(Adapter):
    """Django's sync ORM: the baseline for this ORM's sync psycopg path.

    Its methods are plain functions (``is_async = False``); the runner calls them without an
    event loop, as Django's sync ORM requires.
    """

    name = "django-sync"
    requires = ("django", "psycopg", "psycopg_pool")
    is_async = False

    def open(self, url: str, pool_size: int) -> None:  # type: ignore[override]
        self.model: Any = setup_django(url, pool_size)
        _connect()
        _release()

    def close(self) -> None:  # type: ignore[override]
        _shutdown()

    @_per_request
    def insert_one(self, row: Row) -> int:  # type: ignore[override]
        return int(self.model.objects.create(**row).pk)

    @_per_request
    def bulk_insert(self, rows: list[Row]) -> int:  # type: ignore[override]
        model = self.model
        return len(model.objects.bulk_create([model(**row) for row in rows]))

    @_per_request
    def get_by_pk(self, pk: int) -> Any:
        return self.model.objects.get(pk=pk)

    @_per_request
    def fetch_all(self) -> list[Any]:  # type: ignore[override]
        return list(self.model.objects.all())

    @_per_request
    def filter_small(self, category: int) -> list[Any]:  # type: ignore[override]
        qs = self.model.objects.filter(category=category, active=True).order_by("price", "id")
        return list(qs[:10])

    @_per_request
    def values(self, category: int) -> list[dict[str, Any]]:  # type: ignore[override]
        qs = self.model.objects.filter(category=category).order_by("id")
        return list(qs.values("id", "name", "price"))

    @_per_request
    def count_filtered(self, category: int) -> int:  # type: ignore[override]
        return int(self.model.objects.filter(category=category, active=True).count())

    @_per_request
    def update_one(self, pk: int, price: Decimal) -> int:  # type: ignore[override]
        return int(self.model.objects.filter(pk=pk).update(price=price))

    @_per_request
    def fetch_then_save(self, pk: int, suffix: str) -> None:  # type: ignore[override]
        obj = self.model.objects.get(pk=pk)
        obj.name += suffix
        obj.save()

    @_per_request
    def delete_filtered(self, category: int) -> int:  # type: ignore[override]
        deleted, _ = self.model.objects.filter(category=category).delete()
        return int(deleted)
