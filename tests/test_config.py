"""orm.setup(): URLs and dicts are checked at setup time, without any I/O."""

from __future__ import annotations

import pytest

import orm
from backends.config import parse_database


def test_sqlite_urls_give_relative_absolute_and_memory_paths():
    assert parse_database("default", "sqlite:///app.db").path == "app.db"
    assert parse_database("default", "sqlite:////var/lib/app.db").path == "/var/lib/app.db"
    assert parse_database("default", "sqlite:///:memory:").path == ":memory:"


def test_postgres_url_parts_are_read():
    config = parse_database("default", "postgresql://bob:s%40cret@db.local:6543/shop?sslmode=disable")
    assert (config.host, config.port, config.user, config.password, config.dbname) == (
        "db.local", 6543, "bob", "s@cret", "shop",
    )
    assert config.options == {"sslmode": "disable"}
    assert config.vendor == "postgresql"
    assert parse_database("default", "postgres://h/db").vendor == "postgresql"


def test_dict_settings_choose_drivers_and_pool():
    config = parse_database(
        "default",
        {"url": "postgresql://root@127.0.0.1/test", "async_driver": "psycopg", "sync_driver": "psycopg",
         "pool_size": 3, "pool_min_size": 1, "pool_timeout": 1.5},
    )
    assert (config.async_driver, config.sync_driver, config.pool_size, config.pool_timeout) == (
        "psycopg", "psycopg", 3, 1.5,
    )
    assert config.pool_min_size == 1
    # URL query parameters set them too; the default keeps no connection open up front
    assert parse_database("default", "postgresql://h/db?pool_min_size=2").pool_min_size == 2
    assert parse_database("default", "postgresql://h/db").pool_min_size == 0


def test_default_drivers():
    assert parse_database("default", "sqlite:///x.db").async_driver == "aiosqlite"
    assert parse_database("default", "sqlite:///x.db").sync_driver == "sqlite3"
    assert parse_database("default", "postgresql://h/db").async_driver == "asyncpg"


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("not a url", "is not a database URL"),
        ("mysql://h/db", "unsupported URL scheme 'mysql'"),
        ("sqlite://host/x.db", "has a host"),
        ({"url": "sqlite:///x.db", "async_driver": "nope"}, "unknown async driver 'nope'"),
        ({"url": "sqlite:///x.db", "sync_driver": "asyncpg"}, "unknown sync driver 'asyncpg'"),
        ({"url": "sqlite:///x.db", "pool_size": 0}, "pool_size must be at least 1"),
        ({"url": "sqlite:///x.db", "pool_size": "many"}, "pool_size must be a number"),
        ({"url": "sqlite:///x.db", "pool_size": 2, "pool_min_size": 3},
         "pool_min_size (3) is larger than pool_size (2)"),
        ({"url": "sqlite:///x.db", "pool_min_size": -1}, "pool_min_size must not be negative"),
        ({"url": "sqlite:///x.db", "colour": "red"}, "unknown setting(s) colour"),
        ({"url": "sqlite:///x.db", "options": {"transaction_mode": "LATER"}}, "transaction_mode"),
        (42, "expected a URL string or a dict"),
    ],
)
def test_bad_configuration_is_a_clear_error_at_setup(value, message):
    with pytest.raises(orm.ImproperlyConfigured, match="database 'default'") as info:
        orm.setup(databases={"default": value})
        # transaction_mode is checked when the backend is built, still without I/O
        _ = orm.connections["default"].backend
    assert message in str(info.value)


def test_setup_needs_a_default_alias():
    with pytest.raises(orm.ImproperlyConfigured, match="'default'"):
        orm.setup(databases={"other": "sqlite:///x.db"})


def test_unknown_alias_is_named():
    orm.setup(databases={"default": "sqlite:///x.db"})
    with pytest.raises(orm.ImproperlyConfigured, match="no database 'replica'"):
        orm.connections["replica"]


def test_setup_can_be_repeated_and_closed(tmp_path):
    for _ in range(3):
        orm.setup(databases={"default": f"sqlite:///{tmp_path}/a.db"})
        orm.close()
