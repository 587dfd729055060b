"""The Query tree a QuerySet builds: filters, ordering, limits, selected columns. No I/O."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from ..exceptions import FieldError, NotSupportedError
from ..expressions import Col, Expression, OrderBy, Q, Random
from ..fields.base import lookup_dependent_caches
from .joins import INNER, LEFT_OUTER, Join, SubqueryValues
from .lookups import In, IsNull, Lookup, Transform, is_queryset
from .where import AND, OR, WhereNode

if TYPE_CHECKING:
    from ..fields.base import Field

LOOKUP_SEP = "__"


class Query:
    """What to select from one model's table. Cloned, never mutated, by QuerySet methods."""

    def __init__(self, model: Any) -> None:
        self.model = model
        self.alias = model._meta.db_table
        self.where = WhereNode()
        self.order_by: tuple[Any, ...] = ()
        self.default_ordering = True
        self.standard_ordering = True
        self.distinct = False
        self.low_mark = 0
        self.high_mark: int | None = None
        # values()/values_list(): the (name, expression) pairs selected, or None for instances
        self.values_select: list[tuple[str, Expression]] | None = None
        # only()/defer(): (field names, True if they are the only ones loaded)
        self.deferred: tuple[frozenset[str], bool] = (frozenset(), False)
        self.annotations: dict[str, Expression] = {}
        self.is_empty = False
        self.select_for_update = False
        self.select_for_update_options: dict[str, Any] = {}
        # Joins by alias, in the order they were made.
        self.alias_map: dict[str, Join] = {}
        # Aliases made by the filter() call being built: a multi-valued join is reused only
        # within one call (Django's rule). None outside filter(): reuse any matching join.
        self._reuse: set[str] | None = None
        # select_related(): a tree of relation names, or True for every non-null foreign key.
        self.select_related: dict[str, Any] | bool = False
        # annotate() names whose values are selected (alias() ones are only usable in filters).
        self.annotation_select: list[str] = []
        # GROUP BY: None (no aggregate annotation), True (the model's columns: annotate() on
        # objects), or the expressions of values() before annotate().
        self.group_by: list[Expression] | bool | None = None
        # Conditions on aggregates (filter() after annotate(n=Count(...))).
        self.having = WhereNode()
        # Name the selected columns (AS "name"): for a derived table read by name.
        self.alias_columns = False
        # union()/intersection()/difference(): (SQL operator, [queries]).
        self.combinator: tuple[str, list[Query]] | None = None
        # Subqueries bound into this one, nested ones included (their aliases: U0_*, U1_*...).
        self.subquery_count = 0

    def clone(self) -> Query:
        # A copy of the attribute dict (copy.copy's generic path costs several times more),
        # with fresh containers for what chained calls change in place.
        clone = object.__new__(type(self))
        attrs = self.__dict__.copy()
        attrs["where"] = self.where.clone()
        attrs["having"] = self.having.clone()
        attrs["annotations"] = self.annotations.copy()
        attrs["alias_map"] = self.alias_map.copy()
        attrs["_reuse"] = None
        clone.__dict__ = attrs
        return clone

    # -- joins ---------------------------------------------------------------------------------
    def join(self, path: Any, parent_alias: str, nullable: bool = False) -> str:
        """The alias of the join walking ``path`` from ``parent_alias``, made if needed."""
        key = (parent_alias, path.relation, path.from_field, path.to_field)
        join_type = LEFT_OUTER if (nullable or path.nullable) else INNER
        for alias, existing in self.alias_map.items():
            if existing.key != key:
                continue
            if existing.many and self._reuse is not None and alias not in self._reuse:
                continue  # a multi-valued join of an earlier filter() call: not shared
            if join_type == LEFT_OUTER and existing.join_type == INNER:
                self.alias_map[alias] = Join(path, parent_alias, alias, LEFT_OUTER)
            return alias
        table = path.to_model._meta.db_table
        used = {self.alias, *self.alias_map}
        alias, number = table, len(used)
        while alias in used:  # T2, T3, ... as Django names repeated tables
            number += 1
            alias = f"T{number}"
        self.alias_map[alias] = Join(path, parent_alias, alias, join_type)
        if self._reuse is not None:
            self._reuse.add(alias)
        return alias

    def names_to_path(self, parts: list[str]) -> tuple[Any, str, list[str], bool, list[Any]]:
        """Walk ``parts`` through relations, joining as needed.

        Returns the final field (or reverse relation), the alias of its table, the names left
        (lookups and transforms), whether a nullable join was crossed, and the join aliases.
        """
        meta = self.model._meta
        alias = self.alias
        nullable = False
        hops: list[str] = []
        index = 0
        while True:
            name = parts[index]
            try:
                field = meta.get_field(name)
            except FieldError:
                if index == 0:
                    choices = sorted({*meta.field_names(), *self.annotations})
                    raise FieldError(
                        f"cannot resolve {name!r} into a field of {self.model.__name__}; "
                        f"choices are: {', '.join(choices)}"
                    ) from None
                raise
            index += 1
            rest = parts[index:]
            if not field.is_relation:
                return field, alias, rest, nullable, hops
            target_meta = field.related_model._meta
            next_is_field = bool(rest) and _has_field(target_meta, rest[0])
            if rest and not next_is_field and not _is_lookup_or_transform(field, rest[0]):
                raise self._unknown_after_relation(target_meta, rest[0], parts[:index])
            paths = field.path_infos()
            if field.concrete:  # a foreign key: its own column holds the target's key
                target = field.target
                if not next_is_field:
                    return field, alias, rest, nullable, hops
                if rest[0] in (target.name, target.attname) or (rest[0] == "pk" and target.primary_key):
                    if len(rest) == 1 or not _has_field(target_meta, rest[1]):
                        return field, alias, rest[1:], nullable, hops
            elif not next_is_field:
                # The key of the related rows: the last hop's starting column, no join needed
                # for it (a many-to-many stops at the join table).
                *walk, last = paths
                for path in walk:
                    alias = self.join(path, alias, nullable)
                    nullable = nullable or path.nullable
                    hops.append(alias)
                if walk:
                    return last.from_field, alias, rest, nullable, hops
                alias = self.join(last, alias, nullable)
                hops.append(alias)
                return target_meta.pk, alias, rest, True, hops
            for path in paths:
                alias = self.join(path, alias, nullable)
                nullable = nullable or path.nullable
                hops.append(alias)
            meta = target_meta

    # -- names ---------------------------------------------------------------------------------
    def get_field(self, name: str) -> Field:
        return self.model._meta.get_field(name)

    def resolve_ref(self, name: str) -> Expression:
        """An F() name: an annotation or a field of the model."""
        if name in self.annotations:
            return self.annotations[name]
        parts = name.split(LOOKUP_SEP)
        field, alias, rest, _, _ = self.names_to_path(parts)
        if rest:
            raise FieldError(
                f"F({name!r}) on {self.model.__name__}: {rest[0]!r} is not a field; F() takes "
                "a field path, not a lookup"
            )
        return Col(alias, field)

    # -- filters -------------------------------------------------------------------------------
    def build_condition(self, q: Q) -> WhereNode:
        """A Q as a condition inside an expression (When); its joins stay LEFT OUTER."""
        return self._build_q(q, negated=False, required=False)

    def add_q(self, q: Q) -> None:
        """AND the conditions of one filter()/exclude() call onto the query."""
        self._reuse = set()
        try:
            node = self._build_q(q, negated=False, required=True)
        finally:
            self._reuse = None
        if node.connector == AND and not node.negated:
            # Conditions on aggregates filter groups (HAVING); the others filter rows.
            for child in node.children:
                (self.having if child.contains_aggregate else self.where).add(child)
        else:
            (self.having if node.contains_aggregate else self.where).add(node)

    def _build_q(self, q: Q, negated: bool, required: bool) -> WhereNode:
        """``required``: every row of the result satisfies this node (an AND chain from the
        root, not negated), so the joins of its conditions can be INNER."""
        current_negated = negated ^ q.negated
        node = WhereNode(connector=q.connector, negated=q.negated)
        required = required and not current_negated and (q.connector == AND or len(q.children) == 1)
        for child in q.children:
            if isinstance(child, Q):
                built = self._build_q(child, current_negated, required)
                if built.children:
                    node.children.append(built)
            elif isinstance(child, tuple) and len(child) == 2:
                node.children.append(
                    self.build_filter(child[0], child[1], current_negated, required)
                )
            elif isinstance(child, Expression) and _is_condition(child):
                node.children.append(child.resolve(self))
            else:
                raise FieldError(
                    f"filter() takes keyword arguments, Q objects or conditions; got {child!r}"
                )
        return node

    def build_filter(self, key: str, value: Any, negated: bool, required: bool = False) -> Any:
        if not self.annotations and value is not None and not hasattr(value, "resolve"):
            resolved = _LOCAL_FILTERS.get((self.model, key))
            if resolved is not None:
                # What the general path below builds for a lookup on a column of the model's
                # own table, without walking the names again.
                field, lookup_cls = resolved
                column = Col(self.alias, field)
                lookup = lookup_cls(column, value)
                return _excluding(lookup, column, False) if negated else lookup
        parts = key.split(LOOKUP_SEP)
        if negated and parts[0] not in self.annotations and self._crosses_many(parts):
            return self._split_exclude(parts, value, key)
        if parts[0] in self.annotations:
            aliases: list[str] = []
            lhs, rest, nullable = self.annotations[parts[0]], parts[1:], False
        else:
            field, alias, rest, nullable, aliases = self.names_to_path(parts)
            lhs = Col(alias, field)
            if not aliases and not self.annotations and len(rest) < 2:
                _remember_local_filter(self.model, key, field, rest)
        lookup = self._build_lookup(lhs, rest, value, key)
        if required and not (isinstance(lookup, IsNull) and lookup.rhs):
            # Every result row has a matching related row: no need for LEFT OUTER joins.
            for join_alias in aliases:
                join = self.alias_map[join_alias]
                if join.join_type == LEFT_OUTER:
                    self.alias_map[join_alias] = Join(join.path, join.parent_alias, join_alias, INNER)
        return _excluding(lookup, lhs, nullable) if negated else lookup

    def _resolve_lhs(self, parts: list[str]) -> tuple[Expression, list[str]]:
        lhs, rest, _ = self._resolve_lhs_nullable(parts)
        return lhs, rest

    def _resolve_lhs_nullable(self, parts: list[str]) -> tuple[Expression, list[str], bool]:
        name = parts[0]
        if name in self.annotations:
            return self.annotations[name], parts[1:], False
        if len(parts) == 1:
            field = _LOCAL_COLUMNS.get((self.model, name))
            if field is not None:
                return Col(self.alias, field), [], False
        field, alias, rest, nullable, hops = self.names_to_path(parts)
        if len(parts) == 1 and not hops and not rest:
            if len(_LOCAL_COLUMNS) >= _LOCAL_FILTERS_SIZE:
                _LOCAL_COLUMNS.clear()
            _LOCAL_COLUMNS[self.model, name] = field
        return Col(alias, field), rest, nullable

    def _unknown_after_relation(self, meta: Any, name: str, path: list[str]) -> FieldError:
        return FieldError(
            f"cannot resolve {name!r} into a field of {meta.object_name} (following "
            f"{LOOKUP_SEP.join(path)!r} from {self.model.__name__}); choices are: "
            f"{', '.join(sorted(meta.field_names()))}"
        )

    def _crosses_many(self, parts: list[str]) -> bool:
        """Whether the path walks a multi-valued relation (reverse foreign key, many-to-many)."""
        meta = self.model._meta
        for name in parts:
            try:
                field = meta.get_field(name)
            except FieldError:
                return False
            if not field.is_relation:
                return False
            if not field.concrete:
                return True
            meta = field.related_model._meta
        return False

    def _split_exclude(self, parts: list[str], value: Any, key: str) -> Any:
        """exclude() across a multi-valued relation: rows with ANY matching related row go.

        ``NOT (id IN (SELECT fk FROM related WHERE condition))``, one subquery per condition,
        as Django does; the caller's WhereNode supplies the NOT.
        """
        meta = self.model._meta
        alias = self.alias
        index = 0
        while True:  # walk the single-valued prefix with ordinary joins
            field = meta.get_field(parts[index])
            if not field.concrete:
                break
            alias = self.join(field.path_infos()[0], alias)
            meta = field.related_model._meta
            index += 1
        first, *others = field.path_infos()
        rest = parts[index + 1 :]
        inner = Query(first.to_model)
        inner.default_ordering = False
        inner.add_q(Q((f"{first.to_field.name}__isnull", False)))
        if rest == ["isnull"]:
            # exclude(books__isnull=True) keeps the parents that have related rows.
            inner.set_values([first.to_field.attname], {})
            has_related = In(Col(alias, first.from_field), SubqueryValues(inner))
            return WhereNode([has_related], negated=True) if value else has_related
        if others:  # many-to-many: from the join table, through its key to the target
            inner_key = LOOKUP_SEP.join([others[0].from_field.name, *rest])
        else:
            target_meta = first.to_model._meta
            if rest and not _has_field(target_meta, rest[0]):
                if not _is_lookup_or_transform(field, rest[0]):
                    raise self._unknown_after_relation(target_meta, rest[0], parts[: index + 1])
            if not rest or not _has_field(target_meta, rest[0]):
                rest = ["pk", *rest]  # books=..., books__in=...: the related rows themselves
            inner_key = LOOKUP_SEP.join(rest)
        inner.add_q(Q((inner_key, value)))
        inner.set_values([first.to_field.attname], {})
        return In(Col(alias, first.from_field), SubqueryValues(inner))

    def _build_lookup(self, lhs: Expression, names: list[str], value: Any, key: str) -> Lookup:
        if hasattr(value, "resolve") and not is_queryset(value):
            value = value.resolve(self)
            value.output_field  # noqa: B018 - raises FieldError for types that do not combine
        names = list(names) or ["exact"]
        *transforms, last = names
        for name in transforms:
            lhs = self._apply_transform(lhs, name, key)
        lookup_cls = _get_lookup(lhs, last)
        if lookup_cls is None:
            transform_cls = _get_transform(lhs, last)
            if transform_cls is None:
                raise _lookup_error(lhs, last, key)
            lhs = transform_cls(lhs)
            lookup_cls = _get_lookup(lhs, "exact")
            assert lookup_cls is not None
        if (
            lookup_cls.lookup_name in ("exact", "iexact")
            and value is None
            and not getattr(lookup_cls, "can_use_none_as_rhs", False)
        ):
            return IsNull(lhs, True)
        return lookup_cls(lhs, value)

    def _apply_transform(self, lhs: Expression, name: str, key: str) -> Expression:
        transform_cls = _get_transform(lhs, name)
        if transform_cls is None:
            raise _lookup_error(lhs, name, key)
        return transform_cls(lhs)

    # -- ordering ------------------------------------------------------------------------------
    def check_ordering(self, items: Sequence[Any]) -> tuple[Any, ...]:
        if self.combinator is not None:
            # Names of the selected columns; whether they are selected is checked when
            # compiled, here only that they name something at all.
            first = self.combinator[1][0]
            known = {"pk", *first.annotations, *self.model._meta.field_names()}
            known |= {f.attname for f in self.model._meta.concrete_fields}
            for item in items:
                if isinstance(item, str) and item.lstrip("-") not in known:
                    raise FieldError(
                        f"cannot order the combined {self.model.__name__} rows by {item!r}; "
                        f"choices are the selected columns among: {', '.join(sorted(known))}"
                    )
            return tuple(items)
        checked: list[Any] = []
        for item in items:
            if isinstance(item, str):
                if item == "?":
                    checked.append(item)
                    continue
                name = item.lstrip("-")
                if name not in self.annotations and (self.model, name) not in _LOCAL_COLUMNS:
                    self._check_order_name(name)
                checked.append(item)
            elif hasattr(item, "resolve"):
                checked.append(item)
            else:
                raise FieldError(f"order_by() takes field names or expressions, got {item!r}")
        return tuple(checked)

    def _check_order_name(self, name: str) -> None:
        parts = name.split(LOOKUP_SEP)
        lhs, rest = self._resolve_lhs(parts)
        for part in rest:
            lhs = self._apply_transform(lhs, part, name)

    def resolve_ordering(self) -> list[OrderBy]:
        """The ORDER BY items, with Meta.ordering as the default and reverse() applied."""
        if self.order_by:
            items: Sequence[Any] = self.order_by
        elif self.default_ordering and self.group_by is None:
            # Meta.ordering does not leak into a GROUP BY (Django 3.1+).
            items = self.model._meta.ordering
        else:
            items = ()
        resolved: list[OrderBy] = []
        for item in items:
            if isinstance(item, str):
                orders = [OrderBy(Random())] if item == "?" else self._order_by_name(item, 0)
            elif isinstance(item, OrderBy):
                orders = [item.resolve(self)]
            else:
                orders = [OrderBy(item.resolve(self))]
            for order in orders:
                resolved.append(order if self.standard_ordering else order.reversed())
        return resolved

    def _order_by_name(self, item: str, depth: int) -> list[OrderBy]:
        descending = item.startswith("-")
        name = item.lstrip("-")
        parts = name.split(LOOKUP_SEP)
        if parts[0] in self.annotations:
            expr, rest = self.annotations[parts[0]], parts[1:]
        else:
            field, alias, rest, _, _ = self.names_to_path(parts)
            # Only the relation's own name ("writer"), not its key ("writer_id", "writer__pk").
            related_ordering = field.related_model._meta.ordering if (
                field.is_relation and field.concrete and not rest and parts[-1] == field.name
            ) else []
            if related_ordering and depth < 5:
                # Ordering by a relation orders by the related model's Meta.ordering, as Django.
                orders = []
                for related in related_ordering:
                    if not isinstance(related, str) or related == "?":
                        continue
                    flipped = related.startswith("-") != descending
                    path = f"{name}{LOOKUP_SEP}{related.lstrip('-')}"
                    orders.extend(self._order_by_name(("-" if flipped else "") + path, depth + 1))
                return orders
            expr = Col(alias, field)
        for part in rest:
            expr = self._apply_transform(expr, part, name)
        return [OrderBy(expr, descending=descending)]

    @property
    def is_ordered(self) -> bool:
        return bool(self.order_by) or (
            self.default_ordering and bool(self.model._meta.ordering) and self.group_by is None
        )

    # -- limits --------------------------------------------------------------------------------
    def set_limits(self, low: int | None, high: int | None) -> None:
        if high is not None:
            if self.high_mark is not None:
                self.high_mark = min(self.high_mark, self.low_mark + high)
            else:
                self.high_mark = self.low_mark + high
        if low is not None:
            if self.high_mark is not None:
                self.low_mark = min(self.high_mark, self.low_mark + low)
            else:
                self.low_mark = self.low_mark + low
        if self.low_mark == self.high_mark:
            self.is_empty = True

    @property
    def is_sliced(self) -> bool:
        return self.low_mark != 0 or self.high_mark is not None

    # -- selected columns ----------------------------------------------------------------------
    def loaded_fields(self, model: Any = None, prefix: str = "") -> list[Field]:
        """The concrete fields an instance query reads, after only()/defer(); with a prefix
        (``"author__"``), those of a model loaded through select_related."""
        meta = (model or self.model)._meta
        names, only = self.deferred
        if not names:
            return meta.concrete_fields
        own = {n[len(prefix):] for n in names if n.startswith(prefix)}
        if only:
            # only("title", "writer__name") still loads the writer key the join needs.
            names = frozenset(n.split(LOOKUP_SEP)[0] for n in own)
        else:
            names = frozenset(n for n in own if LOOKUP_SEP not in n)
        if not names:
            return meta.concrete_fields
        pk = meta.pk
        if only:
            return [f for f in meta.concrete_fields if f is pk or f.name in names or f.attname in names]
        return [f for f in meta.concrete_fields if f is pk or (f.name not in names and f.attname not in names)]

    def add_select_related(self, names: Sequence[str]) -> None:
        """Record select_related() paths as a tree, checking each step is a single-valued
        relation."""
        tree: dict[str, Any] = self.select_related if isinstance(self.select_related, dict) else {}
        for path in names:
            meta = self.model._meta
            node = tree
            for name in path.split(LOOKUP_SEP):
                try:
                    field = meta.get_field(name)
                except FieldError:
                    field = None
                single = field is not None and field.is_relation and (
                    field.concrete or getattr(field, "one_to_one", False)
                )
                if not single:
                    choices = [
                        f.name for f in meta.concrete_fields if f.is_relation
                    ] + [r.name for r in meta.related_objects if r.one_to_one and not r.hidden]
                    raise FieldError(
                        f"invalid field name {name!r} in select_related({path!r}) on "
                        f"{meta.object_name}: select_related follows foreign keys and one-to-one "
                        f"relations; choices are: {', '.join(sorted(choices)) or '(none)'}"
                    )
                node = node.setdefault(name, {})
                meta = field.related_model._meta
        self.select_related = tree

    def add_annotations(self, expressions: dict[str, Any], select: bool) -> None:
        from ..aggregates import Aggregate

        meta = self.model._meta
        for name, value in expressions.items():
            if not hasattr(value, "resolve"):
                raise TypeError(
                    f"annotate()/alias() take expressions; {name}={value!r} is not one "
                    "(wrap a plain value in Value())"
                )
            try:
                meta.get_field(name)
            except FieldError:
                pass
            else:
                raise ValueError(f"the annotation {name!r} conflicts with a field of {meta.object_name}")
            resolved = value.resolve(self)
            resolved.output_field  # noqa: B018 - raises FieldError for types that do not combine
            if isinstance(resolved, Aggregate) and any(
                getattr(source, "contains_aggregate", False)
                for source in resolved.get_source_expressions()
            ):
                raise FieldError(
                    f"annotation {name!r} puts an aggregate inside an aggregate ({value!r}); "
                    "aggregate over an annotation with aggregate() instead"
                )
            if self.combinator is not None:
                raise NotSupportedError("annotate() after union()/intersection()/difference() is not supported")
            self.annotations[name] = resolved
            if resolved.contains_aggregate and self.group_by is None:
                self.group_by = (
                    [expr for _, expr in self.values_select] if self.values_select is not None else True
                )
            if select and name not in self.annotation_select:
                self.annotation_select = [*self.annotation_select, name]
                if self.values_select is not None:
                    # values("x").annotate(n=...) returns n beside x.
                    self.values_select = [*self.values_select, (name, resolved)]

    def set_values(self, fields: Sequence[str], expressions: dict[str, Any]) -> None:
        select: list[tuple[str, Expression]] = []
        names = list(fields)
        if not names and not expressions:
            names = [f.attname for f in self.model._meta.concrete_fields]
            names += list(self.annotation_select)
        for name in names:
            if not isinstance(name, str):
                raise FieldError(f"values() takes field names; got {name!r}")
            if name in self.annotations:
                select.append((name, self.annotations[name]))
                continue
            parts = name.split(LOOKUP_SEP)
            expr, rest = self._resolve_lhs(parts)
            for part in rest:
                expr = self._apply_transform(expr, part, name)
            select.append((name, expr))
        for name, value in expressions.items():
            if not hasattr(value, "resolve"):
                raise FieldError(f"values() keyword {name!r} must be an expression, got {value!r}")
            resolved = value.resolve(self)
            self.annotations[name] = resolved  # usable by name in filter() and order_by()
            select.append((name, resolved))
        self.values_select = select


