"""get() by keywords on a manager reuses the compiled statement of its shape (orm/query/get_plans.py).
Planned or not, a get sends the same SQL with the same parameters, finds the same row, raises
the same errors, and runs where the general path would (the current transaction)."""

from __future__ import annotations

import datetime as dt

import pytest

import orm
from orm import F, models
from orm.fields import base as field_base
from orm.query import get_plans
from tests.models import Author
from tests.test_queryset_read import make_authors


def planned_shapes(model):
    return {key[1] for key, plan in get_plans._PLANS.items() if key[0] is model and plan is not None}


@pytest.mark.parametrize(
    "keywords",
    [
        {"name": "Grace"},
        {"email": "alan@example.org"},
        {"rating__gte": 5, "name": "Ada"},
        {"name": "Ada", "rating__gte": 5},  # another order of the same keywords
        {"born__lt": dt.date(1900, 1, 1)},
    ],
    ids=["name", "email", "two-keywords", "two-keywords-reordered", "lt"],
)
async def test_a_planned_get_sends_what_the_general_path_sends(db, keywords):
    """The first get of a shape makes its plan, the next ones use it; all of them send the SQL
    and parameters of Author.objects.all().get(...) (which never takes a plan) and find the
    same row."""
    await make_authors(db)
    get_plans._PLANS.clear()
    with orm.debug.capture_queries() as general:
        expected = await db.on(Author.objects.all()).get(**keywords)
    with orm.debug.capture_queries() as planned:
        first = await db.on(Author.objects).get(**keywords)
        again = await db.on(Author.objects).get(**keywords)
    assert first.pk == again.pk == expected.pk
    assert first.name == expected.name and first._state.db == "default" and not first._state.adding
    assert planned == general * 2
    assert planned_shapes(Author) == {tuple(keywords)}


async def test_the_pk_of_each_row_finds_that_row(db):
    authors = await make_authors(db)
    for author in authors:
        found = await db.on(Author.objects).get(pk=author.pk)
        assert (found.pk, found.name, found.born) == (author.pk, author.name, author.born)


async def test_values_that_change_the_sql_take_the_general_path(db):
    """None (IS NULL) and expressions are not parameters of the planned statement: those calls
    are built the general way, and the shape's plan still serves plain values."""
    await make_authors(db)
    assert (await db.on(Author.objects).get(born=None)).name == "Barbara"
    assert (await db.on(Author.objects).get(born=dt.date(1906, 12, 9))).name == "Grace"
    assert (await db.on(Author.objects).get(born=None)).name == "Barbara"
    with pytest.raises(Author.MultipleObjectsReturned):
        await db.on(Author.objects).get(rating=F("rating"))
    assert (await db.on(Author.objects).get(rating=4)).name == "Grace"
    assert {("born",), ("rating",)} <= planned_shapes(Author)


async def test_a_planned_get_raises_what_the_general_path_raises(db):
    await make_authors(db)
    for _ in range(2):  # making the plan, then using it
        with pytest.raises(Author.DoesNotExist, match=r"with \{'name': 'Nobody'\}"):
            await db.on(Author.objects).get(name="Nobody")
        with pytest.raises(Author.MultipleObjectsReturned, match="returned 2"):
            await db.on(Author.objects).get(rating=5)
        with pytest.raises(orm.ValidationError, match=r"Author\.rating"):
            await db.on(Author.objects).get(rating="five")


async def test_lookups_that_render_their_own_sql_are_never_planned(db):
    """in, contains, isnull and transforms build their SQL from the value: no plan."""
    await make_authors(db)
    get_plans._PLANS.clear()
    assert (await db.on(Author.objects).get(name__in=["Ada", "Nobody"])).name == "Ada"
    assert (await db.on(Author.objects).get(email__contains="grace")).name == "Grace"
    assert (await db.on(Author.objects).get(born__isnull=True)).name == "Barbara"
    assert (await db.on(Author.objects).get(born__year=1912)).name == "Alan"
    assert planned_shapes(Author) == set()


async def test_a_manager_with_its_own_queryset_keeps_its_filter(db):
    """A manager whose get_queryset() narrows the rows is never planned around: its filter
    applies to get() as to everything else."""
    await make_authors(db)

    class TopRated(models.Manager):
        def get_queryset(self):
            return super().get_queryset().filter(rating=5)

    top = TopRated()
    top.model = Author
    for _ in range(2):
        assert (await db.on(top).get(name="Alan")).name == "Alan"
        with pytest.raises(Author.DoesNotExist):
            await db.on(top).get(name="Grace")


async def test_a_planned_get_reads_inside_the_current_transaction(db):
    """The planned statement runs on the transaction's connection: it sees the transaction's
    own rows, which are gone after a rollback."""
    await make_authors(db)
    await db.on(Author.objects).get(email="ada@example.org")  # the shape is planned

    class Rollback(Exception):
        pass

    def sync_work():
        with orm.atomic():
            Author.objects.create(name="Kay", email="kay@example.org")
            found = Author.objects.get(email="kay@example.org")
            raise Rollback(found.name)

    async def async_work():
        async with orm.atomic():
            await Author.objects.acreate(name="Kay", email="kay@example.org")
            found = await Author.objects.aget(email="kay@example.org")
            raise Rollback(found.name)

    with pytest.raises(Rollback, match="Kay"):
        await db.call(sync_work, async_work)
    with pytest.raises(Author.DoesNotExist):
        await db.on(Author.objects).get(email="kay@example.org")


def test_registering_a_lookup_drops_the_plans():
    """A lookup registered later may replace one a plan was made with: plans go with it."""
    get_plans._PLANS[(Author, ("name",), "default", None)] = None
    models.CharField.register_lookup(type("Unused", (orm.models.Lookup,), {"lookup_name": "unused_plan_test"}))
    try:
        assert get_plans._PLANS == {}
    finally:
        del models.CharField.class_lookups["unused_plan_test"]
        for cache in field_base.lookup_dependent_caches:
            cache.clear()
