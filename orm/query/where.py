"""The WHERE tree: lookups joined by AND/OR, possibly negated."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..expressions import Expression, SQLParams

if TYPE_CHECKING:
    from .compiler import SQLCompiler

AND = "AND"
OR = "OR"


class WhereNode(Expression):
    def __init__(
        self, children: list[Any] | None = None, connector: str = AND, negated: bool = False
    ) -> None:
        self.children: list[Any] = children or []
        self.connector = connector
        self.negated = negated

    @property
    def contains_aggregate(self) -> bool:
        return any(getattr(c, "contains_aggregate", False) for c in self.children)

    def clone(self) -> WhereNode:
        return WhereNode(list(self.children), self.connector, self.negated)

    def add(self, child: Any) -> None:
        """AND a condition onto this (root) node."""
        if isinstance(child, WhereNode):
            if not child.children:
                return
            if child.connector == AND and not child.negated and self.connector == AND and not self.negated:
                # (a AND b) AND c is a AND b AND c: one level less to build and compile.
                self.children.extend(child.children)
                return
        if self.connector == AND and not self.negated:
            self.children.append(child)
        else:
            self.children = [WhereNode(self.children, self.connector, self.negated), child]
            self.connector = AND
            self.negated = False

    conditional = True

    def get_source_expressions(self) -> list[Expression]:
        return list(self.children)

    def set_source_expressions(self, expressions: list[Any]) -> None:
        self.children = list(expressions)

    def __bool__(self) -> bool:
        return bool(self.children)

    def as_sql(self, compiler: SQLCompiler) -> SQLParams:
        parts: list[str] = []
        params: list[Any] = []
        for child in self.children:
            sql, child_params = compiler.compile(child)
            if sql:
                parts.append(sql)
                params.extend(child_params)
        if not parts:
            return "", []
        sql = f" {self.connector} ".join(parts)
        if len(parts) > 1:
            sql = f"({sql})"
        if self.negated:
            sql = f"NOT {sql}" if sql.startswith("(") else f"NOT ({sql})"
        return sql, params
