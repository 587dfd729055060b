"""Migration operations run in process on a real database: SQLite (a file, sqlite3 driver)
always, PostgreSQL (psycopg) when ORM_TEST_POSTGRES_URL is set.

For each operation: build ``before``, ``after = before.clone()`` + ``op.state_forwards``, run
``database_forwards`` inside an atomic block, check the effect by introspection, run
``database_backwards`` and check the schema is exactly what it was. The schema after the
forward step must also equal the schema created from scratch for ``after``: the editor names
every index and constraint from the models alone, so a later operation finds them.

Also: ``Operation.deconstruct()`` round-trips and ``==`` compares by content (no database).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import pytest

import orm
from backends.base.introspection import Table, introspect
from migrations import executor_sync
from migrations import operations as ops
from migrations.graph import MigrationGraph
from migrations.migration import Migration
from migrations.operations import (
    AddConstraint,
    AddField,
    AddIndex,
    AlterField,
    AlterModelOptions,
    AlterModelTable,
    AlterUniqueTogether,
    CreateModel,
    DeleteModel,
    Operation,
    RemoveConstraint,
    RemoveField,
    RemoveIndex,
    RenameField,
    RenameModel,
    RunPython,
    RunSQL,
)
from migrations.operations.models import create_model_sql
from migrations.plan import build_plan
from migrations.state import ModelState, ProjectState
from orm import models
from tests.conftest import make_driver

APP = "opsapp"


# -- the database under test ----------------------------------------------------------------
class Db:
    """The ``default`` database with a unique table prefix, and helpers to run statements
    and read the schema of this test's tables back."""

    def __init__(self, vendor: str) -> None:
        self.vendor = vendor
        self.prefix = f"h4{uuid.uuid4().hex[:6]}_"
        self.database = orm.connections["default"]
        self.editor = self.database.schema_editor(self.database.sync_dialect)

    def t(self, name: str) -> str:
        """This test's name for a table."""
        return self.prefix + name

    def q(self, name: str) -> str:
        """This test's name for a table, quoted for SQL written by hand."""
        return str(self.database.sync_dialect.quote_name(self.t(name)))

    def run(self, statements: list[Any]) -> None:
        """Run statements (SQL strings or (sql, params)) in one transaction, as the executor
        does: with SQLite's foreign keys off during it (rebuilds drop tables others point
        at), checked before the commit."""
        block = orm.atomic()
        block.schema_changes = True
        with block:
            for statement in statements:
                if isinstance(statement, str):
                    self.database.execute(statement, None)
                else:
                    sql, params = statement
                    self.database.execute(sql, params)
            check = self.database.sync_dialect.foreign_key_check_sql
            if check:
                assert self.database.fetch(check, None) == []

    def sql(self, sql: str, params: list[Any] | None = None) -> list[tuple[Any, ...]]:
        if sql.lstrip().upper().startswith("SELECT"):
            return [tuple(r) for r in self.database.fetch(sql, params or [])]
        self.database.execute(sql, params or [])
        return []

    def raw_schema(self) -> dict[str, Table]:
        return {n: t for n, t in introspect(self.database).items() if n.startswith(self.prefix)}

    def schema(self) -> dict[str, Any]:
        """This test's tables, normalized for comparison (see ``normalize``)."""
        return {name: normalize(table) for name, table in self.raw_schema().items()}

    def create(self, state: ProjectState) -> None:
        """Create the tables of ``state`` from scratch: every table, then the foreign keys
        (added separately where the dialect can), so the models' order does not matter."""
        apps = state.apps
        tables: list[Any] = []
        keys: list[Any] = []
        for model_state in state.models.values():
            for statement in create_model_sql(self.editor, apps.get_model(model_state.app_label, model_state.name)):
                is_key = isinstance(statement, str) and statement.startswith("ALTER TABLE")
                (keys if is_key else tables).append(statement)
        self.run(tables + keys)

    def drop_all(self) -> None:
        cascade = " CASCADE" if self.vendor == "postgresql" else ""
        quote = self.database.sync_dialect.quote_name
        self.run([f"DROP TABLE IF EXISTS {quote(name)}{cascade}" for name in self.raw_schema()])


def normalize(table: Table) -> dict[str, Any]:
    """A table as a comparable value: columns by name, and indexes, foreign keys and checks
    as sets (their order means nothing). SQLite names the index of an inline UNIQUE
    ``sqlite_autoindex_<table>_<n>``, numbered by position: those names are left out."""
    indexes = frozenset(
        (None if i.name.startswith("sqlite_autoindex_") else i.name, i.columns, i.unique)
        for i in table.indexes.values()
    )
    return {
        "columns": dict(table.columns),
        "indexes": indexes,
        "foreign_keys": frozenset(table.foreign_keys),
        "checks": frozenset(table.checks),
    }


