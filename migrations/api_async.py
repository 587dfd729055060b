"""The engine from Python: ``await migrations.amigrate()`` and friends.

Async source; ``api_sync.py`` (``migrations.migrate()``, ...) is generated from it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .config import Project
from .executor_async import aapplied_migrations, arun_plan
from .plan import Plan, build_plan
from .project import loaded_graph, project_or_default


async def amigrate(
    app_label: str | None = None,
    target: str | None = None,
    *,
    project: Project | None = None,
    using: str = "default",
    fake: bool = False,
    plan_only: bool = False,
    report: Callable[[str], None] | None = None,
) -> Plan:
    """Apply (or, towards an earlier target or ``"zero"``, unapply) migrations.

    Without ``app_label``, every app of the project goes to its latest migration. Returns the
    plan that was run (or, with ``plan_only``, would be run).
    """
    project = project_or_default(project)
    graph = loaded_graph(project)
    if app_label is not None and app_label not in project.apps:
        from .plan import MigrationPlanError

        raise MigrationPlanError(
            f"no app {app_label!r} in [tool.orm] apps ({', '.join(sorted(project.apps))})"
        )
    applied = await aapplied_migrations(using)
    targets: list[tuple[str, str | None]] = (
        [(app_label, target)] if app_label is not None else [(a, None) for a in sorted(project.apps)]
    )
    plan = build_plan(graph, applied, targets)
    if not plan_only:
        await arun_plan(plan, using=using, fake=fake, report=report)
    return plan


async def ashow_migrations(
    *, project: Project | None = None, using: str = "default"
) -> dict[str, list[tuple[str, bool]]]:
    """Every app's migrations in order, each with whether it is applied."""
    project = project_or_default(project)
    graph = loaded_graph(project)
    applied = await aapplied_migrations(using)
    shown: dict[str, list[tuple[str, bool]]] = {}
    for app in sorted(project.apps):
        names: list[tuple[str, bool]] = []
        seen: set[Any] = set()
        for leaf in graph.leaf_nodes(app):
            for key in graph.forwards_plan(leaf):
                if key[0] == app and key not in seen:
                    seen.add(key)
                    names.append((key[1], key in applied))
        shown[app] = names
    return shown
