"""The SQL compiler: renders a Query into ``(sql, params)`` for one dialect. No I/O.

SQL uses ``%s`` for every parameter and ``%%`` for a literal percent sign; the driver turns that
into its own placeholder style. Identifiers are always quoted by the dialect, values always
travel as parameters, and the same query shape always renders the same text.
"""

from __future__ import annotations

import copy
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from ..exceptions import FieldError
from ..expressions import Col, Expression, SQLParams
from .query import Query

if TYPE_CHECKING:
    from backends.base.dialect import Dialect

    from ..fields.base import Field


MAX_SELECT_RELATED_DEPTH = 5


class ModelPlan:
    """Which columns of a row make one object, and the related objects built beside it."""

    def __init__(self, model: Any, attnames: list[str], start: int, end: int, pk_index: int) -> None:
        self.model = model
        self.attnames = attnames
        self.start = start
        self.end = end
        self.pk_index = pk_index
        self.cache_name: str | None = None  # the parent's attribute that holds this object
        self.reverse_cache_name: str | None = None  # this object's attribute for the parent
        self.children: list[ModelPlan] = []
        self.annotations: list[tuple[str, int]] = []


class SQLCompiler:
    def __init__(self, query: Query, dialect: Dialect) -> None:
        self.query = query
        self.dialect = dialect
        self.quote = dialect.quote_name
        self.plan: ModelPlan | None = None
        # True when the columns (and ``plan``) come from a cache, shared by every query of
        # their shape; ``select_key`` is then the key they are cached under.
        self.plan_shared = False
        self.select_key: tuple[Any, ...] | None = None

    # -- building blocks -----------------------------------------------------------------------
    def compile(self, node: Any) -> SQLParams:
        return node.as_sql(self)

    def adapt(self, field: Field | None, value: Any) -> Any:
        """A prepared Python value as the driver wants it for ``field``'s column."""
        if value is None or field is None:
            return value
        adapter = field.get_db_adapter(self.dialect)
        return adapter(value) if adapter is not None else value

    def compile_subquery(self, queryset: Any) -> SQLParams:
        query = queryset.query
        if query.values_select is None:
            query = query.clone()
            pk = query.model._meta.pk
            query.set_values([pk.attname], {})
        elif len(query.values_select) != 1:
            raise FieldError(
                f"a subquery used as a value must select one column; "
                f"{query.model.__name__} query selects {len(query.values_select)}"
            )
        sql, params, _ = SQLCompiler(query, self.dialect).as_select()
        return sql, params

    def table(self) -> str:
        """The base table, with its alias when it has one (inside a subquery)."""
        query = self.query
        table = query.model._meta.db_table
        if query.alias != table:
            return f"{self.quote(table)} {self.quote(query.alias)}"
        return self.quote(table)

    def from_sql(self) -> SQLParams:
        """The base table and its joins."""
        parts = [self.table()]
        params: list[Any] = []
        for join in self.query.alias_map.values():
            sql, join_params = join.as_sql(self)
            parts.append(sql)
            params.extend(join_params)
        return " ".join(parts), params

    def where_sql(self) -> SQLParams:
        sql, params = self.compile(self.query.where)
        return (f" WHERE {sql}", params) if sql else ("", [])

    # -- SELECT --------------------------------------------------------------------------------
    def select_columns(self) -> tuple[list[Expression], list[str] | None]:
        """The expressions selected, and their names for values(); None names mean fields.

        For instances, also builds ``self.plan``: which columns make which object (the model's,
        then those of select_related models), and where the annotations are.
        """
        query = self.query
        if query.values_select is not None:
            names = [name for name, _ in query.values_select]
            return [expr for _, expr in query.values_select], names
        columns: list[Expression] = []
        self.plan = self._model_plan(query.model, query.alias, query.loaded_fields(), columns)
        if query.select_related:
            self._select_related(query.model, query.alias, query.select_related, self.plan, columns, False, "", 0)
        for name in query.annotation_select:
            self.plan.annotations.append((name, len(columns)))
            columns.append(query.annotations[name])
        return columns, None

    def _shape_key(self, query: Query, with_limits: bool) -> tuple[Any, ...] | None:
        """For a plain model query on one table (no join, DISTINCT, grouping, locking), the
        key its SQL around the WHERE clause is cached under. Only string orderings take part:
        an expression in order_by leaves the query uncached."""
        if (
            query.alias_map
            or query.distinct
            or query.group_by is not None
            or query.having.children
            or query.select_for_update
            or query.alias_columns
            or not all(isinstance(o, str) for o in query.order_by)
        ):
            return None
        select_key = self._plain_select_key(query)
        if select_key is None:
            return None
        limits = (query.high_mark is not None, bool(query.low_mark)) if with_limits else None
        return (select_key, query.order_by, query.default_ordering, query.standard_ordering, limits)

    def _plain_select_key(self, query: Query) -> tuple[Any, ...] | None:
        """For a query reading model instances with no select_related and no annotations,
        or values() of the table's own columns, the key its column list is cached under: the
        columns, their SQL and the row plan depend only on the model, the table alias, the
        loaded fields (or the named columns) and the dialect."""
        if query.select_related or query.annotation_select:
            return None
        if query.values_select is not None:
            if query.alias_columns:
                return None
            named: list[Any] = []
            for name, expression in query.values_select:
                if type(expression) is not Col or expression.alias != query.alias:
                    return None
                named += (name, id(expression.field))
            return (type(self.dialect), query.model, query.alias, "values", tuple(named))
        fields = query.loaded_fields()
        return (type(self.dialect), query.model, query.alias, tuple(map(id, fields)))

    @staticmethod
    def _model_plan(model: Any, alias: str, fields: list[Any], columns: list[Expression]) -> ModelPlan:
        from ..expressions import Col

        start = len(columns)
        columns.extend(Col(alias, f) for f in fields)
        pk_index = start + next(i for i, f in enumerate(fields) if f.primary_key)
        return ModelPlan(model, [f.attname for f in fields], start, len(columns), pk_index)

    def _select_related(
        self, model: Any, alias: str, tree: Any, parent: ModelPlan, columns: list[Expression],
        nullable: bool, prefix: str, depth: int,
    ) -> None:
        meta = model._meta
        if tree is True:  # every non-null foreign key, as Django does without arguments
            if depth >= MAX_SELECT_RELATED_DEPTH:
                return
            items = [(f.name, True) for f in meta.concrete_fields if f.is_relation and not f.null]
        else:
            items = list(tree.items())
        for name, subtree in items:
            field = meta.get_field(name)
            path = field.path_infos()[0]
            related_nullable = nullable or path.nullable
            related_alias = self.query.join(path, alias, related_nullable)
            related_model = path.to_model
            fields = self.query.loaded_fields(related_model, f"{prefix}{name}__")
            plan = self._model_plan(related_model, related_alias, fields, columns)
            if field.concrete:  # forward: book.author, and for one-to-one author.profile back
                plan.cache_name = field.name
                rel = field.remote_rel
                plan.reverse_cache_name = rel.get_accessor_name() if field.one_to_one and rel else None
            else:  # reverse one-to-one: author.profile, and profile.author back
                plan.cache_name = field.get_accessor_name()
                plan.reverse_cache_name = field.field.name
            parent.children.append(plan)
            if subtree:
                self._select_related(related_model, related_alias, subtree, plan, columns, related_nullable, f"{prefix}{name}__", depth + 1)

    def as_select(self, with_limits: bool = True) -> tuple[str, list[Any], list[Expression]]:
        """SELECT for the query, and the expressions whose values each row starts with.

        With distinct(), ordering by a column that is not selected adds it to the SELECT list
        (as Django does; PostgreSQL requires it), after the columns the caller reads.
        """
        query = self.query
        shape = None if query.combinator is not None else self._shape_key(query, with_limits)
        if shape is not None:
            hit = _SHAPE_CACHE.get(shape)
            if hit is not None:
                # Only the WHERE clause is compiled, and on one table it adds no join: the
                # queryset's own query can be read as it is.
                head, order_sql, cached_columns, self.plan = hit
                self.plan_shared = True
                self.select_key = shape[0]
                where, where_params = self.where_sql()
                sql = head + where + order_sql
                if with_limits:
                    sql, where_params = self._with_limits(sql, where_params)
                return sql, where_params, list(cached_columns)
        # Ordering and select_related may add joins: work on a copy, the queryset's query
        # stays as it was.
        query = self.query = query.clone()
        if query.combinator is not None:
            return self.as_combined(with_limits)
        params: list[Any] = []
        cache_key = self._plain_select_key(query)
        cached = _SELECT_CACHE.get(cache_key) if cache_key is not None else None
        if cached is not None:
            cached_columns, rendered, cached_keys, self.plan = cached
            self.plan_shared = True
            self.select_key = cache_key
            # Copies: a DISTINCT query appends its ordering columns to these.
            columns, keys = list(cached_columns), list(cached_keys)
            names = None
        else:
            columns, names = self.select_columns()
            rendered = []
            # (sql, params) of each selected column: an expression with parameters is the same
            # column only with the same parameters (two JSON key paths render the same SQL).
            keys = []
            for column in columns:
                sql, col_params = self.compile(column)
                rendered.append(sql)
                keys.append(_key(sql, col_params))
                params.extend(col_params)
            if cache_key is not None and not params:
                if len(_SELECT_CACHE) >= _SELECT_CACHE_SIZE:
                    _SELECT_CACHE.clear()
                _SELECT_CACHE[cache_key] = (list(columns), list(rendered), list(keys), self.plan)
        select = list(rendered)
        if names is not None and query.alias_columns:
            select = [f"{sql} AS {self.quote(name)}" for sql, name in zip(rendered, names)]
        ordering = query.resolve_ordering()
        if query.distinct:
            for order in ordering:
                sql, order_params = self.compile(order.expression)
                if _key(sql, order_params) not in keys:
                    keys.append(_key(sql, order_params))
                    select.append(sql)
                    params.extend(order_params)
        distinct = "DISTINCT " if query.distinct else ""
        from_sql, from_params = self.from_sql()
        sql = f"SELECT {distinct}{', '.join(select)} FROM {from_sql}"
        params.extend(from_params)
        where, where_params = self.where_sql()
        sql += where
        params.extend(where_params)
        if query.group_by is not None:
            group_sql, group_params = self.group_by_sql(columns, keys, ordering)
            sql += group_sql
            params.extend(group_params)
            having, having_params = self.compile(query.having)
            if having:
                sql += f" HAVING {having}"
                params.extend(having_params)
        positional = query.distinct or query.group_by is not None
        order_sql, order_params = self.order_by_sql(ordering, keys if positional else None)
        if shape is not None and not query.alias_map and not order_params and not from_params:
            # Nothing but the WHERE clause and the limits varies between queries of this
            # shape (no join was needed, ordering has no parameters): keep the rest.
            if len(_SHAPE_CACHE) >= _SELECT_CACHE_SIZE:
                _SHAPE_CACHE.clear()
            head = f"SELECT {', '.join(select)} FROM {from_sql}"
            _SHAPE_CACHE[shape] = (head, order_sql, list(columns), self.plan)
        sql += order_sql
        params.extend(order_params)
        if with_limits:
            sql, params = self._with_limits(sql, params)
        if query.select_for_update:
            opts = query.select_for_update_options
            sql += " " + self.dialect.for_update_sql(
                opts.get("nowait", False), opts.get("skip_locked", False), self.for_update_of(opts.get("of", []))
            )
        return sql, params, columns

    def for_update_of(self, names: Sequence[str]) -> list[str]:
        """The table aliases ``select_for_update(of=...)`` names, as Django reads them: "self"
        is the base table, a relation path ("writer", "writer__publisher") the alias of the
        select_related join following it."""
        query = self.query
        aliases: list[str] = []
        for name in names:
            alias: str | None = query.alias
            if name != "self":
                alias = self._join_alias_of(name)
            if alias is None:
                choices = ", ".join(["self", *_related_choices(query.model, query.select_related, "")])
                raise FieldError(
                    f"Invalid field name given in select_for_update(of=...) on "
                    f"{query.model.__name__}: {name!r}. Only relational fields followed in the "
                    f"query (select_related) are allowed. Choices are: {choices}"
                )
            if alias not in aliases:
                aliases.append(alias)
        return aliases

    def _join_alias_of(self, path: str) -> str | None:
        model, alias = self.query.model, self.query.alias
        for part in path.split("__"):
            try:
                field = model._meta.get_field(part)
            except FieldError:
                return None
            if not getattr(field, "is_relation", False):
                return None
            infos = field.path_infos()
            if len(infos) != 1:  # many-to-many: no select_related join to lock
                return None
            info = infos[0]
            key = (alias, info.relation, info.from_field, info.to_field)
            join = next((j for j in self.query.alias_map.values() if j.key == key), None)
            if join is None:
                return None
            model, alias = info.to_model, join.alias
        return alias

    def group_by_sql(self, columns: list[Expression], keys: list[tuple[str, str]], ordering: list[Any]) -> SQLParams:
        """GROUP BY every selected column that is not an aggregate (the model's columns after
        annotate(), the values() columns before it), and what the explicit ordering needs.

        Selected columns are named by position, so a column with parameters is not
        repeated with parameters of its own (PostgreSQL would see two expressions).
        """
        from ..expressions import Col

        query = self.query
        candidates: list[Expression] = []
        for column in columns:
            # A selected expression mixing an aggregate with plain columns (Sum("a") + F("b"))
            # groups by those columns, as Django does.
            candidates.extend(bare_columns(column) if column.contains_aggregate else [column])
        if isinstance(query.group_by, list):
            candidates = [*query.group_by, *candidates]
        elif query.group_by is True:
            candidates = [Col(query.alias, f) for f in query.model._meta.concrete_fields] + candidates
        if query.order_by:  # explicit ordering (Meta.ordering never joins the grouping)
            candidates += [o.expression for o in ordering if not o.expression.contains_aggregate]
        parts: list[str] = []
        params: list[Any] = []
        for expression in candidates:
            sql, expression_params = self.compile(expression)
            key = _key(sql, expression_params)
            if key in keys:
                part, part_params = str(keys.index(key) + 1), []
            else:
                part, part_params = sql, expression_params
            if part not in parts:
                parts.append(part)
                params.extend(part_params)
        return (" GROUP BY " + ", ".join(parts), params) if parts else ("", [])

    def order_by_sql(self, ordering: list[Any], selected: list[tuple[str, str]] | None = None) -> SQLParams:
        """ORDER BY. With DISTINCT or GROUP BY (``selected`` given) a selected expression is
        named by its position, so its parameters are not sent twice (PostgreSQL would see two
        different expressions)."""
        from ..expressions import OrderBy, RawSQL

        if not ordering:
            return "", []
        parts: list[str] = []
        params: list[Any] = []
        for order in ordering:
            if selected is not None:
                expression_key = _key(*self.compile(order.expression))
                if expression_key in selected:
                    position = RawSQL(str(selected.index(expression_key) + 1))
                    order = OrderBy(position, order.descending, order.nulls_first, order.nulls_last)
            sql, order_params = self.compile(order)
            parts.append(sql)
            params.extend(order_params)
        return " ORDER BY " + ", ".join(parts), params

    def _with_limits(self, sql: str, params: list[Any]) -> tuple[str, list[Any]]:
        query = self.query
        limit = None if query.high_mark is None else query.high_mark - query.low_mark
        limit_sql, limit_params = self.dialect.limit_offset_sql(limit, query.low_mark or None)
        if limit_sql:
            return f"{sql} {limit_sql}", params + limit_params
        return sql, params

    def as_count(self) -> SQLParams:
        query = self.query
        if query.distinct or query.is_sliced or query.group_by is not None or query.combinator:
            if not query.is_sliced:
                # Ordering cannot change a count, and would add columns to a DISTINCT.
                query = query.clone()
                query.order_by = ()
                query.default_ordering = False
            inner, params, _ = SQLCompiler(query, self.dialect).as_select()
            return f"SELECT COUNT(*) FROM ({inner}) {self.quote('subquery')}", params
        from_sql, params = self.from_sql()
        where, where_params = self.where_sql()
        return f"SELECT COUNT(*) FROM {from_sql}{where}", params + where_params

    def as_exists(self) -> SQLParams:
        query = self.query
        if query.is_sliced or query.distinct or query.group_by is not None or query.combinator:
            inner, params, _ = self.as_select()
            return f"SELECT 1 FROM ({inner}) {self.quote('subquery')} LIMIT 1", params
        from_sql, params = self.from_sql()
        where, where_params = self.where_sql()
        return f"SELECT 1 FROM {from_sql}{where} LIMIT 1", params + where_params

    # -- union / intersection / difference -----------------------------------------------------
    def as_combined(self, with_limits: bool) -> tuple[str, list[Any], list[Expression]]:
        """``SELECT .. UNION SELECT ..`` with the outer ordering (by column position) and
        limits. Each part keeps its own filters and slice; the first part decides the
        columns and the shape of the results."""
        query = self.query
        assert query.combinator is not None
        operator, parts = query.combinator
        sql_parts: list[str] = []
        params: list[Any] = []
        columns: list[Expression] = []
        names: list[str] = []
        for index, part in enumerate(parts):
            part = part.clone()
            if not part.is_sliced:
                part.order_by = ()
                part.default_ordering = False
            compiler = SQLCompiler(part, self.dialect)
            sql, part_params, part_columns = compiler.as_select()
            if index == 0:
                columns, self.plan = part_columns, compiler.plan
                names = _column_names(part, part_columns)
            if part.is_sliced:
                sql = f"SELECT * FROM ({sql}) {self.quote(f'part{index}')}"
            sql_parts.append(sql)
            params.extend(part_params)
        sql = f" {operator} ".join(sql_parts)
        order: list[str] = []
        pk_name = parts[0].model._meta.pk.name
        for item in query.order_by:
            descending = False
            if hasattr(item, "resolve"):  # F("name").desc() / F("name")
                expression = getattr(item, "expression", item)
                descending = bool(getattr(item, "descending", False))
                item = getattr(expression, "name", None)
            elif isinstance(item, str):
                descending = item.startswith("-")
                item = item.lstrip("-")
            if item == "pk":
                item = pk_name
            if not isinstance(item, str) or item not in names:
                raise FieldError(
                    f"after {operator.split()[0].lower()}(), order_by() takes names of selected "
                    f"columns ({', '.join(names)}); got {item!r}"
                )
            if not query.standard_ordering:
                descending = not descending
            position = names.index(item) + 1
            order.append(f"{position} DESC" if descending else str(position))
        if order:
            sql += " ORDER BY " + ", ".join(order)
        if with_limits:
            sql, params = self._with_limits(sql, params)
        return sql, params, columns

    # -- aggregate() ---------------------------------------------------------------------------
    def as_aggregate(self, aggregates: dict[str, Any]) -> tuple[str, list[Any], list[Expression]]:
        """``SELECT AVG(..), COUNT(..) ...`` over the query's rows, or over its results as a
        derived table when they are grouped, distinct, sliced or combined."""
        from ..expressions import Ref, Star

        query = self.query = self.query.clone()
        if not query.is_sliced:  # a slice's rows depend on its ordering
            query.order_by = ()
            query.default_ordering = False
        if query.combinator is not None:
            return self._aggregate_combined(aggregates)
        resolved: dict[str, Any] = {}
        for name, aggregate in aggregates.items():
            if not hasattr(aggregate, "resolve"):
                raise TypeError(f"aggregate() takes aggregate expressions; {name}={aggregate!r} is not one")
            expression = aggregate.resolve(query)
            if not expression.contains_aggregate:
                raise FieldError(
                    f"aggregate() takes aggregates (Count, Sum, Avg, ...); {name}={aggregate!r} "
                    "is not one: use annotate() for per-row values"
                )
            for column in bare_columns(expression):
                label = column.field.label if isinstance(column, Col) else repr(column)
                raise FieldError(
                    f"aggregate() value {name!r} mixes an aggregate with {label}, which is not "
                    "aggregated; wrap it in an aggregate (e.g. Max(...)) or use annotate()"
                )
            resolved[name] = expression
        if not (query.group_by is not None or query.distinct or query.is_sliced or query.combinator):
            parts: list[str] = []
            params: list[Any] = []
            for expression in resolved.values():
                sql, expression_params = self.compile(expression)
                parts.append(sql)
                params.extend(expression_params)
            from_sql, from_params = self.from_sql()
            where, where_params = self.where_sql()
            sql = f"SELECT {', '.join(parts)} FROM {from_sql}{where}"
            return sql, params + from_params + where_params, list(resolved.values())
        # Aggregate over the results: the inner query selects each aggregate's argument (the
        # aggregate's filter folded in with CASE), the outer one aggregates those columns.
        from ..expressions import Case, Value, When

        inner_columns: list[tuple[str, Expression]] = []
        outer: list[Expression] = []
        for expression in resolved.values():
            outer_expression = copy.copy(expression)
            sources: list[Expression] = []
            for source in expression.source_expressions:
                if isinstance(source, Star) and expression.filter is None:
                    sources.append(source)
                    continue
                column = Value(1) if isinstance(source, Star) else source
                if expression.filter is not None:
                    column = Case(When(expression.filter, then=column))  # filter: resolved
                name = f"__col{len(inner_columns)}"
                inner_columns.append((name, column))
                sources.append(Ref("subquery", name, source.output_field))
            outer_expression.source_expressions = sources
            outer_expression.filter = None
            outer.append(outer_expression)
        if query.distinct and query.values_select is None:
            base = [(f.attname, Col(query.alias, f)) for f in query.loaded_fields()]
            query.values_select = base + inner_columns
        elif query.distinct:
            query.values_select = [*(query.values_select or []), *inner_columns]
        else:
            query.values_select = inner_columns or [("__col0", Value(1))]
        query.annotation_select = []
        query.alias_columns = True
        inner_sql, params, _ = SQLCompiler(query, self.dialect).as_select()
        parts = []
        for expression in outer:
            sql, expression_params = self.compile(expression)
            parts.append(sql)
            params.extend(expression_params)
        return f"SELECT {', '.join(parts)} FROM ({inner_sql}) {self.quote('subquery')}", params, outer

    def _aggregate_combined(self, aggregates: dict[str, Any]) -> tuple[str, list[Any], list[Expression]]:
        """aggregate() over union()/intersection()/difference(): over the combined rows, by
        the names of the selected columns."""
        from ..expressions import Ref

        query = self.query
        assert query.combinator is not None
        first = query.combinator[1][0]
        inner_sql, params, columns = SQLCompiler(query, self.dialect).as_select()
        names = _column_names(first, columns)
        positions = {name: index for index, name in enumerate(names)}
        outer: list[Expression] = []
        parts: list[str] = []
        for aggregate in aggregates.values():
            expression = aggregate.resolve(Query(first.model))

            def to_ref(node: Any) -> Any:
                if isinstance(node, Col):
                    for key in (node.field.name, node.field.attname):
                        if key in positions:
                            return Ref("subquery", f"col{positions[key]}", node.field)
                    raise FieldError(
                        f"aggregate() after a combination can only use the selected columns "
                        f"({', '.join(names)}); {node.field.name!r} is not one"
                    )
                return node

            expression = expression.transform(to_ref)
            sql, expression_params = self.compile(expression)
            parts.append(sql)
            params.extend(expression_params)
            outer.append(expression)
        # A CTE names the combined columns on every database (SQLite has no "AS s(a, b)").
        column_list = ", ".join(self.quote(f"col{i}") for i in range(len(names)))
        subquery = self.quote("subquery")
        sql = f"WITH {subquery} ({column_list}) AS ({inner_sql}) SELECT {', '.join(parts)} FROM {subquery}"
        return sql, params, outer

    # -- UPDATE / DELETE -----------------------------------------------------------------------
    def as_update(self, values: Sequence[tuple[Field, Any]]) -> SQLParams:
        assignments: list[str] = []
        params: list[Any] = []
        for field, value in values:
            if isinstance(value, Expression):
                sql, value_params = self.compile(value)
            else:
                sql, value_params = "%s", [self.adapt(field, value)]
            assignments.append(f"{self.quote(field.column)} = {sql}")
            params.extend(value_params)
        where, where_params = self.rows_condition_sql()
        sql = f"UPDATE {self.table()} SET {', '.join(assignments)}{where}"
        return sql, params + where_params

    def as_delete(self) -> SQLParams:
        where, params = self.rows_condition_sql()
        return f"DELETE FROM {self.table()}{where}", params

    def rows_condition_sql(self) -> SQLParams:
        """The WHERE of an UPDATE or DELETE. UPDATE and DELETE cannot join, so a query with
        joins picks its rows by primary key from a subquery."""
        if not self.query.alias_map:
            return self.where_sql()
        query = self.query.clone()
        pk = query.model._meta.pk
        query.set_values([pk.attname], {})
        query.order_by = ()
        query.default_ordering = False
        inner, params, _ = SQLCompiler(query, self.dialect).as_select(with_limits=False)
        column = f"{self.table()}.{self.quote(pk.column)}"
        return f" WHERE {column} IN ({inner})", params