@pytest.fixture(params=["sqlite", "postgresql"])
def db(request: pytest.FixtureRequest, tmp_path: Any) -> Iterator[Db]:
    """The ``default`` database on SQLite (a fresh file) or PostgreSQL; the tables the test
    made are dropped afterwards."""
    # Skips PostgreSQL when ORM_TEST_POSTGRES_URL is unset (fails under ORM_REQUIRE_POSTGRES).
    driver = make_driver(request.param, "psycopg" if request.param == "postgresql" else "sqlite3", tmp_path)
    orm.setup(databases={"default": driver.config("sync")})
    database = Db(request.param)
    try:
        yield database
    finally:
        try:
            database.drop_all()
        finally:
            orm.close()


# -- states -----------------------------------------------------------------------------------
def pk() -> tuple[str, Any]:
    return ("id", models.BigAutoField(primary_key=True))


def state_of(db: Db, *specs: tuple[str, list[tuple[str, Any]], dict[str, Any]]) -> ProjectState:
    """A project state from (model name, fields after the id, options); db_table is the
    test's prefix + the lower-case name unless given (then it is prefixed too)."""
    state = ProjectState()
    for name, fields, options in specs:
        options = dict(options)
        options["db_table"] = db.t(options.get("db_table", name.lower()))
        state.add_model(ModelState(APP, name, [pk(), *fields], options))
    return state


def char(max_length: int = 20, **kwargs: Any) -> models.CharField:
    return models.CharField(max_length=max_length, **kwargs)


def fk(to: str, **kwargs: Any) -> models.ForeignKey:
    kwargs.setdefault("on_delete", models.CASCADE)
    return models.ForeignKey(f"{APP}.{to}", **kwargs)


def m2m(to: str, **kwargs: Any) -> models.ManyToManyField:
    return models.ManyToManyField(f"{APP}.{to}", **kwargs)


def roundtrip(db: Db, op: Any, before: ProjectState) -> tuple[ProjectState, dict[str, Any], dict[str, Any]]:
    """Create ``before``, apply ``op`` forwards, then backwards; check that backwards gives
    the starting schema again and that the forward schema is what ``after`` creates from
    scratch. Returns (after, schema before, schema after the forward step)."""
    db.create(before)
    after = before.clone()
    op.state_forwards(APP, after)
    start = db.schema()
    db.run(op.database_forwards(APP, db.editor, before, after))
    forward = db.schema()
    db.run(op.database_backwards(APP, db.editor, before, after))
    assert db.schema() == start, "database_backwards did not restore the schema"
    # What `after` gives when created from nothing: the same tables, columns, names.
    db.drop_all()
    db.create(after)
    assert db.schema() == forward, "the schema after database_forwards differs from after's own"
    db.drop_all()
    return after, start, forward


def forwards(db: Db, op: Any, before: ProjectState) -> ProjectState:
    """Apply ``op`` forwards on the tables as they are; returns the state after it."""
    after = before.clone()
    op.state_forwards(APP, after)
    db.run(op.database_forwards(APP, db.editor, before, after))
    return after


def backwards(db: Db, op: Any, before: ProjectState, after: ProjectState) -> None:
    db.run(op.database_backwards(APP, db.editor, before, after))


def fks(schema: dict[str, Any], table: str) -> set[tuple[str, str, str]]:
    return {(f.column, f.target_table, f.target_column) for f in schema[table]["foreign_keys"]}


def index_columns(schema: dict[str, Any], table: str, unique: bool | None = None) -> set[tuple[str, ...]]:
    return {cols for _, cols, u in schema[table]["indexes"] if unique is None or u == unique}


# -- models -----------------------------------------------------------------------------------
def _authors_and_tags(db: Db) -> ProjectState:
    return state_of(db, ("Author", [("name", char())], {}), ("Tag", [("label", char())], {}))


def test_create_model_with_foreign_key_and_many_to_many(db: Db):
    """CreateModel makes the table with its foreign key and the join table of its
    many-to-many field; backwards drops both."""
    op = CreateModel(
        name="Book",
        fields=[pk(), ("title", char(db_index=True)), ("author", fk("Author")), ("tags", m2m("Tag"))],
        options={"db_table": db.t("book")},
    )
    _, start, forward = roundtrip(db, op, _authors_and_tags(db))
    book, join = db.t("book"), db.t("book_tags")
    assert set(forward) - set(start) == {book, join}
    assert set(forward[book]["columns"]) == {"id", "title", "author_id"}
    assert fks(forward, book) == {("author_id", db.t("author"), "id")}
    assert fks(forward, join) == {("book_id", book, "id"), ("tag_id", db.t("tag"), "id")}
    assert ("title",) in index_columns(forward, book, unique=False)
    assert ("book_id", "tag_id") in index_columns(forward, join, unique=True)


