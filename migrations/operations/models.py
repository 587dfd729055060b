"""Operations on whole models: create, delete, rename, and their table options."""

from __future__ import annotations

import copy
from typing import Any

from orm.model.options import snake_case

from ..state import ModelState, ProjectState, clone_field
from .base import Operation, Statement


def _auto_throughs(model: Any) -> list[tuple[str, Any]]:
    """(field name, join model) of the model's many-to-many fields with automatic join tables."""
    return [
        (f.name, f.through)
        for f in model._meta.local_many_to_many
        if f.through is not None and f.through._meta.auto_created
    ]


def create_model_sql(editor: Any, model: Any) -> list[Statement]:
    statements: list[Statement] = [*editor.create_model(model), *editor.add_foreign_keys(model)]
    for _, through in _auto_throughs(model):
        statements += [*editor.create_model(through), *editor.add_foreign_keys(through)]
    return statements


def delete_model_sql(editor: Any, model: Any) -> list[Statement]:
    statements: list[Statement] = []
    for _, through in _auto_throughs(model):
        statements += editor.delete_model(through)
    return statements + list(editor.delete_model(model))


def join_table_changes(
    editor: Any, old_model: Any, new_model: Any, renamed: tuple[str, str] | None = None
) -> list[Statement]:
    """What keeps the automatic join tables of a model's many-to-many fields (and of the
    fields of other models that point at it) in step with a rename of the model or its table:
    the join table's name and its key columns are derived from those names. ``renamed`` is
    (old, new) when one of the model's own many-to-many fields was renamed."""
    statements: list[Statement] = []
    old_throughs = _all_auto_throughs(old_model)
    for key, new_through in _all_auto_throughs(new_model).items():
        if renamed is not None and key == ("self", renamed[1]):
            key = ("self", renamed[0])
        old_through = old_throughs.get(key)
        if old_through is None:
            continue
        if old_through._meta.db_table != new_through._meta.db_table:
            statements += editor.rename_table(old_through, new_through)
        pairs = [
            (old_field, new_field)
            for old_field, new_field in zip(
                old_through._meta.local_concrete_fields,
                new_through._meta.local_concrete_fields,
                strict=True,
            )
            if old_field.column != new_field.column
        ]
        if pairs:
            # At once: the pair's unique constraint names both columns.
            statements += editor.alter_fields(old_through, new_through, pairs)
    return statements


def _all_auto_throughs(model: Any) -> dict[tuple[str, str], Any]:
    """Automatic join models that touch ``model``: its own (keyed by ("self", field name),
    since a rename changes the model's own label) and those of other models' fields pointing
    at it (keyed by that model's label and the field name)."""
    found: dict[tuple[str, str], Any] = {}
    for name, through in _auto_throughs(model):
        found[("self", name)] = through
    for rel in model._meta.related_objects:
        field = rel.field
        if getattr(field, "many_to_many", False) and field.model is not model:
            through = field.through
            if through is not None and through._meta.auto_created:
                found[(field.model._meta.label_lower, field.name)] = through
    return found


class CreateModel(Operation):
    def __init__(
        self,
        name: str,
        fields: list[tuple[str, Any]],
        options: dict[str, Any] | None = None,
    ) -> None:
        self.name = name
        self.fields = list(fields)
        self.options = dict(options or {})

    def state_forwards(self, app_label: str, state: ProjectState) -> None:
        fields = [(n, clone_field(f)) for n, f in self.fields]
        options = copy.deepcopy(self.options)  # the state must never share the operation's objects
        options.setdefault("db_table", snake_case(self.name))
        state.add_model(ModelState(app_label, self.name, fields, options))

    def database_forwards(
        self, app_label: str, editor: Any, before: ProjectState, after: ProjectState
    ) -> list[Statement]:
        return create_model_sql(editor, after.apps.get_model(app_label, self.name))

    def database_backwards(
        self, app_label: str, editor: Any, before: ProjectState, after: ProjectState
    ) -> list[Statement]:
        return delete_model_sql(editor, after.apps.get_model(app_label, self.name))

    def describe(self) -> str:
        return f"Create model {self.name}"

    def migration_name_fragment(self) -> str:
        return self.name.lower()


