"""The schema editor's ALTER operations, run on SQLite (sqlite3, a file per test) and
PostgreSQL (psycopg, when ORM_TEST_POSTGRES_URL is set).

Each test defines the model as it was ("before") and as it is ("after") with the same table,
creates the before table with rows, runs what the editor returns inside ``orm.atomic()``
(SQLite with ``PRAGMA foreign_keys = OFF`` around it and ``PRAGMA foreign_key_check`` before
commit, as the migration executor does), then checks the rows, the behaviour and the catalog.
The catalog queries are kept small and local to this file.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from typing import Any

import pytest

import orm
from backends.base.schema import index_name
from orm import models
from tests.conftest import POSTGRES_URL

APP = "alter"
# Every table these tests make; dropped before and after each test on PostgreSQL.
TABLES = [
    "alt_child", "alt_item_tags", "alt_links", "alt_links2", "alt_item", "alt_thing",
    "new__alt_item", "alt_tag", "alt_owner", "alt_keeper",
]


class Env:
    """One configured database: runs statements and reads its catalog."""

    def __init__(self, vendor: str) -> None:
        self.vendor = vendor
        self.db = orm.connections["default"]
        self.editor = self.db.schema_editor(self.db.sync_dialect)

    @property
    def is_postgres(self) -> bool:
        return self.vendor == "postgresql"

    # -- running -------------------------------------------------------------------------------
    def run(self, statements: list[Any]) -> None:
        """Run the statements in one transaction, as the migration executor will."""
        sqlite = not self.is_postgres
        if sqlite:
            self.db.execute("PRAGMA foreign_keys = OFF")
        try:
            with orm.atomic():
                for statement in statements:
                    if isinstance(statement, tuple):
                        self.db.execute(statement[0], statement[1])
                    else:
                        self.db.execute(statement)
                if sqlite:
                    assert self.db.fetch("PRAGMA foreign_key_check") == []
        finally:
            if sqlite:
                self.db.execute("PRAGMA foreign_keys = ON")

    def write(self, sql: str, params: list[Any]) -> None:
        """One statement in a transaction of its own, with foreign keys enforced."""
        with orm.atomic():
            self.db.execute(sql, params)

    def create(self, *models_: Any) -> None:
        orm.create_tables(*models_)

    def drop_all(self) -> None:
        cascade = " CASCADE" if self.is_postgres else ""
        for table in TABLES:
            self.db.execute(f'DROP TABLE IF EXISTS "{table}"{cascade}')

    # -- the catalog ---------------------------------------------------------------------------
    def columns(self, table: str) -> dict[str, tuple[str, bool]]:
        """{column: (type, nullable)}."""
        if self.is_postgres:
            rows = self.db.fetch(
                "SELECT column_name, data_type, is_nullable FROM information_schema.columns "
                "WHERE table_schema = current_schema() AND table_name = %s",
                [table],
            )
            return {name: (kind, nullable == "YES") for name, kind, nullable in rows}
        rows = self.db.fetch('SELECT name, type, "notnull" FROM pragma_table_info(%s)', [table])
        return {name: (kind.lower(), not notnull) for name, kind, notnull in rows}

    def indexes(self, table: str) -> set[str]:
        """Names of the indexes made by CREATE INDEX (not those behind constraints)."""
        if self.is_postgres:
            rows = self.db.fetch(
                "SELECT i.relname FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid "
                "JOIN pg_class t ON t.oid = x.indrelid WHERE t.relname = %s "
                "AND t.relnamespace = current_schema()::regnamespace AND NOT EXISTS "
                "(SELECT 1 FROM pg_constraint c WHERE c.conindid = x.indexrelid "
                "AND c.conrelid = t.oid)",
                [table],
            )
        else:
            rows = self.db.fetch(
                "SELECT name FROM pragma_index_list(%s) WHERE origin = 'c'", [table]
            )
        return {r[0] for r in rows}

    def constraints(self, table: str) -> set[str]:
        """Names of the named constraints (primary keys and NOT NULL left out)."""
        if self.is_postgres:
            rows = self.db.fetch(
                "SELECT conname FROM pg_constraint WHERE conrelid = to_regclass(%s) "
                "AND contype <> 'p'",
                [f'"{table}"'],
            )
            return {r[0] for r in rows}
        row = self.db.fetch_one(
            "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = %s", [table]
        )
        return set(re.findall(r'CONSTRAINT "([^"]+)"', row[0])) if row else set()

    def foreign_keys(self, table: str) -> set[tuple[str, str]]:
        """{(column, referenced table)}."""
        if self.is_postgres:
            rows = self.db.fetch(
                "SELECT a.attname, c.confrelid::regclass::text FROM pg_constraint c "
                "JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = c.conkey[1] "
                "WHERE c.contype = 'f' AND c.conrelid = to_regclass(%s)",
                [f'"{table}"'],
            )
        else:
            rows = self.db.fetch('SELECT "from", "table" FROM pragma_foreign_key_list(%s)', [table])
        return {(column, target) for column, target in rows}

    def table_exists(self, table: str) -> bool:
        return self.db.fetch_one(self.editor.table_exists_sql(), [table]) is not None


@pytest.fixture(params=["sqlite", "postgresql"])
def env(request: pytest.FixtureRequest, tmp_path: Any) -> Iterator[Env]:
    vendor = request.param
    if vendor == "postgresql":
        if not POSTGRES_URL:
            pytest.skip("ORM_TEST_POSTGRES_URL is not set")
        config = {"url": POSTGRES_URL, "sync_driver": "psycopg"}
    else:
        # One connection: the PRAGMA before the transaction is on the transaction's connection.
        config = {"url": f"sqlite:///{tmp_path}/alter.db", "sync_driver": "sqlite3", "pool_size": 1}
    orm.setup(databases={"default": config})
    env = Env(vendor)
    try:
        env.drop_all()
        yield env
    finally:
        try:
            env.drop_all()
        finally:
            orm.close()


def _meta(table: str = "alt_item", **options: Any) -> type:
    return type("Meta", (), {"app_label": APP, "db_table": table, **options})


def _sql_texts(statements: list[Any]) -> list[str]:
    return [s if isinstance(s, str) else s[0] for s in statements]


def _owner_model() -> Any:
    class Owner(models.Model):
        name = models.CharField(max_length=20)
        Meta = _meta("alt_owner")

    return Owner


# -- create_model -------------------------------------------------------------------------------
def test_create_model_names_the_single_column_unique(env: Env) -> None:
    """unique=True becomes a named table constraint (index_name(..., 'uniq')) and is enforced."""

    class Item(models.Model):
        code = models.CharField(max_length=10, unique=True)
        Meta = _meta()

    name = index_name("alt_item", ["code"], "uniq")
    assert f'CONSTRAINT "{name}" UNIQUE ("code")' in env.editor.create_model(Item)[0]
    env.create(Item)
    assert name in env.constraints("alt_item")
    Item.objects.create(code="a")
    with pytest.raises(orm.IntegrityError):
        Item.objects.create(code="a")


# -- add_field ----------------------------------------------------------------------------------
def test_add_field_nullable_without_default_is_a_plain_add_column(env: Env) -> None:
    """A nullable field without default is one ADD COLUMN; rows keep their values, the new
    column is NULL for them."""

    class Before(models.Model):
        name = models.CharField(max_length=20)
        Meta = _meta()

    class After(models.Model):
        name = models.CharField(max_length=20)
        note = models.CharField(max_length=20, null=True)
        Meta = _meta()

    env.create(Before)
    Before.objects.create(name="a")
    statements = env.editor.add_field(Before, After, After._meta.get_field("note"))
    assert len(statements) == 1 and "ADD COLUMN" in statements[0]
    env.run(statements)
    assert env.columns("alt_item")["note"][1] is True
    assert list(After.objects.values_list("name", "note")) == [("a", None)]


def test_add_field_not_null_default_travels_as_a_parameter(env: Env) -> None:
    """A NOT NULL field fills existing rows with its default, sent as a parameter (a quote in
    it is harmless), and the column ends NOT NULL."""

    class Before(models.Model):
        name = models.CharField(max_length=20)
        Meta = _meta()

    class After(models.Model):
        name = models.CharField(max_length=20)
        motto = models.CharField(max_length=30, default="it's; DROP TABLE x")
        Meta = _meta()

    env.create(Before)
    Before.objects.create(name="a")
    Before.objects.create(name="b")
    statements = env.editor.add_field(Before, After, After._meta.get_field("motto"))
    assert all("it's" not in sql for sql in _sql_texts(statements))
    assert any(isinstance(s, tuple) and "it's; DROP TABLE x" in s[1] for s in statements)
    env.run(statements)
    assert env.columns("alt_item")["motto"][1] is False
    assert list(After.objects.order_by("id").values_list("name", "motto")) == [
        ("a", "it's; DROP TABLE x"), ("b", "it's; DROP TABLE x"),
    ]
    with pytest.raises(orm.IntegrityError):
        env.write('INSERT INTO "alt_item" ("name", "motto") VALUES (%s, NULL)', ["c"])


def test_add_field_not_null_without_default_fills_the_empty_value(env: Env) -> None:
    """A NOT NULL CharField without default fills existing rows with get_default() ("")."""

    class Before(models.Model):
        name = models.CharField(max_length=20)
        Meta = _meta()

    class After(models.Model):
        name = models.CharField(max_length=20)
        code = models.CharField(max_length=20)
        Meta = _meta()

    env.create(Before)
    Before.objects.create(name="a")
    env.run(env.editor.add_field(Before, After, After._meta.get_field("code")))
    assert list(After.objects.values_list("name", "code")) == [("a", "")]


def test_add_field_fills_json_and_auto_now_values_through_the_field(env: Env) -> None:
    """Existing rows get a JSON default and the migration's time for auto_now_add, each
    prepared by the field for the database as INSERT does."""

    class Before(models.Model):
        name = models.CharField(max_length=20)
        Meta = _meta()

    class Mid(models.Model):
        name = models.CharField(max_length=20)
        data = models.JSONField(default=lambda: {"k": "it's"})
        Meta = _meta()

    class After(models.Model):
        name = models.CharField(max_length=20)
        data = models.JSONField(default=lambda: {"k": "it's"})
        stamp = models.DateTimeField(auto_now_add=True)
        Meta = _meta()

    env.create(Before)
    Before.objects.create(name="a")
    start = dt.datetime.now(dt.timezone.utc).replace(microsecond=0)
    env.run(env.editor.add_field(Before, Mid, Mid._meta.get_field("data")))
    env.run(env.editor.add_field(Mid, After, After._meta.get_field("stamp")))
    [(data, stamp)] = After.objects.values_list("data", "stamp")
    assert data == {"k": "it's"}
    assert stamp.tzinfo is not None and stamp >= start
    assert After.objects.filter(data__k="it's").count() == 1


def test_add_field_unique(env: Env) -> None:
    """A unique field arrives with its named unique constraint; rows survive."""

    class Before(models.Model):
        name = models.CharField(max_length=20)
        Meta = _meta()

    class After(models.Model):
        name = models.CharField(max_length=20)
        code = models.CharField(max_length=20, null=True, unique=True)
        Meta = _meta()

    env.create(Before)
    Before.objects.create(name="a")
    env.run(env.editor.add_field(Before, After, After._meta.get_field("code")))
    assert index_name("alt_item", ["code"], "uniq") in env.constraints("alt_item")
    After.objects.create(name="b", code="x")
    with pytest.raises(orm.IntegrityError):
        After.objects.create(name="c", code="x")
    assert sorted(After.objects.values_list("name", flat=True)) == ["a", "b"]


def test_add_field_db_index(env: Env) -> None:
    """A db_index field arrives with its deterministic index."""

    class Before(models.Model):
        name = models.CharField(max_length=20)
        Meta = _meta()

    class After(models.Model):
        name = models.CharField(max_length=20)
        tag = models.CharField(max_length=20, null=True, db_index=True)
        Meta = _meta()

    env.create(Before)
    Before.objects.create(name="a")
    env.run(env.editor.add_field(Before, After, After._meta.get_field("tag")))
    assert env.indexes("alt_item") == {index_name("alt_item", ["tag"], "idx")}
    assert list(After.objects.values_list("name", "tag")) == [("a", None)]


def test_add_field_foreign_key(env: Env) -> None:
    """A foreign key arrives with its index and its named, enforced constraint."""
    Owner = _owner_model()

    class Before(models.Model):
        name = models.CharField(max_length=20)
        Meta = _meta()

    class After(models.Model):
        name = models.CharField(max_length=20)
        owner = models.ForeignKey(Owner, models.CASCADE, null=True)
        Meta = _meta()

    env.create(Owner, Before)
    owner = Owner.objects.create(name="o")
    Before.objects.create(name="a")
    env.run(env.editor.add_field(Before, After, After._meta.get_field("owner")))
    assert env.foreign_keys("alt_item") == {("owner_id", "alt_owner")}
    assert index_name("alt_item", ["owner_id"], "fk") in env.constraints("alt_item")
    assert index_name("alt_item", ["owner_id"], "idx") in env.indexes("alt_item")
    After.objects.create(name="b", owner=owner)
    with pytest.raises(orm.IntegrityError):
        with orm.atomic():
            After.objects.create(name="c", owner_id=owner.pk + 100)
    assert list(After.objects.order_by("id").values_list("name", "owner_id")) == [
        ("a", None), ("b", owner.pk),
    ]


def test_add_and_remove_many_to_many_join_table(env: Env) -> None:
    """A many-to-many field creates its join table (keys and unique pair); removing it drops
    the table; the model's own table is untouched."""

    class Tag(models.Model):
        label = models.CharField(max_length=20)
        Meta = _meta("alt_tag")

    class Before(models.Model):
        name = models.CharField(max_length=20)
        Meta = _meta()

    class After(models.Model):
        name = models.CharField(max_length=20)
        tags = models.ManyToManyField(Tag)
        Meta = _meta()

    env.create(Tag, Before)
    Before.objects.create(name="a")
    field = After._meta.get_field("tags")
    env.run(env.editor.add_field(Before, After, field))
    assert env.table_exists("alt_item_tags")
    assert env.foreign_keys("alt_item_tags") == {("after_id", "alt_item"), ("tag_id", "alt_tag")}
    item, tag = After.objects.get(), Tag.objects.create(label="t")
    item.tags.add(tag)
    assert [t.label for t in item.tags.all()] == ["t"]
    env.run(env.editor.remove_field(After, Before, field))
    assert not env.table_exists("alt_item_tags")
    assert list(Before.objects.values_list("name", flat=True)) == ["a"]


