"""The second argument of RunPython functions."""

from __future__ import annotations

from typing import Any


class MigrationContext:
    """The second argument of RunPython functions (Django's ``schema_editor``): the database
    the migration runs on, inside its transaction."""

    def __init__(self, database: Any, editor: Any) -> None:
        self.connection = database
        self.editor = editor

    @property
    def alias(self) -> str:
        return str(self.connection.alias)

    def execute(self, sql: str, params: Any = None) -> int:
        return int(self.connection.execute(sql, params))

    async def aexecute(self, sql: str, params: Any = None) -> int:
        return int(await self.connection.aexecute(sql, params))