def _related_choices(model: Any, tree: Any, prefix: str, depth: int = 0) -> list[str]:
    """The relation paths a select_related tree follows ("writer", "writer__publisher")."""
    if tree is True:
        if depth >= MAX_SELECT_RELATED_DEPTH:
            return []
        tree = {f.name: True for f in model._meta.concrete_fields if f.is_relation and not f.null}
    if not tree:
        return []
    names: list[str] = []
    for name, subtree in tree.items():
        names.append(prefix + name)
        try:
            related = model._meta.get_field(name).related_model
        except FieldError:
            continue
        names.extend(_related_choices(related, subtree, f"{prefix}{name}__", depth + 1))
    return names


# Column lists of plain model queries (see SQLCompiler._plain_select_key). Bounded: emptied
# when full, since models defined on the fly (tests, migrations' historical models) would
# otherwise pile up.
_SELECT_CACHE: dict[tuple[Any, ...], tuple[list[Any], list[str], list[tuple[str, str]], Any]] = {}
_SELECT_CACHE_SIZE = 512
# The SQL of plain one-table model queries around their WHERE clause (see _shape_key):
# (SELECT ... FROM ..., ORDER BY ..., columns, row plan).
_SHAPE_CACHE: dict[tuple[Any, ...], tuple[str, str, list[Any], Any]] = {}


