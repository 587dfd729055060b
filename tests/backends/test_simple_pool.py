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


async def test_each_waiter_times_out_at_its_own_deadline():
    """The pool keeps one timer for its whole line of waiters: the first waiter's timeout
    does not take a later waiter with it, and the later one still times out afterwards."""
    pool = make_pool(size=1, timeout=0.3)
    loop = asyncio.get_running_loop()
    held = await pool.acquire()
    first = asyncio.create_task(pool.acquire())
    await asyncio.sleep(0.15)
    second_started = loop.time()
    second = asyncio.create_task(pool.acquire())
    with pytest.raises(orm.PoolTimeout):
        await asyncio.wait_for(first, 5)
    # Unless the machine stalled past the second deadline, the second is still waiting.
    assert not second.done() or loop.time() >= second_started + 0.3
    with pytest.raises(orm.PoolTimeout):
        await asyncio.wait_for(second, 5)
    await pool.release(held)
    assert pool.status() == {"size": 1, "idle": 1, "in_use": 0}


async def test_a_waiter_behind_served_ones_still_times_out():
    """The timer set for a waiter that was then served moves on to the next waiter in line,
    who times out when nothing frees up for it."""
    pool = make_pool(size=1, timeout=0.2)
    held = await pool.acquire()
    served = asyncio.create_task(pool.acquire())
    await asyncio.sleep(0)
    await pool.release(held)  # the slot goes to `served`, before its deadline
    conn = await asyncio.wait_for(served, 5)
    with pytest.raises(orm.PoolTimeout):
        await asyncio.wait_for(pool.acquire(), 5)  # `conn` is never released in time
    await pool.release(conn)
    assert pool.status()["in_use"] == 0


async def test_many_waiters_are_all_served_and_the_timer_stops_with_the_pool():
    """200 tasks on a pool of 10 all get a connection, in turn, with no timeout; closing the
    pool cancels its timer."""
    pool = make_pool(size=10, timeout=30)
    served = 0

    async def use() -> None:
        nonlocal served
        conn = await pool.acquire()
        await asyncio.sleep(0)
        served += 1
        await pool.release(conn)

    await asyncio.wait_for(asyncio.gather(*(use() for _ in range(200))), 10)
    assert served == 200 and pool.status() == {"size": 10, "idle": 10, "in_use": 0}
    assert pool._timer is not None  # set while tasks waited; not needed any more
    await pool.close()
    assert pool._timer is None
