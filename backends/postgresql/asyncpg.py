"""PostgreSQL through asyncpg: the default async driver for PostgreSQL.

SQL is finalized to asyncpg's ``$1`` style by the dialect. Rows are asyncpg Records, which
index like tuples. json/jsonb arrive as text and timestamps in UTC with asyncpg's defaults.

Connections are pooled by the ORM's SimpleAsyncPool, not asyncpg's Pool: asyncpg's pool wraps
every checkout in a proxy and runs a reset query ("SELECT pg_advisory_unlock_all(); CLOSE
ALL; UNLISTEN *; RESET ALL") on every release, a round trip per operation. The ORM takes no
session-level locks, LISTENs or SETs and its cursors end with their transaction, so rolling
back an open transaction (``reset()``) is all a connection needs between users.
"""

from __future__ import annotations

import contextlib
import os
import select
from collections.abc import AsyncIterator, Sequence
from typing import Any

import asyncpg

from orm.exceptions import OperationalError

from ..base.connection import Params, Row
from .dialect import PostgreSQLDialect
from .errors import translate

# What asyncpg raises: server errors, misuse, protocol trouble, and socket errors it lets
# through (TimeoutError, from command_timeout, is an OSError too).
_ERRORS = (asyncpg.PostgresError, asyncpg.InterfaceError, asyncpg.InternalClientError, OSError)


def failed_before_sending(error: BaseException) -> bool:
    """Whether asyncpg refused to start the operation, so nothing reached the server.

    asyncpg checks its state before it writes. A connection the server closed fails that check
    in one of three ways, depending on how much of the closing asyncpg has read: the server's
    "terminating connection" message only ("cannot switch to state ..."), the end of the
    stream too ("connection is closed"). asyncpg has no public way to ask.
    """
    message = str(error)
    if isinstance(error, asyncpg.InternalClientError):
        return message.startswith("cannot switch to state")
    if isinstance(error, asyncpg.InterfaceError):
        return message.endswith("connection is closed")
    return False


def rowcount(status: str) -> int:
    """The row count in a command status ("UPDATE 3", "INSERT 0 5"); -1 when it has none,
    as psycopg's rowcount."""
    count = status.rpartition(" ")[2]
    return int(count) if count.isdigit() else -1


