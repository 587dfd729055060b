"""A normalized picture of the tables in a database, read back from its catalog.

The migrations engine and its tests compare this picture with the models. Each vendor module
(``backends.<vendor>.introspection``) exports a fixed set of catalog queries (``QUERIES``, SQL
without parameters) and a pure ``read_schema(results)`` that turns their rows into a
:data:`Schema`; the only I/O is in :func:`introspect` / :func:`aintrospect` below, which run the
queries on an ``orm`` database (``orm.connections[alias]``). Inside an ``orm.atomic()`` block
the queries run on that block's connection, so they see its uncommitted DDL.
"""

from __future__ import annotations

import importlib
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol


@dataclass(frozen=True)
class Column:
    """One column. ``type`` is the declared type, lowercase, whitespace-normalized
    (``varchar(100)``, ``numeric(8,2)``); ``default`` is the default's SQL text or None."""

    name: str
    type: str
    null: bool
    primary_key: bool
    default: str | None = None


@dataclass(frozen=True)
class Index:
    """An index or a unique constraint (never the primary key). Descending columns are
    written ``"-col"``; an expression column is its SQL text."""

    name: str
    columns: tuple[str, ...]
    unique: bool


@dataclass(frozen=True)
class ForeignKey:
    """One referencing column. ``name`` is None where the database keeps no name (an
    unnamed SQLite constraint); ``deferred`` is true for DEFERRABLE INITIALLY DEFERRED."""

    name: str | None
    column: str
    target_table: str
    target_column: str
    deferred: bool


@dataclass(frozen=True)
class Check:
    """A CHECK constraint: its condition without the ``CHECK (...)`` around it."""

    name: str | None
    sql: str


@dataclass(frozen=True)
class Table:
    """One table. The order of ``foreign_keys`` and ``checks`` means nothing (SQLite gives
    them in declaration order, PostgreSQL by constraint name): compare them as sets."""

    name: str
    columns: dict[str, Column] = field(default_factory=dict)  # in table order
    indexes: dict[str, Index] = field(default_factory=dict)
    foreign_keys: tuple[ForeignKey, ...] = ()
    checks: tuple[Check, ...] = ()


Schema = dict[str, Table]
Rows = list[tuple[Any, ...]]


class IntrospectedDatabase(Protocol):
    """What the helpers need of an ``orm`` Database (``orm.connections[alias]``)."""

    @property
    def vendor(self) -> str: ...

    def fetch(self, sql: str, params: Any = None) -> Rows: ...

    async def afetch(self, sql: str, params: Any = None) -> Rows: ...


def _vendor_module(database: IntrospectedDatabase) -> Any:
    return importlib.import_module(f"backends.{database.vendor}.introspection")


def introspect(database: IntrospectedDatabase) -> Schema:
    """The user tables of ``database`` (sync API)."""
    module = _vendor_module(database)
    queries: dict[str, str] = module.QUERIES
    results = {name: database.fetch(sql) for name, sql in queries.items()}
    read: Callable[[dict[str, Rows]], Schema] = module.read_schema
    return read(results)


async def aintrospect(database: IntrospectedDatabase) -> Schema:
    """The user tables of ``database`` (async API)."""
    module = _vendor_module(database)
    queries: dict[str, str] = module.QUERIES
    results = {name: await database.afetch(sql) for name, sql in queries.items()}
    read: Callable[[dict[str, Rows]], Schema] = module.read_schema
    return read(results)


# -- helpers shared by the vendor modules (pure) -------------------------------------------

_SPACES = re.compile(r"\s+")
_SPACE_AROUND = re.compile(r"\s*([(),])\s*")


def normalize_type(declared: str | None) -> str:
    """Lowercase, single spaces, none around parentheses and commas: ``decimal(8,2)``."""
    text = _SPACES.sub(" ", (declared or "").strip().lower())
    text = _SPACE_AROUND.sub(r"\1", text)
    # "(" and ")" lost their outer spaces too; give the word after ")" its space back.
    return re.sub(r"\)(?=\w)", ") ", text)


def strip_outer_parentheses(sql: str) -> str:
    """``((a > 0))`` -> ``a > 0``; ``(a > 0) AND (b > 0)`` is left alone.

    Quotes are honoured, so a parenthesis inside a string or a quoted name does not count.
    """
    text = sql.strip()
    while text.startswith("(") and closing_parenthesis(text, 0) == len(text) - 1:
        text = text[1:-1].strip()
    return text


def closing_parenthesis(text: str, start: int) -> int:
    """Index of the parenthesis closing the one at ``start`` (-1 when it is not closed)."""
    depth = 0
    quote = ""
    i = start
    while i < len(text):
        ch = text[i]
        if quote:
            if ch == quote:
                # A doubled quote is an escaped one, still inside the literal.
                if i + 1 < len(text) and text[i + 1] == quote:
                    i += 1
                else:
                    quote = ""
        elif ch in "'\"`":
            quote = ch
        elif ch == "[":
            quote = "]"
        elif ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
            if depth == 0:
                return i
        i += 1
    return -1


__all__ = [
    "Check",
    "Column",
    "ForeignKey",
    "Index",
    "IntrospectedDatabase",
    "Rows",
    "Schema",
    "Table",
    "aintrospect",
    "introspect",
    "closing_parenthesis",
    "normalize_type",
    "strip_outer_parentheses",
]
