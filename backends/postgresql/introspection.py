"""PostgreSQL's catalog, read from pg_catalog for ``current_schema()`` only. No I/O here.

Three queries, whatever the number of tables: columns, constraints (primary key, unique,
foreign key, check) and the indexes that back no primary key or unique constraint.

What is reported, and how:
- ``Column.type`` is ``format_type()`` normalized to the names the dialect writes:
  ``character varying(n)`` -> ``varchar(n)``, ``character(n)`` -> ``char(n)``,
  ``time/timestamp without time zone`` -> ``time``/``timestamp``; ``timestamp with time zone``,
  ``double precision``, ``numeric(8,2)`` are kept as they are.
- ``Column.default`` is ``pg_get_expr()`` of the default (``'x'::character varying``,
  ``now()``); identity columns have none (the identity is no default expression).
- Unique constraints are reported under their constraint name (which is also their index's
  name); other indexes under the index name, descending columns as ``"-col"`` and expression
  columns as their SQL text. INCLUDE columns and partial-index conditions are not reported.
- A multi-column foreign key gives one ForeignKey per column, all with the constraint's name.
- ``Check.sql`` is ``pg_get_constraintdef(oid, true)`` without the ``CHECK (...)`` around it,
  so it is PostgreSQL's own rendering (``price >= 0::numeric``), not the text that was sent.
"""

from __future__ import annotations

import re

from ..base.introspection import (
    Check,
    Column,
    ForeignKey,
    Index,
    Rows,
    Schema,
    Table,
    closing_parenthesis,
    normalize_type,
    strip_outer_parentheses,
)

# Ordinary and partitioned tables of the current schema.
_TABLES = (
    "JOIN pg_namespace n ON n.oid = t.relnamespace "
    "WHERE n.nspname = current_schema() AND t.relkind IN ('r', 'p')"
)


def _names(array: str, table: str) -> str:
    """SQL for the column names of an attnum array, in the array's order, as text[]."""
    return (
        f"ARRAY(SELECT a.attname::text FROM unnest({array}) WITH ORDINALITY k(num, pos) "
        f"JOIN pg_attribute a ON a.attrelid = {table} AND a.attnum = k.num ORDER BY k.pos)"
    )


QUERIES: dict[str, str] = {
    "columns": (
        "SELECT t.relname::text, a.attname::text, format_type(a.atttypid, a.atttypmod), "
        "a.attnotnull, pg_get_expr(d.adbin, d.adrelid) "
        "FROM pg_class t JOIN pg_attribute a ON a.attrelid = t.oid "
        "AND a.attnum > 0 AND NOT a.attisdropped "
        "LEFT JOIN pg_attrdef d ON d.adrelid = t.oid AND d.adnum = a.attnum "
        f"{_TABLES} ORDER BY t.relname, a.attnum"
    ),
    # contype: p primary key, u unique, f foreign key, c check (n, NOT NULL, is left out).
    "constraints": (
        "SELECT t.relname::text, c.conname::text, c.contype::text, "
        f"{_names('c.conkey', 'c.conrelid')}, {_names('c.confkey', 'c.confrelid')}, "
        "f.relname::text, c.condeferred, pg_get_constraintdef(c.oid, true) "
        "FROM pg_constraint c JOIN pg_class t ON t.oid = c.conrelid "
        "LEFT JOIN pg_class f ON f.oid = c.confrelid "
        f"{_TABLES} AND c.contype IN ('p', 'u', 'f', 'c') ORDER BY t.relname, c.conname"
    ),
    # Key columns only (pos <= indnkeyatts); attnum 0 is an expression; indoption bit 1 DESC.
    # indkey and indoption are int2vectors, whose subscripts start at 0.
    "indexes": (
        "SELECT t.relname::text, i.relname::text, x.indisunique, ARRAY("
        "SELECT CASE WHEN x.indoption[k.pos - 1]::int & 1 = 1 THEN '-' ELSE '' END "
        "|| CASE WHEN k.num = 0 THEN pg_get_indexdef(x.indexrelid, k.pos::int, true) "
        "ELSE (SELECT a.attname::text FROM pg_attribute a "
        "WHERE a.attrelid = t.oid AND a.attnum = k.num) END "
        "FROM unnest(x.indkey) WITH ORDINALITY k(num, pos) "
        "WHERE k.pos <= x.indnkeyatts ORDER BY k.pos) "
        "FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid "
        "JOIN pg_class t ON t.oid = x.indrelid "
        f"{_TABLES} AND NOT x.indisprimary AND NOT EXISTS ("
        "SELECT 1 FROM pg_constraint c WHERE c.conindid = x.indexrelid "
        "AND c.conrelid = x.indrelid AND c.contype IN ('p', 'u')) "
        "ORDER BY t.relname, i.relname"
    ),
}

_TYPE_NAMES = (
    (re.compile(r"^character varying\b"), "varchar"),
    (re.compile(r"^character\b"), "char"),
    (re.compile(r"^(time|timestamp)(\(\d+\))? without time zone"), r"\1\2"),
)


def normalize_pg_type(formatted: str) -> str:
    """``format_type()`` text in the spelling the dialect writes in DDL."""
    text = normalize_type(formatted)
    for pattern, replacement in _TYPE_NAMES:
        text = pattern.sub(replacement, text)
    return text


def read_schema(results: dict[str, Rows]) -> Schema:
    """The :data:`Schema` described by the rows of :data:`QUERIES`."""
    primary: set[tuple[str, str]] = set()
    indexes: dict[str, dict[str, Index]] = {}
    foreign_keys: dict[str, list[ForeignKey]] = {}
    checks: dict[str, list[Check]] = {}
    for table, name, kind, columns, targets, target_table, deferred, definition in results[
        "constraints"
    ]:
        if kind == "p":
            primary.update((table, c) for c in columns)
        elif kind == "u":
            indexes.setdefault(table, {})[name] = Index(name, tuple(columns), True)
        elif kind == "f":
            foreign_keys.setdefault(table, []).extend(
                ForeignKey(name, column, target_table, target, bool(deferred))
                for column, target in zip(columns, targets)
            )
        elif kind == "c":
            checks.setdefault(table, []).append(Check(name, _check_condition(definition)))
    for table, name, unique, columns in results["indexes"]:
        indexes.setdefault(table, {})[name] = Index(name, tuple(columns), bool(unique))

    tables: dict[str, dict[str, Column]] = {}
    for table, name, type_, notnull, default in results["columns"]:
        tables.setdefault(table, {})[name] = Column(
            name=name,
            type=normalize_pg_type(type_),
            null=not notnull,
            primary_key=(table, name) in primary,
            default=default,
        )
    return {
        table: Table(
            name=table,
            columns=columns,
            indexes=dict(sorted(indexes.get(table, {}).items())),
            foreign_keys=tuple(foreign_keys.get(table, ())),
            checks=tuple(checks.get(table, ())),
        )
        for table, columns in tables.items()
    }


def _check_condition(definition: str) -> str:
    """``CHECK (a > 0) NOT VALID`` -> ``a > 0`` (NOT VALID, NO INHERIT are dropped)."""
    text = definition.strip()
    if text.upper().startswith("CHECK"):
        text = text[len("CHECK") :].strip()
    end = closing_parenthesis(text, 0) if text.startswith("(") else -1
    if end != -1:
        text = text[: end + 1]
    return strip_outer_parentheses(text)


__all__ = ["QUERIES", "normalize_pg_type", "read_schema"]
