"""Signal receivers of the other API inside the sender's transaction.

A sync receiver called from async code runs in a worker thread and uses the sync API; an
async receiver called from sync code runs on the private receivers' loop and uses the async
API. Without help each would take a connection of its own and not see (or, on SQLite, wait
for) the rows its sender has written. Here the receiver's context gets the sender's open
transactions, with the connection wrapped for the other API: a sync receiver's statements run
on the sender's async connection through the sender's event loop (which is free, since the
sender is awaiting the receiver), and an async receiver's statements call the sender's sync
connection (whose thread is blocked waiting for the receiver).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable, Iterator, Sequence
from typing import Any

from .._receiver_loop import run_coroutine_from_sync
from .state import (
    TransactionState,
    current_async_transactions,
    current_sync_transactions,
    pop_async_transaction,
    pop_sync_transaction,
    push_async_transaction,
    push_sync_transaction,
)


class SyncBridgeConnection:
    """The sync connection interface over an async connection owned by an event loop."""

    def __init__(self, conn: Any, loop: asyncio.AbstractEventLoop) -> None:
        self._conn = conn
        self._loop = loop
        self.dialect = conn.dialect
        self.alias = conn.alias

    def _run(self, awaitable: Any) -> Any:
        return asyncio.run_coroutine_threadsafe(_await(awaitable), self._loop).result()

    def execute(self, sql: str, params: Sequence[Any] = ()) -> int:
        return self._run(self._conn.execute(sql, params))

    def execute_many(self, sql: str, param_list: Sequence[Sequence[Any]]) -> None:
        self._run(self._conn.execute_many(sql, param_list))

    def fetch_all(self, sql: str, params: Sequence[Any] = ()) -> Any:
        return self._run(self._conn.fetch_all(sql, params))

    def fetch_one(self, sql: str, params: Sequence[Any] = ()) -> Any:
        return self._run(self._conn.fetch_one(sql, params))

    def fetch_described(self, sql: str, params: Sequence[Any] = ()) -> Any:
        return self._run(self._conn.fetch_described(sql, params))

    def stream(self, sql: str, params: Sequence[Any], chunk_size: int) -> Iterator[Any]:
        chunks = self._conn.stream(sql, params, chunk_size)
        try:
            while True:
                try:
                    chunk = self._run(chunks.__anext__())
                except StopAsyncIteration:
                    return
                yield chunk
        finally:
            self._run(chunks.aclose())

    def in_transaction(self) -> bool:
        return bool(self._conn.in_transaction())


class AsyncBridgeConnection:
    """The async connection interface over a sync connection whose thread is waiting."""

    def __init__(self, conn: Any) -> None:
        self._conn = conn
        self.dialect = conn.dialect
        self.alias = conn.alias

    async def execute(self, sql: str, params: Sequence[Any] = ()) -> int:
        return self._conn.execute(sql, params)

    async def execute_many(self, sql: str, param_list: Sequence[Sequence[Any]]) -> None:
        self._conn.execute_many(sql, param_list)

    async def fetch_all(self, sql: str, params: Sequence[Any] = ()) -> Any:
        return self._conn.fetch_all(sql, params)

    async def fetch_one(self, sql: str, params: Sequence[Any] = ()) -> Any:
        return self._conn.fetch_one(sql, params)

    async def fetch_described(self, sql: str, params: Sequence[Any] = ()) -> Any:
        return self._conn.fetch_described(sql, params)

    async def stream(self, sql: str, params: Sequence[Any], chunk_size: int) -> AsyncIterator[Any]:
        with contextlib.closing(self._conn.stream(sql, params, chunk_size)) as chunks:
            for chunk in chunks:
                yield chunk

    def in_transaction(self) -> bool:
        return bool(self._conn.in_transaction())


def _share(bridged: TransactionState, state: TransactionState) -> None:
    # on_commit callbacks registered by the receiver belong to the sender's transaction.
    bridged.callbacks = state.callbacks
    bridged.savepoint_counter = state.savepoint_counter + 1000


async def arun_sync_receiver(receiver: Callable[..., Any], **kwargs: Any) -> Any:
    """Run a sync receiver in a worker thread, inside this task's transactions."""
    states = current_async_transactions()
    if not states:
        return await asyncio.to_thread(receiver, **kwargs)
    loop = asyncio.get_running_loop()

    def run() -> Any:
        pushed = []
        for alias, state in states.items():
            bridged = push_sync_transaction(alias, SyncBridgeConnection(state.connection, loop), None)
            _share(bridged, state)
            pushed.append(bridged)
        try:
            return receiver(**kwargs)
        finally:
            for bridged in reversed(pushed):
                pop_sync_transaction(bridged)

    return await asyncio.to_thread(run)


def run_async_receiver(awaitable: Any) -> Any:
    """Run an async receiver's coroutine to completion, inside this thread's transactions."""
    states = current_sync_transactions()
    if not states:
        return run_coroutine_from_sync(awaitable)

    async def run() -> Any:
        pushed = []
        for alias, state in states.items():
            bridged = push_async_transaction(alias, AsyncBridgeConnection(state.connection), None)
            _share(bridged, state)
            pushed.append(bridged)
        try:
            return await awaitable
        finally:
            for bridged in reversed(pushed):
                pop_async_transaction(bridged)

    return run_coroutine_from_sync(run())


async def _await(awaitable: Any) -> Any:
    return await awaitable