def test_delete_model_with_its_join_table(db: Db):
    """DeleteModel drops the table and its join tables; backwards creates them again."""
    before = state_of(
        db,
        ("Author", [("name", char())], {}),
        ("Tag", [("label", char())], {}),
        ("Book", [("author", fk("Author")), ("tags", m2m("Tag"))], {}),
    )
    _, start, forward = roundtrip(db, DeleteModel(name="Book"), before)
    assert set(start) - set(forward) == {db.t("book"), db.t("book_tags")}


def _tagged(db: Db) -> ProjectState:
    """Book --tags--> Tag --topics--> Topic: Tag has a many-to-many pointing at it and one
    of its own."""
    return state_of(
        db,
        ("Topic", [("name", char())], {}),
        ("Tag", [("label", char()), ("topics", m2m("Topic"))], {}),
        ("Book", [("title", char()), ("tags", m2m("Tag"))], {}),
    )


def test_rename_model_with_many_to_many_to_it_and_from_it(db: Db):
    """RenameModel keeps the model's table; the join tables' key columns named after the
    model follow the new name (book_tags.tag_id -> label_id, tag_topics.tag_id ->
    label_id), their rows survive, and backwards restores the old names."""
    before = _tagged(db)
    op = RenameModel(old_name="Tag", new_name="Label")
    after, start, forward = roundtrip(db, op, before)
    assert set(forward) == set(start)
    assert set(forward[db.t("book_tags")]["columns"]) == {"id", "book_id", "label_id"}
    assert set(forward[db.t("tag_topics")]["columns"]) == {"id", "label_id", "topic_id"}
    assert fks(forward, db.t("book_tags")) == {("book_id", db.t("book"), "id"), ("label_id", db.t("tag"), "id")}
    assert after.get_model(APP, "Book").fields["tags"].deconstruct()[3]["to"] == f"{APP}.Label"

    # Rows in the join tables survive both ways.
    db.create(before)
    db.sql(f'INSERT INTO {db.q("tag")} ("id", "label") VALUES (1, %s)', ["x"])
    db.sql(f'INSERT INTO {db.q("book")} ("id", "title") VALUES (1, %s)', ["b"])
    db.sql(f'INSERT INTO {db.q("topic")} ("id", "name") VALUES (1, %s)', ["t"])
    db.sql(f'INSERT INTO {db.q("book_tags")} ("book_id", "tag_id") VALUES (1, 1)')
    db.sql(f'INSERT INTO {db.q("tag_topics")} ("tag_id", "topic_id") VALUES (1, 1)')
    forwards(db, op, before)
    assert db.sql(f'SELECT "book_id", "label_id" FROM {db.q("book_tags")}') == [(1, 1)]
    assert db.sql(f'SELECT "label_id", "topic_id" FROM {db.q("tag_topics")}') == [(1, 1)]
    backwards(db, op, before, after)
    assert db.sql(f'SELECT "book_id", "tag_id" FROM {db.q("book_tags")}') == [(1, 1)]


def test_rename_model_with_a_many_to_many_to_itself(db: Db, request: pytest.FixtureRequest):
    """A model with a many-to-many to itself: renaming it renames both key columns of the
    join table (from_person_id -> from_member_id, to_person_id -> to_member_id)."""
    before = state_of(db, ("Person", [("name", char()), ("friends", m2m("Person"))], {}))
    _, _, forward = roundtrip(db, RenameModel(old_name="Person", new_name="Member"), before)
    join = db.t("person_friends")
    assert set(forward[join]["columns"]) == {"id", "from_member_id", "to_member_id"}
    assert ("from_member_id", "to_member_id") in index_columns(forward, join, unique=True)


def test_rename_model_then_its_table(db: Db):
    """RenameModel followed by AlterModelTable (what the autodetector writes when the table
    follows the class name): the table and its own join table are renamed, the join tables
    pointing at it retarget; both steps reverse."""
    before = _tagged(db)
    rename = RenameModel(old_name="Tag", new_name="Label")
    db.create(before)
    start = db.schema()
    middle = forwards(db, rename, before)
    table = AlterModelTable(name="Label", table=db.t("label"))
    after = forwards(db, table, middle)
    schema = db.schema()
    assert db.t("tag") not in schema and db.t("label") in schema
    assert db.t("label_topics") in schema and db.t("tag_topics") not in schema
    assert fks(schema, db.t("book_tags")) == {("book_id", db.t("book"), "id"), ("label_id", db.t("label"), "id")}
    assert fks(schema, db.t("label_topics")) == {("label_id", db.t("label"), "id"), ("topic_id", db.t("topic"), "id")}
    backwards(db, table, middle, after)
    backwards(db, rename, before, middle)
    assert db.schema() == start
    # And the final schema is what the final state creates.
    db.drop_all()
    db.create(before)
    forwards(db, rename, before)
    forwards(db, table, middle)
    reached = db.schema()
    db.drop_all()
    db.create(after)
    assert db.schema() == reached


