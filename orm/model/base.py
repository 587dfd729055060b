"""The Model class and its metaclass: fields collected into ``_meta``, managers, exceptions."""

from __future__ import annotations

import copy
from typing import Any, ClassVar

from .. import exceptions
from ..exceptions import FieldError, ImproperlyConfigured, NotSupportedError
from ..fields.base import NOT_PROVIDED
from . import registry
from .instance_async import AsyncModelMethods
from .instance_sync import SyncModelMethods
from .options import Options
from .state import ModelState, StateDescriptor


def _subclass_exception(name: str, parents: tuple[type, ...], module: str, owner: str) -> type:
    return type(name, parents, {"__module__": module, "__qualname__": f"{owner}.{name}"})


class ModelBase(type):
    _meta: Options

    def __new__(mcs, name: str, bases: tuple[type, ...], attrs: dict[str, Any], **kwargs: Any):
        parents = [b for b in bases if isinstance(b, ModelBase)]
        if not parents:  # Model itself
            return super().__new__(mcs, name, bases, attrs, **kwargs)
        module = attrs.get("__module__", "")
        meta = attrs.pop("Meta", None)
        contributable = {k: v for k, v in attrs.items() if hasattr(v, "contribute_to_class")}
        plain = {k: v for k, v in attrs.items() if k not in contributable}
        cls = super().__new__(mcs, name, bases, plain, **kwargs)

        abstract_parents = [p for p in parents if getattr(p, "_meta", None) is not None]
        for parent in abstract_parents:
            if not parent._meta.abstract:
                raise NotSupportedError(
                    f"{name} subclasses the concrete model {parent.__name__}; only abstract "
                    "models (Meta.abstract = True) can be subclassed"
                )
        if meta is None:
            # A child of an abstract model inherits its Meta, as in Django (minus abstract).
            for parent in abstract_parents:
                if parent._meta.meta is not None:
                    meta = type("Meta", (parent._meta.meta,), {"abstract": False})
                    break
        opts = Options(meta, name, module)
        # abstract is never inherited: only a Meta that says so itself makes a model abstract.
        opts.abstract = bool(meta is not None and vars(meta).get("abstract", False))
        cls._meta = opts
        opts.model = cls

        for parent in abstract_parents:
            for field in parent._meta.local_fields:
                if field.name not in contributable:
                    cls.add_to_class(field.name, copy.deepcopy(field))
            for manager in parent._meta.managers:
                if manager.name not in contributable:
                    cls.add_to_class(manager.name, copy.copy(manager))
        for attr_name, value in contributable.items():
            cls.add_to_class(attr_name, value)

        if opts.abstract:
            opts.pending_relations = []  # each concrete child resolves its own copies
            return cls

        if opts.pk is None:
            from ..fields import BigAutoField

            cls.add_to_class("id", BigAutoField(auto_created=True, primary_key=True))
        cls.DoesNotExist = _subclass_exception(  # type: ignore[attr-defined]
            "DoesNotExist", (exceptions.ObjectDoesNotExist,), module, name
        )
        cls.MultipleObjectsReturned = _subclass_exception(  # type: ignore[attr-defined]
            "MultipleObjectsReturned", (exceptions.MultipleObjectsReturned,), module, name
        )
        from ..manager import Manager

        if not opts.managers:
            cls.add_to_class("objects", Manager())
        opts.default_manager = opts.managers[0]
        cls._default_manager = opts.default_manager  # type: ignore[attr-defined]
        # The plain manager the ORM uses for relations, whatever the default one filters.
        base_manager: Manager = Manager()
        base_manager.model, base_manager.name = cls, "_base_manager"
        cls._base_manager = base_manager  # type: ignore[attr-defined]
        _check_meta(opts)
        # Own relations first, so that models waiting for this one (a ManyToManyField whose
        # through= names it) find its foreign keys resolved when it registers.
        pending, opts.pending_relations = opts.pending_relations, []
        for field in pending:
            field.resolve_relation()
        registry.register(cls)
        return cls

    def add_to_class(cls, name: str, value: Any) -> None:
        if hasattr(value, "contribute_to_class"):
            value.contribute_to_class(cls, name)
        else:
            setattr(cls, name, value)


def _check_meta(opts: Options) -> None:
    for group in opts.unique_together:
        for field_name in group:
            _meta_field(opts, field_name, "unique_together")
    for item in opts.ordering:
        if isinstance(item, str) and item != "?":
            _meta_field(opts, item.lstrip("-").split("__")[0], "ordering")


def _meta_field(opts: Options, name: str, option: str) -> None:
    try:
        opts.get_field(name)
    except FieldError as e:
        raise ImproperlyConfigured(f"{opts.object_name}.Meta.{option}: {e}") from None