# -- remove_field -------------------------------------------------------------------------------
def test_remove_plain_field(env: Env) -> None:
    """Dropping a column nothing else uses: rows keep their other columns (SQLite: in place)."""

    class Before(models.Model):
        name = models.CharField(max_length=20)
        count = models.PositiveIntegerField(default=0)
        Meta = _meta()

    class After(models.Model):
        name = models.CharField(max_length=20)
        Meta = _meta()

    env.create(Before)
    Before.objects.create(name="a", count=3)
    statements = env.editor.remove_field(Before, After, Before._meta.get_field("count"))
    assert not any("new__" in sql for sql in _sql_texts(statements))
    env.run(statements)
    assert set(env.columns("alt_item")) == {"id", "name"}
    assert list(After.objects.values_list("name", flat=True)) == ["a"]


def test_remove_indexed_unique_and_foreign_key_fields(env: Env) -> None:
    """Dropping columns with an index, a unique constraint or a foreign key (SQLite rebuilds)
    keeps the rows and the other columns' indexes and constraints."""
    Owner = _owner_model()

    class V1(models.Model):
        name = models.CharField(max_length=20, db_index=True)
        code = models.CharField(max_length=20, unique=True)
        tag = models.CharField(max_length=20, db_index=True)
        owner = models.ForeignKey(Owner, models.CASCADE)
        Meta = _meta()

    class V2(models.Model):
        name = models.CharField(max_length=20, db_index=True)
        tag = models.CharField(max_length=20, db_index=True)
        owner = models.ForeignKey(Owner, models.CASCADE)
        Meta = _meta()

    class V3(models.Model):
        name = models.CharField(max_length=20, db_index=True)
        owner = models.ForeignKey(Owner, models.CASCADE)
        Meta = _meta()

    class V4(models.Model):
        name = models.CharField(max_length=20, db_index=True)
        Meta = _meta()

    env.create(Owner, V1)
    owner = Owner.objects.create(name="o")
    V1.objects.create(name="a", code="c1", tag="t", owner=owner)
    V1.objects.create(name="b", code="c2", tag="t", owner=owner)
    env.run(env.editor.remove_field(V1, V2, V1._meta.get_field("code")))
    env.run(env.editor.remove_field(V2, V3, V2._meta.get_field("tag")))
    assert env.indexes("alt_item") == {
        index_name("alt_item", ["name"], "idx"), index_name("alt_item", ["owner_id"], "idx"),
    }
    assert env.foreign_keys("alt_item") == {("owner_id", "alt_owner")}
    env.run(env.editor.remove_field(V3, V4, V3._meta.get_field("owner")))
    assert set(env.columns("alt_item")) == {"id", "name"}
    assert env.indexes("alt_item") == {index_name("alt_item", ["name"], "idx")}
    assert env.foreign_keys("alt_item") == set()
    assert list(V4.objects.order_by("id").values_list("name", flat=True)) == ["a", "b"]