def test_alter_model_table_with_many_to_many(db: Db):
    """AlterModelTable renames the table, its join table (named after it) and the names of
    its indexes and constraints (a unique one too: a rebuild on SQLite); foreign keys
    pointing at it, its own included, follow; rows survive."""
    before = state_of(
        db,
        ("Tag", [("label", char(unique=True))], {}),
        ("Book", [("title", char(db_index=True)), ("isbn", char(unique=True)), ("sequel", fk("Book", null=True)),
                  ("tags", m2m("Tag"))], {}),
        ("Review", [("book", fk("Book"))], {}),
    )
    op = AlterModelTable(name="Book", table=db.t("volume"))
    _, start, forward = roundtrip(db, op, before)
    assert set(start) - set(forward) == {db.t("book"), db.t("book_tags")}
    assert set(forward) - set(start) == {db.t("volume"), db.t("volume_tags")}
    assert fks(forward, db.t("review")) == {("book_id", db.t("volume"), "id")}
    assert fks(forward, db.t("volume")) == {("sequel_id", db.t("volume"), "id")}
    assert fks(forward, db.t("volume_tags")) == {("book_id", db.t("volume"), "id"), ("tag_id", db.t("tag"), "id")}

    db.create(before)
    db.sql(f'INSERT INTO {db.q("book")} ("id", "title", "isbn") VALUES (7, %s, %s)', ["kept", "i"])
    forwards(db, op, before)
    assert db.sql(f'SELECT "id", "title", "isbn" FROM {db.q("volume")}') == [(7, "kept", "i")]


def test_alter_model_options_touches_no_table(db: Db):
    """AlterModelOptions (ordering) changes the state only."""
    before = state_of(db, ("Book", [("title", char())], {}))
    op = AlterModelOptions(name="Book", options={"ordering": ["-title"]})
    after, start, forward = roundtrip(db, op, before)
    assert forward == start
    assert after.get_model(APP, "Book").options["ordering"] == ["-title"]
    assert op.database_forwards(APP, db.editor, before, after) == []


# -- fields -----------------------------------------------------------------------------------
def _books(db: Db, *extra: tuple[str, Any], **options: Any) -> ProjectState:
    return state_of(
        db,
        ("Author", [("name", char())], {}),
        ("Tag", [("label", char())], {}),
        ("Book", [("title", char()), *extra], options),
    )


FIELDS_TO_ADD = {
    # kind: (the field, its column, the value an existing row gets)
    "nullable": (lambda: char(null=True), "isbn", None),
    "not-null-with-default": (lambda: models.IntegerField(default=42), "pages", 42),
    "foreign-key": (lambda: fk("Author", null=True), "author_id", None),
    "foreign-key-not-null-with-default": (lambda: fk("Author", default=1), "author_id", 1),
    "unique": (lambda: char(null=True, unique=True), "isbn", None),
}


@pytest.mark.parametrize("kind", list(FIELDS_TO_ADD))
def test_add_field(db: Db, kind: str):
    """AddField adds the column (existing rows get the default), with its index, unique or
    foreign key; backwards drops it all."""
    make, column, expected = FIELDS_TO_ADD[kind]
    name = column.removesuffix("_id")
    op = AddField(model_name="Book", name=name, field=make())
    before = _books(db)
    _, start, forward = roundtrip(db, op, before)
    book = db.t("book")
    assert set(forward[book]["columns"]) - set(start[book]["columns"]) == {column}
    added = forward[book]["columns"][column]
    assert added.null == op.field.null
    if kind.startswith("foreign-key"):
        assert fks(forward, book) == {("author_id", db.t("author"), "id")}
        assert (column,) in index_columns(forward, book, unique=False)
    if kind == "unique":
        assert (column,) in index_columns(forward, book, unique=True)

    db.create(before)
    db.sql(f'INSERT INTO {db.q("author")} ("id", "name") VALUES (1, %s)', ["the default"])
    db.sql(f'INSERT INTO {db.q("book")} ("title") VALUES (%s)', ["old row"])
    forwards(db, op, before)
    assert db.sql(f'SELECT "title", "{column}" FROM {db.q("book")}') == [("old row", expected)]


def test_add_many_to_many_field(db: Db):
    """AddField of a many-to-many creates its join table; backwards drops it."""
    op = AddField(model_name="Book", name="tags", field=m2m("Tag"))
    _, start, forward = roundtrip(db, op, _books(db))
    assert set(forward) - set(start) == {db.t("book_tags")}
    assert forward[db.t("book")] == start[db.t("book")]


FIELDS_TO_REMOVE = {
    "plain": (lambda: char(null=True), "isbn"),
    "not-null-with-default": (lambda: models.IntegerField(default=3), "pages"),
    "foreign-key": (lambda: fk("Author", null=True), "author_id"),
    "indexed": (lambda: char(null=True, db_index=True), "isbn"),
    "many-to-many": (lambda: m2m("Tag"), None),
}


