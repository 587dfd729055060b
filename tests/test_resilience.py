"""Pools and transactions under load, cancellation and faults.

Every test here stops by itself: waits are bounded by ``asyncio.wait_for`` or a timeout on the
thread or poll, and the only server involved is the local one. No test asserts how long
anything took; bounds only stop a test that would otherwise hang.

The PostgreSQL tests open their pools with an ``application_name`` of their own, so that the
server's ``pg_stat_activity`` shows exactly this test's connections (to count them, check their
state, or terminate them).
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import random
import socket
import threading
import uuid
from collections.abc import AsyncIterator, Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import psycopg
import pytest

import orm
from tests.conftest import (
    ALL_DRIVERS,
    ASYNC_DRIVERS,
    POSTGRES_DRIVERS,
    POSTGRES_URL,
    _all_ids,
    make_driver,
)
from tests.dual import Api
from tests.models import LEDGER_MODELS, Account, Transfer

WAIT = 60  # seconds: the bound on anything that could hang
OPENING = 1000  # every account's opening balance

SQLITE_OPTIONS = {"transaction_mode": "IMMEDIATE", "timeout": 30}

ASYNC_ONLY = [("async", v, n) for v, n in ASYNC_DRIVERS]
PG_ASYNC = [d for d in ASYNC_ONLY if d[1] == "postgresql"]


# -- the server, seen from a connection of its own ---------------------------------------------


def _admin() -> psycopg.Connection[Any]:
    return psycopg.connect(POSTGRES_URL, autocommit=True)


def server_sessions(app: str) -> list[tuple[str, str]]:
    """(state, query) of every server session the test's pools opened."""
    with _admin() as conn:
        rows = conn.execute(
            "SELECT state, query FROM pg_stat_activity WHERE application_name = %s", [app]
        ).fetchall()
    return [(r[0], r[1]) for r in rows]


def terminate_sessions(app: str, only_running: str | None = None) -> int:
    """pg_terminate_backend on the test's sessions (or those running a query that contains
    ``only_running``); returns how many, once the server has let them go."""
    condition = "application_name = %s"
    params: list[Any] = [app]
    if only_running is not None:
        condition += " AND state = 'active' AND query LIKE %s"
        params.append(f"%{only_running}%")
    with _admin() as conn:
        row = conn.execute(
            f"SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE {condition}",
            params,
        ).fetchone()
        killed = int(row[0]) if row else 0
        for _ in range(500):
            left = conn.execute(f"SELECT count(*) FROM pg_stat_activity WHERE {condition}", params)
            remaining = left.fetchone()
            if remaining is not None and remaining[0] == 0:
                break
            conn.execute("SELECT pg_sleep(0.01)")
    return killed


def wait_for_running(app: str, text: str) -> None:
    """Wait (bounded) until one of the test's sessions is running a query containing ``text``."""
    with _admin() as conn:
        for _ in range(WAIT * 50):
            row = conn.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE application_name = %s "
                "AND state = 'active' AND query LIKE %s",
                [app, f"%{text}%"],
            ).fetchone()
            if row is not None and row[0]:
                return
            conn.execute("SELECT pg_sleep(0.02)")
    raise AssertionError(f"no session of {app} started running {text!r}")


