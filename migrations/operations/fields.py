"""Operations on one field of a model: add, remove, alter, rename."""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

from ..state import ProjectState, clone_field
from .base import Operation, Statement
from .models import join_table_changes


class FieldOperation(Operation):
    model_name: str
    name: str

    def _models(self, app_label: str, before: ProjectState, after: ProjectState) -> tuple[Any, Any]:
        return (
            before.apps.get_model(app_label, self.model_name),
            after.apps.get_model(app_label, self.model_name),
        )


class AddField(FieldOperation):
    def __init__(self, model_name: str, name: str, field: Any) -> None:
        self.model_name = model_name
        self.name = name
        self.field = field

    def state_forwards(self, app_label: str, state: ProjectState) -> None:
        model_state = state.get_model(app_label, self.model_name)
        if self.name in model_state.fields:
            raise ValueError(f"{app_label}.{self.model_name} already has a field {self.name!r}")
        model_state.fields[self.name] = clone_field(self.field)
        state.changed()

    def database_forwards(
        self, app_label: str, editor: Any, before: ProjectState, after: ProjectState
    ) -> list[Statement]:
        old, new = self._models(app_label, before, after)
        return list(editor.add_field(old, new, new._meta.get_field(self.name)))

    def database_backwards(
        self, app_label: str, editor: Any, before: ProjectState, after: ProjectState
    ) -> list[Statement]:
        old, new = self._models(app_label, before, after)
        return list(editor.remove_field(new, old, new._meta.get_field(self.name)))

    def describe(self) -> str:
        return f"Add field {self.name} to {self.model_name}"

    def migration_name_fragment(self) -> str:
        return f"{self.model_name.lower()}_{self.name.lower()}"


class RemoveField(FieldOperation):
    def __init__(self, model_name: str, name: str) -> None:
        self.model_name = model_name
        self.name = name

    def state_forwards(self, app_label: str, state: ProjectState) -> None:
        model_state = state.get_model(app_label, self.model_name)
        model_state.get_field(self.name)
        del model_state.fields[self.name]
        state.changed()

    def database_forwards(
        self, app_label: str, editor: Any, before: ProjectState, after: ProjectState
    ) -> list[Statement]:
        old, new = self._models(app_label, before, after)
        return list(editor.remove_field(old, new, old._meta.get_field(self.name)))

    def database_backwards(
        self, app_label: str, editor: Any, before: ProjectState, after: ProjectState
    ) -> list[Statement]:
        old, new = self._models(app_label, before, after)
        return list(editor.add_field(new, old, old._meta.get_field(self.name)))

    def describe(self) -> str:
        return f"Remove field {self.name} from {self.model_name}"

    def migration_name_fragment(self) -> str:
        return f"remove_{self.model_name.lower()}_{self.name.lower()}"


class AlterField(FieldOperation):
    def __init__(self, model_name: str, name: str, field: Any) -> None:
        self.model_name = model_name
        self.name = name
        self.field = field

    def state_forwards(self, app_label: str, state: ProjectState) -> None:
        model_state = state.get_model(app_label, self.model_name)
        model_state.get_field(self.name)
        model_state.fields[self.name] = clone_field(self.field)
        state.changed()

    def database_forwards(
        self, app_label: str, editor: Any, before: ProjectState, after: ProjectState
    ) -> list[Statement]:
        old, new = self._models(app_label, before, after)
        return list(
            editor.alter_field(old, new, old._meta.get_field(self.name), new._meta.get_field(self.name))
        )

    def database_backwards(
        self, app_label: str, editor: Any, before: ProjectState, after: ProjectState
    ) -> list[Statement]:
        old, new = self._models(app_label, before, after)
        return list(
            editor.alter_field(new, old, new._meta.get_field(self.name), old._meta.get_field(self.name))
        )

    def describe(self) -> str:
        return f"Alter field {self.name} on {self.model_name}"

    def migration_name_fragment(self) -> str:
        return f"alter_{self.model_name.lower()}_{self.name.lower()}"


def renamed_option(value: Any, renamed: Callable[[str], str]) -> Any:
    """An ordering (or get_latest_by) with renamed fields under their new names."""
    def one(item: Any) -> Any:
        if not isinstance(item, str):
            return item
        sign = "-" if item.startswith("-") else ""
        head, sep, rest = item.lstrip("-").partition("__")
        return sign + renamed(head) + sep + rest

    if isinstance(value, list | tuple):
        return [one(v) for v in value]
    return one(value)


def renamed_copy(item: Any, rename: Any) -> Any:
    """An index or constraint like ``item``, naming renamed fields by their new names."""
    fields = getattr(item, "fields", None)
    if fields is None:
        return copy.deepcopy(item)
    new = copy.copy(item)
    new.fields = [("-" if f.startswith("-") else "") + rename(f.lstrip("-")) for f in fields]
    return new


class RenameField(FieldOperation):
    def __init__(self, model_name: str, old_name: str, new_name: str) -> None:
        self.model_name = model_name
        self.old_name = old_name
        self.new_name = new_name

    def state_forwards(self, app_label: str, state: ProjectState) -> None:
        model_state = state.get_model(app_label, self.model_name)
        model_state.get_field(self.old_name)
        # Keep the field's place among the others.
        model_state.fields = {
            (self.new_name if n == self.old_name else n): f for n, f in model_state.fields.items()
        }
        options = model_state.options
        rename = self._rename_in
        if "unique_together" in options:
            options["unique_together"] = [[rename(n) for n in g] for g in options["unique_together"]]
        for key in ("ordering", "get_latest_by"):
            if key in options:
                options[key] = renamed_option(options[key], rename)
        if "indexes" in options:
            options["indexes"] = [renamed_copy(i, rename) for i in options["indexes"]]
        if "constraints" in options:
            options["constraints"] = [renamed_copy(c, rename) for c in options["constraints"]]
        state.changed()

    def _rename_in(self, name: str) -> str:
        return self.new_name if name == self.old_name else name

    def database_forwards(
        self, app_label: str, editor: Any, before: ProjectState, after: ProjectState
    ) -> list[Statement]:
        old, new = self._models(app_label, before, after)
        return self._sql(editor, old, new, self.old_name, self.new_name)

    def database_backwards(
        self, app_label: str, editor: Any, before: ProjectState, after: ProjectState
    ) -> list[Statement]:
        old, new = self._models(app_label, before, after)
        return self._sql(editor, new, old, self.new_name, self.old_name)

    @staticmethod
    def _sql(editor: Any, old_model: Any, new_model: Any, old_name: str, new_name: str) -> list[Statement]:
        old_field = old_model._meta.get_field(old_name)
        new_field = new_model._meta.get_field(new_name)
        if getattr(old_field, "many_to_many", False):
            return join_table_changes(editor, old_model, new_model, (old_name, new_name))
        if old_field.column == new_field.column:
            return []
        return list(editor.alter_field(old_model, new_model, old_field, new_field))

    def describe(self) -> str:
        return f"Rename field {self.old_name} on {self.model_name} to {self.new_name}"

    def migration_name_fragment(self) -> str:
        return f"rename_{self.old_name.lower()}_{self.model_name.lower()}_{self.new_name.lower()}"
