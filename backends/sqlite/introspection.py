"""SQLite's catalog, read through the table-valued pragma functions. No I/O here.

Four queries, whatever the number of tables: columns (``pragma_table_xinfo``), index columns
(``pragma_index_list`` + ``pragma_index_xinfo``), foreign keys (``pragma_foreign_key_list``)
and the ``CREATE`` statements from ``sqlite_master``. SQLite keeps no catalog of constraint
names, CHECK constraints or deferral, so those are parsed from the table's ``CREATE TABLE``
text by the small tokenizer below.

What is reported, and how:
- ``Column.null`` is false for primary-key columns even where SQLite would let a NULL in (a
  non-INTEGER primary key without NOT NULL, a legacy quirk): the table means NOT NULL there, as
  PostgreSQL does, and the models compare against that.
- Unique constraints appear under the name of the index SQLite made for them,
  ``sqlite_autoindex_<table>_<n>``; the primary key's own index is left out.
- ``ForeignKey.name`` is the ``CONSTRAINT "name"`` written before the constraint, else None;
  ``deferred`` is true only for ``DEFERRABLE INITIALLY DEFERRED`` (every other form is
  immediate in SQLite). A multi-column foreign key gives one ForeignKey per column.
- ``Check.sql`` is the condition as written in the table's SQL, outer parentheses removed.
- Partial-index conditions are not reported.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from ..base.introspection import (
    Check,
    Column,
    ForeignKey,
    Index,
    Rows,
    Schema,
    Table,
    normalize_type,
    strip_outer_parentheses,
)

# sqlite_* tables (sqlite_sequence, sqlite_stat1, ...) are SQLite's own.
_USER_TABLES = "m.type = 'table' AND substr(m.name, 1, 7) <> 'sqlite_'"

QUERIES: dict[str, str] = {
    # hidden: 0 normal, 1 hidden column of a virtual table, 2/3 generated columns.
    "columns": (
        'SELECT m.name, c.cid, c.name, c.type, c."notnull", c.dflt_value, c.pk '
        "FROM sqlite_master m JOIN pragma_table_xinfo(m.name) c "
        f"WHERE {_USER_TABLES} AND c.hidden <> 1 ORDER BY m.name, c.cid"
    ),
    # key = 1: the index's own columns, not the rowid/primary key appended to each entry.
    "indexes": (
        'SELECT m.name, l.name, l."unique", l.origin, x.seqno, x.cid, x.name, x."desc" '
        "FROM sqlite_master m JOIN pragma_index_list(m.name) l "
        "JOIN pragma_index_xinfo(l.name) x "
        f"WHERE {_USER_TABLES} AND x.key = 1 ORDER BY m.name, l.name, x.seqno"
    ),
    "foreign_keys": (
        'SELECT m.name, f.id, f.seq, f."table", f."from", f."to" '
        "FROM sqlite_master m JOIN pragma_foreign_key_list(m.name) f "
        f"WHERE {_USER_TABLES} ORDER BY m.name, f.id, f.seq"
    ),
    "sql": (
        "SELECT m.type, m.name, m.sql FROM sqlite_master m "
        "WHERE m.type IN ('table', 'index') AND m.sql IS NOT NULL "
        "AND substr(m.name, 1, 7) <> 'sqlite_' ORDER BY m.type, m.name"
    ),
}


def read_schema(results: dict[str, Rows]) -> Schema:
    """The :data:`Schema` described by the rows of :data:`QUERIES`."""
    table_sql: dict[str, str] = {}
    index_sql: dict[str, str] = {}
    for kind, name, sql in results["sql"]:
        (table_sql if kind == "table" else index_sql)[name] = sql

    columns: dict[str, dict[str, Column]] = {}
    for table, _cid, name, type_, notnull, default, pk in results["columns"]:
        columns.setdefault(table, {})[name] = Column(
            name=name,
            type=normalize_type(type_),
            null=not (notnull or pk),
            primary_key=bool(pk),
            default=default,
        )
    index_rows = _by_table(results["indexes"])
    fk_rows = _by_table(results["foreign_keys"])

    schema: Schema = {}
    for table, cols in columns.items():
        sql = table_sql.get(table)
        definition = parse_create_table(sql) if sql else TableDefinition()
        schema[table] = Table(
            name=table,
            columns=cols,
            indexes=_indexes(index_rows.get(table, []), index_sql),
            foreign_keys=_foreign_keys(fk_rows.get(table, []), definition, columns),
            checks=tuple(definition.checks),
        )
    return schema


def _by_table(rows: Rows) -> dict[str, Rows]:
    """Rows grouped by their first value, the table name (their order kept)."""
    grouped: dict[str, Rows] = {}
    for row in rows:
        grouped.setdefault(row[0], []).append(row)
    return grouped


def _indexes(rows: Rows, index_sql: dict[str, str]) -> dict[str, Index]:
    found: dict[str, tuple[bool, list[str]]] = {}
    for _table, name, unique, origin, seqno, cid, column, desc in rows:
        if origin == "pk":
            continue
        entry = found.setdefault(name, (bool(unique), []))
        if column is None:  # an expression (cid -2) or the rowid (cid -1)
            column = _index_expression(index_sql.get(name), seqno) if cid == -2 else "rowid"
        entry[1].append(f"-{column}" if desc else column)
    return {
        name: Index(name=name, columns=tuple(cols), unique=unique)
        for name, (unique, cols) in found.items()
    }


def _foreign_keys(
    rows: Rows, definition: TableDefinition, columns: dict[str, dict[str, Column]]
) -> tuple[ForeignKey, ...]:
    groups: dict[int, tuple[str, list[tuple[str, str | None]]]] = {}
    for _table, fk_id, _seq, target, source, target_column in rows:
        groups.setdefault(fk_id, (target, []))[1].append((source, target_column))
    # SQLite matches names without regard to case, and the pragma gives them as the
    # REFERENCES clause wrote them: report the names the target table really has.
    tables = {name.lower(): name for name in columns}
    # pragma_foreign_key_list numbers constraints from the last declared one; give them
    # back in the order of the table's SQL.
    declared = list(definition.foreign_keys)
    result: list[ForeignKey] = []
    for fk_id in sorted(groups, reverse=True):
        written_target, pairs = groups[fk_id]
        match = _take_declared(declared, [s for s, _ in pairs], written_target)
        target = tables.get(written_target.lower(), written_target)
        target_columns = columns.get(target, {})
        names = {name.lower(): name for name in target_columns}
        target_pk = [c.name for c in target_columns.values() if c.primary_key]
        for i, (source, target_column) in enumerate(pairs):
            if target_column is None:  # "REFERENCES t" alone: the target's primary key
                target_column = target_pk[i] if i < len(target_pk) else "rowid"
            result.append(
                ForeignKey(
                    name=match.name if match else None,
                    column=source,
                    target_table=target,
                    target_column=names.get(target_column.lower(), target_column),
                    deferred=match.deferred if match else False,
                )
            )
    return tuple(result)


def _take_declared(
    declared: list[DeclaredForeignKey], sources: list[str], target: str
) -> DeclaredForeignKey | None:
    """The first parsed constraint on these columns towards ``target`` (removed from the
    list, so two constraints on the same columns are matched one each)."""
    want = ([s.lower() for s in sources], target.lower())
    for i, fk in enumerate(declared):
        if ([c.lower() for c in fk.columns], fk.target.lower()) == want:
            return declared.pop(i)
    return None


# -- the CREATE statement parser -----------------------------------------------------------

_TOKEN = re.compile(
    r"""
      (?P<space>\s+|--[^\n]*|/\*.*?(?:\*/|\Z))
    | (?P<string>'(?:[^']|'')*'?)
    | (?P<quoted>"(?:[^"]|"")*"?|`(?:[^`]|``)*`?|\[[^\]]*\]?)
    | (?P<word>[\w$]+)
    | (?P<punct>.)
    """,
    re.VERBOSE | re.DOTALL,
)


@dataclass
class Token:
    kind: str  # "string", "quoted", "word" or "punct"
    text: str
    start: int
    end: int

    @property
    def value(self) -> str:
        """The name this token stands for: quotes removed, doubled quotes undone."""
        if self.kind != "quoted":
            return self.text
        body = self.text[1:-1] if len(self.text) > 1 else ""
        if self.text[0] == "[":
            return body
        return body.replace(self.text[0] * 2, self.text[0])

    def is_word(self, *words: str) -> bool:
        # Only a bare word is a keyword: "check" in double quotes is a name.
        return self.kind == "word" and self.text.upper() in words


def tokenize(sql: str) -> list[Token]:
    return [
        Token(m.lastgroup or "punct", m.group(), m.start(), m.end())
        for m in _TOKEN.finditer(sql)
        if m.lastgroup != "space"
    ]


@dataclass
class DeclaredForeignKey:
    name: str | None
    columns: list[str]
    target: str
    deferred: bool


@dataclass
class TableDefinition:
    checks: list[Check] = field(default_factory=list)
    foreign_keys: list[DeclaredForeignKey] = field(default_factory=list)


# Words that start a column constraint (they end the CONSTRAINT name's reach).
_COLUMN_CONSTRAINTS = (
    "PRIMARY", "NOT", "NULL", "UNIQUE", "CHECK", "DEFAULT", "COLLATE", "REFERENCES",
    "GENERATED", "AS",
)
_TABLE_CONSTRAINTS = ("PRIMARY", "UNIQUE", "CHECK", "FOREIGN")


def parse_create_table(sql: str) -> TableDefinition:
    """The CHECK and FOREIGN KEY constraints of a CREATE TABLE statement.

    Never raises: what it cannot make sense of is left out (the constraint names and
    deferral then read as None / False).
    """
    tokens = tokenize(sql)
    definition = TableDefinition()
    open_at = next((i for i, t in enumerate(tokens) if t.text == "("), None)
    if open_at is None:  # CREATE TABLE ... AS SELECT: no constraints
        return definition
    for item in _split_list(tokens, open_at):
        if item:
            _read_definition(sql, item, definition)
    return definition


def _split_list(tokens: list[Token], open_at: int) -> list[list[Token]]:
    """The comma-separated items of the parenthesized list opening at ``open_at``."""
    items: list[list[Token]] = [[]]
    depth = 0
    for token in tokens[open_at + 1 :]:
        if token.text == "(":
            depth += 1
        elif token.text == ")":
            if depth == 0:
                break
            depth -= 1
        elif token.text == "," and depth == 0:
            items.append([])
            continue
        items[-1].append(token)
    return items


def _group_end(tokens: list[Token], i: int) -> int:
    """Index just past the parenthesized group opening at ``tokens[i]``."""
    depth = 0
    for j in range(i, len(tokens)):
        if tokens[j].text == "(":
            depth += 1
        elif tokens[j].text == ")":
            depth -= 1
            if depth == 0:
                return j + 1
    return len(tokens)


def _group_names(tokens: list[Token], i: int) -> list[str]:
    """The names in a parenthesized column list, ``("a", b COLLATE nocase)`` -> [a, b]."""
    names: list[str] = []
    expect = True
    for token in tokens[i + 1 : _group_end(tokens, i) - 1]:
        if token.text == ",":
            expect = True
        elif expect:
            names.append(token.value)
            expect = False
    return names


def _read_definition(sql: str, item: list[Token], out: TableDefinition) -> None:
    first = item[0]
    if first.is_word("CONSTRAINT", *_TABLE_CONSTRAINTS):
        _read_table_constraint(sql, item, out)
    else:
        _read_column(sql, item, out)


def _read_table_constraint(sql: str, item: list[Token], out: TableDefinition) -> None:
    name: str | None = None
    i = 0
    while i < len(item):
        token = item[i]
        if token.is_word("CONSTRAINT") and i + 1 < len(item):
            name = item[i + 1].value
            i += 2
        elif token.is_word("CHECK"):
            i = _read_check(sql, item, i + 1, name, out)
            name = None
        elif token.is_word("FOREIGN") and i + 2 < len(item) and item[i + 2].text == "(":
            columns = _group_names(item, i + 2)
            i = _group_end(item, i + 2)
            if i < len(item) and item[i].is_word("REFERENCES"):
                i = _read_references(item, i, name, columns, out)
            name = None
        else:
            i += 1


def _read_column(sql: str, item: list[Token], out: TableDefinition) -> None:
    column = item[0].value
    name: str | None = None
    i = 1
    while i < len(item):
        token = item[i]
        if token.text == "(":  # a type's arguments, a DEFAULT or a GENERATED expression
            i = _group_end(item, i)
        elif token.is_word("CONSTRAINT") and i + 1 < len(item):
            name = item[i + 1].value
            i += 2
        elif token.is_word("CHECK"):
            i = _read_check(sql, item, i + 1, name, out)
            name = None
        elif token.is_word("REFERENCES"):
            i = _read_references(item, i, name, [column], out)
            name = None
        else:
            if token.is_word(*_COLUMN_CONSTRAINTS):
                name = None
            i += 1


def _read_check(
    sql: str, item: list[Token], i: int, name: str | None, out: TableDefinition
) -> int:
    if i >= len(item) or item[i].text != "(":
        return i
    end = _group_end(item, i)
    closing = item[end - 1]
    # The condition's own text, comments and spacing as written.
    text = sql[item[i].end : closing.start] if closing.text == ")" else sql[item[i].end :]
    out.checks.append(Check(name=name, sql=strip_outer_parentheses(text)))
    return end


_FK_CLAUSE_WORDS = (
    "ON", "DELETE", "UPDATE", "SET", "NULL", "DEFAULT", "CASCADE", "RESTRICT", "NO", "ACTION",
    "MATCH", "NOT", "DEFERRABLE", "INITIALLY", "DEFERRED", "IMMEDIATE",
)


def _read_references(
    item: list[Token], i: int, name: str | None, columns: list[str], out: TableDefinition
) -> int:
    """Read ``REFERENCES table [(cols)] [clauses]`` starting at ``item[i]`` (REFERENCES)."""
    i += 1
    if i >= len(item):
        return i
    target = item[i].value
    i += 1
    if i < len(item) and item[i].text == "(":
        i = _group_end(item, i)
    clause: list[str] = []
    # MATCH takes any name after it, so it is read as a pair.
    while i < len(item) and (item[i].is_word(*_FK_CLAUSE_WORDS) or clause[-1:] == ["MATCH"]):
        clause.append(item[i].text.upper())
        i += 1
    deferred = _is_deferred(clause)
    out.foreign_keys.append(DeclaredForeignKey(name, columns, target, deferred))
    return i


def _is_deferred(clause: list[str]) -> bool:
    for j, word in enumerate(clause):
        if word == "DEFERRABLE" and (j == 0 or clause[j - 1] != "NOT"):
            return clause[j + 1 : j + 3] == ["INITIALLY", "DEFERRED"]
    return False


def _index_expression(sql: str | None, seqno: int) -> str:
    """The text of the ``seqno``-th item of a CREATE INDEX column list, without ASC/DESC."""
    if not sql:
        return "<expression>"
    tokens = tokenize(sql)
    on = next((i for i, t in enumerate(tokens) if t.is_word("ON")), None)
    open_at = next(
        (i for i, t in enumerate(tokens) if on is not None and i > on and t.text == "("), None
    )
    if open_at is None:
        return "<expression>"
    items = _split_list(tokens, open_at)
    if seqno >= len(items) or not items[seqno]:
        return "<expression>"
    item = items[seqno]
    if item[-1].is_word("ASC", "DESC"):
        item = item[:-1]
    if len(item) > 2 and item[-2].is_word("COLLATE"):
        item = item[:-2]
    return sql[item[0].start : item[-1].end]


__all__ = ["QUERIES", "parse_create_table", "read_schema", "tokenize"]