# Filter keywords naming a column of the model's own table and a lookup (``pk``,
# ``category``, ``price__gte``), resolved: (model, keyword) -> (field, lookup class). Emptied
# by register_lookup(), like the field classes' own lookup caches.
_LOCAL_FILTERS: dict[tuple[Any, str], tuple[Any, type[Lookup]]] = {}
_LOCAL_FILTERS_SIZE = 4096
lookup_dependent_caches.append(_LOCAL_FILTERS)
# Names of the model's own columns in values() and order_by() (``name``, ``author``):
# (model, name) -> field.
_LOCAL_COLUMNS: dict[tuple[Any, str], Any] = {}


def local_filter(model: Any, key: str) -> tuple[Any, type[Lookup]] | None:
    """The field and lookup class of a filter keyword on the model's own table, once a
    filter() has resolved it; None otherwise."""
    return _LOCAL_FILTERS.get((model, key))


def _remember_local_filter(model: Any, key: str, field: Any, rest: list[str]) -> None:
    # Keyed by the field itself (through model and keyword), so fields whose lookups depend
    # on the instance (a foreign key takes its target's) are remembered too.
    lookup_cls = field.get_lookup(rest[0] if rest else "exact")
    if lookup_cls is None:  # a transform (``born__year``): built the general way
        return
    if len(_LOCAL_FILTERS) >= _LOCAL_FILTERS_SIZE:
        _LOCAL_FILTERS.clear()
    _LOCAL_FILTERS[model, key] = (field, lookup_cls)


