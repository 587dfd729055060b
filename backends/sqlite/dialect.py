"""SQLite's dialect: column types, operators and how values are stored.

Dates, times and datetimes are stored as ISO-8601 text (datetimes in UTC, without offset, so text
order is time order), durations as microseconds, UUIDs as 32 hex digits, decimals with NUMERIC
affinity. Case-sensitive pattern lookups use GLOB, because SQLite's LIKE ignores ASCII case.
"""

from __future__ import annotations

import datetime as dt
import decimal
import json
import uuid
from collections.abc import Sequence
from typing import Any, ClassVar

from ..base.dialect import Adapter, Dialect

_UTC = dt.timezone.utc


def _datetime_to_db(value: dt.datetime) -> str:
    if value.tzinfo is not None:
        value = value.astimezone(_UTC).replace(tzinfo=None)
    return value.isoformat(" ")


def _datetime_from_db(value: Any) -> dt.datetime:
    if isinstance(value, dt.datetime):
        parsed = value
    else:
        parsed = dt.datetime.fromisoformat(value)
    if parsed.tzinfo is None:
        return parsed.replace(tzinfo=_UTC)
    return parsed.astimezone(_UTC)


def _date_from_db(value: Any) -> dt.date:
    if isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(value[:10])


def _time_from_db(value: Any) -> dt.time:
    if isinstance(value, dt.time):
        return value
    return dt.time.fromisoformat(value)


def _json_path_key(key: str) -> str:
    """One object key of a JSON path, as json.dumps writes it in the stored text (SQLite 3.40
    compares path keys with the stored text as it is, escapes included)."""
    escaped = json.dumps(key)[1:-1]
    if '"' not in escaped:
        return f'."{escaped}"'
    # A double quote ends a quoted path key; unquoted, a key runs to the next "." or "[".
    if escaped and "." not in escaped and "[" not in escaped:
        return "." + escaped
    from orm.exceptions import NotSupportedError

    raise NotSupportedError(
        f"SQLite cannot express the JSON key {key!r} in a path (it holds a double quote and "
        "a '.' or '[')"
    )


def json_path(path: Sequence[str | int]) -> str:
    """A JSON path for JSON1 functions: ``$."key"[0]``; an int is an array index."""
    return "$" + "".join(f"[{key}]" if isinstance(key, int) else _json_path_key(key) for key in path)


def _json_select_from_db(value: Any) -> Any:
    # Strings and numbers arrive as SQL values, everything else as JSON text in a BLOB.
    if isinstance(value, bytes):
        return json.loads(value)
    return value


# json_type() names per kind of scalar a lookup compares with.
_JSON_SCALAR_TYPES = {"number": "'integer', 'real'", "string": "'text'"}


def _glob_escape(value: str) -> str:
    return value.replace("[", "[[]").replace("*", "[*]").replace("?", "[?]")