# -- alter_field --------------------------------------------------------------------------------
def test_alter_field_renames_the_column_and_its_named_objects(env: Env) -> None:
    """A column rename keeps the rows and renames the field's index and unique constraint,
    and a unique_together over it, to the names the new column gives them."""

    class Before(models.Model):
        title = models.CharField(max_length=20, db_index=True)
        code = models.CharField(max_length=20, unique=True)
        kind = models.CharField(max_length=20)
        Meta = _meta(unique_together=[("code", "kind")])

    class After(models.Model):
        title = models.CharField(max_length=20, db_index=True, db_column="heading")
        reference = models.CharField(max_length=20, unique=True)
        kind = models.CharField(max_length=20)
        Meta = _meta(unique_together=[("reference", "kind")])

    env.create(Before)
    Before.objects.create(title="t1", code="c1", kind="k")
    env.run(env.editor.alter_field(
        Before, After, Before._meta.get_field("title"), After._meta.get_field("title")
    ))
    # The state of the table is now Before with title renamed: alter code -> reference next.
    class Mid(models.Model):
        title = models.CharField(max_length=20, db_index=True, db_column="heading")
        code = models.CharField(max_length=20, unique=True)
        kind = models.CharField(max_length=20)
        Meta = _meta(unique_together=[("code", "kind")])

    env.run(env.editor.alter_field(
        Mid, After, Mid._meta.get_field("code"), After._meta.get_field("reference")
    ))
    assert set(env.columns("alt_item")) == {"id", "heading", "reference", "kind"}
    assert env.indexes("alt_item") == {index_name("alt_item", ["heading"], "idx")}
    assert env.constraints("alt_item") >= {
        index_name("alt_item", ["reference"], "uniq"),
        index_name("alt_item", ["reference", "kind"], "uniq"),
    }
    assert not any("code" in name for name in env.constraints("alt_item"))
    assert list(After.objects.values_list("title", "reference", "kind")) == [("t1", "c1", "k")]
    with pytest.raises(orm.IntegrityError):
        After.objects.create(title="t2", reference="c1", kind="other")


