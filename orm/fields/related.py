"""Relation fields: ForeignKey, OneToOneField, ManyToManyField, and their reverse sides.

A relation may name its target before it exists ("Tag", "self", "shop.Customer"); the field
finishes setting itself up when the target model is registered. Each relation describes how
to walk it in a query as a list of ``PathInfo`` hops (a many-to-many is two: the join table,
then the target).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ..exceptions import ImproperlyConfigured
from .base import Field

if TYPE_CHECKING:
    from backends.base.dialect import Dialect

RECURSIVE = "self"


@dataclass(frozen=True)
class PathInfo:
    """One join: rows of ``to_model`` whose ``to_field`` equals ``from_field`` of
    ``from_model``."""

    from_model: Any
    to_model: Any
    from_field: Any
    to_field: Any
    many: bool  # several rows may match (a reverse foreign key or the join table)
    nullable: bool  # possibly no row matches: LEFT OUTER JOIN
    relation: Any  # the field or reverse relation this hop follows


# -- on_delete ----------------------------------------------------------------------------------
class OnDelete:
    """What deleting a referenced row does to the rows that point at it."""

    def __init__(
        self, name: str, value: Callable[[], Any] | None = None, argument: Any = None
    ) -> None:
        self.name = name
        self.value = value
        self.argument = argument  # what SET() was given, for migration files

    def __repr__(self) -> str:
        return f"SET({self.argument!r})" if self.name == "SET" else self.name

    def __eq__(self, other: object) -> bool:
        # SET(value) makes a new object each time; two with the same value are the same rule.
        return isinstance(other, OnDelete) and (self.name, self.argument) == (other.name, other.argument)

    def __hash__(self) -> int:
        return hash(self.name)


CASCADE = OnDelete("CASCADE")
PROTECT = OnDelete("PROTECT")
RESTRICT = OnDelete("RESTRICT")
SET_NULL = OnDelete("SET_NULL")
SET_DEFAULT = OnDelete("SET_DEFAULT")
DO_NOTHING = OnDelete("DO_NOTHING")


def SET(value: Any) -> OnDelete:  # noqa: N802 - Django's spelling
    """on_delete=SET(value): point at ``value`` (or what calling it returns) instead."""
    getter: Callable[[], Any] = value if callable(value) else (lambda: value)
    return OnDelete("SET", getter, value)


def resolve_model_reference(model: Any, reference: Any, callback: Callable[[Any], None]) -> None:
    """Call ``callback(target)`` once the model ``reference`` names is defined."""
    from ..model import registry

    if not isinstance(reference, str):
        callback(reference)
        return
    if reference == RECURSIVE:
        callback(model)
        return
    if "." in reference:
        app_label, name = reference.split(".", 1)
    else:
        app_label, name = model._meta.app_label, reference
    registry.when_registered(app_label, name, callback)


# -- the reverse side ---------------------------------------------------------------------------
class ForeignObjectRel:
    """The reverse side of a relation, as seen from the model it points to.

    ``model`` is the target (Author for Book.author), ``related_model`` holds the field (Book).
    """

    is_relation = True
    concrete = False
    auto_created = True
    null = True
    primary_key = False
    unique = False

    def __init__(self, field: RelatedField) -> None:
        self.field = field
        self.model: Any = field.remote_model
        self.related_model: Any = field.model
        self.related_name = field.related_name
        self.multiple = not isinstance(field, OneToOneField)
        self.many_to_many = isinstance(field, ManyToManyField)
        self.one_to_one = isinstance(field, OneToOneField)
        self.on_delete = getattr(field, "on_delete", CASCADE)

    @property
    def hidden(self) -> bool:
        return bool(self.related_name) and self.related_name.endswith("+")  # type: ignore[union-attr]

    @property
    def name(self) -> str:
        """The name used in lookups from the target model: ``Author.objects.filter(book__...)``."""
        return self.field.related_query_name or self.related_name or self.related_model._meta.model_name

    def get_accessor_name(self) -> str | None:
        """The attribute on target instances: ``author.book_set`` (or related_name)."""
        if self.hidden:
            return None
        if self.related_name:
            return self.related_name
        base = self.related_model._meta.model_name
        return base if self.one_to_one else f"{base}_set"

    @property
    def label(self) -> str:
        return f"{self.model.__name__}.{self.get_accessor_name() or self.name}"

    @property
    def output_field(self) -> Field:
        return self.related_model._meta.pk

    def path_infos(self) -> list[PathInfo]:
        field = self.field
        if isinstance(field, ManyToManyField):
            through = field.through
            return [
                PathInfo(self.model, through, self.model._meta.pk, field.to_fk, True, True, self),
                PathInfo(through, self.related_model, field.from_fk, self.related_model._meta.pk, False, False, self),
            ]
        return [
            PathInfo(self.model, self.related_model, field.target_field, field, self.multiple, True, self)
        ]

    def get_lookups(self) -> dict[str, type]:
        return self.related_model._meta.pk.get_lookups()

    def __repr__(self) -> str:
        return f"<{type(self).__name__}: {self.label}>"


class RelatedField(Field):
    """Common ground of the relation fields."""

    target_field: Any = None  # the column pointed at (foreign keys)

    is_relation = True
    many_to_many = False
    many_to_one = False
    one_to_one = False

    def __init__(
        self,
        to: Any,
        *,
        related_name: str | None = None,
        related_query_name: str | None = None,
        **kwargs: Any,
    ) -> None:
        if not isinstance(to, str) and not (isinstance(to, type) and hasattr(to, "_meta")):
            raise TypeError(
                f"{type(self).__name__}'s first argument must be a model, a model name or 'self', "
                f"not {to!r}"
            )
        self.to = to
        self.related_name = related_name
        self.related_query_name = related_query_name
        self.remote_model: Any = None
        self.remote_rel: ForeignObjectRel | None = None
        super().__init__(**kwargs)

    @property
    def related_model(self) -> Any:
        if self.remote_model is None:
            raise ImproperlyConfigured(
                f"{self.label} points at {self.to!r}, which is not defined (yet)"
            )
        return self.remote_model

    def contribute_to_class(self, model: type, name: str) -> None:
        super().contribute_to_class(model, name)
        # Resolved once the model class is complete (ModelBase calls resolve_relation).
        model._meta.pending_relations.append(self)  # type: ignore[attr-defined]

    def resolve_relation(self) -> None:
        resolve_model_reference(self.model, self.to, self._resolve)

    def _resolve(self, target: Any) -> None:
        self.remote_model = target
        self.resolved(target)
        rel = self.remote_rel = ForeignObjectRel(self)
        target._meta.add_related_object(rel)
        accessor = rel.get_accessor_name()
        if accessor is not None and not self._skip_reverse_accessor():
            from .related_descriptors import reverse_descriptor

            setattr(target, accessor, reverse_descriptor(rel))

    def _skip_reverse_accessor(self) -> bool:
        return False

    def resolved(self, target: Any) -> None:
        """Hook: the target model is known."""


class ForeignKey(RelatedField):
    """A many-to-one relation: a column holding the key of a row of another model."""

    many_to_one = True

    def __init__(
        self,
        to: Any,
        on_delete: OnDelete,
        *,
        related_name: str | None = None,
        related_query_name: str | None = None,
        to_field: str | None = None,
        db_constraint: bool = True,
        **kwargs: Any,
    ) -> None:
        if not isinstance(on_delete, OnDelete):
            raise TypeError(
                "on_delete must be one of CASCADE, PROTECT, RESTRICT, SET_NULL, SET_DEFAULT, "
                f"DO_NOTHING or SET(...), got {on_delete!r}"
            )
        if on_delete is SET_NULL and not kwargs.get("null"):
            raise ImproperlyConfigured("on_delete=SET_NULL needs null=True on the field")
        kwargs.setdefault("db_index", True)
        self.on_delete = on_delete
        self.to_field_name = to_field
        self.db_constraint = db_constraint
        self.target_field: Any = None
        super().__init__(to, related_name=related_name, related_query_name=related_query_name, **kwargs)

    def get_attname(self) -> str:
        return f"{self.name}_id"

    def contribute_to_class(self, model: type, name: str) -> None:
        super().contribute_to_class(model, name)
        from .related_descriptors import ForwardManyToOneDescriptor

        setattr(model, self.name, ForwardManyToOneDescriptor(self))

    def resolved(self, target: Any) -> None:
        if self.to_field_name:
            self.target_field = target._meta.get_field(self.to_field_name)
            if not self.target_field.unique:
                raise ImproperlyConfigured(
                    f"{self.label}: to_field {self.to_field_name!r} must be a unique field of "
                    f"{target.__name__}"
                )
        else:
            self.target_field = target._meta.pk

    @property
    def target(self) -> Any:
        if self.target_field is None:
            self.related_model  # noqa: B018 - raises the "not defined" error
        return self.target_field

    # Values, types and conversions are those of the column pointed at.
    def get_internal_type(self) -> str:
        return _REL_TYPES.get(self.target.get_internal_type(), self.target.get_internal_type())

    def db_type_parameters(self) -> dict[str, Any]:
        return self.target.db_type_parameters()

    def get_db_converter(self, dialect: Dialect) -> Callable[[Any], Any] | None:
        return self.target.get_db_converter(dialect)

    def get_db_adapter(self, dialect: Dialect) -> Callable[[Any], Any] | None:
        return self.target.get_db_adapter(dialect)

    def to_python(self, value: Any) -> Any:
        if self.remote_model is not None and isinstance(value, self.remote_model):
            value = getattr(value, self.target.attname)
        return self.target.to_python(value)

    def get_prep_value(self, value: Any) -> Any:
        if value is None:
            return None
        if self.remote_model is not None and isinstance(value, self.remote_model):
            value = getattr(value, self.target.attname)
            if value is None:
                raise ValueError(
                    f"{self.label}: the {self.remote_model.__name__} given has no "
                    f"{self.target.name} yet (save it first)"
                )
        return self.target.get_prep_value(value)

    def get_lookups(self) -> dict[str, type]:  # type: ignore[override]
        return {**self.target.get_lookups(), **type(self).__dict__.get("class_lookups", {})}

    def get_default(self) -> Any:
        value = super().get_default()
        if self.remote_model is not None and isinstance(value, self.remote_model):
            return getattr(value, self.target.attname)
        return value

    def path_infos(self) -> list[PathInfo]:
        return [PathInfo(self.model, self.related_model, self, self.target, False, self.null, self)]

    def deconstruct(self) -> tuple[str, str, list[Any], dict[str, Any]]:
        name, path, args, kwargs = super().deconstruct()
        if self.db_index:
            kwargs.pop("db_index", None)  # the default for a foreign key
        else:
            kwargs["db_index"] = False
        kwargs["to"] = self.to if isinstance(self.to, str) else self.to._meta.label
        kwargs["on_delete"] = self.on_delete
        for key in ("related_name", "related_query_name"):
            if getattr(self, key):
                kwargs[key] = getattr(self, key)
        if self.to_field_name:
            kwargs["to_field"] = self.to_field_name
        return name, path, args, kwargs


_REL_TYPES = {"AutoField": "IntegerField", "BigAutoField": "BigIntegerField", "SmallAutoField": "SmallIntegerField"}


class OneToOneField(ForeignKey):
    """A unique foreign key: each target row has at most one row pointing at it."""

    many_to_one = False
    one_to_one = True

    def __init__(self, to: Any, on_delete: OnDelete, **kwargs: Any) -> None:
        kwargs["unique"] = True
        super().__init__(to, on_delete, **kwargs)


class ManyToManyField(RelatedField):
    """A many-to-many relation through a join table (created for it, or ``through=`` a model
    with a foreign key to each side)."""

    concrete = False
    many_to_many = True

    def __init__(
        self,
        to: Any,
        *,
        related_name: str | None = None,
        related_query_name: str | None = None,
        through: Any = None,
        db_table: str | None = None,
        symmetrical: bool | None = None,
        **kwargs: Any,
    ) -> None:
        for option in ("null", "db_index", "unique", "primary_key", "db_column", "default"):
            if option in kwargs:
                raise TypeError(f"ManyToManyField does not take {option}=")
        self.through: Any = None
        self._through_reference = through
        self.db_table = db_table
        self.symmetrical = symmetrical if symmetrical is not None else to == RECURSIVE
        self.from_fk: Any = None  # the join table's key to this model
        self.to_fk: Any = None  # the join table's key to the target
        kwargs.setdefault("blank", True)
        super().__init__(to, related_name=related_name, related_query_name=related_query_name, **kwargs)
        if self.symmetrical and self.related_name is None and to == RECURSIVE:
            self.related_name = None  # set in contribute_to_class, where the name is known

    def contribute_to_class_hidden_name(self) -> None:
        if self.symmetrical and self.related_name is None and self.to == RECURSIVE:
            # A symmetrical relation is its own reverse: no accessor, a private query name.
            self.related_name = f"{self.name}_rel_+"

    def contribute_to_class(self, model: type, name: str) -> None:
        self.name = self.name or name
        self.contribute_to_class_hidden_name()
        self.attname = self.name
        self.column = ""
        self.model = model
        model._meta.add_field(self)  # type: ignore[attr-defined]
        from .related_descriptors import ManyToManyDescriptor

        setattr(model, self.name, ManyToManyDescriptor(self, reverse=False))
        model._meta.pending_relations.append(self)  # type: ignore[attr-defined]

    def _skip_reverse_accessor(self) -> bool:
        return self.symmetrical and self.remote_model is self.model

    def resolved(self, target: Any) -> None:
        if self._through_reference is None:
            self._set_through(_auto_through_model(self, target))
        else:
            resolve_model_reference(self.model, self._through_reference, self._set_through)

    def _set_through(self, through: Any) -> None:
        self.through = through
        from_fk = to_fk = None
        for field in through._meta.concrete_fields:
            if not isinstance(field, ForeignKey):
                continue
            to = field.remote_model if field.remote_model is not None else None
            if to is self.model and from_fk is None:
                from_fk = field
            elif to is self.remote_model and to_fk is None:
                to_fk = field
        if from_fk is None or to_fk is None:
            raise ImproperlyConfigured(
                f"{self.label}: the through model {through.__name__} needs a foreign key to "
                f"{self.model.__name__} and one to {self.remote_model.__name__}"
            )
        self.from_fk, self.to_fk = from_fk, to_fk

    def path_infos(self) -> list[PathInfo]:
        through = self.through
        return [
            PathInfo(self.model, through, self.model._meta.pk, self.from_fk, True, True, self),
            PathInfo(through, self.related_model, self.to_fk, self.related_model._meta.pk, False, False, self),
        ]

    def get_internal_type(self) -> str:
        return "ManyToManyField"

    def get_lookups(self) -> dict[str, type]:  # type: ignore[override]
        return self.related_model._meta.pk.get_lookups()

    @property
    def output_field(self) -> Field:
        return self.related_model._meta.pk

    def get_default(self) -> Any:
        return None

    def deconstruct(self) -> tuple[str, str, list[Any], dict[str, Any]]:
        name, path, args, kwargs = super().deconstruct()
        kwargs.pop("blank", None)
        kwargs["to"] = self.to if isinstance(self.to, str) else self.to._meta.label
        related_name = self.related_name
        if related_name and not related_name.endswith("_rel_+"):  # not the hidden symmetrical one
            kwargs["related_name"] = related_name
        if self.related_query_name:
            kwargs["related_query_name"] = self.related_query_name
        if self._through_reference is not None:
            ref = self._through_reference
            kwargs["through"] = ref if isinstance(ref, str) else ref._meta.label
        if self.db_table:
            kwargs["db_table"] = self.db_table
        return name, path, args, kwargs


def _auto_through_model(field: ManyToManyField, target: Any) -> Any:
    """The join table's model, made for a ManyToManyField without ``through=``."""
    from ..model.base import Model

    model = field.model
    meta = model._meta
    if target is model:
        from_name, to_name = f"from_{meta.model_name}", f"to_{meta.model_name}"
    else:
        from_name, to_name = meta.model_name, target._meta.model_name
    hidden = f"{meta.model_name}_{field.name}+"

    class Meta:
        db_table = field.db_table or f"{meta.db_table}_{field.name}"
        app_label = meta.app_label
        unique_together = [(from_name, to_name)]

    attrs = {
        "Meta": Meta,
        "__module__": model.__module__,
        from_name: ForeignKey(model, CASCADE, related_name=hidden),
        to_name: ForeignKey(target, CASCADE, related_name=hidden),
    }
    through: Any = type(f"{model.__name__}_{field.name}", (Model,), attrs)
    through._meta.auto_created = model
    return through
