"""SQLite through aiosqlite: the default async driver for SQLite.

aiosqlite runs each connection in a thread of its own; this module only adapts its API to the
ORM's async connection interface and maps its errors. A call whose task is cancelled goes on in
that thread (or is still queued for it), and aiosqlite's thread keeps the last result it
produced, an open statement included, until its next call. Such a statement holds a read
snapshot, on which the connection's next BEGIN IMMEDIATE fails at once with "database is
locked". So a connection remembers that a call was interrupted, and is not reused.
"""

from __future__ import annotations

import sqlite3
from collections.abc import AsyncIterator, Sequence

import aiosqlite

from ..base.connection import Params, Row
from .dialect import SQLiteDialect
from .errors import translate
from .functions import FUNCTIONS
from .settings import SQLiteParams, connection_setup_statements
from .temporal import TEMPORAL_FUNCTIONS


class AiosqliteConnection:
    def __init__(self, raw: aiosqlite.Connection, dialect: SQLiteDialect, alias: str) -> None:
        self._raw = raw
        self.dialect = dialect
        self.alias = alias
        self._finalize = dialect.finalize_sql
        self._interrupted = False

    @classmethod
    async def connect(
        cls, params: SQLiteParams, dialect: SQLiteDialect, alias: str
    ) -> AiosqliteConnection:
        try:
            raw = await aiosqlite.connect(**params.connect_kwargs())
        except sqlite3.Error as e:
            raise translate(e) from e
        try:
            for name, nargs, fn in [*FUNCTIONS, *TEMPORAL_FUNCTIONS]:
                await raw.create_function(name, nargs, fn, deterministic=True)
            for statement in connection_setup_statements(params):
                await raw.execute_fetchall(statement)  # read to the end: no statement left open
        except BaseException as e:
            await raw.close()
            if isinstance(e, sqlite3.Error):
                raise translate(e) from e
            raise
        return cls(raw, dialect, alias)

    @property
    def raw(self) -> aiosqlite.Connection:
        return self._raw

    async def execute(self, sql: str, params: Params = ()) -> int:
        try:
            cursor = await self._raw.execute(self._finalize(sql), params)
        except sqlite3.Error as e:
            raise translate(e) from e
        except BaseException:
            self._interrupted = True
            raise
        count = cursor.rowcount
        await cursor.close()
        return count

    async def execute_many(self, sql: str, param_list: Sequence[Params]) -> None:
        try:
            cursor = await self._raw.executemany(self._finalize(sql), param_list)
        except sqlite3.Error as e:
            raise translate(e) from e
        except BaseException:
            self._interrupted = True
            raise
        await cursor.close()

    async def fetch_all(self, sql: str, params: Params = ()) -> list[Row]:
        try:
            return list(await self._raw.execute_fetchall(self._finalize(sql), params))
        except sqlite3.Error as e:
            raise translate(e) from e
        except BaseException:
            self._interrupted = True
            raise

    async def fetch_one(self, sql: str, params: Params = ()) -> Row | None:
        rows = await self.fetch_all(sql, params)
        return rows[0] if rows else None

    async def fetch_described(self, sql: str, params: Params = ()) -> tuple[list[str], list[Row]]:
        try:
            cursor = await self._raw.execute(self._finalize(sql), params)
        except sqlite3.Error as e:
            raise translate(e) from e
        except BaseException:
            self._interrupted = True
            raise
        try:
            if cursor.description is None:
                return [], []
            return [d[0] for d in cursor.description], list(await cursor.fetchall())
        except sqlite3.Error as e:
            raise translate(e) from e
        except BaseException:
            self._interrupted = True
            raise
        finally:
            await cursor.close()

    async def stream(self, sql: str, params: Params, chunk_size: int) -> AsyncIterator[list[Row]]:
        try:
            cursor = await self._raw.execute(self._finalize(sql), params)
        except sqlite3.Error as e:
            raise translate(e) from e
        except BaseException:
            self._interrupted = True
            raise
        try:
            while True:
                try:
                    rows = await cursor.fetchmany(chunk_size)
                except sqlite3.Error as e:
                    raise translate(e) from e
                except BaseException:
                    self._interrupted = True
                    raise
                if not rows:
                    return
                yield list(rows)
        finally:
            await cursor.close()

    async def is_usable(self) -> bool:
        return True

    def in_transaction(self) -> bool:
        return self._raw.in_transaction

    async def reset(self) -> bool:
        try:
            if self._interrupted:
                # The interrupted call may still run, or hold on to its statement, in
                # aiosqlite's thread: the connection's state is unknown, so it is dropped.
                return False
            if self._raw.in_transaction:
                await self._raw.execute("ROLLBACK")
            return True
        except (sqlite3.Error, ValueError):
            return False

    async def close(self) -> None:
        await self._raw.close()
