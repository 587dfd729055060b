"""SQLite's DDL.

SQLite alters a table in place only to rename it or a column, add a plain nullable column,
or drop a column nothing else refers to. Everything else (types, nullability, unique and
foreign keys, table constraints) rebuilds the table the way the SQLite documentation
describes: create the new table under a temporary name, copy the rows, drop the old table,
rename the new one, create the indexes again. The executor runs migrations with
``PRAGMA foreign_keys = OFF`` around the transaction and ``PRAGMA foreign_key_check`` before
committing, so dropping a table other tables point at loses nothing.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Sequence
from typing import Any

from ..base.schema import (
    AUTO_FIELDS,
    SchemaEditor,
    Statement,
    auto_through,
    has_foreign_key,
    is_many_to_many,
)

# ALTER TABLE ... DROP COLUMN arrived in SQLite 3.35.
_CAN_DROP_COLUMN = sqlite3.sqlite_version_info >= (3, 35, 0)


class SQLiteSchemaEditor(SchemaEditor):
    inline_foreign_keys = True

    def primary_key_sql(self, field: Any) -> str:
        if field.get_internal_type() in AUTO_FIELDS:
            # AUTOINCREMENT: ids of deleted rows are never handed out again, as on PostgreSQL.
            return "PRIMARY KEY AUTOINCREMENT"
        return "PRIMARY KEY"

    def table_exists_sql(self) -> str:
        return "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = %s"

    # -- the table rebuild -------------------------------------------------------------------
    def remake_table(
        self,
        old_model: Any,
        new_model: Any,
        *,
        renames: dict[str, str] | None = None,
        fills: dict[str, Any] | None = None,
        coalesce: dict[str, Any] | None = None,
    ) -> list[Statement]:
        """Rebuild the table of ``new_model`` (the table holds ``old_model``'s columns now).

        Columns are carried over by field name (``renames``: new name -> old name); a new
        field is filled from ``fills`` (a prepared value) or left NULL; ``coalesce`` replaces
        NULLs of a carried-over column with a prepared value.
        """
        renames, fills, coalesce = renames or {}, fills or {}, coalesce or {}
        table = new_model._meta.db_table
        temp = f"new__{table}"
        old_fields = {f.name: f for f in old_model._meta.local_concrete_fields}
        targets: list[str] = []
        sources: list[str] = []
        params: list[Any] = []
        for field in new_model._meta.local_concrete_fields:
            source = old_fields.get(renames.get(field.name, field.name))
            if source is not None:
                expr = self.quote_p(source.column)
                if coalesce.get(field.name) is not None:
                    expr = f"COALESCE({expr}, %s)"
                    params.append(coalesce[field.name])
            elif fills.get(field.name) is not None:
                expr = "%s"
                params.append(fills[field.name])
            else:
                continue
            targets.append(self.quote_p(field.column))
            sources.append(expr)
        statements: list[Statement] = [self.create_table_sql(new_model, temp)]
        if targets:
            statements.append((
                f"INSERT INTO {self.quote_p(temp)} ({', '.join(targets)}) "
                f"SELECT {', '.join(sources)} FROM {self.quote_p(table)}",
                params,
            ))
        pk = new_model._meta.pk
        if pk is not None and pk.get_internal_type() in AUTO_FIELDS:
            # Carry the AUTOINCREMENT high-water mark over, so ids of rows deleted before the
            # rebuild are not handed out again (the copy only records the largest id left).
            statements.append(("DELETE FROM sqlite_sequence WHERE name = %s", [temp]))
            statements.append((
                "INSERT INTO sqlite_sequence (name, seq) "
                "SELECT %s, seq FROM sqlite_sequence WHERE name = %s",
                [temp, table],
            ))
        statements.append(f"DROP TABLE {self.quote(table)}")
        statements.append(f"ALTER TABLE {self.quote(temp)} RENAME TO {self.quote(table)}")
        statements.extend(self.create_indexes(new_model))
        return statements

    # -- fields --------------------------------------------------------------------------------
    def add_field(self, old_model: Any, new_model: Any, field: Any) -> list[Statement]:
        if is_many_to_many(field):
            return self.create_join_table(field)
        fill = None
        if self.has_effective_default(field) or not field.null:
            fill = self.effective_default(field)
        if not field.null or field.unique or field.primary_key or has_foreign_key(field):
            return self.remake_table(old_model, new_model, fills={field.name: fill})
        # A nullable column without constraints of the table's: in place.
        table = new_model._meta.db_table
        statements: list[Statement] = [
            f"ALTER TABLE {self.quote(table)} ADD COLUMN {self.column_definition(new_model, field)}"
        ]
        if fill is not None:
            statements.append((
                f"UPDATE {self.quote_p(table)} SET {self.quote_p(field.column)} = %s", [fill]
            ))
        for _suffix, obj in self.field_objects(new_model, field):
            if obj.kind == "index":
                statements.append(obj.sql)
        return statements

    def remove_field(self, old_model: Any, new_model: Any, field: Any) -> list[Statement]:
        if is_many_to_many(field):
            return super().remove_field(old_model, new_model, field)
        if self._droppable_in_place(old_model, field):
            table = self.quote(new_model._meta.db_table)
            return [f"ALTER TABLE {table} DROP COLUMN {self.quote(field.column)}"]
        return self.remake_table(old_model, new_model)

    def _droppable_in_place(self, model: Any, field: Any) -> bool:
        """SQLite drops a column only when no index, key or table constraint uses it (its
        own column CHECK is fine)."""
        if not _CAN_DROP_COLUMN or field.primary_key:
            return False
        objects = self.objects_of_fields(model, [field])
        if any(key[1] != "check" or key[0] != field.name for key in objects):
            return False
        meta = model._meta
        for index in meta.indexes:
            if field.name in {n.lstrip("-") for n in index.fields}:
                return False
        for constraint in meta.constraints:
            if field.name in getattr(constraint, "fields", ()):
                return False
            if self.quote(field.column) in constraint.constraint_sql(model, self):
                return False
        return True

    def alter_fields(
        self, old_model: Any, new_model: Any, pairs: Sequence[tuple[Any, Any]]
    ) -> list[Statement]:
        drops, renames, adds = self.diff_field_objects(old_model, new_model, pairs)
        # Constraints live inside CREATE TABLE: changing one, even its name, rebuilds.
        constraints_change = any(o.kind == "constraint" for o in [*drops, *adds]) or any(
            old.kind == "constraint" for old, _ in renames
        )
        if constraints_change or any(self._column_changed(o, n) for o, n in pairs):
            coalesce = {
                new.name: self.effective_default(new)
                for old, new in pairs
                if old.null and not new.null and self.has_effective_default(new)
            }
            return self.remake_table(
                old_model,
                new_model,
                renames={new.name: old.name for old, new in pairs},
                coalesce=coalesce,
            )
        table = new_model._meta.db_table
        statements: list[Statement] = [self.drop_index_sql(table, o.name) for o in drops]
        statements.extend(self.drop_index_sql(table, old.name) for old, _ in renames)
        for old, new in pairs:
            if old.column != new.column:
                statements.append(
                    f"ALTER TABLE {self.quote(table)} RENAME COLUMN {self.quote(old.column)} "
                    f"TO {self.quote(new.column)}"
                )
        statements.extend(new.sql for _, new in renames)
        statements.extend(obj.sql for obj in adds)
        return statements

    def _column_changed(self, old: Any, new: Any) -> bool:
        """Whether the column's definition (beyond its name) differs."""
        if self.column_type(old) != self.column_type(new) or old.null != new.null:
            return True
        if bool(old.primary_key) != bool(new.primary_key):
            return True
        return bool(new.primary_key) and self.primary_key_sql(old) != self.primary_key_sql(new)

    # -- tables ----------------------------------------------------------------------------
    def rename_table(self, old_model: Any, new_model: Any) -> list[Statement]:
        """ALTER TABLE ... RENAME (SQLite points other tables' foreign keys at the new name),
        then new names for the indexes, and a rebuild when named constraints must follow."""
        old_table, new_table = old_model._meta.db_table, new_model._meta.db_table
        if old_table == new_table:
            return []
        statements: list[Statement] = [
            f"ALTER TABLE {self.quote(old_table)} RENAME TO {self.quote(new_table)}"
        ]
        renamed = self.renamed_objects(old_model, new_model)
        if any(old.kind == "constraint" for old, _ in renamed):
            statements.extend(self.remake_table(old_model, new_model))
            return statements
        for old, new in renamed:
            statements.append(self.drop_index_sql(new_table, old.name))
            statements.append(new.sql)
        return statements

    def alter_many_to_many(self, old_field: Any, new_field: Any) -> list[Statement]:
        old_through, new_through = auto_through(old_field), auto_through(new_field)
        if old_through is None or new_through is None:
            return []
        old_table, new_table = old_through._meta.db_table, new_through._meta.db_table
        if old_table == new_table:
            return super().alter_many_to_many(old_field, new_field)
        # A join table always has named constraints (its keys): a new table name rebuilds it,
        # and the rebuild takes the keys' new columns along.
        pairs = [(old_field.from_fk, new_field.from_fk), (old_field.to_fk, new_field.to_fk)]
        return [
            f"ALTER TABLE {self.quote(old_table)} RENAME TO {self.quote(new_table)}",
            *self.remake_table(
                old_through, new_through, renames={new.name: old.name for old, new in pairs}
            ),
        ]

    # -- table constraints -------------------------------------------------------------------
    def add_constraint(self, old_model: Any, new_model: Any, constraint: Any) -> list[Statement]:
        return self.remake_table(old_model, new_model)

    def remove_constraint(
        self, old_model: Any, new_model: Any, constraint: Any
    ) -> list[Statement]:
        return self.remake_table(old_model, new_model)

    def alter_unique_together(
        self,
        old_model: Any,
        new_model: Any,
        old_groups: Iterable[Sequence[str]],
        new_groups: Iterable[Sequence[str]],
    ) -> list[Statement]:
        if {tuple(g) for g in old_groups} == {tuple(g) for g in new_groups}:
            return []
        return self.remake_table(old_model, new_model)