class SQLiteDialect(Dialect):
    vendor = "sqlite"
    display_name = "SQLite"
    data_types: ClassVar[dict[str, str]] = {
        "AutoField": "integer",
        "BigAutoField": "integer",
        "SmallAutoField": "integer",
        "BinaryField": "BLOB",
        "BooleanField": "bool",
        "CharField": "varchar(%(max_length)s)",
        "DateField": "date",
        "DateTimeField": "datetime",
        "DecimalField": "decimal",
        "DurationField": "bigint",
        "FloatField": "real",
        "IntegerField": "integer",
        "BigIntegerField": "bigint",
        "SmallIntegerField": "smallint",
        "PositiveIntegerField": "integer unsigned",
        "TextField": "text",
        "TimeField": "time",
        "UUIDField": "char(32)",
        "JSONField": "text",
    }
    data_type_checks: ClassVar[dict[str, str]] = {
        "PositiveIntegerField": "%(column)s >= 0",
        "JSONField": '(JSON_VALID(%(column)s) OR %(column)s IS NULL)',
    }
    operators: ClassVar[dict[str, str]] = {
        "exact": "= %s",
        "iexact": "LIKE %s ESCAPE '\\'",
        "contains": "GLOB %s",
        "icontains": "LIKE %s ESCAPE '\\'",
        "gt": "> %s",
        "gte": ">= %s",
        "lt": "< %s",
        "lte": "<= %s",
        "startswith": "GLOB %s",
        "istartswith": "LIKE %s ESCAPE '\\'",
        "endswith": "GLOB %s",
        "iendswith": "LIKE %s ESCAPE '\\'",
        "regex": "REGEXP %s",
        "iregex": "REGEXP '(?i)' || %s",
    }
    _glob_lookups: ClassVar[dict[str, tuple[str, str]]] = {
        "contains": ("*", "*"),
        "startswith": ("", "*"),
        "endswith": ("*", ""),
    }
    supports_transactional_ddl = True
    max_query_params = 32766

    def __init__(self, paramstyle: str = "qmark") -> None:
        super().__init__(paramstyle)

    def prepare_pattern(self, lookup_name: str, value: str) -> str:
        glob = self._glob_lookups.get(lookup_name)
        if glob is not None:
            return f"{glob[0]}{_glob_escape(value)}{glob[1]}"
        return super().prepare_pattern(lookup_name, value)

    def make_adapter(self, internal_type: str) -> Adapter | None:
        if internal_type == "DateTimeField":
            return _datetime_to_db
        if internal_type in ("DateField", "TimeField"):
            return lambda v: v.isoformat()
        if internal_type == "DecimalField":
            return str
        if internal_type == "DurationField":
            return lambda v: (v.days * 86400 + v.seconds) * 1_000_000 + v.microseconds
        if internal_type == "UUIDField":
            return lambda v: v.hex
        if internal_type == "JSONField":
            return json.dumps
        return None

    def make_converter(self, internal_type: str) -> Adapter | None:
        if internal_type == "BooleanField":
            return bool
        if internal_type == "DateTimeField":
            return _datetime_from_db
        if internal_type == "DateField":
            return _date_from_db
        if internal_type == "TimeField":
            return _time_from_db
        if internal_type == "DurationField":
            return lambda v: dt.timedelta(microseconds=v)
        if internal_type == "UUIDField":
            return lambda v: v if isinstance(v, uuid.UUID) else uuid.UUID(v)
        if internal_type == "JSONField":
            return json.loads
        if internal_type == "FloatField":
            return float
        if internal_type == "DecimalField":
            return lambda v: v if isinstance(v, decimal.Decimal) else decimal.Decimal(str(v))
        return None

    # -- JSON (JSONField lookups and key transforms) --------------------------------------------
    # ``sql, params`` is a JSON document (a column, or any expression giving JSON text), ``path``
    # a key path (str keys, int array indexes); the path always travels as a parameter.
    def json_value_sql(self, sql: str, params: list[Any], path: Sequence[str | int]) -> tuple[str, list[Any]]:
        """The JSON text at ``path``; NULL where there is nothing (JSON null is 'null')."""
        return f"({sql} -> %s)", [*params, json_path(path)]

    def json_select_sql(self, sql: str, params: list[Any], path: Sequence[str | int]) -> tuple[str, list[Any]]:
        """The value at ``path`` as selected and ordered: numbers and strings as SQL values,
        anything else (null, booleans, objects, arrays) as JSON text in a BLOB, so that it
        cannot be mistaken for a string; NULL where there is nothing."""
        p = json_path(path)
        return (
            f"(CASE WHEN json_type({sql}, %s) IN ('integer', 'real', 'text') "
            f"THEN json_extract({sql}, %s) ELSE CAST(({sql} -> %s) AS BLOB) END)",
            [*params, p, *params, p, *params, p],
        )

    def json_select_converter(self) -> Adapter:
        return _json_select_from_db

    def json_scalar_sql(
        self, sql: str, params: list[Any], path: Sequence[str | int], kind: str
    ) -> tuple[str, list[Any]]:
        """The value at ``path`` as an SQL number, string or boolean (``kind``), NULL where it
        is something else."""
        p = json_path(path)
        if kind == "boolean":
            return (
                f"(CASE json_type({sql}, %s) WHEN 'true' THEN 1 WHEN 'false' THEN 0 END)",
                [*params, p],
            )
        return (
            f"(CASE WHEN json_type({sql}, %s) IN ({_JSON_SCALAR_TYPES[kind]}) "
            f"THEN json_extract({sql}, %s) END)",
            [*params, p, *params, p],
        )

    def json_text_sql(self, sql: str, params: list[Any], path: Sequence[str | int]) -> tuple[str, list[Any]]:
        """A string at ``path`` as text, a number as a number (pattern lookups read it as
        text); NULL for anything else."""
        p = json_path(path)
        return (
            f"(CASE WHEN json_type({sql}, %s) IN ('integer', 'real', 'text') "
            f"THEN json_extract({sql}, %s) END)",
            [*params, p, *params, p],
        )

    def json_param_sql(self) -> str:
        """A parameter holding JSON text, as the JSON functions below take it."""
        return "%s"

    def json_equal_sql(self, lhs: str, rhs: str) -> str:
        return f"ORM_JSON_EQUAL({lhs}, {rhs})"

    def json_contains_sql(self, lhs: str, rhs: str) -> str:
        return f"ORM_JSON_CONTAINS({lhs}, {rhs})"

    def json_has_keys_sql(
        self, sql: str, params: list[Any], keys: Sequence[str], mode: str
    ) -> tuple[str, list[Any]]:
        """Whether the JSON object ``sql`` has the key (mode "one"), all of ``keys`` ("all")
        or any of them ("any"). Arrays and scalars have no keys."""
        if not keys:
            if mode == "all":
                return f"(json_type({sql}) = 'object')", list(params)
            return "(1 = 0)", []
        parts: list[str] = []
        out: list[Any] = []
        for key in keys:
            parts.append(f"json_type({sql}, %s) IS NOT NULL")
            out.extend([*params, json_path([key])])
        return "(" + (" OR " if mode == "any" else " AND ").join(parts) + ")", out

    def date_extract_sql(self, kind: str, sql: str, internal_type: str) -> str:
        formats = {
            "year": "%%Y", "month": "%%m", "day": "%%d", "hour": "%%H", "minute": "%%M",
            "second": "%%S", "week_day": "%%w",
        }
        fmt = formats.get(kind)
        if fmt is None:
            from orm.exceptions import NotSupportedError

            raise NotSupportedError(f"SQLite cannot extract {kind!r}")
        extracted = f"CAST(strftime('{fmt}', {sql}) AS INTEGER)"
        if kind == "week_day":  # Django numbers days 1 (Sunday) to 7
            return f"({extracted} + 1)"
        return extracted

    def date_cast_sql(self, sql: str) -> str:
        return f"date({sql})"

    def no_limit_sql(self) -> str:
        return "LIMIT -1"

    def combine_temporal_sql(
        self, connector: str, lhs_kind: str | None, lhs: str, rhs_kind: str | None, rhs: str
    ) -> str | None:
        from .temporal import combine_temporal_sql

        return combine_temporal_sql(connector, lhs_kind, lhs, rhs_kind, rhs)

    def explain_sql(self, sql: str, options: dict[str, Any]) -> str:
        return "EXPLAIN QUERY PLAN " + sql

    def begin_transaction_sql(self, isolation_level: str | None, read_only: bool) -> list[str]:
        """SQLite's transactions are always serializable, so that is the only level accepted.
        Read-only is ``PRAGMA query_only`` for the transaction's duration (a deferred BEGIN:
        an immediate one would take the write lock a read-only transaction never needs)."""
        if isolation_level is not None:
            level = self.normalize_isolation_level(isolation_level)
            if level != "serializable":
                from orm.exceptions import NotSupportedError

                raise NotSupportedError(
                    f"SQLite does not support the isolation level {level!r}: its transactions "
                    "are always serializable (isolation_level='serializable')"
                )
        if read_only:
            return ["PRAGMA query_only = ON", "BEGIN DEFERRED"]
        return [self.begin_sql]

    def end_transaction_sql(self, isolation_level: str | None, read_only: bool) -> list[str]:
        return ["PRAGMA query_only = OFF"] if read_only else []

    foreign_key_check_sql = "PRAGMA foreign_key_check"

    def schema_transaction_sql(self) -> tuple[list[str], list[str]]:
        """Foreign keys off around a migration, as SQLite's documentation prescribes for table
        rebuilds (the pragma cannot change inside a transaction); the migration runs
        ``PRAGMA foreign_key_check`` before it commits."""
        return ["PRAGMA foreign_keys = OFF"], ["PRAGMA foreign_keys = ON"]
