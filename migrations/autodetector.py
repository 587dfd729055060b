"""The autodetector: what operations turn one project state into another.

It compares the state the migrations on disk build (``before``) with the state of the live
models (``after``) and returns, per app, the operations of the new migration and the
migrations of other apps it depends on. It never touches a database.

Renames: a model (or field) that disappears while another with the same definition appears
is a rename when the match is unambiguous. When it is ambiguous, ``ask`` (the command line's
``--interactive``) decides; without it the change is written as a removal and an addition,
and a warning says so.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from orm.fields.base import NOT_PROVIDED

from .operations import (
    AddConstraint,
    AddField,
    AddIndex,
    AlterField,
    AlterModelOptions,
    AlterModelTable,
    AlterUniqueTogether,
    CreateModel,
    DeleteModel,
    Operation,
    RemoveConstraint,
    RemoveField,
    RemoveIndex,
    RenameField,
    RenameModel,
)
from .operations.fields import renamed_copy, renamed_option
from .state import ModelState, ProjectState, clone_field, field_signature

# ask(question) -> bool, for ambiguous renames
Ask = Callable[[str], bool]


class MigrationError(Exception):
    """A change the autodetector refuses to write, with what to do about it."""


@dataclass
class AppChanges:
    operations: list[Operation] = field(default_factory=list)
    # app labels of other apps whose models this migration's relations point at
    depends_on_apps: set[str] = field(default_factory=set)


def _related_target(f: Any, app_label: str) -> str | None:
    """``app.model`` (lower case) a relation field points at, or None."""
    _, _, _, kwargs = f.deconstruct()
    target = kwargs.get("to")
    if not isinstance(target, str):
        return None
    full = target if "." in target else f"{app_label}.{target}"
    return full.lower()


def _needs_default(f: Any) -> bool:
    return (
        not f.null
        and not getattr(f, "many_to_many", False)
        and not f.primary_key
        and f.default is NOT_PROVIDED
        and not getattr(f, "auto_now", False)
        and not getattr(f, "auto_now_add", False)
    )


def _signature_without_name_refs(model_state: ModelState) -> list[tuple[str, Any]]:
    """The fields of a model, for matching renamed models: names and definitions, with
    references to the model itself neutralised (they change with its name)."""
    own = f"{model_state.app_label}.{model_state.name}".lower()
    out = []
    for name, f in model_state.fields.items():
        path, args, kwargs = field_signature(f)
        if _related_target(f, model_state.app_label) == own:
            kwargs = {**kwargs, "to": "<self>"}
        out.append((name, (path, args, sorted(kwargs.items(), key=lambda kv: kv[0]))))
    return out


class Autodetector:
    def __init__(
        self,
        before: ProjectState,
        after: ProjectState,
        ask: Ask | None = None,
        warn: Callable[[str], None] | None = None,
    ) -> None:
        self.before = before
        self.after = after
        self.ask = ask
        self.warn = warn or (lambda message: None)

    def changes(self, app_labels: set[str]) -> dict[str, AppChanges]:
        # Model renames first, in every app, applied to a working copy of the old state: then
        # relations pointing at a renamed model, from any app, compare equal to the new ones.
        working = self.before.clone()
        renames: dict[str, list[Operation]] = {}
        for app in sorted(app_labels):
            before = {k[1]: m for k, m in working.models.items() if k[0] == app}
            after = {k[1]: m for k, m in self.after.models.items() if k[0] == app}
            removed = [n for n in before if n not in after]
            added = [n for n in after if n not in before]
            for old_name, new_name in self._model_renames(app, before, after, removed, added):
                operation = RenameModel(old_name=before[old_name].name, new_name=after[new_name].name)
                operation.state_forwards(app, working)
                renames.setdefault(app, []).append(operation)
        result: dict[str, AppChanges] = {}
        for app_label in sorted(app_labels):
            changes = self._app_changes(app_label, working, renames.get(app_label, []))
            if changes.operations:
                result[app_label] = changes
        return result

    # -- one app -------------------------------------------------------------------------------
    def _app_changes(self, app: str, working: ProjectState, renames: list[Operation]) -> AppChanges:
        current = {k[1]: m for k, m in working.models.items() if k[0] == app}
        after = {k[1]: m for k, m in self.after.models.items() if k[0] == app}
        changes = AppChanges()
        ops = changes.operations
        ops += renames
        removed = [n for n in current if n not in after]
        added = [n for n in after if n not in current]

        kept = [n for n in after if n in current]
        late: list[Operation] = []  # index/constraint/together additions and option changes
        early: list[Operation] = []  # their removals, before the fields they name go
        field_ops: dict[str, list[Operation]] = {
            "rename": [], "replace": [], "add": [], "alter": [], "remove": []
        }

        for name in kept:
            old, new = current[name], after[name]
            self._field_changes(app, old, new, field_ops, changes)
            self._option_changes(old, new, early, late, field_ops)

        ops += early
        ops += field_ops["rename"]
        ops += field_ops["replace"]  # a column becoming a many-to-many, or back: removed first
        create_ops, deferred_fields = self._create_models(app, [after[n] for n in added], changes)
        ops += create_ops
        ops += deferred_fields
        ops += field_ops["add"]
        ops += field_ops["alter"]
        ops += field_ops["remove"]
        ops += self._delete_models(app, [current[n] for n in removed])
        ops += late
        return changes

    def _model_renames(
        self,
        app: str,
        before: dict[str, ModelState],
        after: dict[str, ModelState],
        removed: list[str],
        added: list[str],
    ) -> list[tuple[str, str]]:
        shapes_before = {n: _signature_without_name_refs(before[n]) for n in removed}
        shapes_after = {n: _signature_without_name_refs(after[n]) for n in added}
        pairs = []
        for new_name in added:
            candidates = [o for o in removed if shapes_before[o] == shapes_after[new_name]]
            rivals = [n for n in added if candidates and shapes_after[n] == shapes_after[new_name]]
            old_label = lambda o: f"{app}.{before[o].name}"  # noqa: E731
            new_label = f"{app}.{after[new_name].name}"
            if len(candidates) == 1 and rivals == [new_name]:
                pairs.append((candidates[0], new_name))
            elif candidates:
                chosen = None
                if self.ask is not None:
                    for old in candidates:
                        if self.ask(f"Was the model {old_label(old)} renamed to {new_label}?"):
                            chosen = old
                            break
                if chosen is not None:
                    pairs.append((chosen, new_name))
                else:
                    self.warn(
                        f"{new_label} looks like a rename of "
                        f"{' or '.join(old_label(o) for o in candidates)}, but which one is "
                        "ambiguous: writing a new model and a deleted one (the old table's "
                        "rows are dropped). Run makemigrations --interactive to choose."
                    )
        # A model can be the source of one rename only.
        seen: set[str] = set()
        unique_pairs = []
        for old, new in pairs:
            if old not in seen:
                seen.add(old)
                unique_pairs.append((old, new))
        return unique_pairs

    def _field_changes(
        self,
        app: str,
        old: ModelState,
        new: ModelState,
        field_ops: dict[str, list[Operation]],
        changes: AppChanges,
    ) -> None:
        removed = [n for n in old.fields if n not in new.fields]
        added = [n for n in new.fields if n not in old.fields]
        model_name = new.name
        def signature(f: Any) -> Any:
            return field_signature(f, app)

        # Renames: same definition, one candidate each way.
        for new_name in list(added):
            wanted = signature(new.fields[new_name])
            candidates = [o for o in removed if signature(old.fields[o]) == wanted]
            rivals = [a for a in added if signature(new.fields[a]) == wanted]
            chosen = None
            if len(candidates) == 1 and len(rivals) == 1:
                chosen = candidates[0]
            elif candidates:
                if self.ask is not None:
                    for candidate in candidates:
                        if self.ask(f"Was {app}.{model_name}.{candidate} renamed to {new_name}?"):
                            chosen = candidate
                            break
                if chosen is None:
                    self.warn(
                        f"{app}.{model_name}.{new_name} may be a rename of "
                        f"{' or '.join(candidates)}, but which one is ambiguous: writing a new "
                        "field and a removed one (the old column's data is dropped). Run "
                        "makemigrations --interactive to choose."
                    )
            if chosen is not None:
                field_ops["rename"].append(
                    RenameField(model_name=model_name, old_name=chosen, new_name=new_name)
                )
                removed.remove(chosen)
                added.remove(new_name)

        for name in added:
            f = new.fields[name]
            if _needs_default(f):
                raise MigrationError(
                    f"{app}.{model_name}.{name} is a new NOT NULL field without a default, and "
                    f"the table may already have rows. Give it a default "
                    f"(e.g. {type(f).__name__}(..., default=...)) that existing rows get, or "
                    "null=True, and run makemigrations again."
                )
            field_ops["add"].append(AddField(model_name=model_name, name=name, field=clone_field(f)))
            self._note_dependency(app, f, changes)
        for name in new.fields:
            if name not in old.fields:
                continue
            old_f, new_f = old.fields[name], new.fields[name]
            if signature(old_f) == signature(new_f):
                continue
            if getattr(old_f, "many_to_many", False) != getattr(new_f, "many_to_many", False):
                if _needs_default(new_f):
                    raise MigrationError(
                        f"{app}.{model_name}.{name} becomes a NOT NULL column without a "
                        "default, and the table may already have rows. Give it a default, or "
                        "null=True, and run makemigrations again."
                    )
                field_ops["replace"].append(RemoveField(model_name=model_name, name=name))
                field_ops["add"].append(AddField(model_name=model_name, name=name, field=clone_field(new_f)))
                self._note_dependency(app, new_f, changes)
                continue
            if old_f.null and _needs_default(new_f):
                raise MigrationError(
                    f"{app}.{model_name}.{name} changes from null=True to NOT NULL without a "
                    "default, and existing rows may hold NULL. Give it a default (existing "
                    "NULLs get it), or keep null=True, and run makemigrations again."
                )
            field_ops["alter"].append(AlterField(model_name=model_name, name=name, field=clone_field(new_f)))
            self._note_dependency(app, new_f, changes)
        for name in removed:
            field_ops["remove"].append(RemoveField(model_name=model_name, name=name))

    def _option_changes(
        self,
        old: ModelState,
        new: ModelState,
        early: list[Operation],
        late: list[Operation],
        field_ops: dict[str, list[Operation]],
    ) -> None:
        name = new.name
        if old.options.get("db_table") != new.options.get("db_table"):
            late.append(AlterModelTable(name=name, table=new.db_table))
        # Names of fields as they are once renames are done: compare options on those.
        renames = {
            op.old_name: op.new_name
            for op in field_ops["rename"]
            if isinstance(op, RenameField) and op.model_name == name
        }
        removed_fields = {
            op.name for op in field_ops["remove"] if isinstance(op, RemoveField) and op.model_name == name
        }

        def renamed(field_name: str) -> str:
            return renames.get(field_name, field_name)

        old_together = [[renamed(n) for n in g] for g in old.options.get("unique_together", [])]
        new_together = [list(g) for g in new.options.get("unique_together", [])]
        if old_together != new_together:
            surviving = [g for g in old_together if g in new_together]
            if surviving != old_together:
                early.append(AlterUniqueTogether(name=old.name, unique_together=surviving))
            if surviving != new_together:
                late.append(AlterUniqueTogether(name=name, unique_together=new_together))

        old_indexes = list(old.options.get("indexes", []))
        new_indexes = list(new.options.get("indexes", []))
        for index in old_indexes:
            moved = [renamed(f.lstrip("-")) for f in index.fields]
            if not any(i.name == index.name and [f.lstrip("-") for f in i.fields] == moved for i in new_indexes):
                early.append(RemoveIndex(model_name=old.name, index=index))
        for index in new_indexes:
            if not any(
                i.name == index.name and [renamed(f.lstrip("-")) for f in i.fields] == [f.lstrip("-") for f in index.fields]
                for i in old_indexes
            ):
                late.append(AddIndex(model_name=name, index=index))

        old_constraints = {c.name: c for c in old.options.get("constraints", [])}
        new_constraints = {c.name: c for c in new.options.get("constraints", [])}
        # Compared as they are once the renames are done (RenameField renames their fields).
        moved_constraints = {n: renamed_copy(c, renamed) for n, c in old_constraints.items()}
        for cname, constraint in old_constraints.items():
            if new_constraints.get(cname) != moved_constraints[cname] or _mentions(constraint, removed_fields):
                early.append(RemoveConstraint(model_name=old.name, name=cname))
        for cname, constraint in new_constraints.items():
            if moved_constraints.get(cname) != constraint or _mentions(old_constraints.get(cname), removed_fields):
                late.append(AddConstraint(model_name=name, constraint=constraint))

        old_plain = {k: old.options[k] for k in AlterModelOptions.OPTIONS if k in old.options}
        new_plain = {k: new.options[k] for k in AlterModelOptions.OPTIONS if k in new.options}
        # As RenameField leaves them: renamed fields under their new names.
        moved_plain = {k: renamed_option(v, renamed) for k, v in old_plain.items()}
        if moved_plain != new_plain:
            if any(_option_mentions(v, removed_fields) for v in old_plain.values()):
                early.append(AlterModelOptions(name=old.name, options={}))
            late.append(AlterModelOptions(name=name, options=new_plain))

    def _create_models(
        self, app: str, models: list[ModelState], changes: AppChanges
    ) -> tuple[list[Operation], list[Operation]]:
        """CreateModel operations, each after the models of this app it points at. A relation
        that would need a model created later (a cycle) is added by AddField afterwards."""
        creating = {f"{app}.{m.name}".lower(): m for m in models}
        done: set[str] = set()
        creates: list[Operation] = []
        deferred: list[Operation] = []
        pending = list(models)
        while pending:
            progressed = False
            for model_state in list(pending):
                label = f"{app}.{model_state.name}".lower()
                waits = {
                    t for f in model_state.fields.values()
                    if (t := _related_target(f, app)) in creating and t not in done and t != label
                }
                if waits:
                    continue
                creates.append(self._create(model_state, changes))
                done.add(label)
                pending.remove(model_state)
                progressed = True
            if not progressed:
                # A cycle: create the first waiting model without its pending relations.
                model_state = pending.pop(0)
                label = f"{app}.{model_state.name}".lower()
                later = {
                    n for n, f in model_state.fields.items()
                    if (t := _related_target(f, app)) in creating and t not in done and t != label
                }
                reduced = ModelState(
                    app, model_state.name,
                    [(n, f) for n, f in model_state.fields.items() if n not in later],
                    model_state.options,
                )
                creates.append(self._create(reduced, changes))
                done.add(label)
                for n in later:
                    deferred.append(AddField(model_name=model_state.name, name=n, field=clone_field(model_state.fields[n])))
        return creates, deferred

    def _create(self, model_state: ModelState, changes: AppChanges) -> CreateModel:
        for f in model_state.fields.values():
            self._note_dependency(model_state.app_label, f, changes)
        return CreateModel(
            name=model_state.name,
            fields=[(n, clone_field(f)) for n, f in model_state.fields.items()],
            options=dict(model_state.options),
        )

    def _delete_models(self, app: str, models: list[ModelState]) -> list[Operation]:
        """DeleteModel operations, models pointed at by the others last."""
        labels = {f"{app}.{m.name}".lower() for m in models}
        pointed_at = {
            t for m in models for f in m.fields.values()
            if (t := _related_target(f, app)) in labels and t != f"{app}.{m.name}".lower()
        }
        ordered = sorted(models, key=lambda m: f"{app}.{m.name}".lower() in pointed_at)
        return [DeleteModel(name=m.name) for m in ordered]

    @staticmethod
    def _note_dependency(app: str, f: Any, changes: AppChanges) -> None:
        target = _related_target(f, app)
        if target is not None:
            target_app = target.split(".")[0]
            if target_app != app:
                changes.depends_on_apps.add(target_app)
        _, _, _, kwargs = f.deconstruct()
        through = kwargs.get("through")
        if isinstance(through, str) and "." in through and through.split(".")[0] != app:
            changes.depends_on_apps.add(through.split(".")[0])


def _mentions(constraint: Any, names: set[str]) -> bool:
    return bool(set(getattr(constraint, "fields", None) or []) & names)




def _option_mentions(value: Any, names: set[str]) -> bool:
    items = value if isinstance(value, list | tuple) else [value]
    return any(isinstance(i, str) and i.lstrip("-").split("__")[0] in names for i in items)


def migration_name(operations: list[Operation], number: int) -> str:
    """``0001_initial`` for a first migration, else a name made of what the operations do."""
    if number == 1 and all(isinstance(op, CreateModel) for op in operations):
        return "0001_initial"
    fragments = [f for op in operations if (f := op.migration_name_fragment())]
    if not fragments:
        return f"{number:04d}_auto"
    if len(fragments) > 3:
        name = "_".join(fragments[:2]) + "_and_more"
    else:
        name = "_".join(fragments)
    return f"{number:04d}_{name[:52].rstrip('_')}"
