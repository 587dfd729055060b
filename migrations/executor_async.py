"""Applying and unapplying migrations: the I/O half of the engine.

Async source; ``executor_sync.py`` is generated from it by ``tools/async_to_sync.py``.
Everything else (plans, states, the SQL of each operation) is shared, I/O-free code.

Each migration runs inside one transaction together with its row in the history table, so a
migration that fails half-way leaves both the schema and the history as they were. PostgreSQL
and SQLite both run DDL inside transactions. On SQLite, foreign key enforcement is off for
the migration's transaction (table rebuilds drop and recreate tables that others point at)
and ``PRAGMA foreign_key_check`` runs before the commit.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from orm._flags import ASYNC
from orm.connections import get_database
from orm.exceptions import IntegrityError
from orm.transaction.atomic import Atomic
from orm.transaction.bridge import arun_sync_receiver, run_async_receiver

from . import recorder
from .context import MigrationContext
from .migration import Migration
from .operations import PythonStep, RunPython, RunSQL
from .plan import IrreversibleError, Plan, states_through


async def aapplied_migrations(using: str = "default") -> set[tuple[str, str]]:
    """(app, name) of every migration the history table lists; creates the table if needed."""
    database = get_database(using)
    dialect = _dialect(database)
    await database.aexecute(recorder.create_table_sql(dialect), None)
    rows = await database.afetch(recorder.applied_sql(dialect), None)
    return {(str(app), str(name)) for app, name in rows}


def _dialect(database: Any) -> Any:
    return database.async_dialect  # sync_dialect in the sync twin


async def arun_plan(
    plan: Plan,
    using: str = "default",
    fake: bool = False,
    report: Callable[[str], None] | None = None,
) -> None:
    """Apply (or unapply) the plan's migrations one after the other, each in its own
    transaction. Stops at the first failure, which leaves that migration unapplied."""
    database = get_database(using)
    for migration, backwards in plan.steps:
        verb = "Unapplying" if backwards else "Applying"
        if report is not None:
            report(f"  {verb} {migration.app_label}.{migration.name}...")
        await _arun_migration(database, plan, migration, backwards, fake)
        if report is not None:
            report(" FAKED" if fake else " OK")


async def _arun_migration(
    database: Any, plan: Plan, migration: Migration, backwards: bool, fake: bool
) -> None:
    dialect = _dialect(database)
    editor = database.schema_editor(dialect)
    if backwards:
        record = recorder.record_unapplied(dialect, migration.app_label, migration.name)
    else:
        record = recorder.record_applied(dialect, migration.app_label, migration.name)
    steps = [] if fake else migration_steps(plan, migration, editor, backwards)
    atomic = Atomic(using=database.alias)
    atomic.schema_changes = True
    async with atomic:
        context = MigrationContext(database, editor)
        for step in steps:
            await _arun_step(database, context, step)
        await database.aexecute(*record)
        check = dialect.foreign_key_check_sql
        if check and not fake:
            problems = await database.afetch(check, None)
            if problems:
                tables = sorted({str(row[0]) for row in problems})
                raise IntegrityError(
                    f"migration {migration.app_label}.{migration.name} leaves rows whose "
                    f"foreign keys point at nothing, in {', '.join(tables)}; it was rolled back"
                )


def migration_steps(plan: Plan, migration: Migration, editor: Any, backwards: bool) -> list[Any]:
    """The statements and Python steps of one migration, forwards or backwards."""
    states = states_through(plan, migration)
    steps: list[Any] = []
    operations = list(enumerate(migration.operations))
    if backwards:
        operations.reverse()
    for index, operation in operations:
        before, after = states[index], states[index + 1]
        if backwards:
            if not operation.reversible:
                raise IrreversibleError(
                    f"{migration.app_label}.{migration.name}: operation {index + 1} "
                    f"({operation.describe()}) cannot be reversed"
                )
            steps += operation.database_backwards(migration.app_label, editor, before, after)
        else:
            steps += operation.database_forwards(migration.app_label, editor, before, after)
        if isinstance(operation, RunSQL | RunPython):
            steps += editor.dialect.check_deferred_constraints_sql()
    return steps


async def _arun_step(database: Any, context: MigrationContext, step: Any) -> None:
    if isinstance(step, PythonStep):
        apps = step.state.apps
        function = step.function
        if ASYNC:
            if step.is_async:
                await function(apps, context)
            else:
                # A sync function runs in a worker thread, inside this migration's transaction.
                await arun_sync_receiver(lambda: function(apps, context))
        else:
            if step.is_async:
                run_async_receiver(function(apps, context))
            else:
                function(apps, context)
        return
    if isinstance(step, str):
        await database.aexecute(step, None)
    else:
        sql, params = step
        await database.aexecute(sql, params)