def test_alter_field_renames_an_indexed_column_in_place(env: Env) -> None:
    """Renaming a column that only has an index is done in place (SQLite too: RENAME COLUMN
    and the index under its new name); an unchanged field gives no statements."""

    class Before(models.Model):
        title = models.CharField(max_length=20, db_index=True)
        Meta = _meta()

    class After(models.Model):
        heading = models.CharField(max_length=20, db_index=True)
        Meta = _meta()

    env.create(Before)
    Before.objects.create(title="t")
    old, new = Before._meta.get_field("title"), After._meta.get_field("heading")
    assert env.editor.alter_field(Before, Before, old, old) == []
    statements = env.editor.alter_field(Before, After, old, new)
    assert not any("new__" in sql for sql in _sql_texts(statements))
    env.run(statements)
    assert env.indexes("alt_item") == {index_name("alt_item", ["heading"], "idx")}
    assert list(After.objects.values_list("heading", flat=True)) == ["t"]


def test_alter_field_changes_the_type(env: Env) -> None:
    """A CharField holding digits becomes an IntegerField; values convert, rows survive."""

    class Before(models.Model):
        amount = models.CharField(max_length=10)
        Meta = _meta()

    class After(models.Model):
        amount = models.IntegerField()
        Meta = _meta()

    env.create(Before)
    Before.objects.create(amount="12")
    Before.objects.create(amount="7")
    env.run(env.editor.alter_field(
        Before, After, Before._meta.get_field("amount"), After._meta.get_field("amount")
    ))
    assert env.columns("alt_item")["amount"][0] == "integer"
    assert list(After.objects.order_by("amount").values_list("amount", flat=True)) == [7, 12]
    assert After.objects.filter(amount__gt=8).count() == 1