@pytest.mark.parametrize("kind", list(FIELDS_TO_REMOVE))
def test_remove_field(db: Db, kind: str):
    """RemoveField drops the column (with its index and foreign key) or the join table;
    backwards adds it back as it was."""
    make, column = FIELDS_TO_REMOVE[kind]
    name = "tags" if column is None else column.removesuffix("_id")
    before = _books(db, (name, make()))
    _, start, forward = roundtrip(db, RemoveField(model_name="Book", name=name), before)
    book = db.t("book")
    if column is None:
        assert set(start) - set(forward) == {db.t("book_tags")}
    else:
        assert set(start[book]["columns"]) - set(forward[book]["columns"]) == {column}
        assert fks(forward, book) == set()
        assert index_columns(forward, book) == set()


def test_alter_field_type_null_and_index(db: Db):
    """AlterField changes the type, makes a column NOT NULL (NULLs get the default) and
    indexes it; backwards restores type, nullability and the missing index, keeping rows."""
    before = _books(db, ("code", char(10, null=True)))
    op = AlterField(model_name="Book", name="code", field=char(50, default="none", db_index=True))
    _, start, forward = roundtrip(db, op, before)
    book = db.t("book")
    old, new = start[book]["columns"]["code"], forward[book]["columns"]["code"]
    assert (old.type, old.null) == ("varchar(10)", True)
    assert (new.type, new.null) == ("varchar(50)", False)
    assert ("code",) in index_columns(forward, book, unique=False)

    db.create(before)
    db.sql(f'INSERT INTO {db.q("book")} ("title", "code") VALUES (%s, %s), (%s, NULL)', ["a", "x1", "b"])
    after = forwards(db, op, before)
    assert db.sql(f'SELECT "title", "code" FROM {db.q("book")} ORDER BY "title"') == [("a", "x1"), ("b", "none")]
    backwards(db, op, before, after)
    assert db.sql(f'SELECT "title", "code" FROM {db.q("book")} ORDER BY "title"') == [("a", "x1"), ("b", "none")]


def test_alter_field_to_unique_and_foreign_key_target(db: Db):
    """AlterField adds a unique constraint and retargets a foreign key."""
    before = state_of(
        db,
        ("Author", [("name", char())], {}),
        ("Editor", [("name", char())], {}),
        ("Book", [("title", char()), ("person", fk("Author"))], {}),
    )
    retarget = AlterField(model_name="Book", name="person", field=fk("Editor"))
    _, _, forward = roundtrip(db, retarget, before)
    assert fks(forward, db.t("book")) == {("person_id", db.t("editor"), "id")}
    unique = AlterField(model_name="Book", name="title", field=char(unique=True))
    _, _, forward = roundtrip(db, unique, before)
    assert ("title",) in index_columns(forward, db.t("book"), unique=True)


def test_rename_plain_field(db: Db):
    """RenameField renames the column (its index follows under the new deterministic name);
    rows survive both ways."""
    before = _books(db, ("code", char(null=True, db_index=True)))
    op = RenameField(model_name="Book", old_name="code", new_name="isbn")
    _, start, forward = roundtrip(db, op, before)
    book = db.t("book")
    assert "isbn" in forward[book]["columns"] and "code" not in forward[book]["columns"]
    assert index_columns(forward, book) == {("isbn",)}

    db.create(before)
    db.sql(f'INSERT INTO {db.q("book")} ("title", "code") VALUES (%s, %s)', ["t", "c"])
    after = forwards(db, op, before)
    assert db.sql(f'SELECT "title", "isbn" FROM {db.q("book")}') == [("t", "c")]
    backwards(db, op, before, after)
    assert db.sql(f'SELECT "title", "code" FROM {db.q("book")}') == [("t", "c")]


def test_rename_foreign_key_field(db: Db):
    """Renaming a foreign key renames its column (author_id -> writer_id) and its
    constraint."""
    before = _books(db, ("author", fk("Author")))
    _, _, forward = roundtrip(db, RenameField(model_name="Book", old_name="author", new_name="writer"), before)
    assert fks(forward, db.t("book")) == {("writer_id", db.t("author"), "id")}


def test_rename_field_named_by_unique_together(db: Db):
    """A field named by unique_together is renamed in the state's option too, and the
    unique constraint follows the column."""
    before = _books(db, ("year", models.IntegerField()), unique_together=[["title", "year"]])
    op = RenameField(model_name="Book", old_name="year", new_name="published")
    after, _, forward = roundtrip(db, op, before)
    assert after.get_model(APP, "Book").options["unique_together"] == [["title", "published"]]
    assert ("title", "published") in index_columns(forward, db.t("book"), unique=True)