def _key(sql: str, params: list[Any]) -> tuple[str, str]:
    return sql, repr(params)


def bare_columns(expression: Any) -> list[Expression]:
    """The columns of an expression that are not inside an aggregate."""
    from ..aggregates import Aggregate

    if isinstance(expression, Aggregate):
        return []
    if isinstance(expression, Col):
        return [expression]
    found: list[Expression] = []
    for source in expression.get_source_expressions():
        if hasattr(source, "get_source_expressions"):
            found.extend(bare_columns(source))
    return found


def _column_names(query: Query, columns: list[Expression]) -> list[str]:
    if query.values_select is not None:
        return [name for name, _ in query.values_select]
    names = []
    for column in columns:
        field = getattr(column, "field", None)
        names.append(field.name if field is not None else "")
    return names


def compile_insert(
    model: Any,
    fields: Sequence[Field],
    rows: Sequence[Sequence[Any]],
    dialect: Dialect,
    returning: Sequence[Field] = (),
) -> SQLParams:
    """One INSERT of ``rows`` (already prepared values, in ``fields`` order)."""
    quote = dialect.quote_name
    table = quote(model._meta.db_table)
    returning_sql = ""
    if returning:
        returning_sql = " " + dialect.returning_sql([quote(f.column) for f in returning])
    if not fields:
        # Only database-assigned columns: one DEFAULT VALUES statement per row is the portable way.
        if len(rows) != 1:
            raise ValueError("compile_insert without fields takes one row at a time")
        return dialect.insert_default_values_sql(table) + returning_sql, []
    adapters = [f.get_db_adapter(dialect) for f in fields]
    if len(rows) > 1:
        array_types = [dialect.array_insert_type(f) for f in fields]
        if all(array_types):
            # One array parameter per column (PostgreSQL's unnest): the statement's text and
            # its parameter count stay the same whatever the number of rows, and the driver
            # encodes a few arrays instead of rows x columns parameters.
            columns_params = [
                [a(v) if a is not None and v is not None else v for v in column]
                for a, column in zip(adapters, zip(*rows))
            ]
            arrays = ", ".join(f"%s::{t}[]" for t in array_types)
            names = ", ".join(quote(f.column) for f in fields)
            sql = f"INSERT INTO {table} ({names}) SELECT * FROM unnest({arrays}){returning_sql}"
            return sql, columns_params
    params: list[Any] = []
    for row in rows:
        for adapter, value in zip(adapters, row):
            params.append(adapter(value) if adapter is not None and value is not None else value)
    placeholders = "(" + ", ".join(["%s"] * len(fields)) + ")"
    columns = ", ".join(quote(f.column) for f in fields)
    values = ", ".join([placeholders] * len(rows))
    return f"INSERT INTO {table} ({columns}) VALUES {values}{returning_sql}", params
