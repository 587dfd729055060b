"""The SQLite backend: its dialect, schema editor and the pools of each driver."""

from __future__ import annotations

from typing import Any

from ..base.pool import SimpleAsyncPool, SimpleSyncPool
from ..config import DatabaseConfig
from .dialect import SQLiteDialect
from .schema import SQLiteSchemaEditor
from .settings import sqlite_params


class SQLiteBackend:
    vendor = "sqlite"
    schema_editor_class = SQLiteSchemaEditor

    def __init__(self, config: DatabaseConfig) -> None:
        self.config = config
        self.params = sqlite_params(config.alias, config.path, config.options)
        self.sync_dialect = self._dialect()
        self.async_dialect = self.sync_dialect

    def _dialect(self) -> SQLiteDialect:
        dialect = SQLiteDialect()
        dialect.begin_sql = f"BEGIN {self.params.transaction_mode}"
        return dialect

    def create_sync_pool(self) -> SimpleSyncPool:
        from .sqlite3 import SQLite3Connection

        cfg = self.config
        return SimpleSyncPool(
            lambda: SQLite3Connection.connect(self.params, self.sync_dialect, cfg.alias),
            alias=cfg.alias,
            size=cfg.pool_size,
            min_size=cfg.pool_min_size,
            timeout=cfg.pool_timeout,
        )

    def create_async_pool(self) -> SimpleAsyncPool:
        cfg = self.config
        connect: Any
        if cfg.async_driver == "aiosqlite":
            from .aiosqlite import AiosqliteConnection

            def connect() -> Any:
                return AiosqliteConnection.connect(self.params, self.async_dialect, cfg.alias)
        else:
            from ..threaded import ThreadedAsyncConnection
            from .sqlite3 import SQLite3Connection

            def connect() -> Any:
                return ThreadedAsyncConnection.open(
                    lambda: SQLite3Connection.connect(self.params, self.async_dialect, cfg.alias),
                    name=f"orm-sqlite3-{cfg.alias}",
                )
        return SimpleAsyncPool(
            connect,
            alias=cfg.alias,
            size=cfg.pool_size,
            min_size=cfg.pool_min_size,
            timeout=cfg.pool_timeout,
        )
