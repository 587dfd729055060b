"""What every migration operation is: a change to the model state, and the SQL that makes the
same change in the database. No I/O here; the executor runs what operations return.

An operation keeps the arguments it was built with, so that ``deconstruct()`` can give them
back and the writer can print the operation as Python in a migration file.
"""

from __future__ import annotations

import inspect
from typing import Any

# A statement an operation asks the executor to run: plain SQL, or SQL with parameters
# (``%s`` placeholders, finalized for the driver as every other query).
Statement = str | tuple[str, list[Any]]


class Operation:
    """Base class. Subclasses take keyword arguments only (positional ones are allowed for
    readability in hand-written files, but ``deconstruct()`` returns them as keywords)."""

    # Whether the operation can be reversed (RunSQL/RunPython without a reverse cannot).
    reversible = True
    # Whether the operation must run outside a transaction (none do today).
    atomic = True
    _constructor_args: tuple[tuple[Any, ...], dict[str, Any]]

    def __new__(cls, *args: Any, **kwargs: Any) -> Operation:
        self = super().__new__(cls)
        self._constructor_args = (args, kwargs)
        if args:
            try:
                bound = inspect.signature(cls.__init__).bind(None, *args, **kwargs)
            except TypeError:
                return self  # __init__ reports the mistake
            parameters = inspect.signature(cls.__init__).parameters.values()
            if not any(p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD) for p in parameters):
                names = list(bound.arguments)[1:]  # without self
                self._constructor_args = ((), {n: bound.arguments[n] for n in names})
        return self

    def deconstruct(self) -> tuple[str, list[Any], dict[str, Any]]:
        """(class name, positional args, keyword args) that rebuild this operation."""
        args, kwargs = self._constructor_args
        return type(self).__name__, list(args), dict(kwargs)

    def state_forwards(self, app_label: str, state: Any) -> None:
        """Change ``state`` (a ProjectState) as the operation changes the models."""
        raise NotImplementedError

    def database_forwards(self, app_label: str, editor: Any, before: Any, after: Any) -> list[Any]:
        """The statements (and Python steps) that make the change in the database."""
        raise NotImplementedError

    def database_backwards(self, app_label: str, editor: Any, before: Any, after: Any) -> list[Any]:
        """The statements that undo it (``before``/``after`` are the states around the
        operation applied forwards)."""
        raise NotImplementedError

    def describe(self) -> str:
        """A one-line human description, for makemigrations' output."""
        return type(self).__name__

    def migration_name_fragment(self) -> str | None:
        """A short snake_case fragment for an automatic migration name, or None."""
        return None

    def __eq__(self, other: object) -> bool:
        from ..serializer import deep_deconstruct

        # By content: fields and expressions have no == of their own.
        return isinstance(other, Operation) and type(other) is type(self) and (
            deep_deconstruct(self) == deep_deconstruct(other)
        )

    def __hash__(self) -> int:
        return hash(type(self).__name__)

    def __repr__(self) -> str:
        name, args, kwargs = self.deconstruct()
        parts = [repr(a) for a in args] + [f"{k}={v!r}" for k, v in kwargs.items()]
        return f"{name}({', '.join(parts)})"