def test_rename_many_to_many_field(db: Db):
    """RenameField of a many-to-many renames its join table (named after the field); rows
    survive."""
    before = _books(db, ("tags", m2m("Tag")))
    op = RenameField(model_name="Book", old_name="tags", new_name="labels")
    _, start, forward = roundtrip(db, op, before)
    assert set(start) - set(forward) == {db.t("book_tags")}
    assert set(forward) - set(start) == {db.t("book_labels")}

    db.create(before)
    db.sql(f'INSERT INTO {db.q("book")} ("id", "title") VALUES (1, %s)', ["b"])
    db.sql(f'INSERT INTO {db.q("tag")} ("id", "label") VALUES (2, %s)', ["t"])
    db.sql(f'INSERT INTO {db.q("book_tags")} ("book_id", "tag_id") VALUES (1, 2)')
    forwards(db, op, before)
    assert db.sql(f'SELECT "book_id", "tag_id" FROM {db.q("book_labels")}') == [(1, 2)]


# -- indexes, constraints, unique_together ------------------------------------------------------
@pytest.mark.parametrize("named", [True, False], ids=["named", "unnamed"])
def test_add_and_remove_index(db: Db, named: bool):
    """AddIndex creates the index (a descending column too), RemoveIndex drops it; both
    reverse."""
    index = models.Index(fields=["-year", "title"], name=db.t("year_title") if named else None)
    before = _books(db, ("year", models.IntegerField()))
    add = AddIndex(model_name="Book", index=index)
    after, start, forward = roundtrip(db, add, before)
    book = db.t("book")
    assert index_columns(forward, book) - index_columns(start, book) == {("-year", "title")}
    if named:
        assert any(name == db.t("year_title") for name, _, _ in forward[book]["indexes"])
    _, start2, forward2 = roundtrip(db, RemoveIndex(model_name="Book", index=index), after)
    assert start2 == forward and forward2 == start


def test_add_and_remove_constraints(db: Db):
    """AddConstraint/RemoveConstraint of a unique and a check constraint, both ways; the
    check is enforced once added."""
    before = _books(db, ("year", models.IntegerField()))
    unique = models.UniqueConstraint(fields=["title", "year"], name=db.t("title_year"))
    check = models.CheckConstraint(check=models.Q(year__gte=1450), name=db.t("printed"))
    book = db.t("book")

    after_unique, start, forward = roundtrip(db, AddConstraint(model_name="Book", constraint=unique), before)
    assert index_columns(forward, book, unique=True) - index_columns(start, book, unique=True) == {("title", "year")}
    after_check, start, forward = roundtrip(db, AddConstraint(model_name="Book", constraint=check), after_unique)
    assert {c.name for c in forward[book]["checks"]} - {c.name for c in start[book]["checks"]} == {db.t("printed")}

    _, start, forward = roundtrip(db, RemoveConstraint(model_name="Book", name=db.t("printed")), after_check)
    assert {c.name for c in start[book]["checks"]} - {c.name for c in forward[book]["checks"]} == {db.t("printed")}
    _, start, forward = roundtrip(db, RemoveConstraint(model_name="Book", name=db.t("title_year")), after_unique)
    assert ("title", "year") not in index_columns(forward, book, unique=True)

    db.create(after_check)
    with pytest.raises(orm.IntegrityError):
        db.run([(f'INSERT INTO {db.q("book")} ("title", "year") VALUES (%s, %s)', ["early", 1000])])


def test_alter_unique_together(db: Db):
    """AlterUniqueTogether adds, changes and removes the groups' unique constraints; each
    step reverses."""
    before = _books(db, ("year", models.IntegerField()), ("isbn", char()))
    book = db.t("book")
    add = AlterUniqueTogether(name="Book", unique_together=[["title", "year"]])
    one, start, forward = roundtrip(db, add, before)
    assert index_columns(forward, book, unique=True) - index_columns(start, book, unique=True) == {("title", "year")}
    change = AlterUniqueTogether(name="Book", unique_together=[["year", "isbn"], ["title"]])
    two, _, forward = roundtrip(db, change, one)
    assert {("year", "isbn"), ("title",)} <= index_columns(forward, book, unique=True)
    assert ("title", "year") not in index_columns(forward, book, unique=True)
    _, _, forward = roundtrip(db, AlterUniqueTogether(name="Book", unique_together=[]), two)
    assert index_columns(forward, book, unique=True) == set()


# -- RunSQL and RunPython -----------------------------------------------------------------------
def test_run_sql_with_params_and_reverse(db: Db):
    """RunSQL runs strings and (sql, params) pairs forwards and its reverse_sql backwards;
    values travel as parameters."""
    before = state_of(db, ("Note", [("text", char(50))], {}))
    db.create(before)
    quote = "it's 100%"
    op = RunSQL(
        sql=[
            (f'INSERT INTO {db.q("note")} ("text") VALUES (%s)', [quote]),
            # A plain string is sent as written: its "%" is a percent sign.
            f"""INSERT INTO {db.q("note")} ("text") VALUES ('50% plain')""",
        ],
        reverse_sql=[(f'DELETE FROM {db.q("note")} WHERE "text" IN (%s, %s)', [quote, "50% plain"])],
    )
    assert op.reversible
    after = forwards(db, op, before)
    assert after == before
    assert sorted(db.sql(f'SELECT "text" FROM {db.q("note")}')) == [("50% plain",), (quote,)]
    backwards(db, op, before, after)
    assert db.sql(f'SELECT "text" FROM {db.q("note")}') == []
    assert RunSQL(sql="SELECT 1").reversible is False
    with pytest.raises(NotImplementedError):
        RunSQL(sql="SELECT 1").database_backwards(APP, db.editor, before, after)


