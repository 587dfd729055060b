"""SimpleAsyncPool's slots: handed to waiters in order, given up by a waiter that times out or
is cancelled, and never lost, even when a cancellation meets a handover."""

from __future__ import annotations

import asyncio

import pytest

import orm
from backends.base.pool import SimpleAsyncPool


class FakeConnection:
    async def is_usable(self) -> bool:
        return True

    async def reset(self) -> bool:
        return True

    async def close(self) -> None:
        pass


def make_pool(size: int = 1, timeout: float = 5) -> SimpleAsyncPool:
    async def connect() -> FakeConnection:
        return FakeConnection()

    return SimpleAsyncPool(connect, alias="default", size=size, timeout=timeout)


async def test_waiters_get_released_slots_in_the_order_they_came():
    pool = make_pool(size=1)
    held = await pool.acquire()
    order: list[int] = []

    async def wait(n: int) -> None:
        conn = await pool.acquire()
        order.append(n)
        await pool.release(conn)

    tasks = [asyncio.create_task(wait(n)) for n in range(5)]
    await asyncio.sleep(0)
    await pool.release(held)
    await asyncio.wait_for(asyncio.gather(*tasks), 5)
    assert order == [0, 1, 2, 3, 4]
    assert pool.status() == {"size": 1, "idle": 1, "in_use": 0}


async def test_a_waiter_times_out_with_pool_timeout_and_keeps_no_slot():
    pool = make_pool(size=1, timeout=0.05)
    held = await pool.acquire()
    with pytest.raises(orm.PoolTimeout, match="pool size 1"):
        await asyncio.wait_for(pool.acquire(), 5)
    await pool.release(held)
    assert pool.status()["in_use"] == 0
    conn = await asyncio.wait_for(pool.acquire(), 5)  # the slot is there for the next one
    await pool.release(conn)


async def test_a_cancelled_waiter_passes_a_slot_handed_to_it_on():
    """The slot is handed to a waiter in the same loop step as the waiter is cancelled: the
    waiter raises CancelledError and the slot goes to the next waiter, not nowhere."""
    pool = make_pool(size=1)
    held = await pool.acquire()
    first = asyncio.create_task(pool.acquire())
    second = asyncio.create_task(pool.acquire())
    await asyncio.sleep(0)
    await pool.release(held)  # hands the slot to `first`...
    first.cancel()  # ...which is cancelled before it runs again
    with pytest.raises(asyncio.CancelledError):
        await first
    conn = await asyncio.wait_for(second, 5)
    await pool.release(conn)
    assert pool.status() == {"size": 1, "idle": 1, "in_use": 0}