def test_alter_field_positive_integer_gains_and_loses_its_check(env: Env) -> None:
    """IntegerField -> PositiveIntegerField adds the named type CHECK, and back drops it."""

    class Plain(models.Model):
        count = models.IntegerField()
        Meta = _meta()

    class Positive(models.Model):
        count = models.PositiveIntegerField()
        Meta = _meta()

    check = index_name("alt_item", ["count"], "check")
    env.create(Plain)
    Plain.objects.create(count=1)
    env.run(env.editor.alter_field(
        Plain, Positive, Plain._meta.get_field("count"), Positive._meta.get_field("count")
    ))
    assert check in env.constraints("alt_item")
    with pytest.raises(orm.IntegrityError):
        Positive.objects.create(count=-1)
    env.run(env.editor.alter_field(
        Positive, Plain, Positive._meta.get_field("count"), Plain._meta.get_field("count")
    ))
    assert check not in env.constraints("alt_item")
    Plain.objects.create(count=-1)
    assert sorted(Plain.objects.values_list("count", flat=True)) == [-1, 1]


def test_alter_field_null_to_not_null_fills_nulls_with_the_default(env: Env) -> None:
    """null -> NOT NULL with a default: NULLs become the default (a parameter), other values
    stay; NOT NULL -> null lets NULL in again."""

    class Before(models.Model):
        motto = models.CharField(max_length=30, null=True)
        Meta = _meta()

    class After(models.Model):
        motto = models.CharField(max_length=30, default="l'eau")
        Meta = _meta()

    env.create(Before)
    Before.objects.create(motto=None)
    Before.objects.create(motto="kept")
    statements = env.editor.alter_field(
        Before, After, Before._meta.get_field("motto"), After._meta.get_field("motto")
    )
    assert all("l'eau" not in sql for sql in _sql_texts(statements))
    env.run(statements)
    assert env.columns("alt_item")["motto"][1] is False
    assert list(After.objects.order_by("id").values_list("motto", flat=True)) == ["l'eau", "kept"]
    env.run(env.editor.alter_field(
        After, Before, After._meta.get_field("motto"), Before._meta.get_field("motto")
    ))
    assert env.columns("alt_item")["motto"][1] is True
    Before.objects.create(motto=None)
    assert Before.objects.filter(motto__isnull=True).count() == 1


