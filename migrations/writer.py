"""Migration files: a Migration (its dependencies and operations) written as Python source.

The file is meant for people as much as for the loader: a docstring saying what it does, the
imports it needs and nothing more, one argument per line for each operation, and nested values
spread over lines only where a line would be too long. It passes ``ruff check`` with the
import sorting rules (standard library, then ``migrations``/``orm`` and other installed
packages, then the application's own modules).
"""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path
from typing import Any

from .serializer import MIGRATIONS_IMPORT, Group, Node, SerializationError, Serializer, render

LINE_WIDTH = 88
# Packages the generated files always treat as installed dependencies of the application.
_ORM_PACKAGES = frozenset({"orm", "migrations"})


class MigrationWriter:
    """Writes ``migration`` as a migration file."""

    def __init__(self, migration: Any, generated_at: dt.datetime | None = None) -> None:
        self.migration = migration
        self.generated_at = generated_at

    @property
    def filename(self) -> str:
        return f"{self.migration.name}.py"

    def path(self, loader_or_dir: Any) -> Path:
        """Where the file goes: in the app's migrations directory (given a MigrationLoader)
        or in the given directory."""
        if hasattr(loader_or_dir, "migrations_dir"):
            return Path(loader_or_dir.migrations_dir(self.migration.app_label)) / self.filename
        return Path(loader_or_dir) / self.filename

    def write(self, directory: Any) -> Path:
        """Write the file into ``directory`` (or the app's migrations package, given a
        MigrationLoader, created if missing) and return its path."""
        source = self.as_string()  # before touching the disk: a bad value writes nothing
        if hasattr(directory, "ensure_migrations_dir"):
            directory.ensure_migrations_dir(self.migration.app_label)
        target = self.path(directory)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(source, encoding="utf-8")
        return target

    # -- source ----------------------------------------------------------------------------
    def as_string(self) -> str:
        serializer = Serializer()
        serializer.imports.add(MIGRATIONS_IMPORT)
        operations = [
            self._operation_node(serializer, index, operation)
            for index, operation in enumerate(self.migration.operations)
        ]
        dependencies = [
            serializer.node((str(app), str(name))) for app, name in self.migration.dependencies
        ]
        body = ["class Migration(migrations.Migration):"]
        if getattr(self.migration, "initial", None):
            body.append("    initial = True")
        if not getattr(self.migration, "atomic", True):
            body.append("    atomic = False")
        if len(body) > 1:
            body.append("")
        body.append(self._assignment("dependencies", dependencies))
        body.append("")
        body.append(self._assignment("operations", operations))
        parts = [self._docstring(), "", *self._import_block(serializer.imports), "", ""]
        return "\n".join(parts + body) + "\n"

    def _operation_node(self, serializer: Serializer, index: int, operation: Any) -> Node:
        try:
            name, args, kwargs = operation.deconstruct()
            callee = self._operation_reference(serializer, operation, name)
            return serializer.call(callee, list(args), dict(kwargs), expand=True)
        except SerializationError as e:
            raise SerializationError(
                f"cannot write migration {self.migration.app_label}.{self.migration.name}: "
                f"operation {index + 1} ({type(operation).__name__}: {_describe(operation)}): {e}"
            ) from e

    @staticmethod
    def _operation_reference(serializer: Serializer, operation: Any, name: str) -> str:
        import migrations

        cls = type(operation)
        if getattr(migrations, name, None) is cls:
            serializer.imports.add(MIGRATIONS_IMPORT)
            return f"migrations.{name}"
        # An operation the package does not export (a project's own): by import path.
        return serializer.reference(cls)

    @staticmethod
    def _assignment(name: str, items: list[Node]) -> str:
        # Every item on its own line, as in any hand-written migration.
        node = Group("[", items, "]", expand=True)
        return f"    {name} = " + render(node, indent=4, width=LINE_WIDTH, used=len(name) + 3)

    def _docstring(self) -> str:
        descriptions = [_describe(op) for op in self.migration.operations]
        if not descriptions:
            lines = ["Empty migration."]
        elif len(descriptions) == 1:
            lines = [_sentence(descriptions[0])]
        else:
            lines = [_sentence(f"{descriptions[0]}, and {len(descriptions) - 1} more"), ""]
            lines += [f"- {d}" for d in descriptions]
        when = self.generated_at or dt.datetime.now(dt.timezone.utc)
        if when.tzinfo is not None:
            when = when.astimezone(dt.timezone.utc)
        lines += ["", f"Generated by orm on {when:%Y-%m-%d %H:%M}."]
        text = "\n".join(_docstring_safe(line) for line in lines)
        return f'"""{text}\n"""'

    @staticmethod
    def _import_block(imports: set[str]) -> list[str]:
        """Import statements in the sections isort/ruff expect, blank lines between."""
        sections: dict[int, list[str]] = {}
        for statement in imports:
            sections.setdefault(_section(_module_of(statement)), []).append(statement)
        lines: list[str] = []
        for section in sorted(sections):
            if lines:
                lines.append("")
            lines.extend(sorted(sections[section], key=_sort_key))
        return lines


def _module_of(statement: str) -> str:
    words = statement.split()
    return words[1]


def _section(module: str) -> int:
    """0: standard library, 1: installed packages (the ORM included), 2: the application."""
    top = module.split(".")[0]
    if top in _ORM_PACKAGES:
        return 1
    if top in sys.stdlib_module_names:
        return 0
    loaded = sys.modules.get(top)
    location = str(getattr(loaded, "__file__", "") or "")
    if "site-packages" in location or "dist-packages" in location:
        return 1
    return 2


def _sort_key(statement: str) -> tuple[int, str, str]:
    # Plain `import x` lines come before `from x import y` lines, each by module name.
    module = _module_of(statement)
    return (1 if statement.startswith("from ") else 0, module.lower(), module)


def _describe(operation: Any) -> str:
    describe = getattr(operation, "describe", None)
    try:
        text = describe() if callable(describe) else type(operation).__name__
    except Exception:
        text = type(operation).__name__
    return " ".join(str(text).split())


def _sentence(text: str) -> str:
    text = text.strip()
    if text and text[0].islower():
        text = text[0].upper() + text[1:]
    return text if text.endswith((".", "!", "?")) else text + "."


def _docstring_safe(line: str) -> str:
    # A backslash or three quotes from a description must not end or bend the docstring.
    return line.replace("\\", "\\\\").replace('"""', '\\"\\"\\"')


__all__ = ["MigrationWriter", "SerializationError"]
