"""``sqlmigrate``: the statements a migration runs, printed instead of run."""

from __future__ import annotations

from typing import Any

import orm

from .config import Project
from .operations import PythonStep
from .plan import MigrationPlanError, Plan
from .project import loaded_graph


def migration_sql(
    project: Project, app_label: str, name: str, backwards: bool = False, using: str = "default"
) -> list[str]:
    """The SQL of one migration, one statement per line, as the configured database would run
    it. Parameters are shown after the statement; Python steps as comments."""
    from .executor_sync import migration_steps

    graph = loaded_graph(project, conflicts=False)
    migration = graph.nodes.get((app_label, name))
    if migration is None:
        raise MigrationPlanError(f"no migration {app_label}.{name}; `orm showmigrations` lists them")
    database = orm.connections[using]
    editor = database.schema_editor(database.sync_dialect)
    plan = Plan(graph, [(migration, backwards)])
    lines = [f"-- {'Unapply' if backwards else 'Apply'} {app_label}.{name}"]
    for step in migration_steps(plan, migration, editor, backwards):
        lines.append(_render(step))
    return lines


def _render(step: Any) -> str:
    if isinstance(step, PythonStep):
        return f"-- {step!r} (Python, not shown)"
    if isinstance(step, str):
        return step.rstrip(";") + ";"
    sql, params = step
    return f"{sql.rstrip(';')}; -- params: {params!r}"
