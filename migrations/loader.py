"""Finding and importing migration files, and building their graph.

Each app maps to a package (``{"blog": "blog"}``); its migrations are the modules of the
``<package>/migrations/`` package whose file names start with a number (``0001_initial.py``).
Every ``load()`` reads the files afresh, so files written (or removed) since the last load are
seen, even within one process.
"""

from __future__ import annotations

import importlib
import importlib.util
import re
import sys
from pathlib import Path
from types import ModuleType

from .graph import Key, MigrationGraph
from .migration import Migration

MIGRATIONS_MODULE = "migrations"
MIGRATION_FILE = re.compile(r"^(\d+)_\w+\.py$")


class MigrationLoadError(Exception):
    """A migration file that cannot be loaded, or a dependency on an app that is not managed."""


class MigrationLoader:
    """Loads the migration files of ``apps`` (app label -> package import path)."""

    def __init__(self, apps: dict[str, str]) -> None:
        self.apps = dict(apps)
        self.disk_migrations: dict[Key, Migration] = {}
        self.graph = MigrationGraph()

    # -- places ----------------------------------------------------------------------------
    def _package(self, app: str) -> str:
        try:
            return self.apps[app]
        except KeyError:
            known = ", ".join(sorted(self.apps)) or "none"
            raise MigrationLoadError(f"unknown app {app!r} (configured apps: {known})") from None

    def migrations_package(self, app: str) -> str:
        """The import path of ``app``'s migrations package (``blog.migrations``)."""
        return f"{self._package(app)}.{MIGRATIONS_MODULE}"

    def migrations_dir(self, app: str) -> Path:
        """The directory of ``app``'s migration files (which may not exist yet)."""
        package = self._package(app)
        importlib.invalidate_caches()
        try:
            spec = importlib.util.find_spec(package)
        except (ImportError, ValueError) as e:
            raise MigrationLoadError(f"cannot import the package {package!r} of app {app!r}: {e}") from e
        if spec is None or not spec.submodule_search_locations:
            raise MigrationLoadError(
                f"app {app!r}: {package!r} is not an importable package (a directory with "
                "__init__.py on the Python path)"
            )
        return Path(list(spec.submodule_search_locations)[0]) / MIGRATIONS_MODULE

    def ensure_migrations_dir(self, app: str) -> Path:
        """``app``'s migrations directory, created (with its ``__init__.py``) if missing."""
        directory = self.migrations_dir(app)
        directory.mkdir(parents=True, exist_ok=True)
        init = directory / "__init__.py"
        if not init.exists():
            init.write_text("", encoding="utf-8")
        importlib.invalidate_caches()
        return directory

    def migration_files(self, app: str) -> list[Path]:
        """``app``'s migration files, sorted by name."""
        directory = self.migrations_dir(app)
        if not directory.is_dir():
            return []
        return sorted(p for p in directory.iterdir() if p.is_file() and MIGRATION_FILE.match(p.name))

    def next_number(self, app: str) -> int:
        """The number of ``app``'s next migration: one more than the highest on disk."""
        numbers = [int(p.name.split("_", 1)[0]) for p in self.migration_files(app)]
        return max(numbers, default=0) + 1

    # -- loading ---------------------------------------------------------------------------
    def load(self) -> MigrationGraph:
        """Import every migration file of every app and build the validated graph."""
        importlib.invalidate_caches()
        disk: dict[Key, Migration] = {}
        for app in sorted(self.apps):
            for path in self._fresh_modules(app):
                name = path.stem
                disk[(app, name)] = self._instantiate(app, name, path)
        self.disk_migrations = disk
        self.graph = self._build_graph(disk)
        return self.graph

    def _fresh_modules(self, app: str) -> list[Path]:
        """Forget every module of ``app``'s migrations package, so that nothing imported by
        an earlier load (or since changed on disk) is reused, and list its files."""
        prefix = self.migrations_package(app)
        for module_name in [m for m in sys.modules if m == prefix or m.startswith(prefix + ".")]:
            del sys.modules[module_name]
        files = self.migration_files(app)
        if files:
            try:
                importlib.import_module(prefix)
            except Exception as e:
                raise MigrationLoadError(f"cannot import the package {prefix}: {e}") from e
        return files

    def _instantiate(self, app: str, name: str, path: Path) -> Migration:
        module = self._import_file(f"{self.migrations_package(app)}.{name}", path)
        cls = getattr(module, "Migration", None)
        if not (isinstance(cls, type) and issubclass(cls, Migration)):
            raise MigrationLoadError(
                f"migration file {path} has no class Migration(migrations.Migration)"
            )
        migration = cls(name, app)
        for dependency in migration.dependencies:
            if not (
                isinstance(dependency, tuple | list)
                and len(dependency) == 2
                and all(isinstance(part, str) for part in dependency)
            ):
                raise MigrationLoadError(
                    f"migration file {path}: dependency {dependency!r} is not an "
                    "(app_label, migration_name) pair"
                )
        return migration

    @staticmethod
    def _import_file(module_name: str, path: Path) -> ModuleType:
        """Import one migration file from its source.

        The source is compiled here rather than through the import system's bytecode cache:
        a file rewritten within the same second with the same size would otherwise be read
        from a stale ``.pyc``.
        """
        spec = importlib.util.spec_from_file_location(module_name, path)
        if spec is None:
            raise MigrationLoadError(f"cannot import migration file {path}")
        module = importlib.util.module_from_spec(spec)
        sys.modules[module_name] = module
        try:
            code = compile(path.read_bytes(), str(path), "exec", dont_inherit=True)
            exec(code, module.__dict__)
        except BaseException as e:
            sys.modules.pop(module_name, None)
            if not isinstance(e, Exception):
                raise
            raise MigrationLoadError(
                f"cannot import migration file {path}: {type(e).__name__}: {e}"
            ) from e
        return module

    def _build_graph(self, disk: dict[Key, Migration]) -> MigrationGraph:
        graph = MigrationGraph()
        for key, migration in disk.items():
            graph.add_node(key, migration)
        for key, migration in sorted(disk.items()):
            for app, name in migration.dependencies:
                if app not in self.apps:
                    known = ", ".join(sorted(self.apps))
                    raise MigrationLoadError(
                        f"migration {key[0]}.{key[1]} depends on {app}.{name}, but app {app!r} "
                        f"is not one of the configured apps ({known})"
                    )
                graph.add_dependency(key, (app, name))
        graph.validate()
        return graph

    # -- questions -------------------------------------------------------------------------
    def get_migration(self, app: str, name: str) -> Migration:
        return self.disk_migrations[(app, name)]

    def get_by_prefix(self, app: str, prefix: str) -> Migration:
        """The migration of ``app`` whose name is or starts with ``prefix`` (``0003``)."""
        found = [m for (a, n), m in self.disk_migrations.items() if a == app and n.startswith(prefix)]
        exact = [m for m in found if m.name == prefix]
        if exact:
            return exact[0]
        if not found:
            raise KeyError(f"app {app!r} has no migration named {prefix!r}")
        if len(found) > 1:
            names = ", ".join(sorted(m.name for m in found))
            raise KeyError(f"more than one migration of app {app!r} matches {prefix!r}: {names}")
        return found[0]

    def __repr__(self) -> str:
        return f"<MigrationLoader apps={sorted(self.apps)!r} migrations={len(self.disk_migrations)}>"

