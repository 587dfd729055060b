"""SQLAlchemy 2's ORM with ``AsyncSession`` on asyncpg (``sqlalchemy``).

Idiomatic use, one session per operation as a web request would have: ``session.add`` +
``flush`` for a single insert, the ORM bulk ``insert()`` for many rows, ``session.get`` by
primary key, ``select()`` + ``scalars()`` for objects, ``update()``/``delete()`` statements,
and load-change-commit for fetch-then-save.

The mapping sits at module level, behind an import guard so the module still imports without
the ``[bench]`` extra (the runner then reports the adapter as skipped, from ``requires``).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from bench.adapters.base import Adapter, Row

try:
    from sqlalchemy import (
        BigInteger,
        Identity,
        Numeric,
        String,
        delete,
        func,
        insert,
        select,
        update,
    )
    from sqlalchemy.engine import make_url
    from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker, create_async_engine
    from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
except ImportError:  # without the [bench] extra
    HAVE_SQLALCHEMY = False
else:
    HAVE_SQLALCHEMY = True

    class Base(DeclarativeBase):
        pass

    class BenchItem(Base):
        __tablename__ = "bench_item"

        id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
        name: Mapped[str] = mapped_column(String(100))
        category: Mapped[int]
        price: Mapped[Decimal] = mapped_column(Numeric(10, 2))
        active: Mapped[bool]


class SQLAlchemyAsyncAdapter(Adapter):
    name = "sqlalchemy"
    requires = ("sqlalchemy", "asyncpg", "greenlet")
    is_async = True

    async def open(self, url: str, pool_size: int) -> None:
        if not HAVE_SQLALCHEMY:
            raise ImportError("sqlalchemy is not installed (pip install '.[bench]')")
        self.engine: AsyncEngine = create_async_engine(
            make_url(url).set(drivername="postgresql+asyncpg"),
            pool_size=pool_size,
            max_overflow=0,
        )
        # Objects outlive their session (the runner reads them after we return).
        self.session = async_sessionmaker(self.engine, expire_on_commit=False)
        # Connect now: the first connection also runs the dialect's one-time initialisation.
        async with self.engine.connect():
            pass

    async def close(self) -> None:
        await self.engine.dispose()

    async def insert_one(self, row: Row) -> int:
        async with self.session.begin() as session:
            obj = BenchItem(**row)
            session.add(obj)
            await session.flush()  # INSERT ... RETURNING id
            return obj.id

    async def bulk_insert(self, rows: list[Row]) -> int:
        async with self.session.begin() as session:
            await session.execute(insert(BenchItem), rows)
        return len(rows)

    async def get_by_pk(self, pk: int) -> Any:
        async with self.session() as session:
            return await session.get(BenchItem, pk)

    async def fetch_all(self) -> list[Any]:
        async with self.session() as session:
            return list((await session.scalars(select(BenchItem))).all())

    async def filter_small(self, category: int) -> list[Any]:
        stmt = (
            select(BenchItem)
            .where(BenchItem.category == category, BenchItem.active.is_(True))
            .order_by(BenchItem.price, BenchItem.id)
            .limit(10)
        )
        async with self.session() as session:
            return list((await session.scalars(stmt)).all())

    async def values(self, category: int) -> list[dict[str, Any]]:
        stmt = (
            select(BenchItem.id, BenchItem.name, BenchItem.price)
            .where(BenchItem.category == category)
            .order_by(BenchItem.id)
        )
        async with self.session() as session:
            return [dict(row) for row in (await session.execute(stmt)).mappings()]

    async def count_filtered(self, category: int) -> int:
        stmt = (
            select(func.count())
            .select_from(BenchItem)
            .where(BenchItem.category == category, BenchItem.active.is_(True))
        )
        async with self.session() as session:
            return int(await session.scalar(stmt) or 0)

    async def update_one(self, pk: int, price: Decimal) -> int:
        stmt = update(BenchItem).where(BenchItem.id == pk).values(price=price)
        async with self.session.begin() as session:
            result = await session.execute(stmt)
        return int(result.rowcount)  # type: ignore[attr-defined]

    async def fetch_then_save(self, pk: int, suffix: str) -> None:
        async with self.session.begin() as session:  # commits (flushes the UPDATE) on exit
            obj = await session.get(BenchItem, pk)
            if obj is None:
                raise LookupError(f"no bench_item with id {pk}")
            obj.name += suffix

    async def delete_filtered(self, category: int) -> int:
        stmt = delete(BenchItem).where(BenchItem.category == category)
        async with self.session.begin() as session:
            result = await session.execute(stmt)
        return int(result.rowcount)  # type: ignore[attr-defined]
