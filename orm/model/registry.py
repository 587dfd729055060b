"""Every concrete model by app label and name, for string references and the migrations.

Models register in the current registry: the process-wide one, or, while
``using(Registry())`` is active, a private one. The migrations engine renders the models of a
past migration state into a private registry, so that they neither replace nor see the
application's models.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from ..exceptions import ImproperlyConfigured


class Registry:
    def __init__(self) -> None:
        self.models: dict[str, dict[str, Any]] = {}
        # Work waiting for a model that is not defined yet (string references like "Tag").
        self.pending: dict[tuple[str, str], list[Callable[[Any], None]]] = {}

    def register(self, model: Any) -> None:
        meta = model._meta
        app = self.models.setdefault(meta.app_label, {})
        existing = app.get(meta.model_name)
        if existing is not None and existing.__module__ != model.__module__:
            raise ImproperlyConfigured(
                f"two models named {meta.object_name} in app {meta.app_label!r} "
                f"({existing.__module__} and {model.__module__}); set Meta.app_label on one"
            )
        app[meta.model_name] = model
        meta.registry = self
        for callback in self.pending.pop((meta.app_label, meta.model_name), []):
            callback(model)

    def when_registered(
        self, app_label: str, model_name: str, callback: Callable[[Any], None]
    ) -> None:
        model = self.models.get(app_label, {}).get(model_name.lower())
        if model is not None:
            callback(model)
        else:
            self.pending.setdefault((app_label, model_name.lower()), []).append(callback)

    def unresolved(self) -> list[str]:
        return [f"{app}.{name}" for app, name in self.pending]

    def get_model(self, app_label: str, model_name: str) -> Any:
        try:
            return self.models[app_label][model_name.lower()]
        except KeyError:
            raise LookupError(f"no model {app_label}.{model_name} is registered") from None

    def get_models(self, app_label: str | None = None) -> list[Any]:
        if app_label is not None:
            return list(self.models.get(app_label, {}).values())
        return [m for app in self.models.values() for m in app.values()]

    def unregister(self, model: Any) -> None:
        meta = model._meta
        app = self.models.get(meta.app_label, {})
        if app.get(meta.model_name) is model:
            del app[meta.model_name]
        for field in [*meta.local_fields, *meta.local_many_to_many]:
            rel = getattr(field, "remote_rel", None)
            if rel is None:
                continue
            target = rel.model
            if rel in target._meta.related_objects:
                target._meta.related_objects.remove(rel)
                target._meta._expire()
            accessor = rel.get_accessor_name()
            descriptor = target.__dict__.get(accessor) if accessor else None
            if descriptor is not None and getattr(
                descriptor, "rel", getattr(descriptor, "field", None)
            ) in (rel, field):
                delattr(target, accessor)
            through = getattr(field, "through", None)
            if through is not None and through._meta.auto_created:
                self.unregister(through)


_global = Registry()
_current: ContextVar[Registry] = ContextVar("orm_model_registry", default=_global)


@contextmanager
def using(registry: Registry) -> Iterator[Registry]:
    """Register the models defined inside the block in ``registry`` and resolve their string
    references there."""
    token = _current.set(registry)
    try:
        yield registry
    finally:
        _current.reset(token)


def current() -> Registry:
    return _current.get()


def register(model: Any) -> None:
    _current.get().register(model)


def when_registered(app_label: str, model_name: str, callback: Callable[[Any], None]) -> None:
    """Call ``callback(model)`` once the model exists: now, or when it is defined."""
    _current.get().when_registered(app_label, model_name, callback)


def unresolved() -> list[str]:
    """``app.model`` names referenced by relations but never defined."""
    return _current.get().unresolved()


def get_model(app_label: str, model_name: str) -> Any:
    return _current.get().get_model(app_label, model_name)


def get_models(app_label: str | None = None) -> list[Any]:
    return _current.get().get_models(app_label)


def unregister(model: Any) -> None:
    """Forget a model and the reverse relations it added to other models.

    For tests and tools that define models on the fly: once unregistered, deleting rows of
    the models it pointed at no longer looks for its (possibly missing) table.
    """
    owner = getattr(model._meta, "registry", None) or _current.get()
    owner.unregister(model)
