"""The PostgreSQL backend: its dialects, schema editor and the pools of each driver.

Connection options (the URL's query string, or ``options``) are libpq's parameters (sslmode,
application_name, connect_timeout, options, ...), which both drivers understand, plus a few
keyword arguments of one driver only, which the other one leaves out: a database may be used by
psycopg on the sync side and asyncpg on the async side with one configuration.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from orm.exceptions import ImproperlyConfigured

from ..base.pool import SimpleAsyncPool
from ..config import DatabaseConfig
from .dialect import PostgreSQLDialect
from .schema import PostgreSQLSchemaEditor


def _int_or_none(value: Any) -> int | None:
    return None if value is None or str(value).lower() in ("", "none") else int(value)


# Keyword arguments of one driver only, with the type a URL's string value is turned into.
_PSYCOPG_ONLY: dict[str, Callable[[Any], Any]] = {"prepare_threshold": _int_or_none}
_ASYNCPG_ONLY: dict[str, Callable[[Any], Any]] = {
    "statement_cache_size": int,
    "max_cached_statement_lifetime": float,
    "max_cacheable_statement_size": int,
    "command_timeout": float,
}


def _typed(alias: str, key: str, value: Any, kind: Callable[[Any], Any]) -> Any:
    try:
        return kind(value)
    except (TypeError, ValueError):
        raise ImproperlyConfigured(
            f"database {alias!r}: option {key} must be a number, got {value!r}"
        ) from None


def _server(config: DatabaseConfig, dbname_key: str) -> dict[str, Any]:
    values = {
        "host": config.host,
        "port": config.port,
        "user": config.user,
        "password": config.password,
        dbname_key: config.dbname,
    }
    # Left out when not given, so the drivers fall back to libpq's defaults (PGHOST, ...).
    return {key: value for key, value in values.items() if value is not None}


def psycopg_kwargs(config: DatabaseConfig) -> dict[str, Any]:
    """psycopg.connect() keyword arguments (libpq parameters) from the configuration."""
    kwargs = _server(config, "dbname")
    for key, value in config.options.items():
        if key in _ASYNCPG_ONLY:
            continue
        kind = _PSYCOPG_ONLY.get(key)
        kwargs[key] = _typed(config.alias, key, value, kind) if kind else value
    return kwargs


def asyncpg_kwargs(config: DatabaseConfig) -> dict[str, Any]:
    """asyncpg.connect() keyword arguments from the configuration."""
    kwargs = _server(config, "database")
    libpq: dict[str, str] = {}
    for key, value in config.options.items():
        if key in _PSYCOPG_ONLY:
            continue
        if key in _ASYNCPG_ONLY:
            kwargs[key] = _typed(config.alias, key, value, _ASYNCPG_ONLY[key])
        elif key == "connect_timeout":
            kwargs["timeout"] = _typed(config.alias, key, value, float)
        else:
            libpq[key] = str(value)
    if libpq:
        # asyncpg reads libpq's parameters (sslmode, sslrootcert, ...) from a DSN, and sends
        # those it does not know (application_name, options) to the server as settings.
        kwargs["dsn"] = "postgresql://?" + urlencode(libpq)
    return kwargs


class PostgreSQLBackend:
    vendor = "postgresql"
    schema_editor_class = PostgreSQLSchemaEditor

    def __init__(self, config: DatabaseConfig) -> None:
        self.config = config
        # Built now, so a bad option is reported by setup() rather than on first use.
        self.psycopg_kwargs = psycopg_kwargs(config)
        self.asyncpg_kwargs = asyncpg_kwargs(config)
        self.sync_dialect = PostgreSQLDialect("format")
        if config.async_driver == "asyncpg":
            self.async_dialect = PostgreSQLDialect("numeric")
        else:
            self.async_dialect = self.sync_dialect

    def create_sync_pool(self) -> Any:
        from .psycopg import PsycopgPool

        cfg = self.config
        return PsycopgPool(
            self.psycopg_kwargs,
            self.sync_dialect,
            alias=cfg.alias,
            size=cfg.pool_size,
            min_size=cfg.pool_min_size,
            timeout=cfg.pool_timeout,
        )

    def create_async_pool(self) -> Any:
        """The async driver's pool; it connects nothing until its first acquire."""
        cfg = self.config
        sizing: dict[str, Any] = {
            "alias": cfg.alias,
            "size": cfg.pool_size,
            "min_size": cfg.pool_min_size,
            "timeout": cfg.pool_timeout,
        }
        if cfg.async_driver == "asyncpg":
            from .asyncpg import AsyncpgConnection

            def connect_asyncpg() -> Any:
                return AsyncpgConnection.connect(self.asyncpg_kwargs, self.async_dialect, cfg.alias)

            return SimpleAsyncPool(connect_asyncpg, **sizing)
        if cfg.async_driver == "psycopg":
            from .psycopg_async import PsycopgAsyncConnection

            def connect_async() -> Any:
                return PsycopgAsyncConnection.connect(self.psycopg_kwargs, self.async_dialect, cfg.alias)

            return SimpleAsyncPool(connect_async, **sizing)

        from ..threaded import ThreadedAsyncConnection
        from .psycopg import PsycopgConnection

        def open_sync() -> PsycopgConnection:
            return PsycopgConnection.connect(self.psycopg_kwargs, self.async_dialect, cfg.alias)

        def connect() -> Any:
            return ThreadedAsyncConnection.open(open_sync, name=f"orm-psycopg-{cfg.alias}")

        return SimpleAsyncPool(connect, **sizing)
