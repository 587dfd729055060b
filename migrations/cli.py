"""The ``orm`` command line (also ``python -m migrations``).

Exit codes: 0 success; 1 the command ran and found a problem (``makemigrations --check`` with
pending changes, a migration that failed, conflicting migrations); 2 bad usage or
configuration.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

import orm
from orm.exceptions import DatabaseError, ImproperlyConfigured

from .autodetector import MigrationError
from .config import Project, load_project
from .graph import CircularDependencyError, NodeNotFoundError
from .loader import MigrationLoadError
from .plan import MigrationPlanError
from .project import MigrationConflictError
from .serializer import SerializationError


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="orm", description="Database migrations for orm models.")
    parser.add_argument("--database", metavar="URL", help="the default database's URL (overrides "
                        "[tool.orm.databases] and DATABASE_URL)")
    parser.add_argument("--project", metavar="DIR", type=Path,
                        help="where to look for pyproject.toml (default: the current directory)")
    sub = parser.add_subparsers(dest="command", metavar="command")

    make = sub.add_parser("makemigrations", help="write migration files for model changes")
    make.add_argument("app", nargs="*", help="only these apps (default: all of [tool.orm] apps)")
    make.add_argument("--name", help="the new migration's name (after its number)")
    make.add_argument("--check", action="store_true",
                      help="write nothing; exit 1 when the models have changes without migrations")
    make.add_argument("--dry-run", action="store_true", help="show what would be written")
    make.add_argument("--empty", action="store_true", help="write an empty migration to fill in")
    make.add_argument("--merge", action="store_true", help="join conflicting migrations")
    make.add_argument("--interactive", action="store_true", help="ask about ambiguous renames")

    migrate = sub.add_parser("migrate", help="apply or unapply migrations")
    migrate.add_argument("app", nargs="?", help="only this app")
    migrate.add_argument("target", nargs="?", help="a migration name, or zero to unapply all")
    migrate.add_argument("--fake", action="store_true",
                         help="record the migrations as (un)applied without running them")
    migrate.add_argument("--plan", action="store_true", help="show the plan, run nothing")

    sub.add_parser("showmigrations", help="list migrations and whether they are applied")

    sql = sub.add_parser("sqlmigrate", help="print the SQL of a migration")
    sql.add_argument("app")
    sql.add_argument("name")
    sql.add_argument("--backwards", action="store_true", help="the SQL that unapplies it")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return 2
    try:
        project = load_project(args.project, database_url=args.database)
        orm.setup(databases=project.databases)
        try:
            return COMMANDS[args.command](project, args)
        finally:
            orm.close()
    except (ImproperlyConfigured, KeyError) as e:
        print(f"orm {args.command}: {_message(e)}", file=sys.stderr)
        return 2
    except (
        MigrationError,
        MigrationPlanError,
        MigrationConflictError,
        MigrationLoadError,
        NodeNotFoundError,
        CircularDependencyError,
        SerializationError,
        DatabaseError,
    ) as e:
        print(f"orm {args.command}: {_message(e)}", file=sys.stderr)
        return 1


def _message(error: BaseException) -> str:
    return str(error.args[0]) if isinstance(error, KeyError) and error.args else str(error)


def _makemigrations(project: Project, args: argparse.Namespace) -> int:
    from .make import makemigrations

    warnings: list[str] = []

    def warn(message: str) -> None:
        warnings.append(message)
        print(f"warning: {message}", file=sys.stderr)

    ask = _ask if args.interactive else None
    written = makemigrations(
        args.app or None,
        project=project,
        name=args.name,
        dry_run=args.dry_run or args.check,
        empty=args.empty,
        merge=args.merge,
        ask=ask,
        warn=warn,
    )
    if not written:
        print("No changes detected")
        return 0
    for new in written:
        verb = "Would write" if (args.dry_run or args.check) else "Wrote"
        print(f"{verb} {new.path}")
        for operation in new.migration.operations:
            print(f"  - {operation.describe()}")
        if args.dry_run:
            print(new.source)
    return 1 if args.check else 0


def _ask(question: str) -> bool:
    while True:
        try:
            answer = input(f"{question} [y/N] ").strip().lower()
        except EOFError:
            return False
        if answer in ("y", "yes"):
            return True
        if answer in ("", "n", "no"):
            return False


def _migrate(project: Project, args: argparse.Namespace) -> int:
    from .api_sync import migrate

    plan = migrate(
        args.app,
        args.target,
        project=project,
        fake=args.fake,
        plan_only=args.plan,
        report=lambda text: print(text, end="" if text.endswith("...") else "\n", flush=True),
    )
    if args.plan:
        if not plan.steps:
            print("No planned migration operations.")
        for migration, backwards in plan.steps:
            print(f"{'Unapply' if backwards else 'Apply'} {migration.app_label}.{migration.name}")
            for operation in migration.operations:
                print(f"    {operation.describe()}")
    elif not plan.steps:
        print("No migrations to apply.")
    return 0


def _showmigrations(project: Project, args: argparse.Namespace) -> int:
    from .api_sync import show_migrations

    for app, names in show_migrations(project=project).items():
        print(app)
        if not names:
            print(" (no migrations)")
        for name, applied in names:
            print(f" [{'X' if applied else ' '}] {name}")
    return 0


def _sqlmigrate(project: Project, args: argparse.Namespace) -> int:
    from .sql import migration_sql

    for line in migration_sql(project, args.app, args.name, backwards=args.backwards):
        print(line)
    return 0


COMMANDS = {
    "makemigrations": _makemigrations,
    "migrate": _migrate,
    "showmigrations": _showmigrations,
    "sqlmigrate": _sqlmigrate,
}


if __name__ == "__main__":
    sys.exit(main())
