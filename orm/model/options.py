"""``Model._meta``: table name, fields, ordering, indexes and constraints of a model."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from ..exceptions import FieldError, ImproperlyConfigured
from .constructor import KeywordConstructor, keyword_constructor

if TYPE_CHECKING:
    from ..fields.base import Field

META_OPTIONS = {
    "db_table", "ordering", "abstract", "app_label", "indexes", "constraints",
    "unique_together", "get_latest_by", "verbose_name", "verbose_name_plural",
}


def snake_case(name: str) -> str:
    """``BookAuthor`` -> ``book_author``; ``HTTPLog`` -> ``http_log``."""
    name = re.sub(r"(.)([A-Z][a-z]+)", r"\1_\2", name)
    return re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", name).lower()


def default_app_label(module: str) -> str:
    parts = [p for p in module.split(".") if p]
    if "models" in parts and parts.index("models") > 0:
        return parts[parts.index("models") - 1]
    if len(parts) > 1:
        return parts[-2]
    return parts[0].strip("_") or "main"


class Options:
    def __init__(self, meta: Any, model_name: str, module: str) -> None:
        given = {k: getattr(meta, k) for k in dir(meta) if not k.startswith("_")} if meta else {}
        unknown = set(given) - META_OPTIONS
        if unknown:
            raise ImproperlyConfigured(
                f"{model_name}.Meta has unknown option(s): {', '.join(sorted(unknown))}"
            )
        self.object_name = model_name
        self.model_name = model_name.lower()
        self.abstract: bool = given.get("abstract", False)
        self.app_label: str = given.get("app_label") or default_app_label(module)
        self.db_table: str = given.get("db_table") or snake_case(model_name)
        self.ordering: list[Any] = list(given.get("ordering", []))
        self.indexes: list[Any] = list(given.get("indexes", []))
        self.constraints: list[Any] = list(given.get("constraints", []))
        self.unique_together = self._normalize_together(given.get("unique_together", ()))
        self.get_latest_by: Any = given.get("get_latest_by")
        self.verbose_name: str = given.get("verbose_name") or snake_case(model_name).replace("_", " ")
        self.verbose_name_plural: str = given.get("verbose_name_plural") or self.verbose_name + "s"
        self.model: Any = None
        self.local_fields: list[Field] = []
        self.local_many_to_many: list[Any] = []
        # Reverse sides of relations pointing at this model (ForeignObjectRel).
        self.related_objects: list[Any] = []
        # Relation fields waiting for the model class to be complete before resolving.
        self.pending_relations: list[Any] = []
        # For an automatically made join table: the model whose ManyToManyField made it.
        self.auto_created: Any = False
        self.registry: Any = None  # the Registry the model was registered in
        self.pk: Field | None = None
        self._by_name: dict[str, Field] = {}
        self.managers: list[Any] = []
        self.default_manager: Any = None
        self.meta = meta

    @staticmethod
    def _normalize_together(value: Sequence[Any]) -> tuple[tuple[str, ...], ...]:
        if not value:
            return ()
        if isinstance(value[0], str):
            return (tuple(value),)
        return tuple(tuple(group) for group in value)

    @property
    def label(self) -> str:
        return f"{self.app_label}.{self.object_name}"

    @property
    def label_lower(self) -> str:
        return f"{self.app_label}.{self.model_name}"

    # -- fields --------------------------------------------------------------------------------
    def add_field(self, field: Field) -> None:
        target = self.local_many_to_many if getattr(field, "many_to_many", False) else self.local_fields
        target.append(field)
        target.sort(key=lambda f: f.creation_counter)
        if field.primary_key:
            if self.pk is not None and self.pk is not field:
                raise ImproperlyConfigured(
                    f"{self.object_name} has more than one primary key "
                    f"({self.pk.name} and {field.name})"
                )
            self.pk = field
        self._expire()

    def add_related_object(self, rel: Any) -> None:
        self.related_objects.append(rel)
        self._expire()

    def _expire(self) -> None:
        self.__dict__.pop("_concrete", None)
        self.__dict__.pop("_init_plan", None)
        self.__dict__.pop("_keyword_constructor", None)
        self._by_name = {}

    @property
    def init_plan(self) -> tuple[tuple[str, str, bool, Field], ...]:
        """(name, attname, is_relation, field) of each concrete field, for Model.__init__."""
        cached = self.__dict__.get("_init_plan")
        if cached is None:
            cached = self.__dict__["_init_plan"] = tuple(
                (f.name, f.attname, bool(f.is_relation), f) for f in self.concrete_fields
            )
        return cached

    @property
    def keyword_constructor(self) -> KeywordConstructor:
        """Model.__init__'s fast path for keyword arguments naming columns (constructor.py)."""
        cached = self.__dict__.get("_keyword_constructor")
        if cached is None:
            cached = self.__dict__["_keyword_constructor"] = keyword_constructor(self.init_plan)
        return cached

    @property
    def fields(self) -> list[Field]:
        """Forward fields with a column (foreign keys included, many-to-many not)."""
        return self.local_fields

    @property
    def many_to_many(self) -> list[Any]:
        return self.local_many_to_many

    @property
    def concrete_fields(self) -> list[Field]:
        cached = self.__dict__.get("_concrete")
        if cached is None:
            cached = self.__dict__["_concrete"] = [f for f in self.local_fields if f.concrete]
        return cached

    @property
    def local_concrete_fields(self) -> list[Field]:
        return self.concrete_fields

    def field_names(self) -> list[str]:
        """Every name usable in a lookup: fields, many-to-many and reverse relations."""
        names = [f.name for f in self.local_fields] + [f.name for f in self.local_many_to_many]
        return names + [r.name for r in self.related_objects if not r.hidden]

    def get_field(self, name: str) -> Any:
        """A field by name, attname or ``pk``; FieldError naming the model otherwise."""
        if not self._by_name:
            index: dict[str, Any] = {}
            for rel in self.related_objects:
                # Hidden ones too: the ORM itself walks them (symmetrical many-to-many).
                index.setdefault(rel.name, rel)
            for f in [*self.local_fields, *self.local_many_to_many]:
                index[f.name] = f
                index.setdefault(f.attname, f)
            if self.pk is not None:
                index.setdefault("pk", self.pk)
            self._by_name = index
        try:
            return self._by_name[name]
        except KeyError:
            raise FieldError(
                f"{self.object_name} has no field named {name!r}; "
                f"choices are: {', '.join(sorted(self.field_names()))}"
            ) from None

    def __repr__(self) -> str:
        return f"<Options for {self.object_name}>"
