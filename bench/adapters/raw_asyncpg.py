"""Raw asyncpg: the ceiling every ratio in the table is taken to.

asyncpg's own pool, statements prepared and cached the way asyncpg does by default, results
as asyncpg Records. One departure from ``create_pool()``'s defaults: the pool's reset on
release sends nothing (an open transaction is still rolled back by asyncpg itself). The
default reset sends "SELECT pg_advisory_unlock_all(); CLOSE ALL; UNLISTEN *; RESET ALL" on
every release, a round trip per query that a library with its own pool avoids (this ORM
does); a ceiling that pays it would not be one.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from bench.adapters.base import Adapter, Row

_COLUMNS = '"id", "name", "category", "price", "active"'
_INSERT = 'INSERT INTO "bench_item" ("name", "category", "price", "active") VALUES ($1, $2, $3, $4)'


async def _no_extra_reset(connection: Any) -> None:
    """Release without a reset query (asyncpg has already rolled back any open transaction)."""


class RawAsyncpgAdapter(Adapter):
    name = "raw-asyncpg"
    requires = ("asyncpg",)
    is_async = True

    async def open(self, url: str, pool_size: int) -> None:
        import asyncpg

        self.pool = await asyncpg.create_pool(
            url, min_size=pool_size, max_size=pool_size, reset=_no_extra_reset
        )

    async def close(self) -> None:
        await self.pool.close()

    async def insert_one(self, row: Row) -> int:
        pk: int = await self.pool.fetchval(
            _INSERT + ' RETURNING "id"', row["name"], row["category"], row["price"], row["active"]
        )
        return pk

    async def bulk_insert(self, rows: list[Row]) -> int:
        # executemany is asyncpg's batch API for statements: one pipelined round trip
        await self.pool.executemany(
            _INSERT, [(r["name"], r["category"], r["price"], r["active"]) for r in rows]
        )
        return len(rows)

    async def get_by_pk(self, pk: int) -> Any:
        return await self.pool.fetchrow(
            f'SELECT {_COLUMNS} FROM "bench_item" WHERE "id" = $1', pk
        )

    async def fetch_all(self) -> list[Any]:
        rows: list[Any] = await self.pool.fetch(f'SELECT {_COLUMNS} FROM "bench_item"')
        return rows

    async def filter_small(self, category: int) -> list[Any]:
        rows: list[Any] = await self.pool.fetch(
            f'SELECT {_COLUMNS} FROM "bench_item" WHERE "category" = $1 AND "active" '
            'ORDER BY "price", "id" LIMIT 10',
            category,
        )
        return rows

    async def values(self, category: int) -> list[dict[str, Any]]:
        rows = await self.pool.fetch(
            'SELECT "id", "name", "price" FROM "bench_item" WHERE "category" = $1 ORDER BY "id"',
            category,
        )
        return [dict(r) for r in rows]

    async def count_filtered(self, category: int) -> int:
        count: int = await self.pool.fetchval(
            'SELECT count(*) FROM "bench_item" WHERE "category" = $1 AND "active"', category
        )
        return count

    async def update_one(self, pk: int, price: Decimal) -> int:
        status: str = await self.pool.execute(
            'UPDATE "bench_item" SET "price" = $1 WHERE "id" = $2', price, pk
        )
        return int(status.rsplit(" ", 1)[1])

    async def fetch_then_save(self, pk: int, suffix: str) -> None:
        # load then write back: two statements, as an application without an ORM does it
        async with self.pool.acquire() as connection:
            row = await connection.fetchrow(
                f'SELECT {_COLUMNS} FROM "bench_item" WHERE "id" = $1', pk
            )
            await connection.execute(
                'UPDATE "bench_item" SET "name" = $1 WHERE "id" = $2', row["name"] + suffix, pk
            )

    async def delete_filtered(self, category: int) -> int:
        status: str = await self.pool.execute(
            'DELETE FROM "bench_item" WHERE "category" = $1', category
        )
        return int(status.rsplit(" ", 1)[1])
