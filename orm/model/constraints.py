"""Meta.indexes and Meta.constraints: Index, UniqueConstraint, CheckConstraint."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from backends.base.schema import index_name


class Index:
    """An index over ``fields`` (prefix a name with "-" for descending order)."""

    def __init__(self, *, fields: Sequence[str], name: str | None = None) -> None:
        if not fields:
            raise ValueError("Index needs at least one field")
        self.fields = list(fields)
        self.name = name

    def _columns(self, model: Any) -> list[str]:
        meta = model._meta
        columns = []
        for name in self.fields:
            descending = name.startswith("-")
            column = meta.get_field(name.lstrip("-")).column
            columns.append("-" + column if descending else column)
        return columns

    def get_name(self, model: Any) -> str:
        return self.name or index_name(model._meta.db_table, self._columns(model), "idx")

    def create_sql(self, model: Any, editor: Any) -> str:
        return editor.create_index_sql(model._meta.db_table, self.get_name(model), self._columns(model))

    def deconstruct(self) -> tuple[str, list[Any], dict[str, Any]]:
        """(import path, args, kwargs) that rebuild this index; for migration files."""
        kwargs: dict[str, Any] = {"fields": list(self.fields)}
        if self.name:
            kwargs["name"] = self.name
        return "orm.models.Index", [], kwargs

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Index) and self.deconstruct() == other.deconstruct()

    def __hash__(self) -> int:
        return hash((tuple(self.fields), self.name))

    def __repr__(self) -> str:
        return f"Index(fields={self.fields!r}, name={self.name!r})"


class UniqueConstraint:
    def __init__(self, *, fields: Sequence[str], name: str) -> None:
        if not fields:
            raise ValueError("UniqueConstraint needs at least one field")
        self.fields = list(fields)
        self.name = name
        self.condition = None

    def constraint_sql(self, model: Any, editor: Any) -> str:
        columns = [model._meta.get_field(f).column for f in self.fields]
        return editor.unique_constraint_sql(self.name, columns)

    def deconstruct(self) -> tuple[str, list[Any], dict[str, Any]]:
        return "orm.models.UniqueConstraint", [], {"fields": list(self.fields), "name": self.name}

    def __eq__(self, other: object) -> bool:
        return isinstance(other, UniqueConstraint) and self.deconstruct() == other.deconstruct()

    def __hash__(self) -> int:
        return hash((tuple(self.fields), self.name))

    def __repr__(self) -> str:
        return f"UniqueConstraint(fields={self.fields!r}, name={self.name!r})"


class CheckConstraint:
    """A CHECK over the model's own columns, written as a Q object: ``Q(price__gte=0)``.

    DDL cannot carry parameters, so the values of the condition are written into the SQL as
    literals by the dialect (numbers, strings, booleans, dates, None).
    """

    def __init__(self, *, check: Any, name: str) -> None:
        self.check = check
        self.name = name

    def constraint_sql(self, model: Any, editor: Any) -> str:
        from ..query.compiler import SQLCompiler
        from ..query.query import Query

        query = Query(model)
        query.add_q(self.check)
        sql, params = SQLCompiler(query, editor.dialect).compile(query.where)
        # The compiler qualifies columns with the table name, which a CHECK cannot use.
        sql = sql.replace(editor.quote(model._meta.db_table) + ".", "")
        return editor.check_constraint_sql(self.name, inline_params(sql, params, editor.dialect))

    def deconstruct(self) -> tuple[str, list[Any], dict[str, Any]]:
        return "orm.models.CheckConstraint", [], {"check": self.check, "name": self.name}

    def __eq__(self, other: object) -> bool:
        return isinstance(other, CheckConstraint) and self.deconstruct() == other.deconstruct()

    def __hash__(self) -> int:
        return hash(self.name)

    def __repr__(self) -> str:
        return f"CheckConstraint(check={self.check!r}, name={self.name!r})"


def inline_params(sql: str, params: list[Any], dialect: Any) -> str:
    pieces = sql.split("%s")
    if len(pieces) != len(params) + 1:
        raise ValueError("cannot inline parameters into this SQL")
    out = [pieces[0]]
    for value, piece in zip(params, pieces[1:]):
        out.append(dialect.quote_value(value))
        out.append(piece)
    return "".join(out).replace("%%", "%")
