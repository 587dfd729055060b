"""``makemigrations``: compare the models with the migrations on disk and write the difference.

No database is involved: the "before" state is what the migration files build.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from orm.model import registry

from .autodetector import Ask, Autodetector, migration_name
from .config import Project
from .loader import MigrationLoader
from .migration import Migration
from .operations import Operation
from .plan import project_state
from .project import check_conflicts
from .state import ProjectState
from .writer import MigrationWriter


@dataclass
class NewMigration:
    migration: Migration
    path: Path | None  # where it was (or would be) written
    source: str


def new_migration(
    app_label: str, name: str, dependencies: list[tuple[str, str]], operations: list[Operation]
) -> Migration:
    attrs: dict[str, Any] = {"dependencies": dependencies, "operations": operations}
    if not dependencies or all(app != app_label for app, _ in dependencies):
        attrs["initial"] = True  # the app's first migration
    cls = type("Migration", (Migration,), attrs)
    migration: Migration = cls(name, app_label)
    return migration


def makemigrations(
    app_labels: list[str] | None = None,
    *,
    project: Project,
    name: str | None = None,
    dry_run: bool = False,
    empty: bool = False,
    merge: bool = False,
    ask: Ask | None = None,
    warn: Callable[[str], None] | None = None,
) -> list[NewMigration]:
    """Write (unless ``dry_run``) a migration per app whose models differ from its
    migrations, and return them. ``check`` is ``bool(makemigrations(..., dry_run=True))``."""
    project.import_models()
    labels = app_labels or sorted(project.apps)
    for label in labels:
        if label not in project.apps:
            raise KeyError(f"no app {label!r} in [tool.orm] apps ({', '.join(sorted(project.apps))})")
    loader = MigrationLoader(project.apps)
    loader.load()
    graph = loader.graph

    if merge:
        return _merge(loader, labels, dry_run)
    check_conflicts(graph)

    # app label -> (apps its new migration depends on, its operations)
    planned: dict[str, tuple[list[str], list[Operation]]] = {}
    if empty:
        for label in labels:
            planned[label] = ([], [])
    else:
        before = project_state(graph)
        after = ProjectState.from_models(
            m for label in project.apps for m in registry.get_models(label)
        )
        changes = Autodetector(before, after, ask=ask, warn=warn).changes(set(labels))
        for label, change in changes.items():
            planned[label] = (sorted(change.depends_on_apps), change.operations)

    # Every new migration's name first: one app's may depend on another's.
    new_keys: dict[str, tuple[str, str]] = {}
    for label, (_, operations) in planned.items():
        number = loader.next_number(label)
        new_keys[label] = (label, f"{number:04d}_{name}" if name else migration_name(operations, number))
    written: list[NewMigration] = []
    for label, (other_apps, operations) in planned.items():
        dependencies = sorted(graph.leaf_nodes(label))
        for other in other_apps:
            if other in new_keys:
                dependencies.append(new_keys[other])
            else:
                dependencies += sorted(graph.leaf_nodes(other))
        migration = new_migration(label, new_keys[label][1], dependencies, operations)
        written.append(_write(loader, migration, dry_run))
    return written


def _merge(loader: MigrationLoader, labels: list[str], dry_run: bool) -> list[NewMigration]:
    written = []
    for label, leaves in sorted(loader.graph.conflicts().items()):
        if label not in labels:
            continue
        leaf_names = sorted(leaves)
        name = f"{loader.next_number(label):04d}_merge_{'_'.join(n.split('_', 1)[0] for n in leaf_names)}"
        migration = new_migration(label, name, [(label, n) for n in leaf_names], [])
        written.append(_write(loader, migration, dry_run))
    return written


def _write(loader: MigrationLoader, migration: Migration, dry_run: bool) -> NewMigration:
    """The migration's source, written to its app's migrations directory unless ``dry_run``."""
    writer = MigrationWriter(migration)
    source = writer.as_string()
    path = loader.migrations_dir(migration.app_label) / writer.filename
    if not dry_run:
        loader.ensure_migrations_dir(migration.app_label)
        path.write_text(source, encoding="utf-8")
    return NewMigration(migration, path, source)
