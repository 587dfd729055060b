"""The Migration class that migration files subclass."""

from __future__ import annotations

from typing import Any, ClassVar


class Migration:
    """One migration: the operations it applies and the migrations it must come after.

    A migration file defines ``class Migration(migrations.Migration)`` with ``dependencies``
    (a list of ``(app_label, migration_name)``) and ``operations``. The loader instantiates it
    with the file's name and app label.
    """

    dependencies: ClassVar[list[tuple[str, str]]] = []
    operations: ClassVar[list[Any]] = []
    # Run inside one transaction where the database allows transactional DDL.
    atomic: ClassVar[bool] = True
    initial: ClassVar[bool | None] = None

    def __init__(self, name: str, app_label: str) -> None:
        self.name = name
        self.app_label = app_label
        # Copies, so that instances never share (and mutate) the class-level lists.
        self.dependencies = list(self.__class__.dependencies)  # type: ignore[misc]
        self.operations = list(self.__class__.operations)  # type: ignore[misc]

    @property
    def key(self) -> tuple[str, str]:
        return (self.app_label, self.name)

    def __repr__(self) -> str:
        return f"<Migration {self.app_label}.{self.name}>"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Migration) and self.key == other.key

    def __hash__(self) -> int:
        return hash(self.key)
