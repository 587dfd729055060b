"""The hot path's caches and generated code keep the behaviour of the general path: a
queryset built from a manager is never shared, the SQL cached per query shape takes each
query's own values and limits, a lookup registered later is seen at once, instances built from
keywords equal those built the long way, and bulk inserts still convert what needs it."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from backends.postgresql.dialect import PostgreSQLDialect
from orm import models
from orm.exceptions import ValidationError
from orm.expressions import F
from orm.fields import base as field_base
from orm.query import lookups
from orm.query.compiler import SQLCompiler
from orm.query.lookups import Lookup
from orm.query.subqueries import Exists, OuterRef
from orm.query.writes import insert_row_reader
from tests.models import Author, Book, Everything, Token, Writer

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

    models.CharField.register_lookup(comparison_lookup("ne_cache_test", "<>"))
    try:
        sql, params = sql_of(Author.objects.filter(name__ne_cache_test="x"))
        assert '"author"."name" <> %s' in sql and params == ["x"]
    finally:
        unregister(models.CharField, "ne_cache_test")


def comparison_lookup(name, operator):
    """A lookup class rendering ``lhs <operator> rhs`` through its own as_sql()."""

    def as_sql(self, compiler):
        lhs, lhs_params = self.process_lhs(compiler)
        rhs, rhs_params = self.process_rhs(compiler)
        return f"{lhs} {operator} {rhs}", [*lhs_params, *rhs_params]

    return type(f"Lookup_{name}", (Lookup,), {"lookup_name": name, "as_sql": as_sql})


def unregister(field_class, name):
    del field_class.class_lookups[name]
    for cache in field_base.lookup_dependent_caches:
        cache.clear()


def test_a_lookup_replacing_one_already_resolved_is_seen_at_once():
    """Filter keywords are resolved once per model (``rating`` -> the field and its exact
    lookup); registering another ``exact`` on the field's class replaces what they resolve to."""
    assert 'WHERE "author"."rating" = %s ' in sql_of(Author.objects.filter(rating=1))[0]

    models.IntegerField.register_lookup(comparison_lookup("exact", "IS NOT DISTINCT FROM"))
    try:
        sql, params = sql_of(Author.objects.filter(rating=1))
        assert 'WHERE "author"."rating" IS NOT DISTINCT FROM %s ' in sql and params == [1]
    finally:
        unregister(models.IntegerField, "exact")
    assert 'WHERE "author"."rating" = %s ' in sql_of(Author.objects.filter(rating=1))[0]


@pytest.mark.parametrize(
    "build",
    [
        lambda: Author.objects.filter(pk=3),
        lambda: Author.objects.filter(rating__gte=2, name__in=["a", "b"]),
        lambda: Author.objects.exclude(born=date(1815, 12, 10)),  # nullable: NULL rows kept
        lambda: Author.objects.filter(born=None),  # None: IS NULL
        lambda: Author.objects.filter(rating=F("id") + 1),  # an expression
        lambda: Book.objects.filter(writer=Writer(id=4, name="W")),  # an instance for its key
        lambda: Book.objects.filter(writer_id=4, writer__id=4, pages__lt=9),
        lambda: Book.objects.exclude(editor=5),  # a nullable foreign key
        lambda: Book.objects.filter(writer__name="W"),  # a join: never taken from the cache
        lambda: Author.objects.alias(r=F("rating")).filter(r=2),  # an alias, not a field
    ],
    ids=["pk", "lookups", "exclude-nullable", "none", "expression", "instance", "fk-keys",
         "exclude-nullable-fk", "join", "alias"],
)
def test_resolved_filter_keywords_build_what_the_general_path_builds(build):
    """The second build of a filter takes the resolved keywords; its SQL and parameters are
    those of the first, which walked the names (every cache emptied before it)."""
    for cache in field_base.lookup_dependent_caches:
        cache.clear()
    lookups._COLUMN_SQL.clear()
    first = sql_of(build())
    assert sql_of(build()) == first


