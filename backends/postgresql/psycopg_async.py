"""PostgreSQL through psycopg 3's asyncio API: the same connection as ``psycopg.py``, awaited.

Pooled by the ORM's own SimpleAsyncPool, not psycopg_pool's AsyncConnectionPool. On Python 3.11
the latter can hand a connection to a task that was cancelled while it waited, and the task then
runs on as if it had not been cancelled (tests/test_resilience.py caught tasks that never
stopped); it also reports a refused connection only after pool_timeout.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Sequence
from typing import Any

import psycopg

from ..base.connection import Params, Row
from .dialect import PostgreSQLDialect
from .errors import translate
from .liveness import is_dead
from .psycopg import (
    IDLE,
    IN_TRANSACTION,
    TIME_ZONE_SQL,
    connect_options,
    cursor_name,
    needs_time_zone,
)


async def configure(raw: psycopg.AsyncConnection[Any]) -> None:
    if needs_time_zone(raw):
        await raw.execute(TIME_ZONE_SQL)


class PsycopgAsyncConnection:
    """The async connection interface over one psycopg AsyncConnection."""

    def __init__(
        self, raw: psycopg.AsyncConnection[Any], dialect: PostgreSQLDialect, alias: str
    ) -> None:
        self._raw = raw
        self.dialect = dialect
        self.alias = alias
        self._finalize = dialect.finalize_sql
        self._cursor = raw.cursor()

    @classmethod
    async def connect(
        cls, kwargs: dict[str, Any], dialect: PostgreSQLDialect, alias: str
    ) -> PsycopgAsyncConnection:
        try:
            raw = await psycopg.AsyncConnection.connect(**connect_options(kwargs))
        except psycopg.Error as e:
            raise translate(e) from e
        try:
            await configure(raw)
        except BaseException as e:
            await raw.close()
            if isinstance(e, psycopg.Error):
                raise translate(e) from e
            raise
        return cls(raw, dialect, alias)

    @property
    def raw(self) -> psycopg.AsyncConnection[Any]:
        return self._raw

    async def is_usable(self) -> bool:
        """False when the server closed the connection while it was idle (no round trip)."""
        return not is_dead(self._raw)

    async def execute(self, sql: str, params: Params = ()) -> int:
        try:
            cursor = await self._cursor.execute(self._finalize(sql), params)
        except psycopg.Error as e:
            raise translate(e) from e
        return cursor.rowcount

    async def execute_many(self, sql: str, param_list: Sequence[Params]) -> None:
        try:
            await self._cursor.executemany(self._finalize(sql), param_list)
        except psycopg.Error as e:
            raise translate(e) from e

    async def fetch_all(self, sql: str, params: Params = ()) -> list[Row]:
        try:
            cursor = await self._cursor.execute(self._finalize(sql), params)
            return await cursor.fetchall()
        except psycopg.Error as e:
            raise translate(e) from e

    async def fetch_one(self, sql: str, params: Params = ()) -> Row | None:
        try:
            cursor = await self._cursor.execute(self._finalize(sql), params)
            return await cursor.fetchone()
        except psycopg.Error as e:
            raise translate(e) from e

    async def fetch_described(self, sql: str, params: Params = ()) -> tuple[list[str], list[Row]]:
        try:
            cursor = await self._cursor.execute(self._finalize(sql), params)
            if cursor.description is None:
                return [], []
            return [c.name for c in cursor.description], await cursor.fetchall()
        except psycopg.Error as e:
            raise translate(e) from e

    async def stream(self, sql: str, params: Params, chunk_size: int) -> AsyncIterator[list[Row]]:
        # As PsycopgConnection.stream: a server-side cursor, in a transaction of its own if
        # none is open. A cancellation leaves the connection alone, as in AsyncpgConnection.
        own_transaction = not self.in_transaction()
        cursor = self._raw.cursor(name=cursor_name())
        try:
            if own_transaction:
                await self._raw.execute("BEGIN")
            await cursor.execute(self._finalize(sql), params)
            while True:
                rows = await cursor.fetchmany(chunk_size)
                if rows:
                    yield rows
                if len(rows) < chunk_size:
                    break
        except GeneratorExit:  # closed by its reader between two chunks: the connection is idle
            await self._end_stream(cursor, own_transaction)
            raise
        except psycopg.Error as e:
            if not (self._raw.closed or self._raw.broken):
                with contextlib.suppress(psycopg.Error):
                    await self._end_stream(cursor, own_transaction)
            raise translate(e) from e
        await self._end_stream(cursor, own_transaction)

    async def _end_stream(self, cursor: psycopg.AsyncServerCursor[Any], own_transaction: bool) -> None:
        try:
            await cursor.close()
            # COMMIT also ends a failed transaction (the server rolls it back).
            if own_transaction and self.in_transaction():
                await self._raw.execute("COMMIT")
        except psycopg.Error as e:
            raise translate(e) from e

    def in_transaction(self) -> bool:
        return self._raw.info.transaction_status in IN_TRANSACTION

    async def reset(self) -> bool:
        raw = self._raw
        if raw.closed or raw.broken:
            return False
        try:
            if raw.info.transaction_status in IN_TRANSACTION:
                await raw.execute("ROLLBACK")
            # ACTIVE here means a cancelled statement may still be running: not reusable.
            return raw.info.transaction_status == IDLE
        except psycopg.Error:
            return False

    async def close(self) -> None:
        await self._raw.close()
