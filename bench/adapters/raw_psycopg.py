"""Raw psycopg 3: AsyncConnection from psycopg_pool's AsyncConnectionPool, rows as dicts.

Connections are in autocommit, so a checkout costs no BEGIN/COMMIT round trips; psycopg
prepares a statement on the server by itself once it has run it a few times.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from bench.adapters.base import Adapter, Row

_COLUMNS = '"id", "name", "category", "price", "active"'
_INSERT = 'INSERT INTO "bench_item" ("name", "category", "price", "active") VALUES (%s, %s, %s, %s)'


class RawPsycopgAdapter(Adapter):
    name = "raw-psycopg"
    requires = ("psycopg", "psycopg_pool")
    is_async = True

    async def open(self, url: str, pool_size: int) -> None:
        from psycopg.rows import dict_row
        from psycopg_pool import AsyncConnectionPool

        self.pool: Any = AsyncConnectionPool(
            url,
            min_size=pool_size,
            max_size=pool_size,
            kwargs={"autocommit": True, "row_factory": dict_row},
            open=False,
        )
        await self.pool.open(wait=True)

    async def close(self) -> None:
        await self.pool.close()

    async def _fetchall(self, sql: str, params: tuple[Any, ...] = ()) -> list[Any]:
        async with self.pool.connection() as connection:
            cursor = await connection.execute(sql, params)
            rows: list[Any] = await cursor.fetchall()
            return rows

    async def _fetchone(self, sql: str, params: tuple[Any, ...]) -> Any:
        async with self.pool.connection() as connection:
            cursor = await connection.execute(sql, params)
            return await cursor.fetchone()

    async def _rowcount(self, sql: str, params: tuple[Any, ...]) -> int:
        async with self.pool.connection() as connection:
            cursor = await connection.execute(sql, params)
            return int(cursor.rowcount)

    async def insert_one(self, row: Row) -> int:
        got = await self._fetchone(
            _INSERT + ' RETURNING "id"', (row["name"], row["category"], row["price"], row["active"])
        )
        return int(got["id"])

    async def bulk_insert(self, rows: list[Row]) -> int:
        # executemany is psycopg's batch API: it pipelines the statements in one go
        async with self.pool.connection() as connection:
            async with connection.cursor() as cursor:
                await cursor.executemany(
                    _INSERT, [(r["name"], r["category"], r["price"], r["active"]) for r in rows]
                )
        return len(rows)

    async def get_by_pk(self, pk: int) -> Any:
        return await self._fetchone(f'SELECT {_COLUMNS} FROM "bench_item" WHERE "id" = %s', (pk,))

    async def fetch_all(self) -> list[Any]:
        return await self._fetchall(f'SELECT {_COLUMNS} FROM "bench_item"')

    async def filter_small(self, category: int) -> list[Any]:
        return await self._fetchall(
            f'SELECT {_COLUMNS} FROM "bench_item" WHERE "category" = %s AND "active" '
            'ORDER BY "price", "id" LIMIT 10',
            (category,),
        )

    async def values(self, category: int) -> list[dict[str, Any]]:
        return await self._fetchall(
            'SELECT "id", "name", "price" FROM "bench_item" WHERE "category" = %s ORDER BY "id"',
            (category,),
        )

    async def count_filtered(self, category: int) -> int:
        got = await self._fetchone(
            'SELECT count(*) AS "n" FROM "bench_item" WHERE "category" = %s AND "active"',
            (category,),
        )
        return int(got["n"])

    async def update_one(self, pk: int, price: Decimal) -> int:
        return await self._rowcount(
            'UPDATE "bench_item" SET "price" = %s WHERE "id" = %s', (price, pk)
        )

    async def fetch_then_save(self, pk: int, suffix: str) -> None:
        async with self.pool.connection() as connection:
            cursor = await connection.execute(
                f'SELECT {_COLUMNS} FROM "bench_item" WHERE "id" = %s', (pk,)
            )
            row = await cursor.fetchone()
            await connection.execute(
                'UPDATE "bench_item" SET "name" = %s WHERE "id" = %s', (row["name"] + suffix, pk)
            )

    async def delete_filtered(self, category: int) -> int:
        return await self._rowcount('DELETE FROM "bench_item" WHERE "category" = %s', (category,))