def _migration(name: str, operations: list[Operation], depends: list[str]) -> Migration:
    cls = type("Migration", (Migration,), {
        "operations": operations,
        "dependencies": [(APP, d) for d in depends],
    })
    migration: Migration = cls(name, APP)
    return migration


def _graph(*migrations: Migration) -> MigrationGraph:
    graph = MigrationGraph()
    for migration in migrations:
        graph.add_node(migration.key, migration)
    for migration in migrations:
        for parent in migration.dependencies:
            graph.add_dependency(migration.key, parent)
    graph.validate()
    return graph


def _migrate(db: Db, graph: MigrationGraph, target: str | None) -> None:
    applied = executor_sync.applied_migrations()
    executor_sync.run_plan(build_plan(graph, applied, [(APP, target)]))


@pytest.fixture
def history(db: Db) -> Iterator[Db]:
    """``db`` whose rows of this app in the history table are deleted afterwards (and the
    table itself when nothing else is left in it)."""
    try:
        yield db
    finally:
        executor_sync.applied_migrations()  # the table exists, whatever the test got to
        db.sql('DELETE FROM "orm_migrations" WHERE "app" = %s', [APP])
        if db.sql('SELECT COUNT(*) FROM "orm_migrations"') == [(0,)]:
            db.sql('DROP TABLE "orm_migrations"')


def add_authors(apps: Any, schema_editor: Any) -> None:
    Author = apps.get_model(APP, "Author")
    Author.objects.create(name="Ann")
    Author.objects.create(name=schema_editor.alias)


def remove_authors(apps: Any, schema_editor: Any) -> None:
    apps.get_model(APP, "Author").objects.all().delete()


def test_run_python_forwards_and_backwards(history: Db):
    """RunPython calls its function with the models as the migration state has them (a
    field renamed later is still under its old name) and the migration context; the reverse
    function runs when the migration is unapplied."""
    db = history
    create = _migration("0001_initial", [
        CreateModel(name="Author", fields=[pk(), ("name", char())], options={"db_table": db.t("author")}),
        RunPython(add_authors, remove_authors),
    ], [])
    rename = _migration("0002_rename", [
        RenameField(model_name="Author", old_name="name", new_name="full_name"),
    ], ["0001_initial"])
    graph = _graph(create, rename)
    _migrate(db, graph, None)
    assert sorted(db.sql(f'SELECT "full_name" FROM {db.q("author")}')) == [("Ann",), ("default",)]
    _migrate(db, graph, "0001_initial")
    assert sorted(db.sql(f'SELECT "name" FROM {db.q("author")}')) == [("Ann",), ("default",)]
    # Back to zero: remove_authors runs (with the 0001 models), then the table goes.
    plan = build_plan(graph, executor_sync.applied_migrations(), [(APP, "zero")])
    steps = executor_sync.migration_steps(plan, create, db.editor, backwards=True)
    assert [getattr(s, "function", None) for s in steps][0] is remove_authors
    executor_sync.run_plan(plan)
    assert db.raw_schema() == {}


def test_run_python_called_directly_with_state_apps(db: Db):
    """A RunPython function can be called with ``state.apps`` of any state: the models it
    gets use that state's tables."""
    state = state_of(db, ("Author", [("name", char())], {}))
    db.create(state)
    op = RunPython(add_authors)
    (step,) = op.database_forwards(APP, db.editor, state, state)
    step.function(step.state.apps, type("Ctx", (), {"alias": "ctx"})())
    assert sorted(db.sql(f'SELECT "name" FROM {db.q("author")}')) == [("Ann",), ("ctx",)]
    assert not op.reversible
    with pytest.raises(NotImplementedError):
        op.database_backwards(APP, db.editor, state, state)


def test_migrate_back_over_a_rename_of_an_indexed_field(history: Db):
    """Three migrations (a model with an index over a field, a rename of that field, one
    more field) applied, then unapplied to zero in one plan, as `orm migrate app zero`
    does."""
    db = history
    first = _migration("0001_initial", [
        CreateModel(
            name="Book",
            fields=[pk(), ("title", char())],
            options={"db_table": db.t("book"), "indexes": [models.Index(fields=["title"])]},
        ),
    ], [])
    second = _migration("0002_rename", [
        RenameField(model_name="Book", old_name="title", new_name="name"),
    ], ["0001_initial"])
    third = _migration("0003_year", [
        AddField(model_name="Book", name="year", field=models.IntegerField(null=True)),
    ], ["0002_rename"])
    graph = _graph(first, second, third)
    _migrate(db, graph, None)
    _migrate(db, graph, "zero")
    assert db.raw_schema() == {}


