"""A throwaway project for end-to-end tests of the ``orm`` command line.

Each project has its own app package (a unique name, so tables and history rows of different
tests never meet on a shared PostgreSQL database), a pyproject.toml with ``[tool.orm]``, and
models written by the test. The command line runs in a subprocess, as a user runs it. The
test process reads the database back by introspection and compares it with the models,
imported into a private model registry.
"""

from __future__ import annotations

import importlib
import os
import subprocess
import sys
import textwrap
import uuid
from pathlib import Path
from typing import Any

import orm
from backends.base.introspection import Schema, introspect
from orm.model import registry

REPO = Path(__file__).resolve().parents[2]


class Project:
    def __init__(self, root: Path, vendor: str, postgres_url: str) -> None:
        self.vendor = vendor
        self.app = f"shop{uuid.uuid4().hex[:8]}"
        self.root = root
        self.package = root / self.app
        self.package.mkdir(parents=True)
        (self.package / "__init__.py").write_text("")
        self.url = f"sqlite:///{root / 'db.sqlite3'}" if vendor == "sqlite" else postgres_url
        self.apps = [self.app]
        self._write_pyproject()

    def _write_pyproject(self) -> None:
        apps = ", ".join(f'"{a}"' for a in self.apps)
        (self.root / "pyproject.toml").write_text(
            f'[project]\nname = "{self.app}"\n\n[tool.orm]\napps = [{apps}]\n\n'
            f'[tool.orm.databases]\ndefault = "{self.url}"\n'
        )

    def add_app(self, suffix: str, models_source: str) -> str:
        """A second app package in the project; ``{app}`` and ``{other}`` in its models become
        the first app's name and its own."""
        name = f"{self.app}{suffix}"
        package = self.root / name
        package.mkdir()
        (package / "__init__.py").write_text("")
        source = textwrap.dedent(models_source).replace("{app}", self.app).replace("{other}", name)
        (package / "models.py").write_text("from orm import models\n\n\n" + source)
        self.apps.append(name)
        self._write_pyproject()
        return name

    # -- files ------------------------------------------------------------------------------
    def write_models(self, source: str) -> None:
        """Write the app's models.py; ``{app}`` in the source becomes the app's name."""
        (self.package / "models.py").write_text(
            "from orm import models\n\n\n" + textwrap.dedent(source).replace("{app}", self.app)
        )

    @property
    def migrations_dir(self) -> Path:
        return self.package / "migrations"

    def migration_files(self) -> list[str]:
        if not self.migrations_dir.is_dir():
            return []
        return sorted(p.stem for p in self.migrations_dir.glob("[0-9][0-9][0-9][0-9]_*.py"))

    def write_migration(self, name: str, source: str) -> None:
        self.migrations_dir.mkdir(exist_ok=True)
        (self.migrations_dir / "__init__.py").touch()
        (self.migrations_dir / f"{name}.py").write_text(textwrap.dedent(source).replace("{app}", self.app))

    # -- the command line -------------------------------------------------------------------
    def run(self, *args: str, input: str | None = None, expect: int | None = 0) -> subprocess.CompletedProcess[str]:
        # Only the repository on the path: the command line must find the project by itself.
        env = {**os.environ, "PYTHONPATH": str(REPO)}
        env.pop("DATABASE_URL", None)
        result = subprocess.run(
            [sys.executable, "-m", "migrations", *args],
            cwd=self.root,
            env=env,
            input=input,
            capture_output=True,
            text=True,
            timeout=120,
        )
        if expect is not None:
            assert result.returncode == expect, (
                f"orm {' '.join(args)} exited {result.returncode}, not {expect}\n"
                f"stdout:\n{result.stdout}\nstderr:\n{result.stderr}"
            )
        return result

    # -- the database, read back ------------------------------------------------------------
    def schema(self) -> Schema:
        """Every table of this project's apps (their names start with the first app's)."""
        orm.setup(databases={"default": self.url})
        try:
            tables = introspect(orm.connections["default"])
        finally:
            orm.close()
        return {name: t for name, t in tables.items() if name.startswith(self.app)}

    def history(self) -> list[str]:
        orm.setup(databases={"default": self.url})
        try:
            database = orm.connections["default"]
            rows = database.fetch(
                'SELECT "app", "name" FROM "orm_migrations" WHERE "app" LIKE %s ORDER BY "id"',
                [self.app + "%"],
            )
        except orm.DatabaseError:
            return []
        finally:
            orm.close()
        return [str(r[1]) if r[0] == self.app else f"{r[0]}.{r[1]}" for r in rows]

    def sql(self, sql: str, params: list[Any] | None = None) -> list[tuple[Any, ...]]:
        orm.setup(databases={"default": self.url})
        try:
            database = orm.connections["default"]
            if sql.lstrip().upper().startswith("SELECT"):
                return [tuple(r) for r in database.fetch(sql, params or [])]
            database.execute(sql, params or [])
            return []
        finally:
            orm.close()

    def models(self) -> dict[str, Any]:
        """The apps' current models.py, imported into a private registry: name -> model."""
        sys.path.insert(0, str(self.root))
        try:
            for name in [m for m in sys.modules if m.startswith(self.app)]:
                del sys.modules[name]
            importlib.invalidate_caches()
            private = registry.Registry()
            with registry.using(private):
                for app in self.apps:
                    importlib.import_module(f"{app}.models")
        finally:
            sys.path.remove(str(self.root))
        return {m.__name__: m for app in self.apps for m in private.get_models(app)}

    def cleanup(self) -> None:
        """Drop whatever this project left in the database (PostgreSQL is shared)."""
        if self.vendor != "postgresql":
            return
        orm.setup(databases={"default": self.url})
        try:
            database = orm.connections["default"]
            for name in self.schema_names():
                database.execute(f'DROP TABLE IF EXISTS "{name}" CASCADE')
            try:
                database.execute('DELETE FROM "orm_migrations" WHERE "app" LIKE %s', [self.app + "%"])
            except orm.DatabaseError:
                pass
        finally:
            orm.close()

    def schema_names(self) -> list[str]:
        database = orm.connections["default"]
        rows = database.fetch(
            "SELECT tablename FROM pg_tables WHERE schemaname = current_schema() AND tablename LIKE %s",
            [self.app + "%"],
        )
        return [str(r[0]) for r in rows]