class DeleteModel(Operation):
    def __init__(self, name: str) -> None:
        self.name = name

    def state_forwards(self, app_label: str, state: ProjectState) -> None:
        state.remove_model(app_label, self.name)

    def database_forwards(
        self, app_label: str, editor: Any, before: ProjectState, after: ProjectState
    ) -> list[Statement]:
        return delete_model_sql(editor, before.apps.get_model(app_label, self.name))

    def database_backwards(
        self, app_label: str, editor: Any, before: ProjectState, after: ProjectState
    ) -> list[Statement]:
        return create_model_sql(editor, before.apps.get_model(app_label, self.name))

    def describe(self) -> str:
        return f"Delete model {self.name}"

    def migration_name_fragment(self) -> str:
        return f"delete_{self.name.lower()}"


class RenameModel(Operation):
    """Rename a model class. Its table keeps its name (``db_table`` is part of the state and
    changes only through AlterModelTable); relations pointing at it follow the new name."""

    def __init__(self, old_name: str, new_name: str) -> None:
        self.old_name = old_name
        self.new_name = new_name

    def state_forwards(self, app_label: str, state: ProjectState) -> None:
        model_state = state.remove_model(app_label, self.old_name)
        renamed = ModelState(app_label, self.new_name, model_state.fields.items(), model_state.options)
        state.add_model(renamed)
        old_label = f"{app_label}.{self.old_name}".lower()
        new_label = f"{app_label}.{self.new_name}"
        for other in state.models.values():
            for field_name, field in list(other.fields.items()):
                other.fields[field_name] = _retarget(field, other.app_label, old_label, new_label)
        state.changed()

    def database_forwards(
        self, app_label: str, editor: Any, before: ProjectState, after: ProjectState
    ) -> list[Statement]:
        return join_table_changes(
            editor,
            before.apps.get_model(app_label, self.old_name),
            after.apps.get_model(app_label, self.new_name),
        )

    def database_backwards(
        self, app_label: str, editor: Any, before: ProjectState, after: ProjectState
    ) -> list[Statement]:
        return join_table_changes(
            editor,
            after.apps.get_model(app_label, self.new_name),
            before.apps.get_model(app_label, self.old_name),
        )

    def describe(self) -> str:
        return f"Rename model {self.old_name} to {self.new_name}"

    def migration_name_fragment(self) -> str:
        return f"rename_{self.old_name.lower()}_{self.new_name.lower()}"


def _retarget(field: Any, app_label: str, old_label: str, new_label: str) -> Any:
    """The field again, pointing at ``new_label`` if it pointed at ``old_label``."""
    name, path, args, kwargs = field.deconstruct()
    changed = False
    for key in ("to", "through"):
        target = kwargs.get(key)
        if isinstance(target, str):
            full = target if "." in target else f"{app_label}.{target}"
            if full.lower() == old_label:
                kwargs[key] = new_label
                changed = True
    if not changed:
        return field
    from ..state import field_class

    return field_class(path)(*args, **kwargs)


class AlterModelTable(Operation):
    def __init__(self, name: str, table: str) -> None:
        self.name = name
        self.table = table

    def state_forwards(self, app_label: str, state: ProjectState) -> None:
        state.get_model(app_label, self.name).options["db_table"] = self.table
        state.changed()

    def _sql(self, editor: Any, old_model: Any, new_model: Any) -> list[Statement]:
        statements: list[Statement] = []
        if old_model._meta.db_table != new_model._meta.db_table:
            statements += editor.rename_table(old_model, new_model)
        return statements + join_table_changes(editor, old_model, new_model)

    def database_forwards(
        self, app_label: str, editor: Any, before: ProjectState, after: ProjectState
    ) -> list[Statement]:
        return self._sql(
            editor, before.apps.get_model(app_label, self.name), after.apps.get_model(app_label, self.name)
        )

    def database_backwards(
        self, app_label: str, editor: Any, before: ProjectState, after: ProjectState
    ) -> list[Statement]:
        return self._sql(
            editor, after.apps.get_model(app_label, self.name), before.apps.get_model(app_label, self.name)
        )

    def describe(self) -> str:
        return f"Rename table of {self.name} to {self.table}"

    def migration_name_fragment(self) -> str:
        return f"alter_{self.name.lower()}_table"


