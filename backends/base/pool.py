"""Connection pools for drivers that have none of their own (sqlite3, aiosqlite, the thread
wrapper). The first acquire opens ``min_size`` connections; more open when needed, up to
``size``. Idle ones are kept and reused last-in first-out so a small working set stays warm. A connection handed back inside a transaction is rolled back, and
one that cannot be rolled back is closed and replaced later.
"""

from __future__ import annotations

import asyncio
import collections
import threading
from collections.abc import Awaitable, Callable
from typing import Any

from orm.exceptions import PoolTimeout


def pool_timeout_error(alias: str, size: int, timeout: float) -> PoolTimeout:
    return PoolTimeout(
        f"no connection of database {alias!r} became free within {timeout:g}s "
        f"(pool size {size}); raise pool_size or pool_timeout, or hold connections shorter"
    )


class SimpleSyncPool:
    def __init__(
        self,
        connect: Callable[[], Any],
        *,
        alias: str,
        size: int,
        timeout: float,
        min_size: int = 0,
    ) -> None:
        self._connect = connect
        self.alias = alias
        self.size = size
        self.min_size = min_size
        self._unfilled = min_size > 0
        self.timeout = timeout
        self._slots = threading.BoundedSemaphore(size)
        self._idle: list[Any] = []
        self._lock = threading.Lock()
        self._closed = False

    def acquire(self) -> Any:
        if not self._slots.acquire(timeout=self.timeout):
            raise pool_timeout_error(self.alias, self.size, self.timeout)
        try:
            if self._unfilled:
                self._fill()
            while True:
                with self._lock:
                    conn = self._idle.pop() if self._idle else None
                if conn is None:
                    return self._connect()
                if conn.is_usable():
                    return conn
                _close_quietly(conn)  # the server closed it while it was idle
        except BaseException:
            self._slots.release()
            raise

    def _fill(self) -> None:
        with self._lock:
            if not self._unfilled:
                return
            self._unfilled = False
        extra = [self._connect() for _ in range(self.min_size)]
        with self._lock:
            self._idle[:0] = extra

    def release(self, conn: Any) -> None:
        try:
            if not self._closed and len(self._idle) < self.size and conn.reset():
                with self._lock:
                    self._idle.append(conn)
            else:
                _close_quietly(conn)
        finally:
            self._slots.release()

    def status(self) -> dict[str, int]:
        """Connections open (idle and in use) and idle, for monitoring and tests."""
        with self._lock:
            idle = len(self._idle)
        return {"size": self.size, "idle": idle, "in_use": self.size - self._slots._value}

    def close(self) -> None:
        self._closed = True
        with self._lock:
            idle, self._idle = self._idle, []
        for conn in idle:
            conn.close()


_closing: set[asyncio.Task[Any]] = set()


class _TimedOut(Exception):
    """Set on a waiter whose pool_timeout passed (turned into PoolTimeout by its task)."""


def _close_quietly(conn: Any) -> None:
    try:
        conn.close()
    except Exception:  # closing a broken connection may fail; it is dropped either way
        pass


def _close_in_background(conn: Any) -> None:
    async def close() -> None:
        try:
            await conn.close()
        except Exception:
            pass

    task = asyncio.ensure_future(close())
    _closing.add(task)
    task.add_done_callback(_closing.discard)


class SimpleAsyncPool:
    def __init__(
        self,
        connect: Callable[[], Awaitable[Any]],
        *,
        alias: str,
        size: int,
        timeout: float,
        min_size: int = 0,
    ) -> None:
        self._connect = connect
        self.alias = alias
        self.size = size
        self.min_size = min_size
        self._unfilled = min_size > 0
        self.timeout = timeout
        # Slots (the right to hold a connection): free ones are counted; a released slot
        # goes straight to the oldest waiter, whose future it completes.
        self._free = size
        # (deadline, waiter) in the order they came. All share one timeout, so deadlines
        # only grow along the line: one timer, at the oldest deadline, serves the whole line,
        # instead of a timer per waiter pushed on the loop's heap.
        self._waiters: collections.deque[tuple[float, asyncio.Future[None]]] = collections.deque()
        self._timer: asyncio.TimerHandle | None = None
        self._idle: list[Any] = []
        self._closed = False

    async def acquire(self) -> Any:
        if self._free and not self._waiters:
            self._free -= 1
        else:
            await self._wait_for_slot()
        try:
            if self._unfilled:
                self._unfilled = False
                for _ in range(self.min_size):
                    self._idle.insert(0, await self._connect())
            while self._idle:
                conn = self._idle.pop()
                try:
                    usable = await conn.is_usable()
                except BaseException:
                    _close_in_background(conn)  # cancelled while asking: state unknown
                    raise
                if usable:
                    return conn
                _close_in_background(conn)  # the server closed it while it was idle
            return await self._connect()
        except BaseException:
            self._release_slot()
            raise

    async def _wait_for_slot(self) -> None:
        """Wait in line for a slot, at most ``timeout`` seconds (no task, no timer of its own)."""
        loop = asyncio.get_running_loop()
        waiter: asyncio.Future[None] = loop.create_future()
        deadline = loop.time() + self.timeout
        self._waiters.append((deadline, waiter))
        if self._timer is None:
            self._timer = loop.call_at(deadline, self._expire_waiters, loop)
        try:
            await waiter
        except BaseException:
            if waiter.done() and not waiter.cancelled():
                if waiter.exception() is None:
                    # The slot was handed over just as this task was cancelled: pass it on.
                    self._release_slot()
                elif isinstance(waiter.exception(), _TimedOut):
                    raise pool_timeout_error(self.alias, self.size, self.timeout) from None
            raise

    def _expire_waiters(self, loop: asyncio.AbstractEventLoop) -> None:
        """Fail the waiters whose deadline has passed, then set the timer for the next one."""
        self._timer = None
        waiters = self._waiters
        now = loop.time()
        while waiters:
            deadline, waiter = waiters[0]
            if not waiter.done():  # done: served, cancelled or timed out, no longer waiting
                if deadline > now:
                    self._timer = loop.call_at(deadline, self._expire_waiters, loop)
                    return
                waiter.set_exception(_TimedOut())
            waiters.popleft()

    def _release_slot(self) -> None:
        waiters = self._waiters
        while waiters:
            _, waiter = waiters.popleft()
            if not waiter.done():  # done: timed out or cancelled, no longer waiting
                waiter.set_result(None)
                return
        self._free += 1

    async def release(self, conn: Any) -> None:
        try:
            if not self._closed and len(self._idle) < self.size and await conn.reset():
                self._idle.append(conn)
            else:
                await conn.close()
        except BaseException:
            # Cancelled or failed half-way through: the connection's state is unknown, so it
            # is closed rather than handed to the next user.
            _close_in_background(conn)
            raise
        finally:
            self._release_slot()

    def status(self) -> dict[str, int]:
        return {"size": self.size, "idle": len(self._idle), "in_use": self.size - self._free}

    async def close(self) -> None:
        self._closed = True
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        idle, self._idle = self._idle, []
        for conn in idle:
            await conn.close()
