"""PostgreSQL through psycopg 3: the sync driver, and (in the thread wrapper) an async one.

Connections are in autocommit mode, because the ORM sends BEGIN, COMMIT and SAVEPOINT itself as
plain SQL; psycopg's transaction status still follows the server, so ``in_transaction()`` is
exact. The parts both psycopg modules share (connection options, per-connection setup, cursor
names) live here.
"""

from __future__ import annotations

import itertools
import threading
import time
from collections.abc import Iterator, Sequence
from typing import Any

import psycopg
import psycopg_pool
from psycopg.adapt import AdaptersMap
from psycopg.pq import TransactionStatus
from psycopg.types.string import TextLoader

from ..base.connection import Params, Row
from ..base.pool import pool_timeout_error
from .dialect import PostgreSQLDialect
from .errors import translate
from .liveness import is_dead

# json and jsonb are read as text, as asyncpg does, so the dialect's converter is the same for
# both drivers. A map of our own leaves psycopg's global adapters untouched.
ADAPTERS = AdaptersMap(psycopg.adapters)
ADAPTERS.register_loader("json", TextLoader)
ADAPTERS.register_loader("jsonb", TextLoader)

IN_TRANSACTION = (TransactionStatus.INTRANS, TransactionStatus.INERROR)
IDLE = TransactionStatus.IDLE
# SET only when needed: most servers already default to UTC, and a startup option
# ("-c TimeZone=UTC") would be refused by poolers such as PgBouncer.
TIME_ZONE_SQL = "SET TIME ZONE 'UTC'"

# How often a waiting acquire looks whether connecting has failed (see PsycopgPool._getconn).
CONNECT_CHECK_INTERVAL = 0.05

_cursor_names = itertools.count()  # next() on a count is atomic under the GIL


def connect_options(kwargs: dict[str, Any]) -> dict[str, Any]:
    """psycopg.connect() arguments: the configured ones plus what the ORM relies on."""
    return {**kwargs, "autocommit": True, "context": ADAPTERS}


def needs_time_zone(raw: psycopg.Connection[Any] | psycopg.AsyncConnection[Any]) -> bool:
    # psycopg attaches timezone.utc only for exactly "UTC" (not "Etc/UTC", a ZoneInfo).
    return raw.info.parameter_status("TimeZone") != "UTC"


def cursor_name() -> str:
    return f"_orm_stream_{next(_cursor_names)}"


def configure(raw: psycopg.Connection[Any]) -> None:
    if needs_time_zone(raw):
        raw.execute(TIME_ZONE_SQL)


def connect_raw(kwargs: dict[str, Any]) -> psycopg.Connection[Any]:
    """A new, configured psycopg connection (raises psycopg's errors)."""
    raw = psycopg.connect(**connect_options(kwargs))
    try:
        configure(raw)
    except BaseException:
        raw.close()
        raise
    return raw


class PsycopgConnection:
    """The sync connection interface over one psycopg connection."""

    def __init__(
        self, raw: psycopg.Connection[Any], dialect: PostgreSQLDialect, alias: str
    ) -> None:
        self._raw = raw
        self.dialect = dialect
        self.alias = alias
        self._finalize = dialect.finalize_sql
        # One client-side cursor serves every statement: results are fetched in full at once.
        self._cursor = raw.cursor()

    @classmethod
    def connect(
        cls, kwargs: dict[str, Any], dialect: PostgreSQLDialect, alias: str
    ) -> PsycopgConnection:
        try:
            raw = connect_raw(kwargs)
        except psycopg.Error as e:
            raise translate(e) from e
        return cls(raw, dialect, alias)

    @property
    def raw(self) -> psycopg.Connection[Any]:
        return self._raw

    # Parameters are always passed (() when there are none): psycopg then turns %% into %.
    def execute(self, sql: str, params: Params = ()) -> int:
        try:
            return self._cursor.execute(self._finalize(sql), params).rowcount
        except psycopg.Error as e:
            raise translate(e) from e

    def execute_many(self, sql: str, param_list: Sequence[Params]) -> None:
        try:
            self._cursor.executemany(self._finalize(sql), param_list)
        except psycopg.Error as e:
            raise translate(e) from e

    def fetch_all(self, sql: str, params: Params = ()) -> list[Row]:
        try:
            return self._cursor.execute(self._finalize(sql), params).fetchall()
        except psycopg.Error as e:
            raise translate(e) from e

    def fetch_one(self, sql: str, params: Params = ()) -> Row | None:
        try:
            return self._cursor.execute(self._finalize(sql), params).fetchone()
        except psycopg.Error as e:
            raise translate(e) from e

    def fetch_described(self, sql: str, params: Params = ()) -> tuple[list[str], list[Row]]:
        try:
            cursor = self._cursor.execute(self._finalize(sql), params)
            if cursor.description is None:
                return [], []
            return [c.name for c in cursor.description], cursor.fetchall()
        except psycopg.Error as e:
            raise translate(e) from e

    def stream(self, sql: str, params: Params, chunk_size: int) -> Iterator[list[Row]]:
        """Rows in chunks from a server-side cursor, one round trip per chunk.

        A server-side cursor lives in a transaction; outside one, the stream opens its own and
        ends it when the stream ends or is closed.
        """
        own_transaction = not self.in_transaction()
        cursor = self._raw.cursor(name=cursor_name())
        try:
            try:
                if own_transaction:
                    self._raw.execute("BEGIN")
                cursor.execute(self._finalize(sql), params)
                while True:
                    rows = cursor.fetchmany(chunk_size)
                    if rows:
                        yield rows
                    if len(rows) < chunk_size:  # a short chunk is the last: no extra FETCH
                        return
            finally:
                cursor.close()
                # COMMIT also ends a failed transaction (the server rolls it back).
                if own_transaction and self.in_transaction():
                    self._raw.execute("COMMIT")
        except psycopg.Error as e:
            raise translate(e) from e

    def is_usable(self) -> bool:
        """False when the server closed the connection while it was idle (no round trip)."""
        return not is_dead(self._raw)

    def in_transaction(self) -> bool:
        return self._raw.info.transaction_status in IN_TRANSACTION

    def reset(self) -> bool:
        """Make the connection clean for its next user; False when it is not usable."""
        raw = self._raw
        if raw.closed or raw.broken:
            return False
        try:
            if raw.info.transaction_status in IN_TRANSACTION:
                raw.execute("ROLLBACK")
            # Anything but IDLE now (a statement still running, a lost connection) is unusable.
            return raw.info.transaction_status == IDLE
        except psycopg.Error:
            return False

    def close(self) -> None:
        self._raw.close()


