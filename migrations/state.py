"""Model state: a snapshot of the models, built from the live classes or from migrations.

A ``ModelState`` holds a model's fields (fresh, unbound field instances rebuilt from each field's
``deconstruct()``) and its table options. A ``ProjectState`` holds every model of the managed
apps. Comparing two project states is the autodetector's job; applying an operation to a state
is ``Operation.state_forwards``. ``ProjectState.render()`` turns a state into real model classes,
registered in a private registry so that they never replace the application's models: the
schema editor works on them, and RunPython receives them through ``apps.get_model()``.
"""

from __future__ import annotations

import copy
import importlib
from collections.abc import Iterable
from typing import Any

from orm.exceptions import ImproperlyConfigured
from orm.model import registry as registries
from orm.model.base import Model

# Meta options that a migration records. db_table is always written out (the table name is
# part of the schema), the rest only when set.
OPTION_NAMES = ("db_table", "ordering", "unique_together", "indexes", "constraints", "get_latest_by")


def field_class(path: str) -> type:
    module, _, name = path.rpartition(".")
    try:
        cls: type = getattr(importlib.import_module(module), name)
        return cls
    except (ImportError, AttributeError):
        raise ImproperlyConfigured(f"cannot import the field class {path!r}") from None


def clone_field(field: Any) -> Any:
    """A new, unbound field equal to ``field`` (rebuilt from its deconstruction)."""
    _, path, args, kwargs = field.deconstruct()
    return field_class(path)(*args, **copy.deepcopy(kwargs))


def field_signature(field: Any, app_label: str | None = None) -> tuple[str, list[Any], dict[str, Any]]:
    """What makes two fields the same, whatever their names. Relation targets are compared as
    lower-case ``app.model`` labels ("Tag", "shop.Tag" and the class are the same target)."""
    _, path, args, kwargs = field.deconstruct()
    for key in ("to", "through"):
        target = kwargs.get(key)
        if isinstance(target, str) and target != "self":
            full = target if "." in target or app_label is None else f"{app_label}.{target}"
            kwargs[key] = full.lower()
    return path, args, kwargs


class ModelState:
    def __init__(
        self,
        app_label: str,
        name: str,
        fields: Iterable[tuple[str, Any]],
        options: dict[str, Any] | None = None,
    ) -> None:
        self.app_label = app_label
        self.name = name
        self.fields: dict[str, Any] = dict(fields)
        self.options: dict[str, Any] = dict(options or {})
        for field_name, field in self.fields.items():
            if getattr(field, "model", None) is not None:
                raise ValueError(
                    f"{app_label}.{name}.{field_name}: model states hold unbound fields; "
                    "use clone_field()"
                )

    @property
    def name_lower(self) -> str:
        return self.name.lower()

    @property
    def key(self) -> tuple[str, str]:
        return (self.app_label, self.name_lower)

    @property
    def db_table(self) -> str:
        return str(self.options["db_table"])

    @classmethod
    def from_model(cls, model: Any) -> ModelState:
        meta = model._meta
        fields = [(f.name, clone_field(f)) for f in [*meta.local_fields, *meta.local_many_to_many]]
        options: dict[str, Any] = {"db_table": meta.db_table}
        if meta.ordering:
            options["ordering"] = list(meta.ordering)
        if meta.unique_together:
            options["unique_together"] = [list(group) for group in meta.unique_together]
        if meta.indexes:
            options["indexes"] = [copy.deepcopy(i) for i in meta.indexes]
        if meta.constraints:
            options["constraints"] = [copy.deepcopy(c) for c in meta.constraints]
        if meta.get_latest_by:
            options["get_latest_by"] = meta.get_latest_by
        return cls(meta.app_label, meta.object_name, fields, options)

    def clone(self) -> ModelState:
        return ModelState(
            self.app_label,
            self.name,
            [(n, clone_field(f)) for n, f in self.fields.items()],
            copy.deepcopy(self.options),
        )

    def get_field(self, name: str) -> Any:
        try:
            return self.fields[name]
        except KeyError:
            raise KeyError(f"{self.app_label}.{self.name} has no field {name!r}") from None

    def render(self) -> Any:
        """A model class for this state, registered in the current registry."""
        meta_attrs: dict[str, Any] = {"app_label": self.app_label}
        for key, value in self.options.items():
            meta_attrs[key] = copy.deepcopy(value)
        attrs: dict[str, Any] = {
            "__module__": f"__migrations__.{self.app_label}",
            "Meta": type("Meta", (), meta_attrs),
        }
        for field_name, field in self.fields.items():
            attrs[field_name] = clone_field(field)
        return type(self.name, (Model,), attrs)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, ModelState):
            return NotImplemented
        return (
            self.key == other.key
            and self.name == other.name
            # Field order does not matter: AddField appends, the model may declare it anywhere.
            and set(self.fields) == set(other.fields)
            and all(
                field_signature(f, self.app_label) == field_signature(other.fields[n], other.app_label)
                for n, f in self.fields.items()
            )
            and self.options == other.options
        )

    def __repr__(self) -> str:
        return f"<ModelState {self.app_label}.{self.name}>"


class ProjectState:
    """Every model of the managed apps, by ``(app_label, model_name)``."""

    def __init__(self, models: dict[tuple[str, str], ModelState] | None = None) -> None:
        self.models: dict[tuple[str, str], ModelState] = dict(models or {})
        self._rendered: StateApps | None = None

    @classmethod
    def from_models(cls, models: Iterable[Any]) -> ProjectState:
        """The state of live model classes (join tables made for many-to-many fields are
        left out: their fields' states imply them)."""
        state = cls()
        for model in models:
            meta = model._meta
            if meta.abstract or meta.auto_created:
                continue
            state.add_model(ModelState.from_model(model))
        return state

    def add_model(self, model_state: ModelState) -> None:
        self.models[model_state.key] = model_state
        self._rendered = None

    def remove_model(self, app_label: str, name: str) -> ModelState:
        self._rendered = None
        return self.models.pop((app_label, name.lower()))

    def get_model(self, app_label: str, name: str) -> ModelState:
        try:
            return self.models[(app_label, name.lower())]
        except KeyError:
            raise KeyError(f"no model {app_label}.{name} in the migration state") from None

    def changed(self) -> None:
        """Call after changing a ModelState in place: rendered models are stale."""
        self._rendered = None

    def clone(self) -> ProjectState:
        return ProjectState({k: m.clone() for k, m in self.models.items()})

    @property
    def apps(self) -> StateApps:
        """The rendered models of this state (rendered once, until the state changes)."""
        if self._rendered is None:
            self._rendered = StateApps(self)
        return self._rendered

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, ProjectState):
            return NotImplemented
        return self.models == other.models


class StateApps:
    """Model classes rendered from a ProjectState, in a registry of their own.

    ``get_model(app_label, name)`` is what RunPython functions use, as in Django.
    """

    def __init__(self, state: ProjectState) -> None:
        self.registry = registries.Registry()
        with registries.using(self.registry):
            for model_state in state.models.values():
                model_state.render()
        missing = self.registry.unresolved()
        if missing:
            raise ImproperlyConfigured(
                "the migration state has relations to models it does not hold: "
                + ", ".join(sorted(missing))
                + "; add the apps that define them to [tool.orm] apps"
            )

    def get_model(self, app_label: str, name: str) -> Any:
        return self.registry.get_model(app_label, name)

    def get_models(self, app_label: str | None = None) -> list[Any]:
        return self.registry.get_models(app_label)
