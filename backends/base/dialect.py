"""What the ORM asks of a database dialect: quoting, placeholders, operators, types, values.

A dialect does no I/O. The compiler writes SQL with ``%s`` for every parameter and ``%%`` for a
literal percent sign (the psycopg "format" style); ``finalize_sql`` turns that into the driver's
own style once per distinct SQL text, so the same query shape always gives the same string and
the drivers' statement caches hit.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import lru_cache
from typing import Any, ClassVar

Adapter = Callable[[Any], Any]

_MARKER = re.compile(r"%([s%])")


@lru_cache(maxsize=2048)
def _to_qmark(sql: str) -> str:
    return _MARKER.sub(lambda m: "?" if m.group(1) == "s" else "%", sql)


@lru_cache(maxsize=2048)
def _to_numeric(sql: str) -> str:
    counter = 0

    def repl(m: re.Match[str]) -> str:
        nonlocal counter
        if m.group(1) == "%":
            return "%"
        counter += 1
        return f"${counter}"

    return _MARKER.sub(repl, sql)


def _identity(sql: str) -> str:
    return sql


_FINALIZERS: dict[str, Callable[[str], str]] = {
    "format": _identity,
    "qmark": _to_qmark,
    "numeric": _to_numeric,
}


class Dialect:
    """Base class of the SQL dialects. One instance per driver configuration."""

    vendor: ClassVar[str] = ""
    display_name: ClassVar[str] = ""
    # Column types by the fields' internal type; %(name)s is filled from the field.
    data_types: ClassVar[dict[str, str]] = {}
    # Extra column check constraints by internal type, %(column)s is the quoted column.
    data_type_checks: ClassVar[dict[str, str]] = {}
    # The right-hand side of a lookup, with %s standing for the (already prepared) value.
    operators: ClassVar[dict[str, str]] = {}
    # Lookups whose right-hand side is a LIKE pattern: lookup name -> (prefix, suffix).
    pattern_lookups: ClassVar[dict[str, tuple[str, str]]] = {
        "contains": ("%", "%"),
        "icontains": ("%", "%"),
        "startswith": ("", "%"),
        "istartswith": ("", "%"),
        "endswith": ("%", ""),
        "iendswith": ("%", ""),
        "iexact": ("", ""),
    }
    supports_returning: ClassVar[bool] = True
    supports_transactional_ddl: ClassVar[bool] = True
    supports_select_for_update: ClassVar[bool] = False
    supports_server_side_cursors: ClassVar[bool] = False
    # Largest number of parameters one statement may carry.
    max_query_params: ClassVar[int] = 32766

    def __init__(self, paramstyle: str = "format") -> None:
        if paramstyle not in _FINALIZERS:
            raise ValueError(f"unknown paramstyle {paramstyle!r}")
        self.paramstyle = paramstyle
        self.finalize_sql: Callable[[str], str] = _FINALIZERS[paramstyle]
        self._adapters: dict[str, Adapter | None] = {}
        self._converters: dict[str, Adapter | None] = {}
        self._quoted: dict[str, str] = {}  # quote_name's results: every query quotes again
        # The statement that opens a transaction (SQLite may say BEGIN IMMEDIATE).
        self.begin_sql = "BEGIN"

    # -- identifiers ---------------------------------------------------------------------------
    def quote_name(self, name: str) -> str:
        """Quote an identifier; embedded double quotes are doubled, so any name is safe."""
        quoted = self._quoted.get(name)
        if quoted is None:
            if len(name) > 1 and name[0] == name[-1] == '"' and '"' not in name[1:-1]:
                quoted = name  # already quoted (and nothing inside can end it early)
            else:
                quoted = '"' + name.replace('"', '""') + '"'
            if len(self._quoted) < 4096:  # the names of models and aliases: a bounded set
                self._quoted[name] = quoted
        return quoted

    # -- values --------------------------------------------------------------------------------
    def adapter(self, internal_type: str) -> Adapter | None:
        """The function turning a prepared Python value into a driver parameter, or None."""
        try:
            return self._adapters[internal_type]
        except KeyError:
            fn = self._adapters[internal_type] = self.make_adapter(internal_type)
            return fn

    def converter(self, internal_type: str) -> Adapter | None:
        """The function turning a value read from the driver into its Python value, or None."""
        try:
            return self._converters[internal_type]
        except KeyError:
            fn = self._converters[internal_type] = self.make_converter(internal_type)
            return fn

    def make_adapter(self, internal_type: str) -> Adapter | None:
        return None

    def make_converter(self, internal_type: str) -> Adapter | None:
        return None

    # PostgreSQL (asyncpg above all) must know a parameter's type where the context does not
    # say it (SELECT $1, CASE ... THEN $1, function arguments): values are cast there.
    cast_values: ClassVar[bool] = False

    def value_placeholder(self, field: Any) -> str:
        """The placeholder of a Value() expression's parameter."""
        if not self.cast_values or field is None:
            return "%s"
        if field.get_internal_type() == "CharField" and field.max_length is None:
            return "CAST(%s AS varchar)"
        try:
            column_type = self.data_types[field.get_internal_type()] % field.db_type_parameters()
        except KeyError:
            return "%s"
        return f"CAST(%s AS {column_type})"

    def combine_temporal_sql(
        self, connector: str, lhs_kind: str | None, lhs: str, rhs_kind: str | None, rhs: str
    ) -> str | None:
        """SQL for date/time arithmetic the plain operator cannot do here, or None."""
        return None

    def quote_value(self, value: Any) -> str:
        """A literal for DDL, which cannot take parameters (CHECK constraints). Never used
        for query values."""
        if value is None:
            return "NULL"
        if isinstance(value, bool):
            return "TRUE" if value else "FALSE"
        if isinstance(value, (int, float)):
            return repr(value)
        if isinstance(value, (bytes, bytearray)):
            raise ValueError("binary values cannot be written into DDL")
        return "'" + str(value).replace("'", "''") + "'"

    def prepare_pattern(self, lookup_name: str, value: str) -> str:
        """Escape a value for a LIKE pattern and add the lookup's wildcards (other lookups,
        such as regex, take the value as it is)."""
        if lookup_name not in self.pattern_lookups:
            return value
        prefix, suffix = self.pattern_lookups[lookup_name]
        escaped = value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        return f"{prefix}{escaped}{suffix}"

    # -- SQL fragments -------------------------------------------------------------------------
    def lookup_lhs(self, lookup_name: str, lhs_sql: str, internal_type: str) -> str:
        """Wrap the left-hand side of a lookup (e.g. UPPER() for case-insensitive ones)."""
        return lhs_sql

    def date_extract_sql(self, kind: str, sql: str, internal_type: str) -> str:
        raise NotImplementedError

    def date_cast_sql(self, sql: str) -> str:
        raise NotImplementedError

    def random_function_sql(self) -> str:
        return "RANDOM()"

    def limit_offset_sql(self, limit: int | None, offset: int | None) -> tuple[str, list[int]]:
        parts: list[str] = []
        params: list[int] = []
        if limit is not None:
            parts.append("LIMIT %s")
            params.append(limit)
        if offset:
            if limit is None:
                parts.append(self.no_limit_sql())
            parts.append("OFFSET %s")
            params.append(offset)
        return " ".join(parts), params

    def no_limit_sql(self) -> str:
        return ""

    def returning_sql(self, columns: list[str]) -> str:
        return "RETURNING " + ", ".join(columns)

    def insert_default_values_sql(self, table: str) -> str:
        return f"INSERT INTO {table} DEFAULT VALUES"

    def for_update_sql(self, nowait: bool, skip_locked: bool, of: list[str]) -> str:
        from orm.exceptions import NotSupportedError

        raise NotSupportedError(f"{self.display_name} does not support select_for_update()")

    def explain_sql(self, sql: str, options: dict[str, Any]) -> str:
        return "EXPLAIN " + sql

    # -- transactions --------------------------------------------------------------------------
    # The isolation levels of the SQL standard, by the names atomic(isolation_level=...) takes.
    isolation_level_names: ClassVar[tuple[str, ...]] = (
        "read uncommitted",
        "read committed",
        "repeatable read",
        "serializable",
    )

    def normalize_isolation_level(self, level: str) -> str:
        """``"REPEATABLE READ"``, ``"repeatable_read"`` -> ``"repeatable read"``; ValueError
        for a name that is no isolation level at all."""
        if not isinstance(level, str):
            raise TypeError(f"isolation_level must be a string, not {type(level).__name__}")
        name = " ".join(level.replace("_", " ").replace("-", " ").lower().split())
        if name not in self.isolation_level_names:
            choices = ", ".join(repr(n) for n in self.isolation_level_names)
            raise ValueError(f"unknown isolation level {level!r}; choose one of {choices}")
        return name

    def begin_transaction_sql(self, isolation_level: str | None, read_only: bool) -> list[str]:
        """The statements opening a transaction with these options (``atomic(...)``)."""
        from orm.exceptions import NotSupportedError

        if isolation_level is not None:
            level = self.normalize_isolation_level(isolation_level)
            raise NotSupportedError(
                f"{self.display_name} does not support choosing the isolation level {level!r}"
            )
        if read_only:
            raise NotSupportedError(f"{self.display_name} does not support read-only transactions")
        return [self.begin_sql]

    def end_transaction_sql(self, isolation_level: str | None, read_only: bool) -> list[str]:
        """The statements run after COMMIT or ROLLBACK to undo what begin_transaction_sql set
        on the connection beyond the transaction (none when the options die with it)."""
        return []

    # A query listing rows whose foreign keys point at nothing, run before a migration
    # commits where foreign keys were not enforced during it (SQLite).
    foreign_key_check_sql: str | None = None

    def check_deferred_constraints_sql(self) -> list[str]:
        """Statements that check the constraints deferred so far, in the middle of a
        migration: after data changes (RunPython, RunSQL) and before the next ALTER, which
        PostgreSQL refuses on a table with pending deferred checks."""
        return []

    def array_insert_type(self, field: Any) -> str | None:
        """The SQL type to cast a column's array of values to in a multi-row INSERT from
        arrays, or None where the database (or this column type) does not insert that way."""
        return None

    def schema_transaction_sql(self) -> tuple[list[str], list[str]]:
        """Statements run before BEGIN and after COMMIT/ROLLBACK of a transaction that changes
        the schema (a migration), on the same connection."""
        return [], []
