"""The hot path's caches keep querysets independent and follow changes: a queryset built from
a manager is never shared, the SQL cached per query shape takes each query's own values and
limits, and a lookup registered later is seen at once."""

from __future__ import annotations

from backends.postgresql.dialect import PostgreSQLDialect
from orm import models
from orm.fields import base as field_base
from orm.query.compiler import SQLCompiler
from orm.query.lookups import Lookup
from tests.models import Author

DIALECT = PostgreSQLDialect("format")


def sql_of(qs):
    return SQLCompiler(qs.query, DIALECT).as_select()[:2]


def test_manager_querysets_are_never_shared():
    """Each manager call builds on a fresh queryset: two filters do not see each other, and
    chaining from one leaves it as it was."""
    first = Author.objects.filter(name="a")
    second = Author.objects.filter(name="b")
    assert sql_of(first)[1] == ["a"] and sql_of(second)[1] == ["b"]
    narrower = first.filter(rating=3)
    assert sql_of(first)[1] == ["a"]
    assert sql_of(narrower)[1] == ["a", 3]
    assert Author.objects.all() is not Author.objects.all()


def test_a_custom_get_queryset_is_not_built_on_in_place():
    """A manager whose get_queryset() returns a queryset it keeps gets copies, as before."""
    kept = Author.objects.filter(rating=1)

    class Keeping(models.Manager):
        def get_queryset(self):
            return kept

    manager = Keeping()
    manager.model = Author
    manager.filter(name="x")
    assert sql_of(kept)[1] == [1]


def test_queries_of_one_shape_get_their_own_values_and_limits():
    """The SQL around the WHERE clause is cached per shape; values and limits are each
    query's own."""
    a_sql, a_params = sql_of(Author.objects.filter(rating=1).order_by("name")[:5])
    b_sql, b_params = sql_of(Author.objects.filter(rating=2).order_by("name")[2:4])
    assert a_params == [1, 5] and b_params == [2, 2, 2]
    assert a_sql.endswith("LIMIT %s") and b_sql.endswith("LIMIT %s OFFSET %s")
    c_sql, _ = sql_of(Author.objects.filter(rating=3).order_by("-name"))
    assert c_sql.endswith('ORDER BY "author"."name" DESC')


def test_a_lookup_registered_after_use_is_seen():
    """Lookups are cached per field class; registering one empties the cache."""
    Author.objects.filter(name__exact="x").query  # noqa: B018 - fills the caches

    class NotEqual(Lookup):
        lookup_name = "ne_cache_test"

        def as_sql(self, compiler):
            lhs, lhs_params = self.process_lhs(compiler)
            rhs, rhs_params = self.process_rhs(compiler)
            return f"{lhs} <> {rhs}", [*lhs_params, *rhs_params]

    models.CharField.register_lookup(NotEqual)
    try:
        sql, params = sql_of(Author.objects.filter(name__ne_cache_test="x"))
        assert '"author"."name" <> %s' in sql and params == ["x"]
    finally:
        del models.CharField.class_lookups["ne_cache_test"]
        field_base._merged_lookups.clear()
        field_base._lookup_kinds.clear()
