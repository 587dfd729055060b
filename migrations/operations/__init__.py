"""Every migration operation, importable as ``migrations.<Name>`` from migration files."""

from .base import Operation, Statement
from .fields import AddField, AlterField, RemoveField, RenameField
from .models import (
    AddConstraint,
    AddIndex,
    AlterModelOptions,
    AlterModelTable,
    AlterUniqueTogether,
    CreateModel,
    DeleteModel,
    RemoveConstraint,
    RemoveIndex,
    RenameModel,
)
from .special import PythonStep, RunPython, RunSQL

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
    "Operation",
    "PythonStep",
    "RemoveConstraint",
    "RemoveField",
    "RemoveIndex",
    "RenameField",
    "RenameModel",
    "RunPython",
    "RunSQL",
    "Statement",
]