def test_only_keywords_on_the_models_own_columns_are_remembered():
    """Columns of the model's table (foreign keys included) with a lookup are remembered;
    keywords that join another table, use a transform or name an alias are not."""
    from orm.query import query as query_module

    remembered = query_module._LOCAL_FILTERS
    remembered.clear()
    Book.objects.filter(pk=1, writer_id=2, pages__lt=3, editor=None)
    Book.objects.filter(writer__name="W", tags__name="t")
    Author.objects.filter(born__year=1900).alias(r=F("rating")).filter(r=1)
    assert {key for model, key in remembered if model is Book} == {"pk", "writer_id", "pages__lt", "editor"}
    assert {key for model, key in remembered if model is Author} == set()


def test_excluding_a_nullable_column_keeps_null_rows_on_the_cached_path():
    """exclude(born=x) keeps authors whose born is NULL, on the first build and the later
    (cached) ones alike."""
    for _ in range(2):
        sql, params = sql_of(Author.objects.exclude(born=date(1815, 12, 10)))
        assert '"author"."born" IS NOT NULL' in sql and params == [date(1815, 12, 10)]


def test_a_lookup_that_renders_its_own_column_is_never_cached():
    """A lookup class with its own process_lhs renders through it each time: the column SQL
    cache is only for lookups that render the way Lookup does."""

    class Lowered(Lookup):
        lookup_name = "lowered_cache_test"

        def process_lhs(self, compiler):
            sql, params = super().process_lhs(compiler)
            return f"LOWER({sql})", params

    models.CharField.register_lookup(Lowered)
    DIALECT.operators["lowered_cache_test"] = "= %s"
    try:
        for _ in range(2):
            sql, params = sql_of(Author.objects.filter(name__lowered_cache_test="ada"))
            assert 'WHERE LOWER("author"."name") = %s ' in sql and params == ["ada"]
    finally:
        del DIALECT.operators["lowered_cache_test"]
        unregister(models.CharField, "lowered_cache_test")


def test_column_sql_follows_the_table_alias():
    """A column's SQL is cached per table alias: the same lookup inside a subquery (aliased
    U<n>_0) and in the outer query render their own aliases."""
    inner = Book.objects.filter(pages=1, writer=OuterRef("pk"))
    sql, params = sql_of(Writer.objects.filter(Exists(inner)).filter(name="x"))
    assert '"U0_0"."pages" = %s' in sql and '"writer"."name" = %s' in sql
    assert params == [1, "x"]


def test_querysets_with_subqueries_render_the_same_sql_every_time():
    """Subquery aliases are counted per outer query, not per process: the same queryset built
    twice, or compiled twice, gives the same SQL (so the driver's statement cache hits), and
    nested subqueries still get aliases of their own."""

    def build():
        longer = Book.objects.filter(writer=OuterRef("pk"), pages__gt=OuterRef(OuterRef("pages")))
        colleagues = Writer.objects.filter(Exists(longer)).values("pk")
        return Book.objects.annotate(has_longer=Exists(colleagues))

    qs = build()
    sql = sql_of(qs)
    assert sql == sql_of(qs) == sql_of(build())
    assert '"U0_0"' in sql[0] and '"U1_0"' in sql[0]  # the inner and the middle query


def test_and_conditions_are_kept_flat():
    """filter(a, b).filter(c) is one AND of three conditions, not nested ANDs."""
    qs = Author.objects.filter(rating=1, name="a").filter(bio="b")
    assert len(qs.query.where.children) == 3
    sql, params = sql_of(qs)
    assert '("author"."name" = %s AND "author"."rating" = %s AND "author"."bio" = %s)' in sql
    assert params == ["a", 1, "b"]