class PsycopgPool:
    """The sync pool: psycopg_pool's ConnectionPool, handing out PsycopgConnections."""

    def __init__(
        self,
        kwargs: dict[str, Any],
        dialect: PostgreSQLDialect,
        *,
        alias: str,
        size: int,
        timeout: float,
        min_size: int = 0,
    ) -> None:
        self.dialect = dialect
        self.alias = alias
        self.size = size
        self.min_size = min_size
        self.timeout = timeout
        # Why the last connection attempt failed, if it did (see _recording_class).
        self.connect_error: psycopg.Error | None = None
        self._out = 0  # connections handed out and not yet released
        self._lock = threading.Lock()
        # Opened at once: the backend creates the sync pool on first use only. It connects
        # min_size connections in the background, and closes idle ones above that after
        # max_idle.
        self._pool: psycopg_pool.ConnectionPool[Any] = psycopg_pool.ConnectionPool(
            connection_class=_recording_class(self),
            kwargs=connect_options(kwargs),
            min_size=min_size,
            max_size=size,
            timeout=timeout,
            configure=configure,
            name=f"orm-{alias}",
            open=True,
        )

    def acquire(self) -> PsycopgConnection:
        # Connections the server closed while they were idle are dropped, not handed out.
        for _ in range(self.size + 1):
            raw = self._getconn()
            if not is_dead(raw):
                with self._lock:
                    self._out += 1
                return PsycopgConnection(raw, self.dialect, self.alias)
            raw.close()
            self._pool.putconn(raw)
        raise translate(psycopg.OperationalError("no live connection could be had from the pool"))

    def _getconn(self) -> Any:
        """psycopg_pool's getconn, except that a refused connection is reported at once.

        psycopg_pool connects in the background and retries for minutes, so a getconn() that
        waits for the first connection of a pool whose server refuses it would wait the whole
        pool_timeout. Waiting in short rounds lets acquire() give up as soon as connecting
        failed and no connection is out that could come back.
        """
        deadline = time.monotonic() + self.timeout
        while True:
            left = deadline - time.monotonic()
            try:
                return self._pool.getconn(timeout=max(min(left, CONNECT_CHECK_INTERVAL), 0.0))
            except psycopg_pool.PoolTimeout:
                error = self.connect_error
                out_of_time = time.monotonic() >= deadline
                if error is not None and (out_of_time or self._out == 0):
                    raise translate(error) from error
                if out_of_time:
                    raise pool_timeout_error(self.alias, self.size, self.timeout) from None
            except psycopg.Error as e:  # e.g. the pool is closed
                raise translate(e) from e

    def status(self) -> dict[str, int]:
        """Connections open (idle and in use) and idle, for monitoring and tests."""
        stats = self._pool.get_stats()
        size, idle = stats.get("pool_size", 0), stats.get("pool_available", 0)
        return {"size": self.size, "idle": idle, "in_use": size - idle}

    def release(self, conn: PsycopgConnection) -> None:
        raw = conn.raw
        with self._lock:
            self._out -= 1
        if not conn.reset():
            raw.close()  # the pool drops a closed connection and connects anew when needed
        self._pool.putconn(raw)

    def close(self) -> None:
        self._pool.close()


def _recording_class(pool: PsycopgPool) -> type[psycopg.Connection[Any]]:
    """A connection class that tells ``pool`` why connecting failed.

    psycopg_pool connects in a background worker and retries; a waiting getconn() only ever sees
    PoolTimeout, which would report a wrong password or a server that is down as "no connection
    became free". With the error at hand, acquire() raises it instead.
    """

    class RecordingConnection(psycopg.Connection):
        @classmethod
        def connect(cls, *args: Any, **kwargs: Any) -> Any:
            try:
                conn = super().connect(*args, **kwargs)
            except psycopg.Error as e:
                pool.connect_error = e
                raise
            pool.connect_error = None
            return conn

    return RecordingConnection