def closed_port() -> int:
    """A local TCP port nothing listens on: connecting to it is refused at once."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


# -- a database with the ledger tables and a pool configured for the test ------------------------


class Ledger:
    """The Api under test, plus the name its pools give the server."""

    def __init__(self, api: Api, app: str) -> None:
        self.api = api
        self.app = app
        self.on = api.on
        self.call = api.call
        self.is_async = api.is_async
        self.is_postgres = api.is_postgres

    def pool_status(self) -> dict[str, int]:
        status = orm.connections["default"].pool_status()["async" if self.is_async else "sync"]
        return status or {"size": 0, "idle": 0, "in_use": 0}

    async def wait_until_all_returned(self) -> dict[str, int]:
        """Pool status once no connection is in use (closing a dropped one may take a moment)."""
        for _ in range(WAIT * 20):
            status = self.pool_status()
            if status["in_use"] == 0:
                return status
            await asyncio.sleep(0.05)
        raise AssertionError(f"connections still in use: {self.pool_status()}")


@contextlib.asynccontextmanager
async def ledger_db(
    kind: str,
    vendor: str,
    name: str,
    tmp_path: Any,
    sqlite_options: dict[str, Any] = SQLITE_OPTIONS,
    **pool: Any,
) -> AsyncIterator[Ledger]:
    driver = make_driver(vendor, name, tmp_path)
    app = f"orm-test-{uuid.uuid4().hex[:12]}"
    config = driver.config(kind, **pool)
    config["options"] = {"application_name": app} if driver.is_postgres else dict(sqlite_options)
    orm.setup(databases={"default": config})
    api = Api(driver, is_async=kind == "async")
    try:
        await api.call(
            lambda: orm.drop_tables(*LEDGER_MODELS), lambda: orm.adrop_tables(*LEDGER_MODELS)
        )
        await api.call(
            lambda: orm.create_tables(*LEDGER_MODELS), lambda: orm.acreate_tables(*LEDGER_MODELS)
        )
        yield Ledger(api, app)
    finally:
        try:
            await api.call(
                lambda: orm.drop_tables(*LEDGER_MODELS), lambda: orm.adrop_tables(*LEDGER_MODELS)
            )
        finally:
            await orm.aclose()
            await asyncio.to_thread(orm.close)


async def open_accounts(db: Ledger, count: int) -> list[int]:
    accounts = [Account(name=f"acct{i}", balance=OPENING) for i in range(count)]
    created = await db.on(Account.objects).bulk_create(accounts)
    return [a.pk for a in created]


async def check_ledger(db: Ledger, count: int) -> int:
    """Every balance equals its opening balance plus the ledger's transfers in and out, and
    the total is unchanged. Returns how many transfers the ledger holds."""
    accounts = await db.api.list(Account.objects.all())
    transfers = await db.api.list(Transfer.objects.all())
    expected = {a.pk: OPENING for a in accounts}
    for t in transfers:
        expected[t.source_id] -= t.amount
        expected[t.target_id] += t.amount
    assert {a.pk: a.balance for a in accounts} == expected
    assert sum(a.balance for a in accounts) == OPENING * count
    return len(transfers)


def plan_transfers(ids: list[int], count: int, seed: int) -> list[tuple[int, int, int]]:
    rng = random.Random(seed)
    return [(*rng.sample(ids, 2), rng.randint(1, 50)) for _ in range(count)]  # type: ignore[misc]


# Transfers, sync and async. On PostgreSQL the two rows are locked with select_for_update, in
# primary key order so that two transfers never wait for each other; the balances are then
# read, changed in Python and saved, which is only correct because of the lock. SQLite has no
# row locks: its transactions start IMMEDIATE (SQLITE_OPTIONS), so writers take turns.


def transfer(source: int, target: int, amount: int, *, lock: bool) -> None:
    with orm.atomic():
        rows = Account.objects.filter(pk__in=[source, target]).order_by("pk")
        accounts = {a.pk: a for a in (rows.select_for_update() if lock else rows)}
        accounts[source].balance -= amount
        accounts[target].balance += amount
        accounts[source].save(update_fields=["balance"])
        accounts[target].save(update_fields=["balance"])
        Transfer.objects.create(source_id=source, target_id=target, amount=amount)


async def atransfer(source: int, target: int, amount: int, *, lock: bool, where: list[str] | None = None) -> None:
    where = where if where is not None else [""]
    where[0] = "query"  # waiting for a connection, then sending BEGIN
    async with orm.atomic():
        where[0] = "transaction"
        rows = Account.objects.filter(pk__in=[source, target]).order_by("pk")
        accounts = {a.pk: a async for a in (rows.select_for_update() if lock else rows)}
        accounts[source].balance -= amount
        accounts[target].balance += amount
        await accounts[source].asave(update_fields=["balance"])
        await asyncio.sleep(0)  # a point between two writes of one transaction
        await accounts[target].asave(update_fields=["balance"])
        await Transfer.objects.acreate(source_id=source, target_id=target, amount=amount)
        where[0] = "committing"
    where[0] = "between"


# -- concurrent transfers ------------------------------------------------------------------------


@pytest.mark.parametrize(("kind", "vendor", "name"), ASYNC_ONLY, ids=_all_ids(ASYNC_ONLY))
async def test_500_concurrent_tasks_transfer_between_50_accounts_on_a_pool_of_10(kind, vendor, name, tmp_path):
    """500 tasks at once, each one transfer inside atomic (select_for_update on PostgreSQL), on
    a pool of 10: none fails, and every balance matches the ledger of all 500 transfers."""
    async with ledger_db(kind, vendor, name, tmp_path, pool_size=10, pool_timeout=WAIT) as db:
        ids = await open_accounts(db, 50)
        plan = plan_transfers(ids, 500, seed=500)
        lock = db.is_postgres
        outcomes = await asyncio.wait_for(
            asyncio.gather(*(atransfer(*t, lock=lock) for t in plan), return_exceptions=True), WAIT
        )
        assert [o for o in outcomes if o is not None] == []
        assert await check_ledger(db, 50) == 500
        status = await db.wait_until_all_returned()
        assert status["idle"] <= 10


SYNC_ONLY = [d for d in ALL_DRIVERS if d[0] == "sync"]


@pytest.mark.parametrize(("kind", "vendor", "name"), SYNC_ONLY, ids=_all_ids(SYNC_ONLY))
async def test_16_threads_transfer_between_50_accounts_on_a_pool_of_10(kind, vendor, name, tmp_path):
    """The sync path from a 16-thread pool (as a WSGI server's) on a pool of 10 connections:
    500 transfers, none fails, every balance matches the ledger."""
    async with ledger_db(kind, vendor, name, tmp_path, pool_size=10, pool_timeout=WAIT) as db:
        ids = await open_accounts(db, 50)
        plan = plan_transfers(ids, 500, seed=16)
        lock = db.is_postgres

        def run_all() -> list[BaseException]:
            with ThreadPoolExecutor(16, thread_name_prefix="wsgi") as threads:
                futures = [threads.submit(transfer, *t, lock=lock) for t in plan]
                return [e for f in futures if (e := f.exception(timeout=WAIT)) is not None]

        assert await asyncio.to_thread(run_all) == []
        assert await check_ledger(db, 50) == 500
        status = await db.wait_until_all_returned()
        assert status["idle"] <= 10


# -- cancellation --------------------------------------------------------------------------------


@pytest.mark.parametrize(("kind", "vendor", "name"), ASYNC_ONLY, ids=_all_ids(ASYNC_ONLY))
async def test_1000_tasks_cancelled_at_random_points_leave_a_clean_pool(kind, vendor, name, tmp_path):
    """1,000 tasks doing transfers, streams and single queries are cancelled at random moments
    (three in four by task.cancel(), one in four by asyncio.timeout()). Afterwards every
    connection is back in the pool, idle and outside any transaction, and the data is
    consistent: each transfer happened whole or not at all."""
    size = 5
    async with ledger_db(kind, vendor, name, tmp_path, pool_size=size, pool_timeout=WAIT) as db:
        ids = await open_accounts(db, 10)
        rng = random.Random(1000)
        landed: collections.Counter[str] = collections.Counter()
        lock = db.is_postgres

        async def work(where: list[str]) -> None:
            while True:
                choice = rng.random()
                if choice < 0.6:
                    source, target = rng.sample(ids, 2)
                    await atransfer(source, target, rng.randint(1, 9), lock=lock, where=where)
                elif choice < 0.8:
                    where[0] = "stream"  # a half-read result when cancelled here
                    async for _ in Account.objects.order_by("pk").aiterator(chunk_size=2):
                        await asyncio.sleep(0)
                    where[0] = "between"
                else:
                    where[0] = "query"
                    await Account.objects.filter(balance__gte=0).acount()
                    where[0] = "between"

        async def worker(with_timeout: bool, delay: float) -> None:
            where = ["started"]
            try:
                if with_timeout:
                    async with asyncio.timeout(delay):
                        await work(where)
                else:
                    await work(where)
            except (asyncio.CancelledError, TimeoutError):
                landed[where[0]] += 1
                raise

        loop = asyncio.get_running_loop()
        outcomes: list[Any] = []
        for _wave in range(20):  # 20 waves of 50 tasks: 1,000 in all
            tasks = []
            for _ in range(50):
                delay = rng.uniform(0, 0.05)
                with_timeout = rng.random() < 0.25
                task = asyncio.create_task(worker(with_timeout, delay))
                if not with_timeout:
                    loop.call_later(delay, task.cancel)
                tasks.append(task)
            outcomes += await asyncio.wait_for(asyncio.gather(*tasks, return_exceptions=True), WAIT)

        assert len(outcomes) == 1000
        unexpected = [o for o in outcomes if not isinstance(o, (asyncio.CancelledError, TimeoutError))]
        assert unexpected == []
        # The cancellations did land inside transactions and queries, not only between them.
        assert landed["transaction"] > 0 and landed["query"] + landed["stream"] > 0, landed

        status = await db.wait_until_all_returned()
        assert status["idle"] <= size
        # Every pooled connection: outside a transaction, and answers a query correctly.
        await check_pooled_connections(size)
        if db.is_postgres:
            sessions = await asyncio.to_thread(server_sessions, db.app)
            assert 0 < len(sessions) <= size
            assert {state for state, _ in sessions} == {"idle"}, sessions
        await check_ledger(db, 10)


async def check_pooled_connections(size: int) -> None:
    """Take every connection the pool can give at once and check each is clean."""
    pool = orm.connections["default"].async_pool()
    held = [await asyncio.wait_for(pool.acquire(), WAIT) for _ in range(size)]
    try:
        for conn in held:
            assert not conn.in_transaction()
            assert tuple(await conn.fetch_one("SELECT %s + 1", [6])) == (7,)
    finally:
        for conn in held:
            await pool.release(conn)


# -- connections the server kills -------------------------------------------------------------


@pytest.mark.parametrize(("kind", "vendor", "name"), POSTGRES_DRIVERS, ids=_all_ids(POSTGRES_DRIVERS))
async def test_after_every_pooled_connection_is_terminated_the_next_queries_succeed(kind, vendor, name, tmp_path):
    """pg_terminate_backend on every connection of a full pool (as a server restart does): the
    next query, and a burst of queries after it, succeed on new connections."""
    async with ledger_db(kind, vendor, name, tmp_path, pool_size=3, pool_timeout=WAIT) as db:
        await open_accounts(db, 2)
        # Fill the pool: three transactions at once hold three connections.
        gate = threading.Barrier(3, timeout=WAIT)

        def hold() -> None:
            with orm.atomic():
                Account.objects.count()
                gate.wait()

        async def ahold() -> None:
            async with orm.atomic():
                await Account.objects.acount()
                await asyncio.to_thread(gate.wait)

        await asyncio.wait_for(asyncio.gather(*(db.call(hold, ahold) for _ in range(3))), WAIT)
        assert len(await asyncio.to_thread(server_sessions, db.app)) == 3

        # In a worker thread, so that an event loop running the pool keeps reading its sockets.
        assert await asyncio.to_thread(terminate_sessions, db.app) == 3

        assert await db.on(Account.objects).count() == 2
        counts = await asyncio.wait_for(
            asyncio.gather(*(db.on(Account.objects.filter(balance=OPENING)).count() for _ in range(6))),
            WAIT,
        )
        assert counts == [2] * 6
        await db.wait_until_all_returned()
        sessions = await asyncio.to_thread(server_sessions, db.app)
        assert 0 < len(sessions) <= 3


@pytest.mark.parametrize(("kind", "vendor", "name"), POSTGRES_DRIVERS, ids=_all_ids(POSTGRES_DRIVERS))
async def test_a_query_whose_connection_is_killed_raises_operational_error(kind, vendor, name, tmp_path):
    """A statement running when the server kills its connection raises orm.OperationalError;
    the dead connection leaves the pool and the next query succeeds."""
    async with ledger_db(kind, vendor, name, tmp_path, pool_size=2, pool_timeout=WAIT) as db:
        await open_accounts(db, 1)
        database = orm.connections["default"]
        sleeper = asyncio.create_task(
            db.call(
                lambda: database.execute("SELECT pg_sleep(%s)", [WAIT]),
                lambda: database.aexecute("SELECT pg_sleep(%s)", [WAIT]),
            )
        )
        await asyncio.to_thread(wait_for_running, db.app, "pg_sleep")
        assert await asyncio.to_thread(terminate_sessions, db.app, "pg_sleep") == 1
        with pytest.raises(orm.OperationalError):
            await asyncio.wait_for(sleeper, WAIT)
        assert await db.on(Account.objects).count() == 1
        await db.wait_until_all_returned()


@pytest.mark.parametrize(("kind", "vendor", "name"), POSTGRES_DRIVERS, ids=_all_ids(POSTGRES_DRIVERS))
async def test_a_transaction_whose_connection_is_killed_fails_and_is_not_retried(kind, vendor, name, tmp_path):
    """Inside atomic, the statement after the connection was killed raises OperationalError:
    it is not sent again on another connection, where it would commit without the rows the
    dead transaction wrote. Nothing of that transaction is in the database, and the next
    query succeeds."""
    async with ledger_db(kind, vendor, name, tmp_path, pool_size=2, pool_timeout=WAIT) as db:
        terminate = lambda: terminate_sessions(db.app)  # noqa: E731

        def write() -> None:
            with orm.atomic():
                Account.objects.create(name="first", balance=1)
                terminate()
                Account.objects.create(name="second", balance=2)

        async def awrite() -> None:
            async with orm.atomic():
                await Account.objects.acreate(name="first", balance=1)
                await asyncio.to_thread(terminate)
                await Account.objects.acreate(name="second", balance=2)

        with pytest.raises(orm.OperationalError):
            await asyncio.wait_for(db.call(write, awrite), WAIT)
        assert await db.api.list(Account.objects.values_list("name", flat=True)) == []
        await db.wait_until_all_returned()


# -- exhaustion and refusal ----------------------------------------------------------------------


@pytest.mark.parametrize(("kind", "vendor", "name"), ALL_DRIVERS, ids=_all_ids(ALL_DRIVERS))
async def test_an_exhausted_pool_raises_pool_timeout_and_recovers(kind, vendor, name, tmp_path):
    """Two transactions hold both connections of a pool of two: a third operation waits
    pool_timeout (0.2 s), then raises orm.PoolTimeout naming the alias and the pool size.
    Once the holders finish, the pool serves again."""
    # SQLite in its default DEFERRED mode: the holders' transactions take no write lock.
    async with ledger_db(kind, vendor, name, tmp_path, {}, pool_size=2, pool_timeout=0.2) as db:
        holding = threading.Semaphore(0)
        release = threading.Event()

        def hold() -> None:
            with orm.atomic():
                Account.objects.count()
                holding.release()
                assert release.wait(WAIT)

        async def ahold() -> None:
            async with orm.atomic():
                await Account.objects.acount()
                holding.release()
                assert await asyncio.to_thread(release.wait, WAIT)

        holders = [asyncio.create_task(db.call(hold, ahold)) for _ in range(2)]
        try:
            for _ in range(2):
                assert await asyncio.to_thread(holding.acquire, timeout=WAIT)
            with pytest.raises(orm.PoolTimeout, match="'default'") as info:
                await asyncio.wait_for(db.on(Account.objects).count(), WAIT)
            assert isinstance(info.value, orm.OperationalError)
            assert "pool size 2" in str(info.value)
        finally:
            release.set()
            await asyncio.wait_for(asyncio.gather(*holders), WAIT)
        assert await db.on(Account.objects).count() == 0
        assert (await db.wait_until_all_returned())["idle"] <= 2


@pytest.mark.parametrize(("kind", "vendor", "name"), POSTGRES_DRIVERS, ids=_all_ids(POSTGRES_DRIVERS))
async def test_a_refused_connection_is_reported_without_waiting_for_pool_timeout(kind, vendor, name, tmp_path):
    """A server that refuses connections gives orm.OperationalError with the driver's reason,
    not a PoolTimeout after pool_timeout (here 10 minutes; the test's bound is one)."""
    driver = make_driver(vendor, name, tmp_path)
    port = closed_port()
    url = f"postgresql://root@127.0.0.1:{port}/nothing"
    key = "sync_driver" if kind == "sync" else "async_driver"
    orm.setup(databases={"default": {"url": url, key: name, "pool_timeout": 600}})
    api = Api(driver, is_async=kind == "async")
    try:
        with pytest.raises(orm.OperationalError) as info:
            await asyncio.wait_for(api.on(Account.objects).count(), WAIT)
        assert not isinstance(info.value, orm.PoolTimeout)
        assert "refused" in str(info.value).lower()
        assert str(port) in str(info.value)
    finally:
        await orm.aclose()
        await asyncio.to_thread(orm.close)


# -- pool sizing -------------------------------------------------------------------------------


@pytest.mark.parametrize(("kind", "vendor", "name"), ALL_DRIVERS, ids=_all_ids(ALL_DRIVERS))
async def test_pool_min_size_connections_open_on_first_use(kind, vendor, name, tmp_path):
    """pool_min_size=3 of pool_size=4: after the first operation at least three connections
    are open, and they stay open while idle."""
    async with ledger_db(kind, vendor, name, tmp_path, pool_size=4, pool_min_size=3) as db:
        assert await db.on(Account.objects).count() == 0
        # psycopg_pool (the sync PostgreSQL pool) connects them in the background, and may
        # open one more for a request that came before they were ready.
        opened = await poll(lambda: db.pool_status()["idle"] + db.pool_status()["in_use"] >= 3)
        assert opened, db.pool_status()
        assert db.pool_status()["idle"] + db.pool_status()["in_use"] <= 4
        if db.is_postgres:
            assert 3 <= len(await asyncio.to_thread(server_sessions, db.app)) <= 4


async def poll(condition: Callable[[], bool]) -> bool:
    """Whether ``condition`` became true within the bound (some pools connect in the
    background)."""
    for _ in range(WAIT * 20):
        if condition():
            return True
        await asyncio.sleep(0.05)
    return condition()


@pytest.mark.parametrize(("kind", "vendor", "name"), ALL_DRIVERS, ids=_all_ids(ALL_DRIVERS))
async def test_setup_and_close_can_repeat_in_one_process(kind, vendor, name, tmp_path):
    """Three rounds of setup, use and close: each round works, and on PostgreSQL closing leaves
    no session of the round open on the server."""
    for _ in range(3):
        async with ledger_db(kind, vendor, name, tmp_path, pool_size=2) as db:
            await open_accounts(db, 2)
            assert await db.on(Account.objects).count() == 2
        if db.is_postgres:
            assert await poll(lambda: server_sessions(db.app) == []), server_sessions(db.app)