class AlterModelOptions(Operation):
    """Options that change no table: ordering, get_latest_by."""

    OPTIONS = ("ordering", "get_latest_by")

    def __init__(self, name: str, options: dict[str, Any]) -> None:
        self.name = name
        self.options = dict(options)

    def state_forwards(self, app_label: str, state: ProjectState) -> None:
        model_state = state.get_model(app_label, self.name)
        for key in self.OPTIONS:
            if key in self.options:
                model_state.options[key] = copy.deepcopy(self.options[key])
            else:
                model_state.options.pop(key, None)
        state.changed()

    def database_forwards(self, *args: Any) -> list[Statement]:
        return []

    def database_backwards(self, *args: Any) -> list[Statement]:
        return []

    def describe(self) -> str:
        return f"Change options of {self.name}"

    def migration_name_fragment(self) -> str:
        return f"alter_{self.name.lower()}_options"


class AlterUniqueTogether(Operation):
    def __init__(self, name: str, unique_together: list[list[str]] | list[tuple[str, ...]]) -> None:
        self.name = name
        self.unique_together = [list(group) for group in unique_together]

    def state_forwards(self, app_label: str, state: ProjectState) -> None:
        options = state.get_model(app_label, self.name).options
        if self.unique_together:
            options["unique_together"] = [list(g) for g in self.unique_together]
        else:
            options.pop("unique_together", None)
        state.changed()

    def _sql(self, editor: Any, old_model: Any, new_model: Any) -> list[Statement]:
        return list(
            editor.alter_unique_together(
                old_model, new_model, old_model._meta.unique_together, new_model._meta.unique_together
            )
        )

    def database_forwards(
        self, app_label: str, editor: Any, before: ProjectState, after: ProjectState
    ) -> list[Statement]:
        return self._sql(
            editor, before.apps.get_model(app_label, self.name), after.apps.get_model(app_label, self.name)
        )

    def database_backwards(
        self, app_label: str, editor: Any, before: ProjectState, after: ProjectState
    ) -> list[Statement]:
        return self._sql(
            editor, after.apps.get_model(app_label, self.name), before.apps.get_model(app_label, self.name)
        )

    def describe(self) -> str:
        return f"Alter unique_together of {self.name}"

    def migration_name_fragment(self) -> str:
        return f"alter_{self.name.lower()}_unique_together"


class AddIndex(Operation):
    def __init__(self, model_name: str, index: Any) -> None:
        self.model_name = model_name
        self.index = index

    def state_forwards(self, app_label: str, state: ProjectState) -> None:
        options = state.get_model(app_label, self.model_name).options
        options["indexes"] = [*options.get("indexes", []), copy.deepcopy(self.index)]
        state.changed()

    def database_forwards(
        self, app_label: str, editor: Any, before: ProjectState, after: ProjectState
    ) -> list[Statement]:
        return list(editor.add_index(after.apps.get_model(app_label, self.model_name), self.index))

    def database_backwards(
        self, app_label: str, editor: Any, before: ProjectState, after: ProjectState
    ) -> list[Statement]:
        return list(editor.remove_index(after.apps.get_model(app_label, self.model_name), self.index))

    def describe(self) -> str:
        return f"Add index on {self.model_name}({', '.join(self.index.fields)})"

    def migration_name_fragment(self) -> str:
        return f"{self.model_name.lower()}_index"


