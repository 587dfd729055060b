"""The Field base class: options, defaults, validation and the lookups a field accepts."""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterable, Sequence
from typing import TYPE_CHECKING, Any, ClassVar

from ..exceptions import FieldError, SynchronousOnlyOperation, ValidationError

if TYPE_CHECKING:
    from backends.base.dialect import Dialect


# Every lookup a class sees (its own and its bases'), built once per class; emptied by each
# register_lookup(). Read-only for callers.
_merged_lookups: dict[type, dict[str, type]] = {}
# get_lookup() answers by (field class, name, "lookup"), for classes whose lookups depend on
# the class alone; emptied with _merged_lookups.
_lookup_kinds: dict[tuple[type, str, str], type | None] = {}
# Every cache holding answers of get_lookup(), emptied by register_lookup(); other modules
# add theirs (the query builder's resolved filter keywords).
lookup_dependent_caches: list[dict[Any, Any]] = [_merged_lookups, _lookup_kinds]


class NOT_PROVIDED:
    """Marks an option the user did not give (None is a valid default)."""


EMPTY_VALUES: tuple[Any, ...] = (None, "", [], (), {})


class RegisterLookupMixin:
    """Lookups and transforms registered by name, per class, inherited by subclasses."""

    class_lookups: ClassVar[dict[str, type]] = {}

    @classmethod
    def register_lookup(cls, lookup: type, lookup_name: str | None = None) -> type:
        name = lookup_name or lookup.lookup_name  # type: ignore[attr-defined]
        if "class_lookups" not in cls.__dict__:
            cls.class_lookups = {}
        cls.class_lookups[name] = lookup
        for cache in lookup_dependent_caches:  # a registration may change what subclasses see
            cache.clear()
        return lookup

    @classmethod
    def get_lookups(cls) -> dict[str, type]:
        merged = _merged_lookups.get(cls)
        if merged is None:
            merged = {}
            for klass in reversed(cls.__mro__):
                merged.update(klass.__dict__.get("class_lookups", {}))
            _merged_lookups[cls] = merged
        return merged

    def get_lookup(self, name: str) -> type | None:
        key = (type(self), name, "lookup")
        try:
            return _lookup_kinds[key]
        except KeyError:
            pass
        from ..query.lookups import Lookup

        found = self.get_lookups().get(name)
        result = found if found is not None and issubclass(found, Lookup) else None
        if getattr(type(self).get_lookups, "__func__", None) is _CLASS_GET_LOOKUPS:
            _lookup_kinds[key] = result  # only where lookups depend on the class alone
        return result

    def get_transform(self, name: str) -> type | None:
        from ..query.lookups import Transform

        found = self.get_lookups().get(name)
        if found is not None and issubclass(found, Transform):
            return found
        return None



_CLASS_GET_LOOKUPS = RegisterLookupMixin.__dict__["get_lookups"].__func__

class DeferredAttribute:
    """Class attribute of every concrete field.

    Loaded values live in the instance ``__dict__``, which Python reads before this non-data
    descriptor, so this code only runs for a field that was deferred (``only()``/``defer()``).
    """

    def __init__(self, field: Field) -> None:
        self.field = field

    def __get__(self, instance: Any, owner: type | None = None) -> Any:
        if instance is None:
            return self
        name = self.field.attname
        data = instance.__dict__
        if name not in data:
            from .._sync_guard import in_event_loop

            if in_event_loop():
                raise SynchronousOnlyOperation(
                    f"{type(instance).__name__}.{name} was deferred and is not loaded; in async "
                    f"code load it first with `await obj.arefresh_from_db(fields=['{name}'])`, "
                    "or leave it out of only()/defer()"
                )
            instance.refresh_from_db(fields=[name])
        return data[name]