def expected_mismatches(models: dict[str, Any], schema: Schema) -> list[str]:
    """How the tables differ from what the models say (empty when they match)."""
    problems: list[str] = []
    expected_tables: set[str] = set()
    for model in models.values():
        meta = model._meta
        tables = [meta.db_table] + [
            f.through._meta.db_table for f in meta.local_many_to_many if f.through._meta.auto_created
        ]
        expected_tables.update(tables)
        table = schema.get(meta.db_table)
        if table is None:
            problems.append(f"table {meta.db_table} of {meta.object_name} is missing")
            continue
        columns = [f.column for f in meta.local_concrete_fields]
        if set(table.columns) != set(columns):
            problems.append(f"{meta.db_table}: columns {sorted(table.columns)} != model's {sorted(columns)}")
            continue
        for f in meta.local_concrete_fields:
            column = table.columns[f.column]
            if not f.primary_key and column.null != f.null:
                problems.append(f"{meta.db_table}.{f.column}: null={column.null}, model says {f.null}")
            if f.primary_key and not column.primary_key:
                problems.append(f"{meta.db_table}.{f.column} is not the primary key")
        uniques = {i.columns for i in table.indexes.values() if i.unique}
        plain = {i.columns for i in table.indexes.values()}
        for f in meta.local_concrete_fields:
            if f.unique and not f.primary_key and (f.column,) not in uniques:
                problems.append(f"{meta.db_table}.{f.column} is not unique")
            if f.db_index and not f.unique and not f.primary_key and (f.column,) not in plain:
                problems.append(f"{meta.db_table}.{f.column} has no index")
            if getattr(f, "remote_model", None) is not None and getattr(f, "db_constraint", True):
                target = f.related_model._meta.db_table
                if not any(fk.column == f.column and fk.target_table == target for fk in table.foreign_keys):
                    problems.append(f"{meta.db_table}.{f.column} has no foreign key to {target}")
        for group in meta.unique_together:
            cols = tuple(meta.get_field(n).column for n in group)
            if cols not in uniques:
                problems.append(f"{meta.db_table}: no unique constraint on {cols}")
        for index in meta.indexes:
            cols = tuple(
                ("-" if n.startswith("-") else "") + meta.get_field(n.lstrip("-")).column for n in index.fields
            )
            if cols not in plain:
                problems.append(f"{meta.db_table}: no index on {cols}")
        for constraint in meta.constraints:
            if hasattr(constraint, "check"):
                if not any(c.name == constraint.name for c in table.checks):
                    problems.append(f"{meta.db_table}: no check constraint {constraint.name}")
            else:
                cols = tuple(meta.get_field(n).column for n in constraint.fields)
                if cols not in uniques:
                    problems.append(f"{meta.db_table}: no unique constraint {constraint.name} on {cols}")
        for through_field in meta.local_many_to_many:
            through = through_field.through
            if through._meta.auto_created:
                join = schema.get(through._meta.db_table)
                if join is None:
                    problems.append(f"join table {through._meta.db_table} is missing")
                    continue
                join_columns = {f.column for f in through._meta.local_concrete_fields}
                if set(join.columns) != join_columns:
                    problems.append(f"{through._meta.db_table}: columns {sorted(join.columns)} != {sorted(join_columns)}")
    extra = set(schema) - expected_tables
    if extra:
        problems.append(f"tables the models do not have: {sorted(extra)}")
    return problems