def _excluding(lookup: Lookup, lhs: Expression, nullable: bool) -> Any:
    """The condition exclude() negates for ``lookup``. NOT (col = x) is unknown, not true,
    where col is NULL (or its row is missing from a LEFT JOIN); Django's exclude() keeps
    those rows, so say so explicitly."""
    if not isinstance(lookup, IsNull):
        field = lhs.output_field
        if nullable or (field is not None and field.null):
            return WhereNode([lookup, IsNull(lhs, False)], AND)
    return lookup


def _is_lookup_or_transform(field: Any, name: str) -> bool:
    key = field if field.concrete else field.related_model._meta.pk
    return key.get_lookup(name) is not None or key.get_transform(name) is not None


def _has_field(meta: Any, name: str) -> bool:
    try:
        meta.get_field(name)
    except FieldError:
        return False
    return True


def _is_condition(expr: Expression) -> bool:
    return isinstance(expr, (Lookup, WhereNode)) or getattr(expr, "conditional", False)


def _get_lookup(lhs: Expression, name: str) -> Any:
    if isinstance(lhs, Transform):
        return lhs.get_lookup(name)
    field = lhs.output_field
    return field.get_lookup(name) if field is not None else None


def _get_transform(lhs: Expression, name: str) -> Any:
    if isinstance(lhs, Transform):
        return lhs.get_transform(name)
    field = lhs.output_field
    return field.get_transform(name) if field is not None else None


def _lookup_error(lhs: Expression, name: str, key: str) -> FieldError:
    field = lhs.output_field
    if isinstance(lhs, Col) and field is not None:
        where = field.label
    elif field is not None:
        where = f"{type(lhs).__name__.lower()} of type {type(field).__name__}"
    else:
        where = "the expression"
    available = sorted(field.get_lookups()) if field is not None else []
    return FieldError(
        f"unsupported lookup or transform {name!r} in {key!r} on {where}; "
        f"available: {', '.join(available)}"
    )


__all__ = ["AND", "OR", "Query", "LOOKUP_SEP"]
