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
from .migration import Migration
from .operations import Operation
from .plan import project_state
from .project import check_conflicts
from .state import ProjectState


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
    from .loader import MigrationLoader
    from .writer import MigrationWriter

    project.import_models()
    labels = app_labels or sorted(project.apps)
    for label in labels:
        if label not in project.apps:
            raise KeyError(f"no app {label!r} in [tool.orm] apps ({', '.join(sorted(project.apps))})")
    loader = MigrationLoader(project.apps)
    loader.load()
    graph = loader.graph

    if merge:
        return _merge(project, loader, labels, dry_run)
    check_conflicts(graph)

    planned: dict[str, tuple[str, list[str], list[Operation]]] = {}
    if empty:
        for label in labels:
            planned[label] = ("", [], [])
    else:
        before = project_state(graph)
        after = ProjectState.from_models(
            m for label in project.apps for m in registry.get_models(label)
        )
        changes = Autodetector(before, after, ask=ask, warn=warn).changes(set(labels))
        for label, change in changes.items():
            planned[label] = ("", sorted(change.depends_on_apps), change.operations)

    written: list[NewMigration] = []
    new_keys: dict[str, tuple[str, str]] = {}
    numbers = {label: _next_number(graph, label) for label in planned}
    for label, (_, _, operations) in planned.items():
        number = numbers[label]
        migration_label = (
            f"{number:04d}_{name}" if name else migration_name(operations, number)
        )
        new_keys[label] = (label, migration_label)
    for label, (_, other_apps, operations) in planned.items():
        dependencies = [key for key in sorted(graph.leaf_nodes(label))]
        for other in other_apps:
            if other in new_keys:
                dependencies.append(new_keys[other])
            else:
                dependencies += sorted(graph.leaf_nodes(other))
        migration = new_migration(label, new_keys[label][1], dependencies, operations)
        writer = MigrationWriter(migration)
        source = writer.as_string()
        path = loader.migrations_dir(label) / writer.filename
        if not dry_run:
            loader.ensure_migrations_dir(label)
            path.write_text(source, encoding="utf-8")
        written.append(NewMigration(migration, path, source))
    return written


def _next_number(graph: Any, app_label: str) -> int:
    numbers = [
        int(name.split("_", 1)[0]) for app, name in graph.nodes if app == app_label and name[:4].isdigit()
    ]
    return max(numbers, default=0) + 1


def _merge(project: Project, loader: Any, labels: list[str], dry_run: bool) -> list[NewMigration]:
    from .writer import MigrationWriter

    graph = loader.graph
    written = []
    for label, leaves in sorted(graph.conflicts().items()):
        if label not in labels:
            continue
        number = _next_number(graph, label)
        leaf_names = sorted(leaves)
        name = f"{number:04d}_merge_{'_'.join(n.split('_', 1)[0] for n in leaf_names)}"
        migration = new_migration(label, name, [(label, n) for n in leaf_names], [])
        writer = MigrationWriter(migration)
        source = writer.as_string()
        path = loader.migrations_dir(label) / writer.filename
        if not dry_run:
            path.write_text(source, encoding="utf-8")
        written.append(NewMigration(migration, path, source))
    return written
