"""The hot path's caches and generated code keep the behaviour of the general path: a
queryset built from a manager is never shared, the SQL cached per query shape takes each
query's own values and limits, a lookup registered later is seen at once, instances built from
keywords equal those built the long way, and bulk inserts still convert what needs it."""

from __future__ import annotations

from decimal import Decimal

import pytest

from backends.postgresql.dialect import PostgreSQLDialect
from orm import models
from orm.exceptions import ValidationError
from orm.fields import base as field_base
from orm.query.compiler import SQLCompiler
from orm.query.lookups import Lookup
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
