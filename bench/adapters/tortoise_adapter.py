"""Tortoise ORM on its asyncpg backend (``tortoise``).

The model sits at module level, as Tortoise users write it, behind an import guard so the
module still imports without the ``[bench]`` extra (the runner then reports the adapter as
skipped, from ``requires``). Tortoise never creates the table here: the runner owns it.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any
from urllib.parse import unquote, urlsplit

from bench.adapters.base import Adapter, Row

try:
    from tortoise import Tortoise, fields
    from tortoise.models import Model
except ImportError:  # without the [bench] extra
    HAVE_TORTOISE = False
else:
    HAVE_TORTOISE = True

    class BenchItem(Model):
        id = fields.BigIntField(primary_key=True)
        name = fields.CharField(max_length=100)
        category = fields.IntField()
        price = fields.DecimalField(max_digits=10, decimal_places=2)
        active = fields.BooleanField()

        class Meta:
            table = "bench_item"

    __models__ = [BenchItem]


def tortoise_config(url: str, pool_size: int) -> dict[str, Any]:
    """Tortoise's config dict for a ``postgresql://user:pw@host:port/db`` URL."""
    parts = urlsplit(url)
    credentials = {
        "host": parts.hostname or "127.0.0.1",
        "port": parts.port or 5432,
        "user": unquote(parts.username or ""),
        "password": unquote(parts.password or "") or None,
        "database": unquote(parts.path.lstrip("/")),
        "minsize": pool_size,
        "maxsize": pool_size,
    }
    return {
        "connections": {
            "default": {"engine": "tortoise.backends.asyncpg", "credentials": credentials}
        },
        "apps": {"bench": {"models": [__name__], "default_connection": "default"}},
        "use_tz": True,
        "timezone": "UTC",
    }


class TortoiseAdapter(Adapter):
    name = "tortoise"
    requires = ("tortoise", "asyncpg")
    is_async = True

    async def open(self, url: str, pool_size: int) -> None:
        if not HAVE_TORTOISE:
            raise ImportError("tortoise-orm is not installed (pip install '.[bench]')")
        # Tortoise keeps its state in a context variable of the task that called init(); the
        # global fallback lets the runner's other tasks (and wait_for() wrappers) see it too.
        self._context = await Tortoise.init(
            config=tortoise_config(url, pool_size), _enable_global_fallback=True
        )
        # Tortoise connects lazily: open the pool now so no workload pays for it.
        await self._context.connections.get("default").execute_query("SELECT 1")

    async def close(self) -> None:
        await self._context.close_connections()

    async def insert_one(self, row: Row) -> int:
        obj = await BenchItem.create(**row)
        return int(obj.id)

    async def bulk_insert(self, rows: list[Row]) -> int:
        objects = [BenchItem(**row) for row in rows]
        # Tortoise's bulk_create returns nothing (and leaves the ids unset): an executemany.
        await BenchItem.bulk_create(objects)
        return len(objects)

    async def get_by_pk(self, pk: int) -> Any:
        return await BenchItem.get(id=pk)

    async def fetch_all(self) -> list[Any]:
        return list(await BenchItem.all())

    async def filter_small(self, category: int) -> list[Any]:
        qs = BenchItem.filter(category=category, active=True).order_by("price", "id").limit(10)
        return list(await qs)

    async def values(self, category: int) -> list[dict[str, Any]]:
        qs = BenchItem.filter(category=category).order_by("id").values("id", "name", "price")
        return list(await qs)

    async def count_filtered(self, category: int) -> int:
        return await BenchItem.filter(category=category, active=True).count()

    async def update_one(self, pk: int, price: Decimal) -> int:
        return await BenchItem.filter(id=pk).update(price=price)

    async def fetch_then_save(self, pk: int, suffix: str) -> None:
        obj = await BenchItem.get(id=pk)
        obj.name += suffix
        await obj.save()

    async def delete_filtered(self, category: int) -> int:
        return await BenchItem.filter(category=category).delete()