def test_alter_field_null_to_not_null_without_default_refuses_nulls(env: Env) -> None:
    """Without a default, NULLs are not invented: the change fails and is rolled back."""

    class Before(models.Model):
        motto = models.CharField(max_length=30, null=True)
        Meta = _meta()

    class After(models.Model):
        motto = models.CharField(max_length=30)
        Meta = _meta()

    env.create(Before)
    Before.objects.create(motto=None)
    with pytest.raises(orm.IntegrityError):
        env.run(env.editor.alter_field(
            Before, After, Before._meta.get_field("motto"), After._meta.get_field("motto")
        ))
    assert env.columns("alt_item")["motto"][1] is True
    assert Before.objects.count() == 1


def test_alter_field_unique_and_db_index_come_and_go(env: Env) -> None:
    """unique -> db_index and db_index -> unique swap the named constraint and index."""

    class Before(models.Model):
        code = models.CharField(max_length=20, unique=True)
        tag = models.CharField(max_length=20, db_index=True)
        Meta = _meta()

    class Mid(models.Model):
        code = models.CharField(max_length=20, db_index=True)
        tag = models.CharField(max_length=20, db_index=True)
        Meta = _meta()

    class After(models.Model):
        code = models.CharField(max_length=20, db_index=True)
        tag = models.CharField(max_length=20, unique=True)
        Meta = _meta()

    env.create(Before)
    Before.objects.create(code="c", tag="t")
    env.run(env.editor.alter_field(
        Before, Mid, Before._meta.get_field("code"), Mid._meta.get_field("code")
    ))
    env.run(env.editor.alter_field(
        Mid, After, Mid._meta.get_field("tag"), After._meta.get_field("tag")
    ))
    assert env.indexes("alt_item") == {index_name("alt_item", ["code"], "idx")}
    assert index_name("alt_item", ["tag"], "uniq") in env.constraints("alt_item")
    assert index_name("alt_item", ["code"], "uniq") not in env.constraints("alt_item")
    After.objects.create(code="c", tag="t2")  # code is no longer unique
    with pytest.raises(orm.IntegrityError):
        After.objects.create(code="d", tag="t")
    assert After.objects.count() == 2


def test_alter_field_moves_a_foreign_key_to_another_table(env: Env) -> None:
    """Pointing a foreign key at another model re-creates its constraint there."""
    Owner = _owner_model()

    class Keeper(models.Model):
        name = models.CharField(max_length=20)
        Meta = _meta("alt_keeper")

    class Before(models.Model):
        owner = models.ForeignKey(Owner, models.CASCADE)
        Meta = _meta()

    class After(models.Model):
        owner = models.ForeignKey(Keeper, models.CASCADE)
        Meta = _meta()

    env.create(Owner, Keeper, Before)
    owner = Owner.objects.create(name="o")
    keeper = Keeper.objects.create(name="k")
    assert owner.pk == keeper.pk
    Before.objects.create(owner=owner)
    env.run(env.editor.alter_field(
        Before, After, Before._meta.get_field("owner"), After._meta.get_field("owner")
    ))
    assert env.foreign_keys("alt_item") == {("owner_id", "alt_keeper")}
    assert After.objects.get().owner.name == "k"
    Owner.objects.create(name="o2")  # an id alt_keeper does not have
    with pytest.raises(orm.IntegrityError):
        with orm.atomic():
            After.objects.create(owner_id=keeper.pk + 1)


def test_alter_field_foreign_key_becomes_not_null_with_a_default(env: Env) -> None:
    """A nullable foreign key made NOT NULL with a default: NULLs point at the default row
    (on PostgreSQL the deferred checks of that UPDATE run before the ALTER)."""
    Owner = _owner_model()

    class Before(models.Model):
        owner = models.ForeignKey(Owner, models.CASCADE, null=True)
        Meta = _meta()

    env.create(Owner, Before)
    first = Owner.objects.create(name="first")
    second = Owner.objects.create(name="second")

    class After(models.Model):
        owner = models.ForeignKey(Owner, models.CASCADE, default=first.pk)
        Meta = _meta()

    Before.objects.create(owner=None)
    Before.objects.create(owner=second)
    env.run(env.editor.alter_field(
        Before, After, Before._meta.get_field("owner"), After._meta.get_field("owner")
    ))
    assert env.columns("alt_item")["owner_id"][1] is False
    assert list(After.objects.order_by("id").values_list("owner_id", flat=True)) == [
        first.pk, second.pk,
    ]


