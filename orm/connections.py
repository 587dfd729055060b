"""Configured databases: ``orm.setup()``, the pools behind each alias, ``orm.close()``.

Nothing here does I/O until a pool is first used: ``setup()`` only checks the configuration, so
it can run at import time, inside or outside an event loop. Async pools belong to the event loop
that created them; a process that runs several loops one after another (tests, scripts calling
``asyncio.run`` twice) gets a pool per loop.
"""

from __future__ import annotations

import asyncio
import threading
import weakref
from collections.abc import Callable, Iterator, Mapping
from typing import TYPE_CHECKING, Any

from ._sync_guard import check_sync_allowed
from .exceptions import ImproperlyConfigured
from .sql_async import AsyncSQLMethods
from .sql_sync import SyncSQLMethods

if TYPE_CHECKING:
    # Imported lazily at run time: backends import orm.exceptions, so `import backends` first
    # must not come back here half-initialized.
    from backends import DatabaseConfig

DEFAULT_DB_ALIAS = "default"


def _no_loop() -> None:
    """Stands for a dead weak reference: no event loop was asked yet."""
    return None


class Database(AsyncSQLMethods, SyncSQLMethods):
    """One configured alias: its backend, and its pools, opened on first use.

    Plain SQL runs through it: ``orm.connections["default"].execute(sql, params)`` /
    ``await ....aexecute(...)`` (returns the row count), ``fetch``/``afetch`` (every row as a
    tuple) and ``fetch_one``/``afetch_one`` (a tuple or None), inside the current
    ``orm.atomic()`` block when one is open.
    """

    def __init__(self, config: DatabaseConfig) -> None:
        self.alias = config.alias
        self.config = config
        self._backend: Any = None
        self._sync_pool: Any = None
        self._async_pools: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, Any] = (
            weakref.WeakKeyDictionary()
        )
        self._last_async_pool: tuple[Callable[[], Any], Any] = (_no_loop, None)
        self._lock = threading.Lock()

    @property
    def backend(self) -> Any:
        if self._backend is None:
            from backends import get_backend

            self._backend = get_backend(self.config)
        return self._backend

    @property
    def vendor(self) -> str:
        return self.config.vendor

    @property
    def sync_dialect(self) -> Any:
        return self.backend.sync_dialect

    @property
    def async_dialect(self) -> Any:
        return self.backend.async_dialect

    def sync_pool(self) -> Any:
        """The sync pool; raises SynchronousOnlyOperation on an event loop's thread."""
        check_sync_allowed()
        pool = self._sync_pool
        if pool is None:
            with self._lock:
                if self._sync_pool is None:
                    self._sync_pool = self.backend.create_sync_pool()
                pool = self._sync_pool
        return pool

    def async_pool(self) -> Any:
        loop = asyncio.get_running_loop()
        # Every query asks: answer the loop asked last without the weak dictionary's lookup.
        last_loop, last_pool = self._last_async_pool
        if last_loop() is loop:
            return last_pool
        pool = self._async_pools.get(loop)
        if pool is None:
            pool = self._async_pools[loop] = self.backend.create_async_pool()
        self._last_async_pool = (weakref.ref(loop), pool)
        return pool

    def pool_status(self) -> dict[str, Any]:
        """How many connections the pools hold (``idle``, ``in_use``), for monitoring: the
        sync pool, and the async pool of the running event loop (if any)."""
        status: dict[str, Any] = {"sync": self._sync_pool.status() if self._sync_pool else None}
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            loop = None
        pool = self._async_pools.get(loop) if loop is not None else None
        status["async"] = pool.status() if pool is not None else None
        return status

    def schema_editor(self, dialect: Any) -> Any:
        return self.backend.schema_editor_class(dialect)

    def close(self) -> None:
        pool, self._sync_pool = self._sync_pool, None
        if pool is not None:
            pool.close()

    async def aclose(self) -> None:
        loop = asyncio.get_running_loop()
        self._last_async_pool = (_no_loop, None)
        pool = self._async_pools.pop(loop, None)
        if pool is not None:
            await pool.close()

    def __repr__(self) -> str:
        return f"<Database {self.alias!r} {self.config.vendor}>"


class ConnectionRegistry(Mapping[str, Database]):
    """``orm.connections``: the configured databases by alias."""

    def __init__(self) -> None:
        self._databases: dict[str, Database] = {}
        self._retired: list[Database] = []

    def configure(self, databases: Mapping[str, Any]) -> None:
        if not isinstance(databases, Mapping) or not databases:
            raise ImproperlyConfigured(
                "orm.setup(databases=...) takes a dict of alias -> URL, e.g. "
                "{'default': 'sqlite:///app.db'}"
            )
        if DEFAULT_DB_ALIAS not in databases:
            raise ImproperlyConfigured(
                f"orm.setup(databases=...) needs a {DEFAULT_DB_ALIAS!r} database; "
                f"got {', '.join(databases)}"
            )
        from backends import parse_database

        parsed = {alias: Database(parse_database(alias, value)) for alias, value in databases.items()}
        # Pools of a previous setup stay reachable so close()/aclose() still closes them.
        self._retired.extend(self._databases.values())
        self._databases = parsed

    def __getitem__(self, alias: str) -> Database:
        try:
            return self._databases[alias]
        except KeyError:
            if not self._databases:
                raise ImproperlyConfigured(
                    "no database is configured; call orm.setup(databases={'default': URL}) first"
                ) from None
            raise ImproperlyConfigured(
                f"no database {alias!r} is configured; configured: {', '.join(self._databases)}"
            ) from None

    def __iter__(self) -> Iterator[str]:
        return iter(self._databases)

    def __len__(self) -> int:
        return len(self._databases)

    def all_databases(self) -> list[Database]:
        return [*self._databases.values(), *self._retired]

    def close(self) -> None:
        for db in self.all_databases():
            db.close()

    async def aclose(self) -> None:
        for db in self.all_databases():
            await db.aclose()
        self._retired = [db for db in self._retired if db._sync_pool is not None]


connections = ConnectionRegistry()


def setup(databases: Mapping[str, Any]) -> None:
    """Configure the databases. Does no I/O; pools open on first use.

    ``databases`` maps aliases to a URL (``"sqlite:///app.db"``,
    ``"postgresql://user@host:5432/db"``) or to a dict with ``url`` and optionally
    ``async_driver``, ``sync_driver``, ``pool_size``, ``pool_timeout`` and ``options``.
    """
    connections.configure(databases)


def close() -> None:
    """Close the sync pools of every database. Async pools need ``await orm.aclose()``."""
    connections.close()


async def aclose() -> None:
    """Close the async pools of the running event loop, and the sync pools."""
    await connections.aclose()
    for db in connections.all_databases():
        if db._sync_pool is not None:
            await asyncio.to_thread(db.close)


def get_database(alias: str | None) -> Database:
    return connections[alias or DEFAULT_DB_ALIAS]
