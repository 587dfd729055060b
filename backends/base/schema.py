"""Schema SQL: CREATE/DROP/ALTER TABLE, indexes and constraints for a model. No I/O.

The editor returns statements; whoever holds a connection runs them. The migrations engine and
``orm.create_tables()`` share it, and ``sqlmigrate`` will print what it returns.
Models are read through ``model._meta`` only, so this module needs nothing from ``orm``.

Every index and constraint the editor makes for a field, a ``unique_together`` group or an
unnamed ``Meta.indexes`` entry is named by ``index_name(table, columns, suffix)``, so a later
operation finds it from the models alone, without reading the catalog. Named ``Meta.indexes``
and ``Meta.constraints`` keep their names.

The ALTER methods take model classes: ``old_model`` as it was before the change, ``new_model``
as it is after. The table they act on is always named as ``new_model`` says (a table rename is
an operation of its own, ``rename_table``, which runs before anything that follows it).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any

from .dialect import Dialect

# A statement for the executor: plain SQL (sent as it is, a "%" is a percent sign), or SQL
# with ``%s`` placeholders and its parameters (a literal percent sign written "%%").
Statement = str | tuple[str, list[Any]]

# Suffixes of the deterministic names.
INDEX, UNIQUE, FOREIGN_KEY, CHECK = "idx", "uniq", "fk", "check"

AUTO_FIELDS = ("AutoField", "BigAutoField", "SmallAutoField")


def index_name(table: str, columns: list[str], suffix: str, max_length: int = 63) -> str:
    """A stable, readable name that fits the database's identifier limit. A descending column
    is given as ``"-column"``: it changes the hash, so an index on ``-a`` and one on ``a`` get
    different names."""
    digest = hashlib.md5("|".join([table, *columns, suffix]).encode()).hexdigest()[:8]
    base = "_".join([table, *(c.lstrip("-") for c in columns)])
    room = max_length - len(digest) - len(suffix) - 2
    return f"{base[:room]}_{digest}_{suffix}"


@dataclass(frozen=True)
class SchemaObject:
    """An index or constraint the editor names itself.

    ``signature`` is what the object enforces beyond its key (which names the fields), in
    terms that survive renames (the referenced table of a foreign key, the type's CHECK):
    objects with the same key and signature differ at most by name.
    ``sql`` is the CREATE INDEX statement of an index, or the ``CONSTRAINT ...`` clause of a
    constraint (for CREATE TABLE or ALTER TABLE ... ADD).
    """

    kind: str  # "index" or "constraint"
    name: str
    signature: tuple[Any, ...]
    sql: str


# Keys of SchemaObjects: (field name, suffix) for what a field asks for, ("together", names)
# for a unique_together group, ("index", fields) for an unnamed Meta.indexes entry.
Key = tuple[Any, ...]


def is_many_to_many(field: Any) -> bool:
    return bool(getattr(field, "many_to_many", False))


def auto_through(field: Any) -> Any:
    """The join model a many-to-many field made for itself, or None (``through=`` a model
    of the user's, which has its own table and operations)."""
    through = getattr(field, "through", None)
    if through is not None and through._meta.auto_created:
        return through
    return None


def has_foreign_key(field: Any) -> bool:
    return getattr(field, "remote_model", None) is not None and bool(
        getattr(field, "db_constraint", False)
    )


class SchemaEditor:
    """Builds the DDL of one dialect. This class alters tables in place with standard SQL;
    dialects override what they spell differently or cannot do."""

    # Foreign keys written inside CREATE TABLE (SQLite, which cannot add them later), or
    # added with ALTER TABLE once every table exists (so tables may point at each other).
    inline_foreign_keys = False

    def __init__(self, dialect: Dialect) -> None:
        self.dialect = dialect
        self.quote = dialect.quote_name

    def quote_p(self, name: str) -> str:
        """A quoted identifier for a statement with parameters, where "%" must be doubled."""
        return self.quote(name).replace("%", "%%")

    # -- columns ---------------------------------------------------------------------------
    def column_type(self, field: Any) -> str:
        internal = field.get_internal_type()
        if internal == "CharField" and getattr(field, "max_length", 0) is None:
            return "varchar"
        try:
            template = self.dialect.data_types[internal]
        except KeyError:
            raise NotImplementedError(
                f"{self.dialect.display_name} has no column type for {internal}"
            ) from None
        return template % field.db_type_parameters()

    def type_check_sql(self, field: Any) -> str | None:
        """The CHECK the column type needs on this dialect (PositiveIntegerField >= 0), or None."""
        check = self.dialect.data_type_checks.get(field.get_internal_type())
        if not check:
            return None
        return check % {"column": self.quote(field.column)}

    def column_definition(self, model: Any, field: Any) -> str:
        """The column with its nullability and type check. Unique and foreign key are named
        table constraints (see ``field_objects``)."""
        parts = [self.quote(field.column), self.column_type(field)]
        if field.primary_key:
            parts.append(self.primary_key_sql(field))
        else:
            parts.append("NULL" if field.null else "NOT NULL")
        check = self.type_check_sql(field)
        if check:
            name = index_name(model._meta.db_table, [field.column], CHECK)
            parts.append(f"CONSTRAINT {self.quote(name)} CHECK ({check})")
        return " ".join(parts)

    def primary_key_sql(self, field: Any) -> str:
        return "PRIMARY KEY"

    # -- the named objects of a model ------------------------------------------------------
    def field_objects(
        self, model: Any, field: Any, table: str | None = None
    ) -> list[tuple[str, SchemaObject]]:
        """(suffix, object) for the indexes and constraints ``field`` asks for. ``table``
        names them as if the model's table had that name."""
        table = table or model._meta.db_table
        column = field.column
        found: list[tuple[str, SchemaObject]] = []
        check = self.type_check_sql(field)
        if check:
            name = index_name(table, [column], CHECK)
            template = self.dialect.data_type_checks[field.get_internal_type()]
            found.append((CHECK, SchemaObject("constraint", name, (CHECK, template),
                                              self.check_constraint_sql(name, check))))
        if field.unique and not field.primary_key:
            name = index_name(table, [column], UNIQUE)
            found.append((UNIQUE, SchemaObject("constraint", name, (UNIQUE,),
                                               self.unique_constraint_sql(name, [column]))))
        elif field.db_index and not field.primary_key:
            name = index_name(table, [column], INDEX)
            sql = self.create_index_sql(table, name, [column])
            found.append((INDEX, SchemaObject("index", name, (INDEX,), sql)))
        if has_foreign_key(field):
            name = index_name(table, [column], FOREIGN_KEY)
            target = field.related_model._meta.db_table
            fk_signature = (FOREIGN_KEY, target, field.target.column)
            found.append((FOREIGN_KEY, SchemaObject("constraint", name, fk_signature,
                                                    self.foreign_key_sql(model, field, name))))
        return found

    def together_objects(self, model: Any, table: str | None = None) -> dict[Key, SchemaObject]:
        """The unique constraints of ``unique_together``, by ("together", field names)."""
        meta = model._meta
        table = table or meta.db_table
        objects: dict[Key, SchemaObject] = {}
        for names in meta.unique_together:
            columns = [meta.get_field(n).column for n in names]
            name = index_name(table, columns, UNIQUE)
            objects[("together", tuple(names))] = SchemaObject(
                "constraint", name, (UNIQUE,), self.unique_constraint_sql(name, columns)
            )
        return objects

    def schema_objects(self, model: Any, table: str | None = None) -> dict[Key, SchemaObject]:
        """Every index and constraint of ``model`` that the editor names, by key."""
        meta = model._meta
        table = table or meta.db_table
        objects: dict[Key, SchemaObject] = {}
        for field in meta.local_concrete_fields:
            for suffix, obj in self.field_objects(model, field, table):
                objects[(field.name, suffix)] = obj
        objects.update(self.together_objects(model, table))
        for index in meta.indexes:
            if index.name:
                continue
            columns = self.index_columns(model, index.fields)
            name = index_name(table, columns, INDEX)
            sql = self.create_index_sql(table, name, columns)
            objects[("index", tuple(index.fields))] = SchemaObject(
                "index", name, (INDEX,), sql
            )
        return objects

    @staticmethod
    def index_columns(model: Any, fields: Sequence[str]) -> list[str]:
        """Columns of an index over field names ("-name" for descending order)."""
        columns = []
        for name in fields:
            column = model._meta.get_field(name.lstrip("-")).column
            columns.append("-" + column if name.startswith("-") else column)
        return columns

    # -- tables ----------------------------------------------------------------------------
    def create_model(self, model: Any) -> list[str]:
        """CREATE TABLE with its inline constraints, then its indexes."""
        return [self.create_table_sql(model), *self.create_indexes(model)]

    def create_table_sql(self, model: Any, table: str | None = None) -> str:
        """CREATE TABLE for ``model``, under the name ``table`` if given (a table rebuild
        creates the new table under a temporary name; its objects keep the model's names)."""
        meta = model._meta
        definitions = [self.column_definition(model, f) for f in meta.local_concrete_fields]
        named: set[str] = set()

        def add(name: str, sql: str) -> None:
            # unique=True and a one-field unique_together group would make the same name.
            if name not in named:
                named.add(name)
                definitions.append(sql)

        # Type CHECKs are in the column definitions, foreign keys inline only where the
        # dialect cannot add them later, indexes come after the table.
        inline = {UNIQUE, FOREIGN_KEY} if self.inline_foreign_keys else {UNIQUE}
        for field in meta.local_concrete_fields:
            for suffix, obj in self.field_objects(model, field):
                if suffix in inline:
                    add(obj.name, obj.sql)
        for obj in self.together_objects(model).values():
            add(obj.name, obj.sql)
        for constraint in meta.constraints:
            add(constraint.name, constraint.constraint_sql(model, self))
        return f"CREATE TABLE {self.quote(table or meta.db_table)} ({', '.join(definitions)})"

    def create_indexes(self, model: Any) -> list[str]:
        """CREATE INDEX for the fields' db_index and for Meta.indexes."""
        statements = [
            obj.sql
            for field in model._meta.local_concrete_fields
            for _suffix, obj in self.field_objects(model, field)
            if obj.kind == "index"
        ]
        statements.extend(index.create_sql(model, self) for index in model._meta.indexes)
        return statements

    @staticmethod
    def foreign_keys(model: Any) -> list[Any]:
        return [f for f in model._meta.local_concrete_fields if has_foreign_key(f)]

    def foreign_key_sql(self, model: Any, field: Any, name: str | None = None) -> str:
        """The constraint of one foreign key. Deferred to commit, so rows pointing at each
        other can be written and deleted in any order inside a transaction."""
        target = field.target
        table = field.related_model._meta.db_table
        name = name or index_name(model._meta.db_table, [field.column], FOREIGN_KEY)
        return (
            f"CONSTRAINT {self.quote(name)} FOREIGN KEY ({self.quote(field.column)}) "
            f"REFERENCES {self.quote(table)} ({self.quote(target.column)}) "
            "DEFERRABLE INITIALLY DEFERRED"
        )

    def add_foreign_keys(self, model: Any) -> list[str]:
        """ALTER TABLE statements adding the model's foreign keys (none where they are inline)."""
        if self.inline_foreign_keys:
            return []
        table = self.quote(model._meta.db_table)
        return [
            f"ALTER TABLE {table} ADD {self.foreign_key_sql(model, f)}"
            for f in self.foreign_keys(model)
        ]

    def delete_model(self, model: Any) -> list[str]:
        return [f"DROP TABLE IF EXISTS {self.quote(model._meta.db_table)}"]

    def table_exists_sql(self) -> str:
        raise NotImplementedError

    # -- indexes and constraints -----------------------------------------------------------
    def create_index_sql(
        self, table: str, name: str, columns: list[str], unique: bool = False
    ) -> str:
        cols = ", ".join(self.index_column(c) for c in columns)
        kind = "UNIQUE INDEX" if unique else "INDEX"
        return f"CREATE {kind} {self.quote(name)} ON {self.quote(table)} ({cols})"

    def index_column(self, column: str) -> str:
        if column.startswith("-"):
            return f"{self.quote(column[1:])} DESC"
        return self.quote(column)

    def drop_index_sql(self, table: str, name: str) -> str:
        return f"DROP INDEX IF EXISTS {self.quote(name)}"

    def unique_constraint_sql(self, name: str, columns: list[str]) -> str:
        cols = ", ".join(self.quote(c) for c in columns)
        return f"CONSTRAINT {self.quote(name)} UNIQUE ({cols})"

    def check_constraint_sql(self, name: str, check_sql: str) -> str:
        return f"CONSTRAINT {self.quote(name)} CHECK ({check_sql})"

    # -- values ----------------------------------------------------------------------------
    def prepare_value(self, field: Any, value: Any) -> Any:
        """A Python value as a parameter for ``field``'s column, the way INSERT sends it."""
        value = field.get_prep_value(value)
        if value is None:
            return None
        adapter = field.get_db_adapter(self.dialect)
        return adapter(value) if adapter is not None else value

    @staticmethod
    def has_effective_default(field: Any) -> bool:
        """Whether existing rows get a value when the field arrives or becomes NOT NULL:
        a default, or auto_now/auto_now_add (the time of the migration)."""
        return bool(
            field.has_default() or getattr(field, "auto_now", False)
            or getattr(field, "auto_now_add", False)
        )

    def effective_default(self, field: Any) -> Any:
        """The value for existing rows, evaluated once and prepared as a parameter (None
        when there is none)."""
        if not field.has_default() and (
            getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False)
        ):
            # pre_save is where the field computes "now"; it writes it on the object given.
            value = field.pre_save(SimpleNamespace(), True)
        else:
            value = field.get_default()
        return self.prepare_value(field, value)

    def after_rows_updated(self) -> list[Statement]:
        """Statements after an UPDATE that a later ALTER TABLE of the same table must not
        trip over (PostgreSQL: deferred foreign key checks)."""
        return []

    # -- adding and removing fields ----------------------------------------------------------
    def add_field(self, old_model: Any, new_model: Any, field: Any) -> list[Statement]:
        """Add ``field`` (of ``new_model``): its column, or its join table."""
        if is_many_to_many(field):
            return self.create_join_table(field)
        meta = new_model._meta
        table = self.quote(meta.db_table)
        column = self.quote(field.column)
        statements: list[Statement] = [
            f"ALTER TABLE {table} ADD COLUMN {column} {self.column_type(field)} NULL"
        ]
        value = None
        if self.has_effective_default(field) or not field.null:
            value = self.effective_default(field)
        if value is not None:
            statements.append((
                f"UPDATE {self.quote_p(meta.db_table)} SET {self.quote_p(field.column)} = %s",
                [value],
            ))
            statements.extend(self.after_rows_updated())
        if not field.null:
            statements.append(self.set_not_null_sql(meta.db_table, field))
        for _suffix, obj in self.field_objects(new_model, field):
            statements.append(self.create_object_sql(meta.db_table, obj))
        return statements

    def remove_field(self, old_model: Any, new_model: Any, field: Any) -> list[Statement]:
        """Drop the column of ``field`` (of ``old_model``), or its join table. The database
        drops the indexes and constraints on the column with it."""
        if is_many_to_many(field):
            through = auto_through(field)
            return list(self.delete_model(through)) if through is not None else []
        table = self.quote(new_model._meta.db_table)
        return [f"ALTER TABLE {table} DROP COLUMN {self.quote(field.column)} CASCADE"]

    def create_join_table(self, field: Any) -> list[Statement]:
        through = auto_through(field)
        if through is None:
            return []
        return [*self.create_model(through), *self.add_foreign_keys(through)]

    # -- altering fields -------------------------------------------------------------------
    def alter_field(
        self, old_model: Any, new_model: Any, old_field: Any, new_field: Any
    ) -> list[Statement]:
        """Change one field: column name, type, nullability, unique, db_index, foreign key.
        A many-to-many field renames its join table and alters the join table's keys."""
        old_m2m, new_m2m = is_many_to_many(old_field), is_many_to_many(new_field)
        if old_m2m or new_m2m:
            if old_m2m != new_m2m:
                raise NotImplementedError(
                    f"cannot alter {old_field.name} between a many-to-many field and a column; "
                    "remove the field and add it again"
                )
            return self.alter_many_to_many(old_field, new_field)
        return self.alter_fields(old_model, new_model, [(old_field, new_field)])

    def alter_many_to_many(self, old_field: Any, new_field: Any) -> list[Statement]:
        old_through, new_through = auto_through(old_field), auto_through(new_field)
        if old_through is None or new_through is None:
            # A through model of the user's is its own model, with its own operations.
            return []
        statements: list[Statement] = []
        if old_through._meta.db_table != new_through._meta.db_table:
            statements.extend(self.rename_table(old_through, new_through))
        pairs = [(old_field.from_fk, new_field.from_fk), (old_field.to_fk, new_field.to_fk)]
        statements.extend(self.alter_fields(old_through, new_through, pairs))
        return statements

    def alter_fields(
        self, old_model: Any, new_model: Any, pairs: Sequence[tuple[Any, Any]]
    ) -> list[Statement]:
        """Alter several fields of one table at once, as (old field, new field) pairs."""
        table = new_model._meta.db_table
        drops, renames, adds = self.diff_field_objects(old_model, new_model, pairs)
        statements: list[Statement] = [self.drop_object_sql(table, obj) for obj in drops]
        for old_field, new_field in pairs:
            statements.extend(self.alter_column(new_model, old_field, new_field))
        statements.extend(self.rename_object_sql(table, old, new) for old, new in renames)
        statements.extend(self.create_object_sql(table, obj) for obj in adds)
        return statements

    def alter_column(self, model: Any, old_field: Any, new_field: Any) -> list[Statement]:
        """The column's own changes, in place: name, type, nullability."""
        table = model._meta.db_table
        if bool(old_field.primary_key) != bool(new_field.primary_key):
            raise NotImplementedError(
                f"{self.dialect.display_name}: changing primary_key of {new_field.name} is "
                "not supported"
            )
        statements: list[Statement] = []
        if old_field.column != new_field.column:
            statements.append(
                f"ALTER TABLE {self.quote(table)} RENAME COLUMN {self.quote(old_field.column)} "
                f"TO {self.quote(new_field.column)}"
            )
        if self.column_type(old_field) != self.column_type(new_field):
            statements.extend(self.alter_column_type_sql(table, new_field))
        statements.extend(self.alter_identity_sql(table, old_field, new_field))
        if new_field.primary_key:
            return statements
        if old_field.null and not new_field.null:
            if self.has_effective_default(new_field):
                value = self.effective_default(new_field)
                column = self.quote_p(new_field.column)
                statements.append((
                    f"UPDATE {self.quote_p(table)} SET {column} = %s WHERE {column} IS NULL",
                    [value],
                ))
                statements.extend(self.after_rows_updated())
            statements.append(self.set_not_null_sql(table, new_field))
        elif not old_field.null and new_field.null:
            statements.append(
                f"ALTER TABLE {self.quote(table)} ALTER COLUMN {self.quote(new_field.column)} "
                "DROP NOT NULL"
            )
        return statements

    def alter_column_type_sql(self, table: str, field: Any) -> list[Statement]:
        return [
            f"ALTER TABLE {self.quote(table)} ALTER COLUMN {self.quote(field.column)} "
            f"TYPE {self.column_type(field)}"
        ]

    def alter_identity_sql(self, table: str, old_field: Any, new_field: Any) -> list[Statement]:
        """Statements making the column database-numbered or not (AutoField and kin)."""
        return []

    def set_not_null_sql(self, table: str, field: Any) -> str:
        return (
            f"ALTER TABLE {self.quote(table)} ALTER COLUMN {self.quote(field.column)} SET NOT NULL"
        )

    def objects_of_fields(
        self,
        model: Any,
        fields: Iterable[Any],
        rename: dict[str, str] | None = None,
        table: str | None = None,
    ) -> dict[Key, SchemaObject]:
        """The named objects that involve ``fields``: their own and the multi-column ones
        (unique_together, unnamed Meta.indexes). Keys are translated through ``rename``
        (old field name -> new one), so the old and new model's keys can be compared;
        ``table`` names the objects as if the table had that name."""
        rename = rename or {}
        names = {f.name for f in fields}
        found: dict[Key, SchemaObject] = {}
        for key, obj in self.schema_objects(model, table).items():
            if key[0] in ("together", "index"):
                members = {n.lstrip("-") for n in key[1]}
                if not members & names:
                    continue
                translated = tuple(_rename_member(n, rename) for n in key[1])
                found[(key[0], translated)] = obj
            elif key[0] in names:
                found[(rename.get(key[0], key[0]), key[1])] = obj
        return found

    def diff_field_objects(
        self, old_model: Any, new_model: Any, pairs: Sequence[tuple[Any, Any]]
    ) -> tuple[list[SchemaObject], list[tuple[SchemaObject, SchemaObject]], list[SchemaObject]]:
        """(to drop, to rename as (old, new), to create) for altering ``pairs``.

        Old names are computed with the new table name: the table has that name by now."""
        rename = {old.name: new.name for old, new in pairs}
        table = new_model._meta.db_table
        old_objects = self.objects_of_fields(old_model, [old for old, _ in pairs], rename, table)
        new_objects = self.objects_of_fields(new_model, [new for _, new in pairs])
        retyped = {
            new.name for old, new in pairs if self.column_type(old) != self.column_type(new)
        }
        drops: list[SchemaObject] = []
        renames: list[tuple[SchemaObject, SchemaObject]] = []
        adds: list[SchemaObject] = []
        for key, old in old_objects.items():
            new = new_objects.get(key)
            if new is None:
                drops.append(old)
            elif new.signature != old.signature or (key[1] == FOREIGN_KEY and key[0] in retyped):
                # A foreign key whose column changes type is re-created (its target changed).
                drops.append(old)
                adds.append(new)
            elif new.name != old.name:
                renames.append((old, new))
        adds.extend(obj for key, obj in new_objects.items() if key not in old_objects)
        return drops, renames, adds

    def create_object_sql(self, table: str, obj: SchemaObject) -> str:
        if obj.kind == "index":
            return obj.sql
        return f"ALTER TABLE {self.quote(table)} ADD {obj.sql}"

    def drop_object_sql(self, table: str, obj: SchemaObject) -> str:
        if obj.kind == "index":
            return self.drop_index_sql(table, obj.name)
        return f"ALTER TABLE {self.quote(table)} DROP CONSTRAINT {self.quote(obj.name)}"

    def rename_object_sql(self, table: str, old: SchemaObject, new: SchemaObject) -> str:
        if old.kind == "index":
            return f"ALTER INDEX {self.quote(old.name)} RENAME TO {self.quote(new.name)}"
        return (
            f"ALTER TABLE {self.quote(table)} RENAME CONSTRAINT {self.quote(old.name)} "
            f"TO {self.quote(new.name)}"
        )

    # -- tables ------------------------------------------------------------------------------
    def rename_table(self, old_model: Any, new_model: Any) -> list[Statement]:
        """Rename the table, and its named indexes and constraints to the names the new table
        gives them. Join tables of many-to-many fields are models of their own."""
        old_table, new_table = old_model._meta.db_table, new_model._meta.db_table
        if old_table == new_table:
            return []
        statements: list[Statement] = [
            f"ALTER TABLE {self.quote(old_table)} RENAME TO {self.quote(new_table)}"
        ]
        for old, new in self.renamed_objects(old_model, new_model):
            statements.append(self.rename_object_sql(new_table, old, new))
        return statements

    def renamed_objects(
        self, old_model: Any, new_model: Any
    ) -> list[tuple[SchemaObject, SchemaObject]]:
        """(old, new) for each named object whose name changes with the table's name.

        Only the table changes here: the new names are those of ``old_model``'s columns under
        the new table name (a field altered at the same time is ``alter_field``'s business,
        which finds its objects under exactly these names)."""
        old_objects = self.schema_objects(old_model)
        moved = self.schema_objects(old_model, new_model._meta.db_table)
        return [
            (old_objects[key], new)
            for key, new in moved.items()
            if old_objects[key].name != new.name
        ]

    # -- Meta.indexes, constraints, unique_together -----------------------------------------
    def add_index(self, model: Any, index: Any) -> list[Statement]:
        return [index.create_sql(model, self)]

    def remove_index(self, model: Any, index: Any) -> list[Statement]:
        return [self.drop_index_sql(model._meta.db_table, index.get_name(model))]

    def add_constraint(self, old_model: Any, new_model: Any, constraint: Any) -> list[Statement]:
        table = self.quote(new_model._meta.db_table)
        return [f"ALTER TABLE {table} ADD {constraint.constraint_sql(new_model, self)}"]

    def remove_constraint(
        self, old_model: Any, new_model: Any, constraint: Any
    ) -> list[Statement]:
        table = self.quote(new_model._meta.db_table)
        return [f"ALTER TABLE {table} DROP CONSTRAINT {self.quote(constraint.name)}"]

    def alter_unique_together(
        self,
        old_model: Any,
        new_model: Any,
        old_groups: Iterable[Sequence[str]],
        new_groups: Iterable[Sequence[str]],
    ) -> list[Statement]:
        old_set = {tuple(g) for g in old_groups}
        new_set = {tuple(g) for g in new_groups}
        table = new_model._meta.db_table
        statements: list[Statement] = []
        for group in sorted(old_set - new_set):
            name = index_name(table, [old_model._meta.get_field(n).column for n in group], UNIQUE)
            statements.append(
                f"ALTER TABLE {self.quote(table)} DROP CONSTRAINT {self.quote(name)}"
            )
        for group in sorted(new_set - old_set):
            columns = [new_model._meta.get_field(n).column for n in group]
            name = index_name(table, columns, UNIQUE)
            statements.append(
                f"ALTER TABLE {self.quote(table)} ADD {self.unique_constraint_sql(name, columns)}"
            )
        return statements


def _rename_member(name: str, rename: dict[str, str]) -> str:
    bare = name.lstrip("-")
    return name[: len(name) - len(bare)] + rename.get(bare, bare)

