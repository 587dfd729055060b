"""Loading migration files from app packages (fresh on every load), the errors for broken
files and unknown dependencies, and the history table's SQL run on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
import sqlite3
import sys
import textwrap
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from backends.postgresql.dialect import PostgreSQLDialect
from backends.sqlite.dialect import SQLiteDialect
from migrations import recorder
from migrations.graph import NodeNotFoundError
from migrations.loader import MigrationLoader, MigrationLoadError
from migrations.migration import Migration
from tests.conftest import POSTGRES_URL

MakeApp = Callable[..., str]


@pytest.fixture
def make_app(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[MakeApp]:
    """make_app(files={"0001_initial": source}) creates an app package with a unique name
    under tmp_path (on sys.path for the test) and returns the package name. Modules it
    imported are forgotten afterwards."""
    monkeypatch.syspath_prepend(str(tmp_path))
    made: list[str] = []

    def make(files: dict[str, str] | None = None, init: bool = True) -> str:
        package = f"loadapp_{uuid.uuid4().hex[:10]}"
        root = tmp_path / package
        root.mkdir()
        (root / "__init__.py").write_text("")
        if files is not None:
            (root / "migrations").mkdir()
            if init:
                (root / "migrations" / "__init__.py").write_text("")
            for name, source in files.items():
                write(package, name, source)
        made.append(package)
        return package

    def write(package: str, name: str, source: str) -> None:
        (tmp_path / package / "migrations" / f"{name}.py").write_text(textwrap.dedent(source))

    make.write = write  # type: ignore[attr-defined]
    make.root = tmp_path  # type: ignore[attr-defined]
    yield make
    for name in [m for m in sys.modules if m.split(".")[0] in made]:
        del sys.modules[name]


def migration_source(*dependencies: tuple[str, str], extra: str = "") -> str:
    deps = "".join(f"        ({a!r}, {n!r}),\n" for a, n in dependencies)
    return (
        "import migrations\n\n\n"
        "class Migration(migrations.Migration):\n"
        f"    dependencies = [\n{deps}    ]\n"
        f"    operations = []\n{extra}"
    )


def test_load_two_apps(make_app):
    """Two apps load into one graph: Migration instances keyed by (app, name) with the
    file's name and the app's label, cross-app dependencies as edges, files that are not
    migrations (helpers, __init__) ignored."""
    blog = make_app({
        "0001_initial": migration_source(),
        "0002_slug": migration_source(("blog", "0001_initial")),
        "helpers": "X = 1\n",
    })
    shop = make_app({"0001_initial": migration_source(("blog", "0002_slug"))})
    loader = MigrationLoader({"blog": blog, "shop": shop})
    graph = loader.load()
    assert graph is loader.graph
    assert sorted(loader.disk_migrations) == [
        ("blog", "0001_initial"), ("blog", "0002_slug"), ("shop", "0001_initial"),
    ]
    migration = loader.disk_migrations[("blog", "0002_slug")]
    assert isinstance(migration, Migration)
    assert (migration.app_label, migration.name) == ("blog", "0002_slug")
    assert migration.dependencies == [("blog", "0001_initial")]
    assert graph.nodes[("blog", "0002_slug")] is migration
    assert graph.forwards_plan(("shop", "0001_initial")) == [
        ("blog", "0001_initial"), ("blog", "0002_slug"), ("shop", "0001_initial"),
    ]
    assert graph.leaf_nodes("blog") == [("blog", "0002_slug")]


def test_app_without_migrations_loads_empty(make_app):
    """An app with no migrations directory (or an empty one) has no migrations and is not an
    error; a migrations directory without __init__.py still loads."""
    bare = make_app()
    empty = make_app({})
    no_init = make_app({"0001_initial": migration_source()}, init=False)
    loader = MigrationLoader({"bare": bare, "empty": empty, "noinit": no_init})
    loader.load()
    assert list(loader.disk_migrations) == [("noinit", "0001_initial")]


def test_reload_sees_added_changed_and_removed_files(make_app):
    """load() again in the same process reads the files as they are now: a new file appears,
    a file rewritten at once (same size, same second) is read anew, a deleted one is gone."""
    blog = make_app({"0001_initial": migration_source(extra="    initial = True\n")})
    loader = MigrationLoader({"blog": blog})
    loader.load()
    assert list(loader.disk_migrations) == [("blog", "0001_initial")]
    assert loader.disk_migrations[("blog", "0001_initial")].initial is True

    make_app.write(blog, "0002_more", migration_source(("blog", "0001_initial")))
    make_app.write(blog, "0001_initial", migration_source(extra="    initial = None\n"))
    loader.load()
    assert sorted(loader.disk_migrations) == [("blog", "0001_initial"), ("blog", "0002_more")]
    assert loader.disk_migrations[("blog", "0001_initial")].initial is None
    assert loader.graph.leaf_nodes("blog") == [("blog", "0002_more")]

    (make_app.root / blog / "migrations" / "0002_more.py").unlink()
    loader.load()
    assert list(loader.disk_migrations) == [("blog", "0001_initial")]
    assert f"{blog}.migrations.0002_more" not in sys.modules


def test_a_file_that_fails_to_import_is_named(make_app):
    """A syntax error or an exception raised at import is a MigrationLoadError naming the
    file, chained to the original error."""
    blog = make_app({"0001_initial": migration_source(), "0002_broken": "class Migration(:\n"})
    with pytest.raises(MigrationLoadError, match="0002_broken.py") as info:
        MigrationLoader({"blog": blog}).load()
    assert isinstance(info.value.__cause__, SyntaxError)

    make_app.write(blog, "0002_broken", "import migrations\nraise RuntimeError('boom')\n")
    with pytest.raises(MigrationLoadError, match="0002_broken.py.*boom"):
        MigrationLoader({"blog": blog}).load()
    assert f"{blog}.migrations.0002_broken" not in sys.modules


def test_a_file_without_a_migration_class_is_an_error(make_app):
    """A numbered module that defines no Migration subclass is named in the error."""
    blog = make_app({"0001_initial": "Migration = 42\n"})
    with pytest.raises(MigrationLoadError, match="0001_initial.py.*no class Migration"):
        MigrationLoader({"blog": blog}).load()


def test_dependency_on_an_unknown_app_names_it(make_app):
    """A dependency on an app that is not configured is an error naming the migration and
    the app."""
    blog = make_app({"0001_initial": migration_source(("payments", "0001_initial"))})
    with pytest.raises(MigrationLoadError) as info:
        MigrationLoader({"blog": blog}).load()
    message = str(info.value)
    assert "blog.0001_initial" in message and "'payments'" in message


def test_dependency_on_a_missing_migration_names_it(make_app):
    """A dependency on a migration that does not exist in a known app is a NodeNotFoundError
    naming both migrations."""
    blog = make_app({"0001_initial": migration_source(("blog", "0000_ghost"))})
    with pytest.raises(NodeNotFoundError, match="blog.0001_initial.*blog.0000_ghost"):
        MigrationLoader({"blog": blog}).load()


def test_malformed_dependency_is_an_error(make_app):
    """A dependency that is not an (app, name) pair is named with its file."""
    blog = make_app({"0001_initial": "import migrations\n\n\nclass Migration(migrations.Migration):\n    dependencies = ['blog']\n"})
    with pytest.raises(MigrationLoadError, match="0001_initial.py.*'blog'"):
        MigrationLoader({"blog": blog}).load()


def test_migrations_dir_ensure_and_next_number(make_app):
    """migrations_dir() is <package>/migrations, ensure_migrations_dir() creates it with an
    __init__.py, next_number() is one past the highest numbered file."""
    blog = make_app()
    loader = MigrationLoader({"blog": blog})
    directory = loader.migrations_dir("blog")
    assert directory == make_app.root / blog / "migrations"
    assert not directory.exists()
    assert loader.next_number("blog") == 1
    assert loader.ensure_migrations_dir("blog") == directory
    assert (directory / "__init__.py").is_file()
    make_app.write(blog, "0001_initial", migration_source())
    make_app.write(blog, "0007_jump", migration_source(("blog", "0001_initial")))
    assert loader.next_number("blog") == 8
    loader.load()
    assert loader.get_by_prefix("blog", "0007").name == "0007_jump"
    with pytest.raises(MigrationLoadError, match="unknown app 'nope'"):
        loader.migrations_dir("nope")


def test_an_app_that_is_not_a_package_is_an_error():
    """An app whose package cannot be found is a clear error naming it."""
    loader = MigrationLoader({"ghost": "no_such_package_h3"})
    with pytest.raises(MigrationLoadError, match="no_such_package_h3"):
        loader.migrations_dir("ghost")
    with pytest.raises(MigrationLoadError, match="no_such_package_h3"):
        loader.load()


# -- the history table -------------------------------------------------------------------------
def test_history_sql_quotes_identifiers_and_passes_values_as_parameters():
    """The builders quote every identifier with the dialect and never put a value in SQL."""
    dialect = SQLiteDialect()
    assert recorder.create_table_sql(dialect).startswith('CREATE TABLE IF NOT EXISTS "orm_migrations" (')
    assert recorder.applied_sql(dialect) == (
        'SELECT "app", "name" FROM "orm_migrations" ORDER BY "id"'
    )
    when = dt.datetime(2026, 1, 2, 3, 4, 5, tzinfo=dt.timezone.utc)
    sql, params = recorder.record_applied(dialect, "bl'og", "0001_x", now=when)
    assert "bl'og" not in sql and sql.count("%s") == 3
    assert params[:2] == ["bl'og", "0001_x"]
    sql, params = recorder.record_unapplied(dialect, "blog", "0001_x")
    assert sql == 'DELETE FROM "orm_migrations" WHERE "app" = %s AND "name" = %s'
    assert params == ["blog", "0001_x"]
    assert '"applied" timestamp with time zone' in recorder.create_table_sql(PostgreSQLDialect())
    assert '"applied" text' in recorder.create_table_sql(dialect)


def test_history_table_on_sqlite(tmp_path: Path):
    """On SQLite the table is created (twice, harmlessly), rows are recorded in order with a
    UTC time, and unrecording removes exactly one."""
    dialect = SQLiteDialect()
    connection = sqlite3.connect(tmp_path / "history.db")
    try:
        def run(sql: str, params: list[object] | None = None) -> list[tuple[object, ...]]:
            return connection.execute(dialect.finalize_sql(sql), params or []).fetchall()

        assert run(*recorder.table_exists_sql(dialect)) == []
        run(recorder.create_table_sql(dialect))
        run(recorder.create_table_sql(dialect))
        assert run(*recorder.table_exists_sql(dialect)) == [(1,)]
        for name in ("0001_initial", "0002_b", "0003_c"):
            run(*recorder.record_applied(dialect, "blog", name))
        run(*recorder.record_unapplied(dialect, "blog", "0002_b"))
        assert run(recorder.applied_sql(dialect)) == [("blog", "0001_initial"), ("blog", "0003_c")]
        (applied,) = run('SELECT "applied" FROM "orm_migrations" LIMIT 1')[0]
        stamp = dt.datetime.fromisoformat(str(applied))
        stamp = stamp if stamp.tzinfo else stamp.replace(tzinfo=dt.timezone.utc)
        assert abs(dt.datetime.now(dt.timezone.utc) - stamp) < dt.timedelta(hours=1)
    finally:
        connection.close()


def test_history_table_on_postgresql():
    """On PostgreSQL the same SQL works with psycopg; the applied time is a timestamptz.
    Everything runs in a transaction that is rolled back, so a shared database keeps no
    trace and other tests' history rows are never touched."""
    if not POSTGRES_URL:
        pytest.skip("ORM_TEST_POSTGRES_URL is not set")
    import psycopg

    dialect = PostgreSQLDialect()
    app = f"h3_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(POSTGRES_URL, connect_timeout=10) as connection:
        try:
            with connection.cursor() as cursor:
                cursor.execute(recorder.create_table_sql(dialect))
                cursor.execute(recorder.create_table_sql(dialect))
                cursor.execute(*recorder.table_exists_sql(dialect))
                assert cursor.fetchall() == [(1,)]
                for name in ("0001_initial", "0002_b", "0003_c"):
                    cursor.execute(*recorder.record_applied(dialect, app, name))
                cursor.execute(*recorder.record_unapplied(dialect, app, "0002_b"))
                cursor.execute(recorder.applied_sql(dialect))
                rows = [row for row in cursor.fetchall() if row[0] == app]
                assert rows == [(app, "0001_initial"), (app, "0003_c")]
                cursor.execute(
                    'SELECT "applied" FROM "orm_migrations" WHERE "app" = %s LIMIT 1', [app]
                )
                (applied,) = cursor.fetchone()  # type: ignore[misc]
                assert applied.tzinfo is not None
                assert abs(dt.datetime.now(dt.timezone.utc) - applied) < dt.timedelta(hours=1)
        finally:
            connection.rollback()
