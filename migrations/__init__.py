"""The migrations engine: model state, autodetector, migration files, executor, command line.

Migration files import this package for ``migrations.Migration`` and the operations
(``migrations.CreateModel``, ``migrations.AddField``, ``migrations.RunPython``, ...). From
Python, ``migrations.migrate()`` / ``await migrations.amigrate()`` apply them.
"""

from .api_async import amigrate, ashow_migrations
from .api_sync import migrate, show_migrations
from .config import Project, load_project
from .migration import Migration
from .operations import (
    AddConstraint,
    AddField,
    AddIndex,
    AlterField,
    AlterModelOptions,
    AlterModelTable,
    AlterUniqueTogether,
    CreateModel,
    DeleteModel,
    Operation,
    RemoveConstraint,
    RemoveField,
    RemoveIndex,
    RenameField,
    RenameModel,
    RunPython,
    RunSQL,
)

__all__ = [
    "AddConstraint",
    "AddField",
    "AddIndex",
    "AlterField",
    "AlterModelOptions",
    "AlterModelTable",
    "AlterUniqueTogether",
    "CreateModel",
    "DeleteModel",
    "Migration",
    "Operation",
    "Project",
    "RemoveConstraint",
    "RemoveField",
    "RemoveIndex",
    "RenameField",
    "RenameModel",
    "RunPython",
    "RunSQL",
    "amigrate",
    "ashow_migrations",
    "load_project",
    "migrate",
    "show_migrations",
]
