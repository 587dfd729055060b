"""The connection an operation runs on: the current transaction's, or one borrowed from the
pool for the operation's duration. Async source; ``connection_sync.py`` is generated."""

from __future__ import annotations

import asyncio
from typing import Any

from . import debug
from ._flags import ASYNC
from .connections import get_database
from .transaction.state import current_async_transaction


class aconnection:  # lower case: used like a function, `async with aconnection(alias)`
    """``async with aconnection(alias) as conn`` (``with connection(alias)`` in sync code): the
    current transaction's connection, or one borrowed from the pool until the block ends.

    A class rather than an ``@asynccontextmanager`` generator: every query enters one, and a
    plain object with two methods costs a fraction of a generator and its wrapper.
    """

    __slots__ = ("_alias", "_pool", "_connection")

    def __init__(self, alias: str | None) -> None:
        self._alias = alias
        self._pool: Any = None

    async def __aenter__(self) -> Any:
        database = get_database(self._alias)
        state = current_async_transaction(database.alias)
        if state is not None:
            connection = state.connection
        else:
            pool = database.async_pool()
            connection = self._connection = await pool.acquire()
            self._pool = pool
        return debug.CapturingConnection(connection) if debug.capturing() else connection

    async def __aexit__(self, *exc_info: object) -> None:
        pool = self._pool
        if pool is not None:
            self._pool = None
            await arelease(pool, self._connection)


async def arelease(pool: Any, connection: Any) -> None:
    """Hand a connection back to its pool. A task being cancelled may be cancelled again
    while it waits for that (asyncio.timeout, TaskGroup): the release then goes on by itself,
    so the pool never loses the connection half-way through a rollback."""
    if ASYNC:
        task = asyncio.current_task()
        if task is not None and task.cancelling():
            await asyncio.shield(pool.release(connection))
            return
    await pool.release(connection)