class RemoveIndex(Operation):
    def __init__(self, model_name: str, index: Any) -> None:
        self.model_name = model_name
        self.index = index

    def state_forwards(self, app_label: str, state: ProjectState) -> None:
        options = state.get_model(app_label, self.model_name).options
        options["indexes"] = [i for i in options.get("indexes", []) if i != self.index]
        if not options["indexes"]:
            del options["indexes"]
        state.changed()

    def database_forwards(
        self, app_label: str, editor: Any, before: ProjectState, after: ProjectState
    ) -> list[Statement]:
        return list(editor.remove_index(before.apps.get_model(app_label, self.model_name), self.index))

    def database_backwards(
        self, app_label: str, editor: Any, before: ProjectState, after: ProjectState
    ) -> list[Statement]:
        return list(editor.add_index(before.apps.get_model(app_label, self.model_name), self.index))

    def describe(self) -> str:
        return f"Remove index on {self.model_name}({', '.join(self.index.fields)})"

    def migration_name_fragment(self) -> str:
        return f"remove_{self.model_name.lower()}_index"


class AddConstraint(Operation):
    def __init__(self, model_name: str, constraint: Any) -> None:
        self.model_name = model_name
        self.constraint = constraint

    def state_forwards(self, app_label: str, state: ProjectState) -> None:
        options = state.get_model(app_label, self.model_name).options
        options["constraints"] = [*options.get("constraints", []), copy.deepcopy(self.constraint)]
        state.changed()

    def database_forwards(
        self, app_label: str, editor: Any, before: ProjectState, after: ProjectState
    ) -> list[Statement]:
        return list(
            editor.add_constraint(
                before.apps.get_model(app_label, self.model_name),
                after.apps.get_model(app_label, self.model_name),
                self.constraint,
            )
        )

    def database_backwards(
        self, app_label: str, editor: Any, before: ProjectState, after: ProjectState
    ) -> list[Statement]:
        return list(
            editor.remove_constraint(
                after.apps.get_model(app_label, self.model_name),
                before.apps.get_model(app_label, self.model_name),
                self.constraint,
            )
        )

    def describe(self) -> str:
        return f"Add constraint {self.constraint.name} on {self.model_name}"

    def migration_name_fragment(self) -> str:
        return str(self.constraint.name).lower()


class RemoveConstraint(Operation):
    def __init__(self, model_name: str, name: str) -> None:
        self.model_name = model_name
        self.name = name

    def _find(self, state: ProjectState, app_label: str) -> Any:
        for constraint in state.get_model(app_label, self.model_name).options.get("constraints", []):
            if constraint.name == self.name:
                return constraint
        raise KeyError(f"{app_label}.{self.model_name} has no constraint named {self.name!r}")

    def state_forwards(self, app_label: str, state: ProjectState) -> None:
        options = state.get_model(app_label, self.model_name).options
        options["constraints"] = [c for c in options.get("constraints", []) if c.name != self.name]
        if not options["constraints"]:
            del options["constraints"]
        state.changed()

    def database_forwards(
        self, app_label: str, editor: Any, before: ProjectState, after: ProjectState
    ) -> list[Statement]:
        return list(
            editor.remove_constraint(
                before.apps.get_model(app_label, self.model_name),
                after.apps.get_model(app_label, self.model_name),
                self._find(before, app_label),
            )
        )

    def database_backwards(
        self, app_label: str, editor: Any, before: ProjectState, after: ProjectState
    ) -> list[Statement]:
        return list(
            editor.add_constraint(
                after.apps.get_model(app_label, self.model_name),
                before.apps.get_model(app_label, self.model_name),
                self._find(before, app_label),
            )
        )

    def describe(self) -> str:
        return f"Remove constraint {self.name} from {self.model_name}"

    def migration_name_fragment(self) -> str:
        return f"remove_{self.name.lower()}"
