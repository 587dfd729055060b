"""Schema introspection: the tables read back from SQLite and PostgreSQL.

Behavioural tests run through the sync API (sqlite3, psycopg; ``introspect``) and the async
API (aiosqlite, asyncpg; ``aintrospect``) on tables made by raw SQL and by
``orm.create_tables()``. The parser and the pure ``read_schema`` functions are tested alone.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import pytest
import pytest_asyncio

import orm
from backends.base.introspection import (
    Check,
    Column,
    ForeignKey,
    Index,
    Schema,
    aintrospect,
    introspect,
    normalize_type,
    strip_outer_parentheses,
)
from backends.postgresql import introspection as pg
from backends.sqlite import introspection as lite
from orm import Q, models
from tests.conftest import make_driver
from tests.dual import Api

APP = "introspection_tests"


class Writer(models.Model):
    name = models.CharField(max_length=100)
    email = models.CharField(max_length=200, unique=True)
    born = models.DateField(null=True)
    score = models.PositiveIntegerField(default=0)

    class Meta:
        app_label = APP
        db_table = "intro_writer"
        indexes = [models.Index(fields=["name", "-born"], name="intro_writer_name_born")]
        constraints = [
            models.UniqueConstraint(fields=["name", "born"], name="intro_writer_uniq"),
            models.CheckConstraint(check=Q(score__lte=100), name="intro_writer_score_max"),
        ]


class Novel(models.Model):
    title = models.CharField(max_length=200, db_index=True)
    writer = models.ForeignKey(Writer, on_delete=models.CASCADE)
    price = models.DecimalField(max_digits=8, decimal_places=2)
    published = models.DateTimeField(null=True)
    uid = models.UUIDField(null=True)
    data = models.JSONField(null=True)
    flag = models.BooleanField(default=False)

    class Meta:
        app_label = APP
        db_table = "intro_novel"
        unique_together = [("title", "writer")]


# Children before parents, so plain DROP TABLE works on SQLite too.
TABLES = ["intro_novel", "intro_writer", "intro_child", "intro_parent", "intro_tx"]
OTHER_SCHEMA = "intro_other"

DRIVERS = [
    ("sync", "sqlite", "sqlite3"),
    ("async", "sqlite", "aiosqlite"),
    ("sync", "postgresql", "psycopg"),
    ("async", "postgresql", "asyncpg"),
]


async def run(api: Api, sql: str) -> None:
    database = orm.connections["default"]
    await api.call(lambda: database.execute(sql), lambda: database.aexecute(sql))


async def read(api: Api) -> Schema:
    database = orm.connections["default"]
    return await api.call(lambda: introspect(database), lambda: aintrospect(database))


async def drop_all(api: Api) -> None:
    cascade = " CASCADE" if api.is_postgres else ""
    for table in TABLES:
        await run(api, f'DROP TABLE IF EXISTS "{table}"{cascade}')
    if api.is_postgres:
        await run(api, f'DROP SCHEMA IF EXISTS "{OTHER_SCHEMA}" CASCADE')


@pytest_asyncio.fixture(params=DRIVERS, ids=[f"{k}-{n}" for k, _, n in DRIVERS])
async def api(request: pytest.FixtureRequest, tmp_path: object) -> AsyncIterator[Api]:
    """A database through one driver, without the introspection tables before or after."""
    kind, vendor, name = request.param
    driver = make_driver(vendor, name, tmp_path)
    orm.setup(databases={"default": driver.config(kind)})
    api = Api(driver, is_async=kind == "async")
    await drop_all(api)
    try:
        yield api
    finally:
        try:
            await drop_all(api)
        finally:
            await orm.aclose()
            await asyncio.to_thread(orm.close)


# -- tables made by orm.create_tables() ----------------------------------------------------


async def test_model_tables(api: Api) -> None:
    """create_tables() gives the columns (types, null, pk), indexes (db_index, unique,
    multi-column and descending Meta.indexes, unique_together, UniqueConstraint), the
    deferred foreign key and the check constraints that the models declare."""
    await api.call(
        lambda: orm.create_tables(Writer, Novel), lambda: orm.acreate_tables(Writer, Novel)
    )
    schema = await read(api)
    pgsql = api.is_postgres
    writer, novel = schema["intro_writer"], schema["intro_novel"]

    pk_type = "bigint" if pgsql else "integer"
    assert list(writer.columns) == ["id", "name", "email", "born", "score"]
    assert writer.columns["id"] == Column("id", pk_type, False, True, None)
    assert writer.columns["name"] == Column("name", "varchar(100)", False, False, None)
    assert writer.columns["email"] == Column("email", "varchar(200)", False, False, None)
    assert writer.columns["born"] == Column("born", "date", True, False, None)
    score_type = "integer" if pgsql else "integer unsigned"
    assert writer.columns["score"] == Column("score", score_type, False, False, None)

    assert list(novel.columns) == [
        "id", "title", "writer_id", "price", "published", "uid", "data", "flag"
    ]
    types = {name: (c.type, c.null) for name, c in novel.columns.items()}
    if pgsql:
        assert types == {
            "id": ("bigint", False),
            "title": ("varchar(200)", False),
            "writer_id": ("bigint", False),
            "price": ("numeric(8,2)", False),
            "published": ("timestamp with time zone", True),
            "uid": ("uuid", True),
            "data": ("jsonb", True),
            "flag": ("boolean", False),
        }
    else:
        assert types == {
            "id": ("integer", False),
            "title": ("varchar(200)", False),
            "writer_id": ("bigint", False),
            "price": ("decimal", False),
            "published": ("datetime", True),
            "uid": ("char(32)", True),
            "data": ("text", True),
            "flag": ("bool", False),
        }
    assert [c.name for c in novel.columns.values() if c.primary_key] == ["id"]

    # What each index enforces; names only where the models give them (the schema editor
    # names the rest its own way), and SQLite's own names for unique constraints.
    def signatures(table: Any) -> set[tuple[tuple[str, ...], bool]]:
        return {(index.columns, index.unique) for index in table.indexes.values()}

    assert signatures(writer) == {
        (("email",), True), (("name", "born"), True), (("name", "-born"), False)
    }
    assert writer.indexes["intro_writer_name_born"].columns == ("name", "-born")
    if pgsql:
        assert writer.indexes["intro_writer_uniq"] == Index(
            "intro_writer_uniq", ("name", "born"), True
        )
    else:
        assert {n for n, i in writer.indexes.items() if i.unique} == {
            "sqlite_autoindex_intro_writer_1", "sqlite_autoindex_intro_writer_2"
        }
    assert signatures(novel) == {
        (("title", "writer_id"), True), (("title",), False), (("writer_id",), False)
    }

    (fk,) = novel.foreign_keys
    assert fk.name  # the editor's CONSTRAINT name, read back on SQLite too
    assert (fk.column, fk.target_table, fk.target_column, fk.deferred) == (
        "writer_id", "intro_writer", "id", True
    )
    assert writer.foreign_keys == ()

    # The checks a field type adds are named by the schema editor or by the database, so
    # only the named constraint's name is asserted here (raw SQL tests cover the names).
    q = (lambda column: column) if pgsql else (lambda column: f'"{column}"')
    checks = {c.sql: c.name for c in writer.checks}
    assert set(checks) == {f"{q('score')} >= 0", f"{q('score')} <= 100"}
    assert checks[f"{q('score')} <= 100"] == "intro_writer_score_max"
    json_checks = [] if pgsql else [f"JSON_VALID({q('data')}) OR {q('data')} IS NULL"]
    assert [c.sql for c in novel.checks] == json_checks


# -- tables made by raw SQL ----------------------------------------------------------------

SQLITE_DDL = [
    """CREATE TABLE intro_parent (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        code VARCHAR (10) NOT NULL UNIQUE,
        label text DEFAULT 'none',
        amount DECIMAL(8, 2) CONSTRAINT "amount positive" CHECK (amount > 0),
        CONSTRAINT intro_parent_label_code UNIQUE (label, code)
    )""",
    """CREATE TABLE "intro_child" (
        "key" varchar(20) PRIMARY KEY,
        -- a comment, (with a parenthesis
        parent_id integer CONSTRAINT intro_child_parent_fk
            REFERENCES intro_parent (ID) DEFERRABLE INITIALLY DEFERRED,
        -- names as written differ in case from the table's; no column: the primary key
        other_id integer REFERENCES Intro_Parent ON DELETE CASCADE,
        "check" text CHECK ("check" <> ')'),
        n integer,
        lbl text,
        cd varchar(10),
        CONSTRAINT intro_child_n CHECK (n BETWEEN 0 AND 10),
        CONSTRAINT intro_child_pair FOREIGN KEY (lbl, cd) REFERENCES intro_parent (label, code)
            DEFERRABLE INITIALLY IMMEDIATE
    )""",
    "CREATE INDEX intro_child_n_desc ON intro_child (n DESC, parent_id)",
    'CREATE UNIQUE INDEX intro_child_lower ON intro_child (lower("check"))',
]

POSTGRES_DDL = [
    """CREATE TABLE intro_parent (
        id integer GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
        code varchar(10) NOT NULL UNIQUE,
        label text DEFAULT 'none',
        amount numeric(8, 2) CONSTRAINT "amount positive" CHECK (amount > 0),
        created timestamptz DEFAULT now(),
        t time,
        CONSTRAINT intro_parent_label_code UNIQUE (label, code)
    )""",
    """CREATE TABLE intro_child (
        "key" varchar(20) PRIMARY KEY,
        parent_id integer CONSTRAINT intro_child_parent_fk
            REFERENCES intro_parent (id) DEFERRABLE INITIALLY DEFERRED,
        other_id integer REFERENCES intro_parent ON DELETE CASCADE,
        n integer,
        lbl text,
        cd varchar(10),
        CONSTRAINT intro_child_n CHECK (n BETWEEN 0 AND 10),
        CONSTRAINT intro_child_pair FOREIGN KEY (lbl, cd) REFERENCES intro_parent (label, code)
            DEFERRABLE INITIALLY IMMEDIATE
    )""",
    "CREATE INDEX intro_child_n_desc ON intro_child (n DESC, parent_id)",
    'CREATE UNIQUE INDEX intro_child_lower ON intro_child (lower("key"))',
]


async def test_raw_sql_tables(api: Api) -> None:
    """Tables written by hand: identity/AUTOINCREMENT and varchar primary keys, defaults,
    unique columns and unique constraints, descending and expression indexes, named,
    unnamed, deferred, immediate and two-column foreign keys, named and unnamed checks."""
    for statement in POSTGRES_DDL if api.is_postgres else SQLITE_DDL:
        await run(api, statement)
    schema = await read(api)
    parent, child = schema["intro_parent"], schema["intro_child"]

    if api.is_postgres:
        assert parent.columns == {
            "id": Column("id", "integer", False, True, None),
            "code": Column("code", "varchar(10)", False, False, None),
            "label": Column("label", "text", True, False, "'none'::text"),
            "amount": Column("amount", "numeric(8,2)", True, False, None),
            "created": Column("created", "timestamp with time zone", True, False, "now()"),
            "t": Column("t", "time", True, False, None),
        }
        code_index, pair_index = "intro_parent_code_key", "intro_parent_label_code"
        amount_check = "amount > 0::numeric"
    else:
        assert parent.columns == {
            "id": Column("id", "integer", False, True, None),
            "code": Column("code", "varchar(10)", False, False, None),
            "label": Column("label", "text", True, False, "'none'"),
            "amount": Column("amount", "decimal(8,2)", True, False, None),
        }
        code_index = "sqlite_autoindex_intro_parent_1"
        pair_index = "sqlite_autoindex_intro_parent_2"
        amount_check = "amount > 0"
    assert parent.indexes == {
        code_index: Index(code_index, ("code",), True),
        pair_index: Index(pair_index, ("label", "code"), True),
    }
    assert parent.checks == (Check("amount positive", amount_check),)
    assert parent.foreign_keys == ()

    assert child.columns["key"] == Column("key", "varchar(20)", False, True, None)
    assert [c.name for c in child.columns.values() if c.primary_key] == ["key"]
    other_fk = "intro_child_other_id_fkey" if api.is_postgres else None
    # Order is the table's on SQLite, by constraint name on PostgreSQL.
    assert set(child.foreign_keys) == {
        ForeignKey("intro_child_parent_fk", "parent_id", "intro_parent", "id", True),
        ForeignKey(other_fk, "other_id", "intro_parent", "id", False),
        ForeignKey("intro_child_pair", "lbl", "intro_parent", "label", False),
        ForeignKey("intro_child_pair", "cd", "intro_parent", "code", False),
    }
    assert len(child.foreign_keys) == 4

    expression = "lower(key::text)" if api.is_postgres else 'lower("check")'
    assert child.indexes == {
        "intro_child_n_desc": Index("intro_child_n_desc", ("-n", "parent_id"), False),
        "intro_child_lower": Index("intro_child_lower", (expression,), True),
    }  # and never the primary key's own index (sqlite_autoindex_intro_child_1 on SQLite)
    if api.is_postgres:
        assert child.checks == (Check("intro_child_n", "n >= 0 AND n <= 10"),)
    else:
        assert child.checks == (
            Check(None, "\"check\" <> ')'"),
            Check("intro_child_n", "n BETWEEN 0 AND 10"),
        )


async def test_only_user_tables(api: Api) -> None:
    """SQLite's own tables (sqlite_sequence, made by AUTOINCREMENT) and, on PostgreSQL,
    tables of other schemas than current_schema() are not reported."""
    if api.is_postgres:
        await run(api, f'CREATE SCHEMA "{OTHER_SCHEMA}"')
        await run(api, f'CREATE TABLE "{OTHER_SCHEMA}"."intro_parent" (id integer)')
        await run(api, f'CREATE TABLE "{OTHER_SCHEMA}"."intro_elsewhere" (id integer)')
    await run(api, "CREATE TABLE intro_parent (id integer PRIMARY KEY, n integer)")
    if not api.is_postgres:
        await run(api, "CREATE TABLE intro_tx (id INTEGER PRIMARY KEY AUTOINCREMENT)")
        await run(api, "INSERT INTO intro_tx DEFAULT VALUES")  # fills sqlite_sequence
    schema = await read(api)
    assert "intro_elsewhere" not in schema
    assert not [name for name in schema if name.startswith("sqlite_")]
    # The current schema's table, not the other schema's one of the same name.
    assert list(schema["intro_parent"].columns) == ["id", "n"]
    if not api.is_postgres:
        assert set(schema) == {"intro_parent", "intro_tx"}


async def test_introspection_inside_a_transaction(api: Api) -> None:
    """Inside orm.atomic() the queries run on the block's connection: a table created in
    the block is seen there, and is gone once the block rolls back."""

    class Rollback(Exception):
        pass

    database = orm.connections["default"]
    ddl = "CREATE TABLE intro_tx (id integer PRIMARY KEY, label varchar(5) NOT NULL)"
    seen: list[Schema] = []

    def sync_block() -> None:
        try:
            with orm.atomic():
                database.execute(ddl)
                seen.append(introspect(database))
                raise Rollback
        except Rollback:
            pass

    async def async_block() -> None:
        try:
            async with orm.atomic():
                await database.aexecute(ddl)
                seen.append(await aintrospect(database))
                raise Rollback
        except Rollback:
            pass

    await api.call(sync_block, async_block)
    assert seen[0]["intro_tx"].columns["label"] == Column("label", "varchar(5)", False, False)
    assert "intro_tx" not in await read(api)


@pytest.mark.parametrize(
    "vendor, sync_name, async_name",
    [("sqlite", "sqlite3", "aiosqlite"), ("postgresql", "psycopg", "asyncpg")],
    ids=["sqlite", "postgresql"],
)
async def test_sync_and_async_agree(
    vendor: str, sync_name: str, async_name: str, tmp_path: object
) -> None:
    """introspect() through the sync driver and aintrospect() through the async driver
    give equal schemas for the same database (the drivers' row types do not leak in)."""
    driver = make_driver(vendor, sync_name, tmp_path)
    orm.setup(
        databases={"default": {"url": driver.url, "sync_driver": sync_name, "async_driver": async_name}}
    )
    api = Api(driver, is_async=True)
    database = orm.connections["default"]
    try:
        await drop_all(api)
        for statement in POSTGRES_DDL if driver.is_postgres else SQLITE_DDL:
            await database.aexecute(statement)
        await orm.acreate_tables(Writer, Novel)
        from_sync = await asyncio.to_thread(introspect, database)
        from_async = await aintrospect(database)
        assert from_sync == from_async
        assert {"intro_parent", "intro_child", "intro_writer", "intro_novel"} <= set(from_async)
    finally:
        try:
            await drop_all(api)
        finally:
            await orm.aclose()
            await asyncio.to_thread(orm.close)


# -- pure functions ------------------------------------------------------------------------


def test_parser_finds_checks_and_foreign_keys() -> None:
    """The CREATE TABLE parser reads names in every quoting style, skips comments and
    strings that hold parentheses, commas or keywords, and knows which clauses defer."""
    sql = """CREATE TABLE IF NOT EXISTS "t" (
        [a b] integer CONSTRAINT `my ""fk` REFERENCES "p" DEFERRABLE INITIALLY DEFERRED,
        c text DEFAULT ('x, CHECK (') /* CHECK (nope) */ CHECK (c <> 'a,b)'),
        d integer REFERENCES p (id) MATCH SIMPLE NOT DEFERRABLE INITIALLY DEFERRED,
        e integer REFERENCES p (id) DEFERRABLE,
        f integer REFERENCES p (id) ON UPDATE SET NULL DEFERRABLE INITIALLY DEFERRED
            CONSTRAINT f_check CHECK ((f > 0) AND (f < 9)),
        "g" integer CONSTRAINT g_named NOT NULL CHECK (g > 1),
        CONSTRAINT "both" CHECK ((d) IS NOT (e)),
        FOREIGN KEY (d, e) REFERENCES p (x, y) DEFERRABLE INITIALLY DEFERRED
    )"""
    parsed = lite.parse_create_table(sql)
    assert parsed.checks == [
        Check(None, "c <> 'a,b)'"),
        Check("f_check", "(f > 0) AND (f < 9)"),
        Check(None, "g > 1"),  # g_named belongs to the NOT NULL before it
        Check("both", "(d) IS NOT (e)"),
    ]
    assert [(fk.name, fk.columns, fk.target, fk.deferred) for fk in parsed.foreign_keys] == [
        ('my ""fk', ["a b"], "p", True),
        (None, ["d"], "p", False),
        (None, ["e"], "p", False),
        (None, ["f"], "p", True),
        (None, ["d", "e"], "p", True),
    ]


def test_parser_survives_odd_sql() -> None:
    """Statements with no column list or cut short give no constraints instead of an error."""
    assert lite.parse_create_table("CREATE TABLE t AS SELECT 1 AS x").checks == []
    cut = lite.parse_create_table("CREATE TABLE t (a integer CHECK (a > (1")
    assert [c.name for c in cut.checks] == [None]
    assert lite.parse_create_table("").foreign_keys == []


def test_helpers_normalize_text() -> None:
    """Types are lowercased with spacing normalized; PostgreSQL type names are spelled as
    the dialect writes them; only parentheses around the whole text are removed."""
    assert normalize_type("  DECIMAL ( 8 , 2 ) ") == "decimal(8,2)"
    assert normalize_type("Integer   Unsigned") == "integer unsigned"
    assert normalize_type(None) == ""
    assert pg.normalize_pg_type("character varying(100)") == "varchar(100)"
    assert pg.normalize_pg_type("character varying") == "varchar"
    assert pg.normalize_pg_type("character(32)") == "char(32)"
    assert pg.normalize_pg_type("timestamp(3) without time zone") == "timestamp(3)"
    assert pg.normalize_pg_type("time without time zone") == "time"
    assert pg.normalize_pg_type("timestamp with time zone") == "timestamp with time zone"
    assert pg.normalize_pg_type("double precision") == "double precision"
    assert strip_outer_parentheses("((a > 0))") == "a > 0"
    assert strip_outer_parentheses("(a > 0) AND (b > 0)") == "(a > 0) AND (b > 0)"
    assert strip_outer_parentheses("(a <> ')')") == "a <> ')'"
    assert strip_outer_parentheses('("(" > 0)') == '"(" > 0'


def test_postgresql_read_schema_from_rows() -> None:
    """read_schema is pure: catalog rows in, tables out (primary key from the constraint,
    NOT VALID dropped from a check, one ForeignKey per column of a two-column key)."""
    rows: dict[str, list[tuple[Any, ...]]] = {
        "columns": [
            ("t", "id", "bigint", True, None),
            ("t", "a", "character varying(3)", False, "'x'::character varying"),
            ("t", "b", "integer", True, "0"),
        ],
        "constraints": [
            ("t", "t_pkey", "p", ["id"], [], None, False, "PRIMARY KEY (id)"),
            ("t", "t_ab", "f", ["a", "b"], ["x", "y"], "u", True, "FOREIGN KEY ..."),
            ("t", "t_b", "c", ["b"], [], None, False, "CHECK (b > 0) NOT VALID"),
            ("t", "t_u", "u", ["b", "a"], [], None, False, "UNIQUE (b, a)"),
        ],
        "indexes": [("t", "t_i", False, ["-b", "lower(a::text)"])],
    }
    table = pg.read_schema(rows)["t"]
    assert table.columns == {
        "id": Column("id", "bigint", False, True, None),
        "a": Column("a", "varchar(3)", True, False, "'x'::character varying"),
        "b": Column("b", "integer", False, False, "0"),
    }
    assert table.foreign_keys == (
        ForeignKey("t_ab", "a", "u", "x", True),
        ForeignKey("t_ab", "b", "u", "y", True),
    )
    assert table.checks == (Check("t_b", "b > 0"),)
    assert table.indexes == {
        "t_i": Index("t_i", ("-b", "lower(a::text)"), False),
        "t_u": Index("t_u", ("b", "a"), True),
    }