def test_alter_field_auto_to_big_auto_primary_key(env: Env) -> None:
    """AutoField -> BigAutoField widens the key (PostgreSQL) and keeps numbering rows."""

    class Before(models.Model):
        id = models.AutoField(primary_key=True)
        name = models.CharField(max_length=20)
        Meta = _meta()

    class After(models.Model):
        id = models.BigAutoField(primary_key=True)
        name = models.CharField(max_length=20)
        Meta = _meta()

    env.create(Before)
    first = Before.objects.create(name="a")
    if env.is_postgres:
        assert env.columns("alt_item")["id"][0] == "integer"
    env.run(env.editor.alter_field(
        Before, After, Before._meta.get_field("id"), After._meta.get_field("id")
    ))
    if env.is_postgres:
        assert env.columns("alt_item")["id"][0] == "bigint"
    second = After.objects.create(name="b")
    assert second.pk > first.pk
    assert list(After.objects.order_by("id").values_list("name", flat=True)) == ["a", "b"]


def test_alter_many_to_many_renames_join_table_and_its_key(env: Env) -> None:
    """A many-to-many whose model was renamed (same table): the join table's key column to
    it is renamed, with its named constraints; a new db_table renames the join table."""

    class Tag(models.Model):
        label = models.CharField(max_length=20)
        Meta = _meta("alt_tag")

    class Before(models.Model):
        tags = models.ManyToManyField(Tag, db_table="alt_links")
        Meta = _meta()

    class After(models.Model):
        tags = models.ManyToManyField(Tag, db_table="alt_links2")
        Meta = _meta()

    env.create(Tag, Before)
    item, tag = Before.objects.create(), Tag.objects.create(label="t")
    item.tags.add(tag)
    env.run(env.editor.alter_field(
        Before, After, Before._meta.get_field("tags"), After._meta.get_field("tags")
    ))
    assert not env.table_exists("alt_links")
    assert set(env.columns("alt_links2")) == {"id", "after_id", "tag_id"}
    assert env.foreign_keys("alt_links2") == {("after_id", "alt_item"), ("tag_id", "alt_tag")}
    assert env.constraints("alt_links2") >= {
        index_name("alt_links2", ["after_id", "tag_id"], "uniq"),
        index_name("alt_links2", ["after_id"], "fk"),
    }
    after = After.objects.get()
    assert [t.label for t in after.tags.all()] == ["t"]
    with pytest.raises(orm.IntegrityError):
        env.write('INSERT INTO "alt_links2" ("after_id", "tag_id") VALUES (%s, %s)',
                  [after.pk, tag.pk])


# -- rename_table -------------------------------------------------------------------------------
def test_rename_table_renames_named_objects_and_keeps_references(env: Env) -> None:
    """The table, its deterministic indexes and constraints take the new table's names (named
    Meta.indexes keep theirs); rows survive and foreign keys from other tables follow."""
    Owner = _owner_model()
    options = {
        "unique_together": [("code", "kind")],
        "indexes": [models.Index(fields=["kind", "-count"]), models.Index(fields=["code"], name="alt_named")],
    }

    class Before(models.Model):
        code = models.CharField(max_length=20, unique=True)
        kind = models.CharField(max_length=20, db_index=True)
        count = models.PositiveIntegerField(default=0)
        owner = models.ForeignKey(Owner, models.CASCADE)
        Meta = _meta(**options)

    class After(models.Model):
        code = models.CharField(max_length=20, unique=True)
        kind = models.CharField(max_length=20, db_index=True)
        count = models.PositiveIntegerField(default=0)
        owner = models.ForeignKey(Owner, models.CASCADE)
        Meta = _meta("alt_thing", **options)

    class Child(models.Model):
        item = models.ForeignKey(Before, models.CASCADE)
        Meta = _meta("alt_child")

    env.create(Owner, Before, Child)
    owner = Owner.objects.create(name="o")
    item = Before.objects.create(code="c", kind="k", owner=owner)
    Child.objects.create(item=item)
    env.run(env.editor.rename_table(Before, After))
    assert not env.table_exists("alt_item")
    expected = {obj.name for obj in env.editor.schema_objects(After).values()}
    found = env.indexes("alt_thing") | env.constraints("alt_thing")
    assert found == expected | {"alt_named"}
    assert all("alt_item" not in name for name in found)
    assert env.foreign_keys("alt_child") == {("item_id", "alt_thing")}
    assert list(After.objects.values_list("code", "kind", "owner_id")) == [("c", "k", owner.pk)]
    with pytest.raises(orm.IntegrityError):
        After.objects.create(code="c", kind="k2", owner=owner)
    with pytest.raises(orm.IntegrityError):
        env.write('INSERT INTO "alt_child" ("item_id") VALUES (%s)', [item.pk + 100])


