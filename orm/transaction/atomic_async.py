"""Entering and leaving an ``atomic`` block: BEGIN/COMMIT/ROLLBACK and savepoints.

Async source; ``atomic_sync.py`` is generated from it.
"""

from __future__ import annotations

from types import TracebackType

from ..connection_async import arelease
from ..connections import get_database
from ..exceptions import DatabaseError, TransactionManagementError
from .state import (
    Entry,
    TransactionState,
    arun_callbacks,
    current_async_transaction,
    pop_async_transaction,
    push_async_transaction,
)


class AsyncAtomicMethods:
    using: str | None
    savepoint: bool
    durable: bool
    isolation_level: str | None
    read_only: bool
    # Set by the migrations executor: the block changes the schema (see
    # Dialect.schema_transaction_sql).
    schema_changes: bool = False

    async def __aenter__(self) -> None:
        database = get_database(self.using)
        state = current_async_transaction(database.alias)
        if state is None:
            pool = database.async_pool()
            connection = await pool.acquire()
            end_sql: list[str] = []
            try:
                # Validates the options (ValueError, NotSupportedError) before any statement.
                dialect = connection.dialect
                begin_sql = dialect.begin_transaction_sql(self.isolation_level, self.read_only)
                end_sql = dialect.end_transaction_sql(self.isolation_level, self.read_only)
                if self.schema_changes:
                    before, after = dialect.schema_transaction_sql()
                    begin_sql, end_sql = before + begin_sql, end_sql + after
                for sql in begin_sql:
                    await connection.execute(sql)
            except BaseException:
                try:
                    for sql in end_sql:
                        await connection.execute(sql)
                finally:
                    await arelease(pool, connection)
                raise
            state = push_async_transaction(database.alias, connection, pool)
            state.end_sql = end_sql
            state.entries.append(Entry(None, 0))
            return
        if self.isolation_level is not None or self.read_only:
            raise TransactionManagementError(
                "isolation_level and read_only apply to the outermost atomic block only: "
                "a nested block is a savepoint, which cannot change them"
            )
        if self.durable:
            raise TransactionManagementError(
                "a durable atomic block cannot be nested inside another atomic block"
            )
        if not self.savepoint:
            state.entries.append(Entry(False, len(state.callbacks)))
            return
        name = state.next_savepoint()
        quoted = state.connection.dialect.quote_name(name)
        await state.connection.execute(f"SAVEPOINT {quoted}")
        state.entries.append(Entry(name, len(state.callbacks)))

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        database = get_database(self.using)
        state = current_async_transaction(database.alias)
        if state is None or not state.entries:
            raise TransactionManagementError("atomic block exited without being entered")
        entry = state.entries.pop()
        if entry.savepoint is None:
            await _afinish_outermost(
                state, exc_type is None and not state.rollback_only, failed=exc_type is not None
            )
        elif entry.savepoint is False:
            if exc_type is not None:
                # No savepoint to return to: the enclosing block has to roll back.
                state.rollback_only = True
        elif exc_type is None and not state.rollback_only:
            quoted = state.connection.dialect.quote_name(entry.savepoint)
            await state.connection.execute(f"RELEASE SAVEPOINT {quoted}")
        else:
            # An exception, or set_rollback(True), undoes this block only, with the
            # on_commit callbacks it registered.
            quoted = state.connection.dialect.quote_name(entry.savepoint)
            await state.connection.execute(f"ROLLBACK TO SAVEPOINT {quoted}")
            await state.connection.execute(f"RELEASE SAVEPOINT {quoted}")
            del state.callbacks[entry.callbacks:]
            state.rollback_only = False


async def _afinish_outermost(state: TransactionState, commit: bool, failed: bool = False) -> None:
    connection = state.connection
    committed = False
    try:
        if commit:
            await connection.execute("COMMIT")
            committed = True
        else:
            try:
                await connection.execute("ROLLBACK")
            except DatabaseError:
                # The block is already failing, most often because the connection was lost:
                # its exception goes on and says more. The pool's reset drops the connection.
                if not failed:
                    raise
    finally:
        pop_async_transaction(state)
        try:
            # Undo what the block set on the connection beyond the transaction (SQLite's
            # read-only pragma). Only a broken connection fails here, and the pool's reset
            # then discards it; a cancelled task's statement still completes on its thread.
            for sql in state.end_sql:
                await connection.execute(sql)
        finally:
            # The pool rolls back whatever is still open (a failed COMMIT, a cancellation).
            await arelease(state.pool, connection)
    if committed and state.callbacks:
        await arun_callbacks(state.callbacks)


