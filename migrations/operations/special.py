"""Operations the autodetector never writes: RunSQL and RunPython, for data migrations and
whatever the other operations cannot express."""

from __future__ import annotations

import inspect
from collections.abc import Callable, Sequence
from typing import Any

from ..state import ProjectState
from .base import Operation, Statement


class PythonStep:
    """A function to call, with the models of a migration state, where a migration runs."""

    def __init__(self, function: Callable[..., Any], state: ProjectState) -> None:
        self.function = function
        self.state = state

    @property
    def is_async(self) -> bool:
        return inspect.iscoroutinefunction(self.function)

    def __repr__(self) -> str:
        name = getattr(self.function, "__qualname__", repr(self.function))
        return f"<RunPython {getattr(self.function, '__module__', '?')}.{name}>"


def _statements(sql: str | Sequence[Any]) -> list[Statement]:
    if isinstance(sql, str):
        return [sql] if sql.strip() else []
    statements: list[Statement] = []
    for item in sql:
        if isinstance(item, str):
            statements.append(item)
        else:
            text, params = item
            statements.append((text, list(params)))
    return statements


class RunSQL(Operation):
    """SQL run as written: a string, or a list of strings and ``(sql, params)`` pairs (``%s``
    placeholders). ``reverse_sql`` makes it reversible; ``RunSQL.noop`` does nothing."""

    noop = ""

    def __init__(self, sql: str | Sequence[Any], reverse_sql: str | Sequence[Any] | None = None) -> None:
        self.sql = sql
        self.reverse_sql = reverse_sql
        self.reversible = reverse_sql is not None

    def state_forwards(self, app_label: str, state: ProjectState) -> None:
        pass

    def database_forwards(self, *args: Any) -> list[Statement]:
        return _statements(self.sql)

    def database_backwards(self, *args: Any) -> list[Statement]:
        if self.reverse_sql is None:
            raise NotImplementedError("this RunSQL has no reverse_sql")
        return _statements(self.reverse_sql)

    def describe(self) -> str:
        return "Raw SQL operation"


class RunPython(Operation):
    """Call ``code(apps, schema_editor)`` where the migration runs, inside its transaction.

    ``code`` may be a plain function (it uses the sync API) or an ``async def`` one (it uses
    the async API); either works under ``orm migrate`` and ``migrations.amigrate()``.
    ``apps.get_model("app", "Model")`` gives the model as it was at this migration.
    ``RunPython.noop`` does nothing (a reverse for functions that need none).
    """

    @staticmethod
    def noop(apps: Any, schema_editor: Any) -> None:
        return None

    def __init__(self, code: Callable[..., Any], reverse_code: Callable[..., Any] | None = None) -> None:
        if not callable(code):
            raise TypeError("RunPython needs a callable taking (apps, schema_editor)")
        self.code = code
        self.reverse_code = reverse_code
        self.reversible = reverse_code is not None

    def state_forwards(self, app_label: str, state: ProjectState) -> None:
        pass

    def database_forwards(
        self, app_label: str, editor: Any, before: ProjectState, after: ProjectState
    ) -> list[Any]:
        return [PythonStep(self.code, before)]

    def database_backwards(
        self, app_label: str, editor: Any, before: ProjectState, after: ProjectState
    ) -> list[Any]:
        if self.reverse_code is None:
            raise NotImplementedError("this RunPython has no reverse_code")
        return [PythonStep(self.reverse_code, before)]

    def describe(self) -> str:
        return "Raw Python operation"
