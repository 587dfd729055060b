"""This ORM, once per driver: asyncpg, psycopg async, psycopg behind the thread wrapper, and
sync psycopg. Written the way an application uses the ORM, nothing tuned for the benchmark.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import orm
from bench.adapters.base import Adapter, Row
from orm import models


class BenchItem(models.Model):
    name = models.CharField(max_length=100)
    category = models.IntegerField(db_index=True)
    price = models.DecimalField(max_digits=10, decimal_places=2)
    active = models.BooleanField()

    objects = models.Manager()

    class Meta:
        db_table = "bench_item"
        app_label = "bench"


def _setup(url: str, pool_size: int, async_driver: str) -> None:
    orm.setup(
        databases={
            "default": {
                "url": url,
                "async_driver": async_driver,
                "sync_driver": "psycopg",
                "pool_size": pool_size,
            }
        }
    )


class _OrmAsyncAdapter(Adapter):
    """The async API; subclasses only choose the driver."""

    driver = ""
    is_async = True

    async def open(self, url: str, pool_size: int) -> None:
        _setup(url, pool_size, self.driver)

    async def close(self) -> None:
        await orm.aclose()

    async def insert_one(self, row: Row) -> int:
        item = await BenchItem.objects.acreate(**row)
        return int(item.pk)

    async def bulk_insert(self, rows: list[Row]) -> int:
        created = await BenchItem.objects.abulk_create([BenchItem(**row) for row in rows])
        return len(created)

    async def get_by_pk(self, pk: int) -> Any:
        return await BenchItem.objects.aget(pk=pk)

    async def fetch_all(self) -> list[Any]:
        return [item async for item in BenchItem.objects.all()]

    async def filter_small(self, category: int) -> list[Any]:
        qs = BenchItem.objects.filter(category=category, active=True).order_by("price", "id")
        return [item async for item in qs[:10]]

    async def values(self, category: int) -> list[dict[str, Any]]:
        qs = BenchItem.objects.filter(category=category).order_by("id").values("id", "name", "price")
        return [row async for row in qs]

    async def count_filtered(self, category: int) -> int:
        return await BenchItem.objects.filter(category=category, active=True).acount()

    async def update_one(self, pk: int, price: Decimal) -> int:
        return await BenchItem.objects.filter(pk=pk).aupdate(price=price)

    async def fetch_then_save(self, pk: int, suffix: str) -> None:
        item = await BenchItem.objects.aget(pk=pk)
        item.name += suffix
        await item.asave(update_fields=["name"])

    async def delete_filtered(self, category: int) -> int:
        deleted, _ = await BenchItem.objects.filter(category=category).adelete()
        return deleted


class OrmAsyncpgAdapter(_OrmAsyncAdapter):
    name = "orm-asyncpg"
    requires = ("asyncpg",)
    driver = "asyncpg"


class OrmPsycopgAdapter(_OrmAsyncAdapter):
    name = "orm-psycopg"
    requires = ("psycopg", "psycopg_pool")
    driver = "psycopg"


class OrmPsycopgThreadedAdapter(_OrmAsyncAdapter):
    name = "orm-psycopg-threaded"
    requires = ("psycopg", "psycopg_pool")
    driver = "psycopg-threaded"


class OrmSyncPsycopgAdapter(Adapter):
    """The sync API on sync psycopg (the runner calls it without an event loop)."""

    name = "orm-sync-psycopg"
    requires = ("psycopg", "psycopg_pool")
    is_async = False

    def open(self, url: str, pool_size: int) -> None:  # type: ignore[override]
        # the async driver is never used here; asyncpg need not be installed
        _setup(url, pool_size, "psycopg")

    def close(self) -> None:  # type: ignore[override]
        orm.close()

    def insert_one(self, row: Row) -> int:  # type: ignore[override]
        return int(BenchItem.objects.create(**row).pk)

    def bulk_insert(self, rows: list[Row]) -> int:  # type: ignore[override]
        return len(BenchItem.objects.bulk_create([BenchItem(**row) for row in rows]))

    def get_by_pk(self, pk: int) -> Any:
        return BenchItem.objects.get(pk=pk)

    def fetch_all(self) -> list[Any]:  # type: ignore[override]
        return list(BenchItem.objects.all())

    def filter_small(self, category: int) -> list[Any]:  # type: ignore[override]
        qs = BenchItem.objects.filter(category=category, active=True).order_by("price", "id")
        return list(qs[:10])

    def values(self, category: int) -> list[dict[str, Any]]:  # type: ignore[override]
        qs = BenchItem.objects.filter(category=category).order_by("id").values("id", "name", "price")
        return list(qs)

    def count_filtered(self, category: int) -> int:  # type: ignore[override]
        return BenchItem.objects.filter(category=category, active=True).count()

    def update_one(self, pk: int, price: Decimal) -> int:  # type: ignore[override]
        return BenchItem.objects.filter(pk=pk).update(price=price)

    def fetch_then_save(self, pk: int, suffix: str) -> None:  # type: ignore[override]
        item = BenchItem.objects.get(pk=pk)
        item.name += suffix
        item.save(update_fields=["name"])

    def delete_filtered(self, category: int) -> int:  # type: ignore[override]
        deleted, _ = BenchItem.objects.filter(category=category).delete()
        return deleted