# -- indexes, constraints, unique_together ------------------------------------------------------
def test_add_and_remove_index(env: Env) -> None:
    """Meta.indexes entries, named and unnamed, are created and dropped by name."""

    class Item(models.Model):
        code = models.CharField(max_length=20)
        kind = models.CharField(max_length=20)
        Meta = _meta()

    env.create(Item)
    unnamed = models.Index(fields=["code", "-kind"])
    named = models.Index(fields=["kind"], name="alt_item_kind_named")
    env.run(env.editor.add_index(Item, unnamed) + env.editor.add_index(Item, named))
    assert env.indexes("alt_item") == {
        index_name("alt_item", ["code", "-kind"], "idx"), "alt_item_kind_named",
    }
    env.run(env.editor.remove_index(Item, unnamed) + env.editor.remove_index(Item, named))
    assert env.indexes("alt_item") == set()


def test_add_and_remove_constraints(env: Env) -> None:
    """UniqueConstraint and CheckConstraint are added (enforced from then on, rows kept) and
    removed by name."""

    class Before(models.Model):
        code = models.CharField(max_length=20)
        price = models.IntegerField()
        Meta = _meta()

    unique = models.UniqueConstraint(fields=["code"], name="alt_code_unique")
    check = models.CheckConstraint(check=models.Q(price__gte=0), name="alt_price_check")

    class Mid(models.Model):
        code = models.CharField(max_length=20)
        price = models.IntegerField()
        Meta = _meta(constraints=[unique])

    class After(models.Model):
        code = models.CharField(max_length=20)
        price = models.IntegerField()
        Meta = _meta(constraints=[unique, check])

    env.create(Before)
    Before.objects.create(code="a", price=1)
    env.run(env.editor.add_constraint(Before, Mid, unique))
    env.run(env.editor.add_constraint(Mid, After, check))
    assert env.constraints("alt_item") >= {"alt_code_unique", "alt_price_check"}
    with pytest.raises(orm.IntegrityError):
        After.objects.create(code="a", price=2)
    with pytest.raises(orm.IntegrityError):
        After.objects.create(code="b", price=-1)
    env.run(env.editor.remove_constraint(After, Mid, check))
    env.run(env.editor.remove_constraint(Mid, Before, unique))
    assert not env.constraints("alt_item") & {"alt_code_unique", "alt_price_check"}
    Before.objects.create(code="a", price=-1)
    assert Before.objects.count() == 2


def test_alter_unique_together(env: Env) -> None:
    """Groups leave and arrive as named unique constraints; rows survive."""

    class Before(models.Model):
        a = models.CharField(max_length=20)
        b = models.CharField(max_length=20)
        Meta = _meta(unique_together=[("a", "b")])

    class After(models.Model):
        a = models.CharField(max_length=20)
        b = models.CharField(max_length=20)
        Meta = _meta(unique_together=[("b", "a")])

    env.create(Before)
    Before.objects.create(a="x", b="y")
    env.run(env.editor.alter_unique_together(
        Before, After, Before._meta.unique_together, After._meta.unique_together
    ))
    names = env.constraints("alt_item")
    assert index_name("alt_item", ["b", "a"], "uniq") in names
    assert index_name("alt_item", ["a", "b"], "uniq") not in names
    with pytest.raises(orm.IntegrityError):
        After.objects.create(a="x", b="y")
    assert env.editor.alter_unique_together(Before, Before, [("a", "b")], [("a", "b")]) == []
    assert list(After.objects.values_list("a", "b")) == [("x", "y")]


# -- table rebuilds (SQLite) as seen from outside -----------------------------------------------
def test_rebuild_keeps_references_and_the_autoincrement_high_water_mark(env: Env) -> None:
    """Rebuilding a table other tables point at (adding a NOT NULL field) keeps those
    references valid and enforced, and ids of rows deleted before are not handed out again."""

    class Before(models.Model):
        name = models.CharField(max_length=20)
        Meta = _meta()

    class After(models.Model):
        name = models.CharField(max_length=20)
        rank = models.IntegerField(default=5)
        Meta = _meta()

    class Child(models.Model):
        item = models.ForeignKey(Before, models.CASCADE)
        Meta = _meta("alt_child")

    env.create(Before, Child)
    kept = Before.objects.create(name="kept")
    gone = Before.objects.create(name="gone")
    Child.objects.create(item=kept)
    gone_id = gone.pk
    gone.delete()
    env.run(env.editor.add_field(Before, After, After._meta.get_field("rank")))
    assert After.objects.create(name="new").pk > gone_id
    assert list(After.objects.order_by("id").values_list("name", "rank")) == [
        ("kept", 5), ("new", 5),
    ]
    assert env.foreign_keys("alt_child") == {("item_id", "alt_item")}
    with pytest.raises(orm.IntegrityError):
        env.write('INSERT INTO "alt_child" ("item_id") VALUES (%s)', [gone_id])