def test_state_forwards_never_changes_the_operations():
    """Applying operations to one state (as plan.state_before does) leaves every
    operation's arguments as they were: the same migration objects build many states."""
    create = CreateModel(
        name="Book",
        fields=[pk(), ("title", char())],
        options={"db_table": "book", "indexes": [models.Index(fields=["title"])]},
    )
    add_index = AddIndex(model_name="Book", index=models.Index(fields=["-title"], name="t"))
    add_constraint = AddConstraint(
        model_name="Book", constraint=models.UniqueConstraint(fields=["title"], name="u")
    )
    rename = RenameField(model_name="Book", old_name="title", new_name="name")
    state = ProjectState()
    for op in [create, add_index, add_constraint, rename]:
        op.state_forwards(APP, state)
    assert state.get_model(APP, "Book").options["indexes"][1].fields == ["-name"]
    assert create.options["indexes"][0].fields == ["title"]
    assert add_index.index.fields == ["-title"]
    assert add_constraint.constraint.fields == ["title"]


# -- deconstruct and equality -------------------------------------------------------------------
def _examples() -> list[Operation]:
    return [
        CreateModel(name="Book", fields=[pk(), ("title", char())], options={"db_table": "book", "ordering": ["title"]}),
        DeleteModel(name="Book"),
        RenameModel(old_name="Tag", new_name="Label"),
        AlterModelTable(name="Book", table="books"),
        AlterModelOptions(name="Book", options={"ordering": ["-id"]}),
        AlterUniqueTogether(name="Book", unique_together=[["title", "year"]]),
        AddIndex(model_name="Book", index=models.Index(fields=["-year"], name="year_idx")),
        RemoveIndex(model_name="Book", index=models.Index(fields=["title"])),
        AddConstraint(model_name="Book", constraint=models.CheckConstraint(check=models.Q(year__gte=0), name="c")),
        AddConstraint(model_name="Book", constraint=models.UniqueConstraint(fields=["title"], name="u")),
        RemoveConstraint(model_name="Book", name="c"),
        AddField(model_name="Book", name="author", field=models.ForeignKey("app.Author", on_delete=models.PROTECT, null=True)),
        AddField(model_name="Book", name="tags", field=models.ManyToManyField("app.Tag", related_name="books")),
        RemoveField(model_name="Book", name="title"),
        AlterField(model_name="Book", name="title", field=char(50, default="x")),
        RenameField(model_name="Book", old_name="title", new_name="name"),
        RunSQL(sql=[("INSERT INTO t VALUES (%s)", [1])], reverse_sql="DELETE FROM t"),
        RunPython(add_authors, remove_authors),
    ]


def test_deconstruct_round_trips_every_operation():
    """``Name(*args, **kwargs)`` from ``deconstruct()`` builds an equal operation, and the
    name is importable from ``migrations.operations``."""
    for op in _examples():
        name, args, kwargs = op.deconstruct()
        rebuilt = getattr(ops, name)(*args, **kwargs)
        assert type(rebuilt) is type(op)
        assert rebuilt == op, name
        assert rebuilt.deconstruct()[0] == name


def test_positional_arguments_rebuild_the_same_operation():
    """Positional arguments (allowed in hand-written files) deconstruct into arguments
    that rebuild an equal operation."""
    positional = AddField("Book", "isbn", char(13, null=True))
    name, args, kwargs = positional.deconstruct()
    assert ops.AddField(*args, **kwargs) == positional


def test_positional_arguments_deconstruct_as_keywords():
    """As Operation's docstring says, deconstruct() gives positional arguments back as
    keywords, so an operation written either way is equal."""
    positional = AddField("Book", "isbn", char(13, null=True))
    keywords = AddField(model_name="Book", name="isbn", field=char(13, null=True))
    name, args, kwargs = positional.deconstruct()
    assert args == [] and set(kwargs) == {"model_name", "name", "field"}
    assert positional == keywords


def test_equality_is_by_content():
    """Operations are equal when built from equal arguments (fields and Q objects compared by
    their deconstruction), and differ when any argument or the class differs."""
    examples, again = _examples(), _examples()
    for a, b in zip(examples, again):
        assert a == b and a is not b
        assert hash(a) == hash(b)
    for i, a in enumerate(examples):
        for j, b in enumerate(again):
            if i != j:
                assert a != b, (a, b)
    assert AlterField(model_name="Book", name="title", field=char(50)) != AlterField(
        model_name="Book", name="title", field=char(51)
    )
    assert RemoveField(model_name="Book", name="x") != DeleteModel(name="Book")
    assert RemoveField(model_name="Book", name="x") != "RemoveField"