class Model(AsyncModelMethods, SyncModelMethods, metaclass=ModelBase):
    """Base class of the application's models.

    Fields are declared as class attributes; ``Meta`` holds table options. Instances are
    plain objects whose field values are attributes.
    """

    _meta: ClassVar[Options]
    _state = StateDescriptor()
    DoesNotExist: ClassVar[type[exceptions.ObjectDoesNotExist]]
    MultipleObjectsReturned: ClassVar[type[exceptions.MultipleObjectsReturned]]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        cls = type(self)
        meta = cls._meta
        if meta.abstract:
            raise TypeError(f"{cls.__name__} is abstract and cannot be instantiated")
        if not args:
            accepted, fill = meta.keyword_constructor
            if kwargs.keys() <= accepted:
                fill(self, kwargs)
                return
        data = self.__dict__
        data["_state"] = ModelState()
        plan = meta.init_plan
        if len(args) > len(plan):
            raise TypeError(f"{cls.__name__}() takes at most {len(plan)} positional arguments")
        for (_, attname, _, _), value in zip(plan, args):
            data[attname] = value
        for name, attname, is_relation, field in plan[len(args):] if args else plan:
            if name in kwargs:
                value = kwargs.pop(name)
                if is_relation:  # an instance (or None): the descriptor takes its key
                    setattr(self, name, value)
                    continue
            elif attname in kwargs:
                value = kwargs.pop(attname)
            else:
                value = field.get_default()
            data[attname] = value
        if kwargs:
            for key in kwargs:
                prop = getattr(cls, key, None)
                if isinstance(prop, property) and prop.fset is not None:
                    continue
                raise TypeError(
                    f"{cls.__name__}() got an unexpected keyword argument {key!r}; "
                    f"fields are: {', '.join(meta.field_names())}"
                )
            for key, value in kwargs.items():
                setattr(self, key, value)

    @classmethod
    def from_db(cls, db: str | None, field_names: list[str], values: list[Any]) -> Model:
        obj = cls.__new__(cls)
        obj.__dict__.update(zip(field_names, values))
        # A database alias stands for ModelState(db, adding=False) (see StateDescriptor).
        obj.__dict__["_state"] = db if db is not None else ModelState(db, adding=False)
        return obj

    # -- identity ------------------------------------------------------------------------------
    @property
    def pk(self) -> Any:
        return getattr(self, self._meta.pk.attname)  # type: ignore[union-attr]

    @pk.setter
    def pk(self, value: Any) -> None:
        setattr(self, self._meta.pk.attname, value)  # type: ignore[union-attr]

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Model) or type(other)._meta.label != type(self)._meta.label:
            return NotImplemented
        if self.pk is None:
            return self is other
        return self.pk == other.pk

    def __hash__(self) -> int:
        if self.pk is None:
            raise TypeError("model instances without a primary key value are unhashable")
        return hash((type(self)._meta.label, self.pk))

    def __str__(self) -> str:
        return f"{type(self).__name__} object ({self.pk})"

    def __repr__(self) -> str:
        return f"<{type(self).__name__}: {self}>"

    def __reduce__(self) -> Any:
        state = dict(self.__dict__)
        return (_unpickle, (type(self),), state)

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)

    def get_deferred_fields(self) -> set[str]:
        return {f.attname for f in self._meta.concrete_fields if f.attname not in self.__dict__}

    def serializable_value(self, field_name: str) -> Any:
        return getattr(self, self._meta.get_field(field_name).attname)

    # -- validation without I/O ----------------------------------------------------------------
    def clean_fields(self, exclude: set[str] | None = None) -> None:
        """Check every field's value (type, null/blank, choices, validators); collects all."""
        errors: dict[str, list[str]] = {}
        for field in self._meta.concrete_fields:
            if exclude and field.name in exclude:
                continue
            if field.attname not in self.__dict__:
                continue  # deferred: not loaded, not changed
            raw = getattr(self, field.attname)
            if field.blank and raw in (None, ""):
                if raw is None and not field.null and field.primary_key:
                    continue
                if raw is None and not field.null and not getattr(field, "auto_now", False) \
                        and not getattr(field, "auto_now_add", False) and not field.primary_key:
                    if not field.empty_strings_allowed:
                        errors.setdefault(field.name, []).append(
                            f"{field.label}: this field cannot be null"
                        )
                continue
            try:
                setattr(self, field.attname, field.clean(raw, self))
            except exceptions.ValidationError as e:
                errors.setdefault(field.name, []).extend(e.messages)
        if errors:
            raise exceptions.ValidationError(errors)

    def clean(self) -> None:
        """Hook for model-wide validation; raise ValidationError here."""


def _unpickle(cls: type) -> Any:
    return object.__new__(cls)


__all__ = ["Model", "ModelBase", "NOT_PROVIDED"]
