"""Shared steps of the commands: the project, its database configuration, its graph."""

from __future__ import annotations

from typing import Any

import orm

from .config import Project, load_project


class MigrationConflictError(Exception):
    """An app has two or more latest migrations; ``makemigrations --merge`` joins them."""


def project_or_default(project: Project | None) -> Project:
    """``project``, or the one around the current directory; sets the databases up from it
    when the application has not called ``orm.setup()``."""
    if project is None:
        project = load_project()
    if not len(orm.connections):
        orm.setup(databases=project.databases)
    return project


def loaded_graph(project: Project, conflicts: bool = True) -> Any:
    from .loader import MigrationLoader

    project.make_importable()
    loader = MigrationLoader(project.apps)
    loader.load()
    if conflicts:
        check_conflicts(loader.graph)
    return loader.graph


def check_conflicts(graph: Any) -> None:
    found = graph.conflicts()
    if found:
        described = "; ".join(f"{app}: {', '.join(sorted(names))}" for app, names in sorted(found.items()))
        raise MigrationConflictError(
            f"conflicting migrations (more than one latest migration in an app): {described}. "
            "Run `orm makemigrations --merge` to join them."
        )
