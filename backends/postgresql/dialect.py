"""PostgreSQL's dialect: column types, operators and how values are passed.

Both drivers (psycopg and asyncpg) share it; only the parameter style differs ("format" for
psycopg, "numeric" for asyncpg). Values need little adapting since PostgreSQL has native types
for nearly every field. Every connection runs with the session time zone UTC, so timestamps come
back with ``tzinfo=datetime.timezone.utc`` and date extraction and casts are done in UTC.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from typing import Any, ClassVar

from ..base.dialect import Adapter, Dialect

_UTC = dt.timezone.utc

# Lookups compared as text: a column of another type is cast to text first (as Django does).
_TEXT_LOOKUPS = frozenset(
    {
        "iexact", "contains", "icontains", "startswith", "istartswith", "endswith", "iendswith",
        "regex", "iregex",
    }
)
_CASE_INSENSITIVE = frozenset({"iexact", "icontains", "istartswith", "iendswith"})
_TEXT_TYPES = frozenset({"CharField", "TextField", "EmailField"})
# Column types bulk inserts send as arrays (see array_insert_type): internal type -> the
# element type the array parameter is cast to. The column's own type (length, precision)
# applies on assignment, as for any INSERT.
_ARRAY_INSERT_TYPES = {
    "AutoField": "integer", "BigAutoField": "bigint", "SmallAutoField": "smallint",
    "IntegerField": "integer", "BigIntegerField": "bigint", "SmallIntegerField": "smallint",
    "PositiveIntegerField": "integer", "FloatField": "double precision",
    "DecimalField": "numeric", "BooleanField": "boolean", "CharField": "text",
    "TextField": "text", "EmailField": "text", "DateField": "date",
    "DateTimeField": "timestamp with time zone", "TimeField": "time", "DurationField": "interval",
    "UUIDField": "uuid",
}

# EXTRACT field per kind; week_day and second get special treatment below.
_EXTRACT_FIELDS = {
    "year": "YEAR",
    "month": "MONTH",
    "day": "DAY",
    "hour": "HOUR",
    "minute": "MINUTE",
    "quarter": "QUARTER",
    "week": "WEEK",
    "iso_year": "ISOYEAR",
    "iso_week_day": "ISODOW",
}

# EXPLAIN options that take a boolean, and the formats EXPLAIN can write.
_EXPLAIN_FLAGS = frozenset(
    {"ANALYZE", "VERBOSE", "COSTS", "SETTINGS", "BUFFERS", "WAL", "TIMING", "SUMMARY"}
)
_EXPLAIN_FORMATS = frozenset({"TEXT", "XML", "JSON", "YAML"})


def _json_chain(sql: str, params: list[Any], path: Sequence[str | int]) -> tuple[str, list[Any]]:
    # jsonb -> text is an object key, jsonb -> integer an array index (as on SQLite, where a
    # path step is one or the other; #> with a text[] would try both).
    steps = [sql] + ["%s::integer" if isinstance(key, int) else "%s::text" for key in path]
    return "(" + " -> ".join(steps) + ")", [*params, *path]


def _json_select_from_db(value: Any) -> Any:
    return json.loads(value) if isinstance(value, str) else value


# jsonb_typeof() per kind of scalar a lookup compares with, and the cast to its SQL type.
_JSON_SCALAR_CASTS = {"number": ("number", "numeric"), "boolean": ("boolean", "boolean")}


def _aware_datetime(value: dt.datetime) -> dt.datetime:
    # A naive datetime would be read in the session time zone; the ORM's convention is UTC.
    if value.tzinfo is None:
        return value.replace(tzinfo=_UTC)
    return value


class PostgreSQLDialect(Dialect):
    vendor = "postgresql"
    display_name = "PostgreSQL"
    data_types: ClassVar[dict[str, str]] = {
        # Identity is added by the schema editor, so a foreign key to these uses the plain type.
        "AutoField": "integer",
        "BigAutoField": "bigint",
        "SmallAutoField": "smallint",
        "BinaryField": "bytea",
        "BooleanField": "boolean",
        "CharField": "varchar(%(max_length)s)",
        "DateField": "date",
        "DateTimeField": "timestamp with time zone",
        "DecimalField": "numeric(%(max_digits)s, %(decimal_places)s)",
        "DurationField": "interval",
        "FloatField": "double precision",
        "IntegerField": "integer",
        "BigIntegerField": "bigint",
        "SmallIntegerField": "smallint",
        "PositiveIntegerField": "integer",
        "TextField": "text",
        "TimeField": "time",
        "UUIDField": "uuid",
        "JSONField": "jsonb",
    }
    data_type_checks: ClassVar[dict[str, str]] = {
        "PositiveIntegerField": "%(column)s >= 0",
    }
    operators: ClassVar[dict[str, str]] = {
        "exact": "= %s",
        "iexact": "= UPPER(%s)",
        "contains": "LIKE %s",
        "icontains": "LIKE UPPER(%s)",
        "gt": "> %s",
        "gte": ">= %s",
        "lt": "< %s",
        "lte": "<= %s",
        "startswith": "LIKE %s",
        "istartswith": "LIKE UPPER(%s)",
        "endswith": "LIKE %s",
        "iendswith": "LIKE UPPER(%s)",
        "regex": "~ %s",
        "iregex": "~* %s",
    }
    # iexact compares with = (after UPPER on both sides), so its value must not be escaped.
    pattern_lookups: ClassVar[dict[str, tuple[str, str]]] = {
        "contains": ("%", "%"),
        "icontains": ("%", "%"),
        "startswith": ("", "%"),
        "istartswith": ("", "%"),
        "endswith": ("%", ""),
        "iendswith": ("%", ""),
    }
    supports_returning = True
    supports_transactional_ddl = True
    supports_select_for_update = True
    cast_values = True
    supports_server_side_cursors = True
    # asyncpg's limit; the protocol itself allows 65535.
    max_query_params = 32767

    def __init__(self, paramstyle: str = "format") -> None:
        super().__init__(paramstyle)

    # -- values --------------------------------------------------------------------------------
    def make_adapter(self, internal_type: str) -> Adapter | None:
        if internal_type == "DateTimeField":
            return _aware_datetime
        if internal_type == "JSONField":
            # A str parameter is untyped for psycopg and typed by the server for asyncpg, so
            # PostgreSQL reads it as json/jsonb from the column or operator it meets.
            return json.dumps
        return None

    def make_converter(self, internal_type: str) -> Adapter | None:
        # Both drivers hand json/jsonb over as text (psycopg is told so on each connection).
        if internal_type == "JSONField":
            return json.loads
        # No converter for DateTimeField: with the session time zone UTC both drivers already
        # return tzinfo=timezone.utc. None for UUIDField: asyncpg's UUID subclasses uuid.UUID.
        return None

    def array_insert_type(self, field: Any) -> str | None:
        # None for JSON (text adapted per driver) and binary: those insert as VALUES rows.
        return _ARRAY_INSERT_TYPES.get(field.get_internal_type())

    # -- SQL fragments -------------------------------------------------------------------------
    def lookup_lhs(self, lookup_name: str, lhs_sql: str, internal_type: str) -> str:
        if lookup_name not in _TEXT_LOOKUPS:
            return lhs_sql
        if internal_type not in _TEXT_TYPES:
            lhs_sql = f"({lhs_sql})::text"
        if lookup_name in _CASE_INSENSITIVE:
            return f"UPPER({lhs_sql})"
        return lhs_sql

    # -- JSON (JSONField lookups and key transforms) --------------------------------------------
    # ``sql, params`` is a jsonb document, ``path`` a key path (str keys, int array indexes);
    # each key travels as a parameter.
    def json_value_sql(self, sql: str, params: list[Any], path: Sequence[str | int]) -> tuple[str, list[Any]]:
        """The jsonb at ``path``; NULL where there is nothing (JSON null is 'null'::jsonb)."""
        return _json_chain(sql, params, path)

    def json_select_sql(self, sql: str, params: list[Any], path: Sequence[str | int]) -> tuple[str, list[Any]]:
        """The value at ``path`` as selected and ordered (jsonb, read back as JSON text)."""
        return self.json_value_sql(sql, params, path)

    def json_select_converter(self) -> Adapter:
        return _json_select_from_db

    def json_scalar_sql(
        self, sql: str, params: list[Any], path: Sequence[str | int], kind: str
    ) -> tuple[str, list[Any]]:
        """The value at ``path`` as an SQL number, string or boolean (``kind``), NULL where it
        is something else (CASE, so that a cast never meets a value of another type)."""
        value, value_params = self.json_value_sql(sql, params, path)
        if kind == "string":
            return (
                f"(CASE WHEN jsonb_typeof({value}) = 'string' THEN ({value} #>> '{{}}') END)",
                value_params * 2,
            )
        json_type, cast = _JSON_SCALAR_CASTS[kind]
        return (
            f"(CASE WHEN jsonb_typeof({value}) = '{json_type}' THEN ({value})::{cast} END)",
            value_params * 2,
        )

    def json_text_sql(self, sql: str, params: list[Any], path: Sequence[str | int]) -> tuple[str, list[Any]]:
        """A string or number at ``path`` as text; NULL for anything else."""
        value, value_params = self.json_value_sql(sql, params, path)
        return (
            f"(CASE WHEN jsonb_typeof({value}) IN ('string', 'number') THEN ({value} #>> '{{}}') END)",
            value_params * 2,
        )

    def json_param_sql(self) -> str:
        """A parameter holding JSON text, typed for the jsonb operators below."""
        return "%s::jsonb"

    def json_equal_sql(self, lhs: str, rhs: str) -> str:
        return f"{lhs} = {rhs}"

    def json_contains_sql(self, lhs: str, rhs: str) -> str:
        return f"{lhs} @> {rhs}"

    def json_has_keys_sql(
        self, sql: str, params: list[Any], keys: Sequence[str], mode: str
    ) -> tuple[str, list[Any]]:
        """Whether the jsonb object ``sql`` has the key (mode "one"), all of ``keys`` ("all")
        or any of them ("any"). Only objects have keys: ``?`` alone would also find strings
        in arrays. (``?`` is safe here: the drivers' placeholders are %s and $n.)"""
        guard = f"jsonb_typeof({sql}) = 'object'"
        if mode == "one":
            return f"({guard} AND {sql} ? %s)", [*params, *params, keys[0]]
        operator = "?&" if mode == "all" else "?|"
        return f"({guard} AND {sql} {operator} %s::text[])", [*params, *params, list(keys)]

    def date_extract_sql(self, kind: str, sql: str, internal_type: str) -> str:
        if kind == "week_day":  # Django numbers days 1 (Sunday) to 7; DOW is 0 (Sunday) to 6
            return f"(EXTRACT(DOW FROM {sql})::integer + 1)"
        if kind == "second":  # EXTRACT(SECOND) has a fraction, which a cast would round up
            return f"FLOOR(EXTRACT(SECOND FROM {sql}))::integer"
        field = _EXTRACT_FIELDS.get(kind)
        if field is None:
            from orm.exceptions import NotSupportedError

            raise NotSupportedError(f"PostgreSQL cannot extract {kind!r}")
        return f"EXTRACT({field} FROM {sql})::integer"

    def combine_temporal_sql(
        self, connector: str, lhs_kind: str | None, lhs: str, rhs_kind: str | None, rhs: str
    ) -> str | None:
        # date +/- interval is a timestamp without time zone: make it timestamptz (the session
        # is in UTC), as datetimes are everywhere else.
        if {lhs_kind, rhs_kind} == {"date", "duration"} and connector in ("+", "-"):
            return f"(({lhs} {connector} {rhs}))::timestamp with time zone"
        return None

    def date_cast_sql(self, sql: str) -> str:
        return f"({sql})::date"

    def for_update_sql(self, nowait: bool, skip_locked: bool, of: list[str]) -> str:
        if nowait and skip_locked:
            raise ValueError("select_for_update() takes nowait or skip_locked, not both")
        sql = "FOR UPDATE"
        if of:
            # quote_name leaves names that are already quoted alone.
            sql += " OF " + ", ".join(self.quote_name(name) for name in of)
        if nowait:
            sql += " NOWAIT"
        elif skip_locked:
            sql += " SKIP LOCKED"
        return sql

    def explain_sql(self, sql: str, options: dict[str, Any]) -> str:
        """EXPLAIN with options such as ``{"analyze": True, "format": "json"}``.

        Option names and formats are checked against PostgreSQL's lists, since they are
        written into the SQL rather than passed as parameters.
        """
        parts: list[str] = []
        for name, value in options.items():
            key = name.upper()
            if key == "FORMAT":
                fmt = str(value).upper()
                if fmt not in _EXPLAIN_FORMATS:
                    raise ValueError(f"unknown EXPLAIN format {value!r}")
                parts.append(f"FORMAT {fmt}")
            elif key in _EXPLAIN_FLAGS:
                parts.append(key if value else f"{key} false")
            else:
                raise ValueError(f"unknown EXPLAIN option {name!r}")
        if not parts:
            return "EXPLAIN " + sql
        return f"EXPLAIN ({', '.join(parts)}) {sql}"

    def check_deferred_constraints_sql(self) -> list[str]:
        # Checked now, then deferred again, as the ORM's foreign keys are declared.
        return ["SET CONSTRAINTS ALL IMMEDIATE", "SET CONSTRAINTS ALL DEFERRED"]

    def begin_transaction_sql(self, isolation_level: str | None, read_only: bool) -> list[str]:
        """``BEGIN ISOLATION LEVEL ... [READ ONLY]``: both options last only as long as the
        transaction, so nothing is left to undo on the connection."""
        sql = "BEGIN"
        if isolation_level is not None:
            level = self.normalize_isolation_level(isolation_level)
            if level == "read uncommitted":
                from orm.exceptions import NotSupportedError

                raise NotSupportedError(
                    "PostgreSQL does not support the isolation level 'read uncommitted' (it "
                    "runs such transactions as 'read committed'); ask for 'read committed'"
                )
            sql += " ISOLATION LEVEL " + level.upper()
        if read_only:
            sql += " READ ONLY"
        return [sql]
