"""Database configuration: what ``orm.setup(databases=...)`` accepts, checked without any I/O."""

from __future__ import annotations

import importlib.util
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

from orm.exceptions import ImproperlyConfigured

# vendor -> (sync drivers, async drivers); the first async driver installed is the default.
DRIVERS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "sqlite": (("sqlite3",), ("aiosqlite", "sqlite3-threaded")),
    "postgresql": (("psycopg",), ("asyncpg", "psycopg", "psycopg-threaded")),
}
# driver name -> the module it needs, and the extra that installs it
_REQUIREMENTS: dict[str, tuple[str, str]] = {
    "sqlite3": ("sqlite3", "sqlite"),
    "sqlite3-threaded": ("sqlite3", "sqlite"),
    "aiosqlite": ("aiosqlite", "sqlite"),
    "psycopg": ("psycopg", "postgres"),
    "psycopg-threaded": ("psycopg", "postgres"),
    "asyncpg": ("asyncpg", "asyncpg"),
}
_SCHEMES = {"sqlite": "sqlite", "postgresql": "postgresql", "postgres": "postgresql"}
_KEYS = {"url", "async_driver", "sync_driver", "pool_size", "pool_min_size", "pool_timeout", "options"}


@dataclass(frozen=True)
class DatabaseConfig:
    alias: str
    url: str
    vendor: str
    sync_driver: str
    async_driver: str
    pool_size: int
    pool_timeout: float
    # connections each pool opens when first used (pool_size is the most it opens)
    pool_min_size: int = 0
    # vendor-specific: SQLite path/timeout/transaction_mode; PostgreSQL connection arguments
    options: dict[str, Any] = field(default_factory=dict)
    path: str = ""
    host: str | None = None
    port: int | None = None
    user: str | None = None
    password: str | None = None
    dbname: str | None = None


def _installed(driver: str) -> bool:
    module = _REQUIREMENTS[driver][0]
    return importlib.util.find_spec(module) is not None


def _check_driver(alias: str, vendor: str, kind: str, name: str | None) -> str:
    sync_names, async_names = DRIVERS[vendor]
    choices = sync_names if kind == "sync" else async_names
    if name is None:
        for candidate in choices:
            if _installed(candidate):
                return candidate
        return choices[0]  # reported when first used, with the install hint
    if name not in choices:
        raise ImproperlyConfigured(
            f"database {alias!r}: unknown {kind} driver {name!r} for {vendor}; "
            f"choose one of {', '.join(choices)}"
        )
    if not _installed(name):
        raise ImproperlyConfigured(missing_driver_message(alias, name))
    return name


def missing_driver_message(alias: str, driver: str) -> str:
    module, extra = _REQUIREMENTS[driver]
    return (
        f"database {alias!r} uses the driver {driver!r}, but the module {module!r} is not "
        f"installed; install it with: pip install 'orm[{extra}]'"
    )


def parse_database(alias: str, value: str | dict[str, Any]) -> DatabaseConfig:
    """Check one entry of ``databases=`` and return its configuration."""
    if isinstance(value, str):
        settings: dict[str, Any] = {"url": value}
    elif isinstance(value, dict):
        settings = dict(value)
        unknown = set(settings) - _KEYS
        if unknown:
            raise ImproperlyConfigured(
                f"database {alias!r}: unknown setting(s) {', '.join(sorted(unknown))}; "
                f"known settings are {', '.join(sorted(_KEYS))}"
            )
    else:
        raise ImproperlyConfigured(
            f"database {alias!r}: expected a URL string or a dict with 'url', "
            f"got {type(value).__name__}"
        )
    url = settings.get("url")
    if not isinstance(url, str) or "://" not in url:
        raise ImproperlyConfigured(
            f"database {alias!r}: {url!r} is not a database URL; write e.g. "
            "'sqlite:///app.db' or 'postgresql://user@localhost:5432/dbname'"
        )
    parts = urlsplit(url)
    vendor = _SCHEMES.get(parts.scheme.lower())
    if vendor is None:
        raise ImproperlyConfigured(
            f"database {alias!r}: unsupported URL scheme {parts.scheme!r} in {url!r}; "
            "use sqlite:// or postgresql://"
        )
    options: dict[str, Any] = dict(parse_qsl(parts.query))
    options.update(settings.get("options") or {})
    pool_size = _number(alias, "pool_size", settings.get("pool_size", options.pop("pool_size", 10)), int)
    pool_min_size = _number(
        alias, "pool_min_size", settings.get("pool_min_size", options.pop("pool_min_size", 0)), int
    )
    if pool_min_size > pool_size:
        raise ImproperlyConfigured(
            f"database {alias!r}: pool_min_size ({pool_min_size}) is larger than "
            f"pool_size ({pool_size}), the most connections a pool opens"
        )
    pool_timeout = _number(
        alias, "pool_timeout", settings.get("pool_timeout", options.pop("pool_timeout", 30.0)), float
    )
    common: dict[str, Any] = {
        "alias": alias,
        "url": url,
        "vendor": vendor,
        "sync_driver": _check_driver(alias, vendor, "sync", settings.get("sync_driver")),
        "async_driver": _check_driver(alias, vendor, "async", settings.get("async_driver")),
        "pool_size": pool_size,
        "pool_timeout": pool_timeout,
        "pool_min_size": pool_min_size,
        "options": options,
    }
    if vendor == "sqlite":
        if parts.netloc:
            raise ImproperlyConfigured(
                f"database {alias!r}: {url!r} has a host; SQLite URLs are sqlite:///relative.db "
                "or sqlite:////absolute/path.db"
            )
        path = unquote(parts.path)
        path = path[1:] if path.startswith("/") else path  # sqlite:///x.db -> x.db
        return DatabaseConfig(**common, path=path)
    try:
        port = parts.port
    except ValueError as e:
        raise ImproperlyConfigured(f"database {alias!r}: bad port in {url!r}") from e
    dbname = unquote(parts.path.lstrip("/")) or None
    return DatabaseConfig(
        **common,
        host=parts.hostname,
        port=port,
        user=unquote(parts.username) if parts.username else None,
        password=unquote(parts.password) if parts.password else None,
        dbname=dbname,
    )


def _number(alias: str, name: str, value: Any, kind: type) -> Any:
    try:
        number = kind(value)
    except (TypeError, ValueError):
        raise ImproperlyConfigured(
            f"database {alias!r}: {name} must be a number, got {value!r}"
        ) from None
    if number <= 0 and name == "pool_size":
        raise ImproperlyConfigured(f"database {alias!r}: pool_size must be at least 1")
    if number < 0:
        raise ImproperlyConfigured(f"database {alias!r}: {name} must not be negative")
    return number