class Field(RegisterLookupMixin):
    """A column of a model. Subclasses set ``internal_type`` and convert values."""

    internal_type: ClassVar[str] = "Field"
    empty_strings_allowed: ClassVar[bool] = True
    #: Values of exactly this type come out of get_prep_value() unchanged, so bulk code may
    #: skip the call for them. Only trusted while the class that declares it also supplies
    #: the field's to_python and get_prep_value (see prep_passthrough_type()).
    prep_passthrough: ClassVar[type | None] = None
    # Declaration order of fields; auto-created ones (the default id) sort first.
    _next_counter: ClassVar[int] = 0
    _next_auto_counter: ClassVar[int] = -1_000_000
    concrete: bool = True
    is_relation: bool = False
    descriptor_class: ClassVar[type] = DeferredAttribute

    def __init__(
        self,
        verbose_name: str | None = None,
        name: str | None = None,
        *,
        primary_key: bool = False,
        max_length: int | None = None,
        unique: bool = False,
        blank: bool = False,
        null: bool = False,
        db_index: bool = False,
        default: Any = NOT_PROVIDED,
        editable: bool = True,
        choices: Iterable[Any] | None = None,
        db_column: str | None = None,
        validators: Sequence[Callable[[Any], None]] = (),
        help_text: str = "",
        auto_created: bool = False,
    ) -> None:
        self.name = name or ""
        self.verbose_name = verbose_name
        self.primary_key = primary_key
        self.max_length = max_length
        self.unique = unique or primary_key
        self.blank = blank
        self.null = null
        self.db_index = db_index
        self.default = default
        self.editable = editable
        self.choices = list(choices) if choices is not None else None
        self.db_column = db_column
        self._validators = list(validators)
        self.help_text = help_text
        self.auto_created = auto_created
        self.model: Any = None
        self.attname = ""
        self.column = ""
        if auto_created:
            self.creation_counter = Field._next_auto_counter
            Field._next_auto_counter += 1
        else:
            self.creation_counter = Field._next_counter
            Field._next_counter += 1

    # -- naming ----------------------------------------------------------------------------
    def contribute_to_class(self, model: type, name: str) -> None:
        self.name = self.name or name
        self.attname = self.get_attname()
        self.column = self.db_column or self.attname
        self.model = model
        model._meta.add_field(self)  # type: ignore[attr-defined]
        if self.concrete:
            setattr(model, self.attname, self.descriptor_class(self))

    def get_attname(self) -> str:
        return self.name

    @property
    def label(self) -> str:
        """``Model.field`` for messages."""
        model = self.model.__name__ if self.model is not None else "<unbound>"
        return f"{model}.{self.name}"

    def __repr__(self) -> str:
        return f"<{type(self).__name__}: {self.label if self.model else self.name}>"

    def __deepcopy__(self, memo: dict[int, Any]) -> Field:
        # Fields inherited from an abstract model are copied unbound.
        clone = copy.copy(self)
        clone._validators = list(self._validators)
        clone.model = None
        memo[id(self)] = clone
        return clone

    def __lt__(self, other: Field) -> bool:
        return self.creation_counter < other.creation_counter

    # -- types -----------------------------------------------------------------------------
    def get_internal_type(self) -> str:
        return self.internal_type

    def db_type_parameters(self) -> dict[str, Any]:
        return {"max_length": self.max_length}

    def get_db_converter(self, dialect: Dialect) -> Callable[[Any], Any] | None:
        """How values read from this column become Python values on ``dialect``."""
        return dialect.converter(self.get_internal_type())

    def get_db_adapter(self, dialect: Dialect) -> Callable[[Any], Any] | None:
        return dialect.adapter(self.get_internal_type())

    # -- values ----------------------------------------------------------------------------
    def has_default(self) -> bool:
        return self.default is not NOT_PROVIDED

    def get_default(self) -> Any:
        if self.default is NOT_PROVIDED:
            if not self.empty_strings_allowed or self.null:
                return None
            return ""
        if callable(self.default):
            return self.default()
        return self.default

    def invalid(self, value: Any, expected: str) -> ValidationError:
        return ValidationError(
            f"{self.label}: expected {expected}, got {value!r} ({type(value).__name__})",
            field=self.name,
        )

    def to_python(self, value: Any) -> Any:
        """Coerce a value given by the user to this field's Python type, or raise
        ValidationError naming the field."""
        return value

    def get_prep_value(self, value: Any) -> Any:
        """The Python value to send to the database (None stays None)."""
        if value is None:
            return None
        return self.to_python(value)

    def prep_passthrough_type(self) -> type | None:
        """The type whose values get_prep_value() returns as they are, if this field's class
        declares one and has not overridden the conversion since."""
        cls = type(self)
        owner: Any = next(c for c in cls.__mro__ if "prep_passthrough" in c.__dict__)
        same = cls.to_python is owner.to_python and cls.get_prep_value is owner.get_prep_value
        return owner.__dict__["prep_passthrough"] if same else None

    def pre_save(self, instance: Any, add: bool) -> Any:
        """The value to write for ``instance`` (auto_now fields set it here)."""
        return getattr(instance, self.attname)

    # -- validation (full_clean) ----------------------------------------------------------
    @property
    def validators(self) -> list[Callable[[Any], None]]:
        return [*self.default_validators(), *self._validators]

    def default_validators(self) -> list[Callable[[Any], None]]:
        return []

    def clean(self, value: Any, instance: Any) -> Any:
        value = self.to_python(value)
        self.validate(value)
        for validator in self.validators:
            try:
                validator(value)
            except ValidationError as e:
                raise ValidationError(f"{self.label}: {e}", field=self.name) from None
        return value

    def validate(self, value: Any) -> None:
        if self.choices is not None and value not in EMPTY_VALUES:
            allowed = [c[0] if isinstance(c, (list, tuple)) else c for c in self.choices]
            if value not in allowed:
                raise ValidationError(
                    f"{self.label}: {value!r} is not one of the choices {allowed!r}",
                    field=self.name,
                )
        if value is None and not self.null:
            raise ValidationError(f"{self.label}: this field cannot be null", field=self.name)
        if not self.blank and value in EMPTY_VALUES:
            raise ValidationError(f"{self.label}: this field cannot be blank", field=self.name)

    # -- lookups ---------------------------------------------------------------------------
    def lookup_error(self, name: str) -> FieldError:
        names = ", ".join(sorted(self.get_lookups()))
        return FieldError(
            f"unsupported lookup {name!r} on {self.label} ({type(self).__name__}); "
            f"available: {names}"
        )

    # -- migrations ------------------------------------------------------------------------
    def deconstruct(self) -> tuple[str, str, list[Any], dict[str, Any]]:
        """(name, import path, args, kwargs) that rebuild this field; for migration files."""
        kwargs: dict[str, Any] = {}
        defaults = {
            "primary_key": False, "max_length": None, "unique": False, "blank": False,
            "null": False, "db_index": False, "default": NOT_PROVIDED, "editable": True,
            "choices": None, "db_column": None,
        }
        for key, dflt in defaults.items():
            value = getattr(self, key)
            if key == "unique" and self.primary_key:
                continue
            if value != dflt if key != "default" else value is not dflt:
                kwargs[key] = value
        return self.name, self.import_path(), [], kwargs

    def import_path(self) -> str:
        """Where migration files import this field class from: ``orm.models`` for the ORM's
        own fields, the defining module for a project's subclasses."""
        import orm.models

        cls = type(self)
        if getattr(orm.models, cls.__name__, None) is cls:
            return f"orm.models.{cls.__name__}"
        return f"{cls.__module__}.{cls.__qualname__}"