class AsyncpgConnection:
    """The async connection interface over one asyncpg connection."""

    def __init__(
        self,
        raw: Any,
        dialect: PostgreSQLDialect,
        alias: str,
        connect_kwargs: dict[str, Any] | None = None,
    ) -> None:
        self._raw = raw
        self.dialect = dialect
        self.alias = alias
        self._finalize = dialect.finalize_sql
        self._broken = False
        # How to open a replacement for a connection found dead before anything was sent.
        self._connect_kwargs = connect_kwargs

    @classmethod
    async def connect(
        cls, kwargs: dict[str, Any], dialect: PostgreSQLDialect, alias: str
    ) -> AsyncpgConnection:
        return cls(await _open(kwargs, alias), dialect, alias, kwargs)

    async def is_usable(self) -> bool:
        """False when the server closed the connection while it sat idle (no round trip)."""
        return not self._raw.is_closed() and not has_unread_input(self._raw)

    @property
    def raw(self) -> Any:
        return self._raw

    async def execute(self, sql: str, params: Params = ()) -> int:
        sql = self._finalize(sql)
        try:
            status = await self._raw.execute(sql, *params)
        except _ERRORS as e:
            status = await self._on_failure(e, "execute", sql, *params)
        return rowcount(status)

    async def execute_many(self, sql: str, param_list: Sequence[Params]) -> None:
        sql = self._finalize(sql)
        try:
            await self._raw.executemany(sql, param_list)
        except _ERRORS as e:
            await self._on_failure(e, "executemany", sql, param_list)

    async def fetch_all(self, sql: str, params: Params = ()) -> list[Row]:
        sql = self._finalize(sql)
        try:
            return await self._raw.fetch(sql, *params)
        except _ERRORS as e:
            return await self._on_failure(e, "fetch", sql, *params)

    async def fetch_one(self, sql: str, params: Params = ()) -> Row | None:
        sql = self._finalize(sql)
        try:
            return await self._raw.fetchrow(sql, *params)
        except _ERRORS as e:
            return await self._on_failure(e, "fetchrow", sql, *params)

    async def fetch_described(self, sql: str, params: Params = ()) -> tuple[list[str], list[Row]]:
        sql = self._finalize(sql)
        try:
            try:
                rows = await self._raw.fetch(sql, *params)
            except _ERRORS as e:
                rows = await self._on_failure(e, "fetch", sql, *params)
            if rows:
                return list(rows[0].keys()), rows
            statement = await self._raw.prepare(sql)  # no row to read the names from
            return [a.name for a in statement.get_attributes()], []
        except _ERRORS as e:
            self._note_failure(e)
            raise translate(e) from e

    async def stream(self, sql: str, params: Params, chunk_size: int) -> AsyncIterator[list[Row]]:
        """Rows in chunks from a portal, one round trip per chunk.

        Cursor.fetch(n) hands over a chunk as one list; iterating the cursor with ``prefetch``
        would cost an await per row. A portal lives in a transaction; outside one, the stream
        opens its own and ends it when the stream ends, fails or is closed. asyncpg has no
        public way to close a portal early, so inside the caller's transaction it stays open
        (idle) until that transaction ends.

        A stream interrupted by a cancellation does not touch the connection again: a cancelled
        fetch may still be under way, and the pool's reset rolls back or drops the connection.
        """
        own_transaction = not self._raw.is_in_transaction()
        if own_transaction:
            await self.execute("BEGIN")  # may replace a connection found dead
        raw = self._raw
        try:
            cursor = await raw.cursor(self._finalize(sql), *params)
            while True:
                rows = await cursor.fetch(chunk_size)
                if rows:
                    yield rows
                if len(rows) < chunk_size:  # a short chunk is the last: no extra fetch
                    break
        except GeneratorExit:  # closed by its reader between two chunks: the connection is idle
            if own_transaction:
                await self._end_own_transaction(raw, "COMMIT")
            raise
        except _ERRORS as e:
            self._note_failure(e)
            if own_transaction and not self._broken:
                with contextlib.suppress(*_ERRORS):
                    await raw.execute("ROLLBACK")
            raise translate(e) from e
        if own_transaction:
            await self._end_own_transaction(raw, "COMMIT")

    async def _end_own_transaction(self, raw: Any, sql: str) -> None:
        try:
            await raw.execute(sql)
        except _ERRORS as e:
            self._note_failure(e)
            raise translate(e) from e

    def in_transaction(self) -> bool:
        return self._raw.is_in_transaction()

    async def _on_failure(self, error: BaseException, method: str, *args: Any) -> Any:
        """Run the call again on a live connection if this one was found dead before anything
        was sent and held no transaction; otherwise raise the error, translated.

        This is not a retry of a statement: the server never saw it. A connection that held a
        transaction is never replaced, since its work is lost with it.
        """
        attempts = 3 if self._connect_kwargs is not None else 0
        while attempts and failed_before_sending(error) and not self._in_transaction_or_unknown():
            attempts -= 1
            self._raw.terminate()
            assert self._connect_kwargs is not None
            self._raw = await _open(self._connect_kwargs, self.alias)
            try:
                return await getattr(self._raw, method)(*args)
            except _ERRORS as e:
                error = e
        self._note_failure(error)
        if failed_before_sending(error):
            lost = "; its open transaction is lost" if self._in_transaction_or_unknown() else ""
            raise OperationalError(
                f"the connection to database {self.alias!r} was closed by the server "
                f"({error}){lost}"
            ) from error
        raise translate(error) from error

    def _in_transaction_or_unknown(self) -> bool:
        try:
            return bool(self._raw.is_in_transaction())
        except asyncpg.InterfaceError:  # cannot tell: assume the worst
            return True

    def _note_failure(self, error: BaseException) -> None:
        # A server error (a constraint, a syntax error) leaves the connection usable; a lost
        # connection or a protocol error does not, and must not go back to the pool.
        sqlstate = getattr(error, "sqlstate", None) or ""
        if not isinstance(error, asyncpg.PostgresError) or sqlstate[:2] in ("08", "57"):
            self._broken = True

    async def reset(self) -> bool:
        """Make the connection clean for its next user; False when it is not usable."""
        raw = self._raw
        if self._broken:
            return False
        try:
            if raw.is_closed():
                return False
            # A statement cancelled with its task is still being cancelled on the server; its
            # outcome (a BEGIN that did run, say) is known only once that is over. asyncpg's
            # own pool waits the same way, through the same private protocol methods.
            protocol = getattr(raw, "_protocol", None)
            if protocol is not None and protocol._is_cancelling():
                await protocol._wait_for_cancellation()
            if raw.is_in_transaction():
                await raw.execute("ROLLBACK")
            return True
        except _ERRORS:
            return False

    async def close(self) -> None:
        if self._broken or self._raw.is_closed():
            self._raw.terminate()
        else:
            await self._raw.close()


def has_unread_input(raw: Any) -> bool:
    """Whether the server sent something the event loop has not read yet.

    An idle pooled connection is owed nothing; input there is the server closing it (a
    restart, pg_terminate_backend) before the loop has noticed. One ``select()``, no wait.
    """
    transport = getattr(raw, "_transport", None)
    sock = transport.get_extra_info("socket") if transport is not None else None
    if sock is None:
        return False
    try:
        readable, _, _ = select.select([sock], [], [], 0)
    except (OSError, ValueError):
        return True
    return bool(readable)


async def _open(kwargs: dict[str, Any], alias: str) -> Any:
    """A new asyncpg connection, with the session in UTC."""
    server_settings = {**kwargs.get("server_settings", {}), "timezone": "UTC"}
    try:
        return await asyncpg.connect(**{**kwargs, "server_settings": server_settings})
    except OSError as e:  # the socket could not connect; asyncpg lets this through as is
        reason = os.strerror(e.errno) if e.errno else str(e)
        where = f"{kwargs.get('host') or 'localhost'}:{kwargs.get('port') or 5432}"
        raise OperationalError(f"connection to database {alias!r} at {where} failed: {reason}") from e
    except _ERRORS as e:
        raise translate(e) from e