def test_keyword_construction_equals_the_general_path():
    """Keywords naming columns take the generated constructor; the instance is the one the
    field-by-field path builds (same values, defaults, state), callable defaults are called
    for each instance, and positional arguments still work."""
    fast = Author(name="Ann", email="a@x.io")
    slow = Author(None, "Ann", "a@x.io")  # positional: the general path
    assert {k: v for k, v in fast.__dict__.items() if k != "_state"} == {
        k: v for k, v in slow.__dict__.items() if k != "_state"
    } == {"id": None, "name": "Ann", "email": "a@x.io", "born": None, "rating": 0, "bio": ""}
    assert fast._state.adding and fast._state.db is None
    assert Token(label="a").key != Token(label="a").key  # uuid4 called each time


def test_keyword_construction_keeps_what_only_the_general_path_handles():
    """A related object by field name goes through its descriptor, an attname sets the key, a
    property setter is called, an unknown keyword names the model and its fields, and a
    subclass's __init__ keeps what it set before calling super()."""
    writer = Writer(id=7, name="W")
    by_object = Book(title="T", writer=writer)
    assert by_object.writer_id == 7 and by_object.writer is writer
    assert Book(title="T", writer_id=8).writer_id == 8

    with pytest.raises(TypeError, match=r"Author\(\) got an unexpected keyword argument 'nmae'"):
        Author(nmae="x")

    class Labelled(models.Model):
        name = models.CharField(max_length=10)

        class Meta:
            app_label = "tests"

        def __init__(self, *args, **kwargs):
            self.note = "set before super"
            super().__init__(*args, **kwargs)

        @property
        def shout(self):
            return self.name.upper()

        @shout.setter
        def shout(self, value):
            self.name = value.lower()

    item = Labelled(name="a")
    assert item.note == "set before super" and item.name == "a"
    assert Labelled(shout="LOUD").name == "loud"


def test_bulk_insert_reader_converts_what_needs_it():
    """The generated bulk-insert reader passes values of a field's own type through and
    converts the rest exactly as get_prep_value() does: numbers become strings for a
    CharField, decimals are rounded, bad values raise ValidationError naming the field, and
    a subclass that changes the conversion is honoured."""
    fields = [Everything._meta.get_field(n) for n in ("integer", "flag", "char", "dec")]
    read = insert_row_reader(fields)
    assert read(Everything(integer=3, flag=True, char="x", dec=Decimal("1.2345"))) == [
        3, True, "x", Decimal("1.235"),
    ]
    assert read(Everything(integer=3.0, flag="true", char=42, dec="2")) == [
        3, True, "42", Decimal("2.000"),
    ]
    assert read(Everything()) == [None, False, None, None]
    with pytest.raises(ValidationError, match="char"):
        read(Everything(char=["a"]))

    class UpperField(models.CharField):
        def to_python(self, value):
            return None if value is None else str(value).upper()

    class Shouting(models.Model):
        word = UpperField(max_length=10)

        class Meta:
            app_label = "tests"

    assert UpperField(max_length=1).prep_passthrough_type() is None
    assert models.CharField(max_length=1).prep_passthrough_type() is str
    assert insert_row_reader([Shouting._meta.get_field("word")])(Shouting(word="hi")) == ["HI"]


def test_instances_from_rows_make_their_state_when_first_asked():
    """A row becomes an instance whose dict holds plain values only (the database alias stands
    in for its ModelState); the state appears on first use, is kept, can be replaced, and
    survives pickling and copying as a state of its own."""
    import copy
    import pickle

    make = Author.objects.all()._compile_select(DIALECT).make
    author = make((1, "Ann", "a@x.io", None, 3, ""))
    assert author.__dict__["_state"] == "default"
    for twin in (pickle.loads(pickle.dumps(author)), copy.copy(author)):
        assert twin.name == "Ann" and twin._state.db == "default" and not twin._state.adding
        assert twin._state is not author._state
    state = author._state
    assert (state.db, state.adding, state.fields_cache) == ("default", False, {})
    assert author._state is state and author.__dict__["_state"] is state
    author._state = replacement = type(state)("other", adding=True)
    assert author._state is replacement
    assert Author.from_db("default", ["id", "name"], [2, "Bo"])._state.db == "default"
    assert Author(name="new")._state.adding
