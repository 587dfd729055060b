"""Field types: round trips of every type on every driver, defaults, auto_now, database errors,
value conversion and validation; and the model metaclass's schema rules (no database)."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal
from typing import Any

import pytest

import orm
from orm import models
from tests.models import Article, Author, Everything, Token

UTC = dt.timezone.utc
IST = dt.timezone(dt.timedelta(hours=5, minutes=30))

# One value of every scalar type, chosen at the edges: type limits, unicode, microseconds.
FULL: dict[str, Any] = {
    "small": -(2**15),
    "integer": 2**31 - 1,
    "big": 2**63 - 1,
    "positive": 2**31 - 1,
    "flt": 3.141592653589793,
    "dec": Decimal("1234567.891"),
    "flag": True,
    "char": "naïve café — 漢字 🐍",
    "text": "line one\nline two — ünïcødé\t\"quoted\" 'single' \\ back" * 20,
    "email": "someone@example.org",
    "day": dt.date(2024, 2, 29),
    "moment": dt.datetime(2024, 2, 29, 23, 59, 59, 999999, tzinfo=UTC),
    "clock": dt.time(13, 45, 7, 123456),
    "span": dt.timedelta(days=3, hours=4, minutes=5, seconds=6, microseconds=7),
    "uid": uuid.UUID("12345678-9abc-4def-8123-456789abcdef"),
    "doc": {"name": "x", "list": [1, 2.5, "three", None, True, False], "nested": {"a": {"b": [{}]}}},
    "blob": b"\x00\x01\xfe\xffbinary\x00",
}
# The other end of each range, for a second row.
OTHER: dict[str, Any] = {
    "small": 2**15 - 1,
    "integer": -(2**31),
    "big": -(2**63),
    "positive": 0,
    "flt": -1.5e-300,
    "dec": Decimal("-0.001"),
    "flag": False,
    "char": "x" * 30,
    "text": "",
    "email": "other@example.com",
    "day": dt.date(1, 1, 1),
    "moment": dt.datetime(1970, 1, 1, tzinfo=UTC),
    "clock": dt.time(0, 0),
    "span": dt.timedelta(0),
    "uid": uuid.UUID(int=0),
    "doc": [],
    "blob": b"",
}
FIELDS = list(FULL)


def assert_same_type_and_value(name: str, got: Any, want: Any) -> None:
    assert got == want, name
    if want is None:
        return
    if isinstance(want, bool):
        assert type(got) is bool, name
    elif isinstance(want, int):
        assert type(got) is int, name
    elif isinstance(want, float):
        assert type(got) is float, name
    elif isinstance(want, Decimal):
        assert isinstance(got, Decimal), name
    elif isinstance(want, dt.datetime):
        assert isinstance(got, dt.datetime) and got.utcoffset() == dt.timedelta(0), name
    elif isinstance(want, dt.date):
        assert type(got) is dt.date, name
    elif isinstance(want, uuid.UUID):
        assert isinstance(got, uuid.UUID), name
    elif isinstance(want, bytes):
        assert isinstance(got, bytes), name
    elif isinstance(want, (str, dict, list, dt.time, dt.timedelta)):
        assert type(got) is type(want), name


# -- round trips ---------------------------------------------------------------------------------
async def test_every_field_type_round_trips_through_save_and_get(db):
    obj = Everything(**FULL)
    await db.on(obj).save()
    assert obj.pk is not None
    got = await db.on(Everything.objects).get(pk=obj.pk)
    for name in FIELDS:
        assert_same_type_and_value(name, getattr(got, name), FULL[name])


async def test_every_field_type_round_trips_through_create_values_and_values_list(db):
    first = await db.on(Everything.objects).create(**FULL)
    second = await db.on(Everything.objects).create(**OTHER)
    rows = await db.list(Everything.objects.order_by("pk").values(*FIELDS))
    assert len(rows) == 2
    for row, want in zip(rows, (FULL, OTHER)):
        assert set(row) == set(FIELDS)
        for name in FIELDS:
            assert_same_type_and_value(name, row[name], want[name])
    tuples = await db.list(Everything.objects.order_by("pk").values_list("pk", *FIELDS))
    assert [t[0] for t in tuples] == [first.pk, second.pk]
    for row, want in zip(tuples, (FULL, OTHER)):
        for name, value in zip(FIELDS, row[1:]):
            assert_same_type_and_value(name, value, want[name])
    for name in FIELDS:
        flat = await db.list(Everything.objects.order_by("pk").values_list(name, flat=True))
        assert flat == [FULL[name], OTHER[name]], name


async def test_nulls_of_every_type_come_back_as_none(db):
    obj = await db.on(Everything.objects).create()
    nullable = [n for n in FIELDS if n != "flag"]
    got = await db.on(Everything.objects).get(pk=obj.pk)
    for name in nullable:
        assert getattr(got, name) is None, name
    assert got.flag is False
    row = (await db.list(Everything.objects.filter(pk=obj.pk).values(*nullable)))[0]
    assert row == dict.fromkeys(nullable)
    assert (await db.list(Everything.objects.filter(pk=obj.pk).values_list(*nullable)))[0] == (None,) * len(nullable)
    await db.on(Everything.objects).create(**FULL)
    for name in nullable:
        found = await db.list(Everything.objects.filter(**{f"{name}__isnull": True}))
        assert [o.pk for o in found] == [obj.pk], name
        found = await db.list(Everything.objects.filter(**{name: None}))
        assert [o.pk for o in found] == [obj.pk], name


async def test_a_filter_on_each_type_with_a_value_of_that_type_finds_the_row(db):
    full = await db.on(Everything.objects).create(**FULL)
    other = await db.on(Everything.objects).create(**OTHER)
    empty = await db.on(Everything.objects).create()  # NULLs, and flag False by default
    for name in FIELDS:
        for obj, values in ((full, FULL), (other, OTHER)):
            found = await db.list(Everything.objects.filter(**{name: values[name]}).order_by("pk"))
            expected = [obj.pk]
            if name == "flag" and values[name] is False:
                expected.append(empty.pk)
            assert [o.pk for o in found] == expected, name


async def test_big_integers_near_the_64_bit_limits(db):
    values = [2**63 - 1, 2**63 - 2, -(2**63), -(2**63) + 1, 2**53 + 1]
    objs = [await db.on(Everything.objects).create(big=v) for v in values]
    for obj, value in zip(objs, values):
        got = await db.on(Everything.objects).get(pk=obj.pk)
        assert got.big == value and type(got.big) is int
        assert [o.pk for o in await db.list(Everything.objects.filter(big=value))] == [obj.pk]
    assert await db.on(Everything.objects.filter(big__gt=2**63 - 2)).count() == 1
    assert await db.on(Everything.objects.filter(big__lt=0)).count() == 2


async def test_decimals_come_back_quantized_to_decimal_places(db):
    """Django quantizes a Decimal to the field's decimal_places before storing it."""
    exact = await db.on(Everything.objects).create(dec=Decimal("2.5"))
    rounded = await db.on(Everything.objects).create(dec=Decimal("1.23456"))
    got = await db.on(Everything.objects).get(pk=exact.pk)
    assert got.dec == Decimal("2.5") and str(got.dec) == "2.500"
    got = await db.on(Everything.objects).get(pk=rounded.pk)
    assert str(got.dec) == "1.235"
    assert await db.list(Everything.objects.filter(pk=rounded.pk).values_list("dec", flat=True)) == [Decimal("1.235")]
    assert [o.pk for o in await db.list(Everything.objects.filter(dec=Decimal("1.235")))] == [rounded.pk]


async def test_decimal_ties_round_away_from_zero_on_every_database(db):
    """A value exactly between two steps rounds away from zero, as PostgreSQL's numeric does,
    so SQLite (where the ORM rounds) stores what PostgreSQL would; bulk_create rounds the
    same way as save()."""
    saved = await db.on(Everything.objects).create(dec=Decimal("1.2345"))
    negative = await db.on(Everything.objects).create(dec=Decimal("-1.2345"))
    bulk = await db.on(Everything.objects).bulk_create([Everything(dec=Decimal("0.0005"))])
    got = {o.pk: o.dec for o in await db.list(Everything.objects.all())}
    assert got[saved.pk] == Decimal("1.235") and got[negative.pk] == Decimal("-1.235")
    assert got[bulk[0].pk] == Decimal("0.001")


async def test_datetimes_come_back_aware_in_utc(db):
    aware_utc = dt.datetime(2024, 7, 1, 12, 0, 0, 250000, tzinfo=UTC)
    aware_ist = dt.datetime(2024, 7, 1, 12, 0, tzinfo=IST)  # 06:30 UTC
    naive = dt.datetime(2024, 1, 2, 3, 4, 5, 6)
    a = await db.on(Everything.objects).create(moment=aware_utc)
    b = await db.on(Everything.objects).create(moment=aware_ist)
    c = Everything(moment=naive)
    await db.on(c).save()

    got = (await db.on(Everything.objects).get(pk=a.pk)).moment
    assert got == aware_utc and got.utcoffset() == dt.timedelta(0)

    got = (await db.on(Everything.objects).get(pk=b.pk)).moment
    assert got == aware_ist  # the same instant
    assert got.utcoffset() == dt.timedelta(0)
    assert (got.hour, got.minute) == (6, 30)

    got = (await db.on(Everything.objects).get(pk=c.pk)).moment
    assert got == naive.replace(tzinfo=UTC)
    assert got.utcoffset() == dt.timedelta(0)
    assert got.replace(tzinfo=None) == naive

    values = await db.list(Everything.objects.order_by("pk").values_list("moment", flat=True))
    assert values == [aware_utc, aware_ist, naive.replace(tzinfo=UTC)]
    assert all(v.utcoffset() == dt.timedelta(0) for v in values)

    # Filters: an aware value of another zone matches the same instant; naive is UTC.
    assert [o.pk for o in await db.list(Everything.objects.filter(moment=aware_ist.astimezone(UTC)))] == [b.pk]
    assert [o.pk for o in await db.list(Everything.objects.filter(moment=dt.datetime(2024, 7, 1, 6, 30)))] == [b.pk]
    assert [o.pk for o in await db.list(Everything.objects.filter(moment=naive))] == [c.pk]
    assert [o.pk for o in await db.list(Everything.objects.filter(moment=naive.replace(tzinfo=UTC).astimezone(IST)))] == [c.pk]
    assert [o.pk for o in await db.list(Everything.objects.filter(moment__gt=aware_ist).order_by("pk"))] == [a.pk]


async def test_times_keep_microseconds(db):
    values = [dt.time(13, 45, 7, 123456), dt.time(0, 0, 0, 1), dt.time(23, 59, 59, 999999)]
    objs = [await db.on(Everything.objects).create(clock=v) for v in values]
    for obj, value in zip(objs, values):
        got = (await db.on(Everything.objects).get(pk=obj.pk)).clock
        assert got == value and type(got) is dt.time
        assert [o.pk for o in await db.list(Everything.objects.filter(clock=value))] == [obj.pk]
    assert await db.on(Everything.objects.filter(clock__gt=dt.time(12))).count() == 2


async def test_durations_negative_and_with_days(db):
    values = [
        dt.timedelta(days=3, hours=4, minutes=5, seconds=6, microseconds=7),
        dt.timedelta(days=-1, seconds=3600),  # -23 hours
        dt.timedelta(microseconds=-1),
        dt.timedelta(days=-400, microseconds=5),
        dt.timedelta(days=10000),
    ]
    objs = [await db.on(Everything.objects).create(span=v) for v in values]
    for obj, value in zip(objs, values):
        got = (await db.on(Everything.objects).get(pk=obj.pk)).span
        assert got == value and type(got) is dt.timedelta
        assert [o.pk for o in await db.list(Everything.objects.filter(span=value))] == [obj.pk]
    negative = sorted(o.pk for o in await db.list(Everything.objects.filter(span__lt=dt.timedelta(0))))
    assert negative == sorted(o.pk for o, v in zip(objs, values) if v < dt.timedelta(0))


async def test_uuids_come_back_as_uuid_objects(db):
    value = uuid.uuid4()
    obj = await db.on(Everything.objects).create(uid=value)
    got = (await db.on(Everything.objects).get(pk=obj.pk)).uid
    assert isinstance(got, uuid.UUID) and got == value
    assert (await db.list(Everything.objects.values_list("uid", flat=True))) == [value]
    # A string spelling of the same UUID finds it too.
    assert [o.pk for o in await db.list(Everything.objects.filter(uid=str(value)))] == [obj.pk]
    assert [o.pk for o in await db.list(Everything.objects.filter(uid=value.hex))] == [obj.pk]


async def test_json_values_of_every_kind(db):
    values: list[Any] = [
        {"a": 1, "b": [1, 2, {"c": None}], "d": {"e": "f"}},
        [1, "two", 3.5, None, [True, False]],
        "a string",
        "",
        42,
        -7.25,
        True,
        False,
        {},
        [],
        {"unicode": "漢字 🐍", "quote": "\"'\\"},
    ]
    objs = [await db.on(Everything.objects).create(doc=v) for v in values]
    none = await db.on(Everything.objects).create(doc=None)
    for obj, value in zip(objs, values):
        got = (await db.on(Everything.objects).get(pk=obj.pk)).doc
        assert got == value and type(got) is type(value), value
    assert (await db.on(Everything.objects).get(pk=none.pk)).doc is None
    docs = await db.list(Everything.objects.order_by("pk").values_list("doc", flat=True))
    assert docs == [*values, None]
    # Python None is SQL NULL, not the JSON null.
    assert [o.pk for o in await db.list(Everything.objects.filter(doc__isnull=True))] == [none.pk]
    # An exact filter with a JSON value finds the row holding that value.
    for obj, value in zip(objs, values):
        found = await db.list(Everything.objects.filter(doc=value))
        assert [o.pk for o in found] == [obj.pk], value


async def test_binary_values_come_back_as_bytes(db):
    values = [bytes(range(256)), b"", b"\x00", bytearray(b"\x01\x02")]
    objs = [await db.on(Everything.objects).create(blob=v) for v in values]
    for obj, value in zip(objs, values):
        got = (await db.on(Everything.objects).get(pk=obj.pk)).blob
        assert isinstance(got, bytes) and got == bytes(value)
        assert [o.pk for o in await db.list(Everything.objects.filter(blob=bytes(value)))] == [obj.pk]


async def test_unicode_char_and_text(db):
    values = ["ß", "Ünïcødé", "漢字かな交じり", "🐍🐍🐍", "a'b\"c\\d%e_f"]
    objs = [await db.on(Everything.objects).create(char=v, text=v * 100) for v in values]
    for obj, value in zip(objs, values):
        got = await db.on(Everything.objects).get(pk=obj.pk)
        assert (got.char, got.text) == (value, value * 100)
        assert [o.pk for o in await db.list(Everything.objects.filter(char=value))] == [obj.pk]


# -- defaults and automatic values ---------------------------------------------------------------
async def test_defaults_are_applied_and_saved(db):
    author = Author(name="Ada", email="ada@example.org")
    assert (author.rating, author.bio, author.born) == (0, "", None)
    await db.on(author).save()
    got = await db.on(Author.objects).get(pk=author.pk)
    assert (got.rating, got.bio, got.born) == (0, "", None)
    everything = await db.on(Everything.objects).create()
    assert (await db.on(Everything.objects).get(pk=everything.pk)).flag is False


async def test_a_callable_default_is_called_for_each_instance(db):
    first, second = Token(label="a"), Token(label="b")
    assert isinstance(first.key, uuid.UUID) and isinstance(second.key, uuid.UUID)
    assert first.key != second.key
    await db.on(first).save()
    await db.on(second).save()
    assert (await db.on(Token.objects).get(key=first.key)).label == "a"
    assert (await db.on(Token.objects).get(pk=second.key)).label == "b"
    created = await db.on(Token.objects).create(label="a")
    assert created.key not in (first.key, second.key)
    assert await db.on(Token.objects).count() == 3


async def test_auto_now_add_is_set_on_insert_and_kept_by_later_saves(db):
    before = dt.datetime.now(UTC)
    article = await db.on(Article.objects).create(title="T", slug="t")
    after = dt.datetime.now(UTC)
    assert article.created is not None and before <= article.created <= after
    stored = await db.on(Article.objects).get(pk=article.pk)
    assert stored.created == article.created
    assert stored.created.utcoffset() == dt.timedelta(0)

    stored.title = "T2"
    await db.on(stored).save()
    again = await db.on(Article.objects).get(pk=article.pk)
    assert again.title == "T2"
    assert again.created == article.created


async def test_auto_now_is_refreshed_on_every_save(db):
    article = await db.on(Article.objects).create(title="T", slug="t")
    first = article.updated
    assert first is not None and first.utcoffset() == dt.timedelta(0)
    assert (await db.on(Article.objects).get(pk=article.pk)).updated == first

    article.title = "T2"
    await db.on(article).save()
    second = article.updated
    assert second > first
    assert (await db.on(Article.objects).get(pk=article.pk)).updated == second

    await db.on(article).save()
    third = article.updated
    assert third > second
    stored = await db.on(Article.objects).get(pk=article.pk)
    assert stored.updated == third and stored.created == article.created


# -- database errors -----------------------------------------------------------------------------
DRIVER_MODULES = {
    "sqlite3": "sqlite3",
    "aiosqlite": "sqlite3",
    "sqlite3-threaded": "sqlite3",
    "psycopg": "psycopg",
    "psycopg-threaded": "psycopg",
    "asyncpg": "asyncpg",
}


def assert_driver_cause(db, error: BaseException) -> None:
    cause = error.__cause__
    assert cause is not None
    module = type(cause).__module__.split(".")[0]
    assert module == DRIVER_MODULES[db.driver.name], type(cause)


async def test_a_unique_violation_on_save_is_an_integrity_error_wrapping_the_driver_error(db):
    await db.on(Author.objects).create(name="Ada", email="ada@example.org")
    duplicate = Author(name="Other", email="ada@example.org")
    with pytest.raises(orm.IntegrityError) as info:
        await db.on(duplicate).save()
    assert_driver_cause(db, info.value)
    if db.is_postgres:
        assert info.value.sqlstate == "23505"
    assert isinstance(info.value, orm.DatabaseError)
    # The failed statement did not break the connection, and nothing was written.
    assert await db.on(Author.objects).count() == 1
    with pytest.raises(orm.IntegrityError):
        await db.on(Author.objects).create(name="Again", email="ada@example.org")


async def test_a_char_value_longer_than_max_length(db):
    """PostgreSQL rejects it with DataError; SQLite stores it (it does not enforce lengths),
    and full_clean() catches it on every database."""
    author = Author(name="x" * 101, email="long@example.org")
    with pytest.raises(orm.ValidationError) as info:
        await db.on(author).full_clean()
    assert "name" in info.value.message_dict
    assert "Author.name" in str(info.value)
    if db.is_postgres:
        with pytest.raises(orm.DataError) as data_error:
            await db.on(author).save()
        assert data_error.value.sqlstate == "22001"
        assert_driver_cause(db, data_error.value)
        assert await db.on(Author.objects).count() == 0
    else:
        await db.on(author).save()
        assert (await db.on(Author.objects).get(pk=author.pk)).name == "x" * 101


async def test_the_check_constraint_rejects_a_bad_label_on_save(db):
    with pytest.raises(orm.IntegrityError) as info:
        await db.on(Token(label="z")).save()
    assert_driver_cause(db, info.value)
    if db.is_postgres:
        assert info.value.sqlstate == "23514"
    assert await db.on(Token.objects).count() == 0
    await db.on(Token(label="b")).save()
    assert await db.on(Token.objects).count() == 1


# -- conversion and validation -------------------------------------------------------------------
async def test_filter_values_are_converted_by_the_field(db):
    obj = await db.on(Everything.objects).create(
        integer=12, big=2**40, dec=Decimal("1.500"), day=dt.date(2024, 2, 29), flag=True, flt=2.5,
    )
    await db.on(Everything.objects).create(integer=13, flag=False)
    assert [o.pk for o in await db.list(Everything.objects.filter(integer="12"))] == [obj.pk]
    assert [o.pk for o in await db.list(Everything.objects.filter(big=str(2**40)))] == [obj.pk]
    assert [o.pk for o in await db.list(Everything.objects.filter(dec="1.5"))] == [obj.pk]
    assert [o.pk for o in await db.list(Everything.objects.filter(day="2024-02-29"))] == [obj.pk]
    assert [o.pk for o in await db.list(Everything.objects.filter(flt="2.5"))] == [obj.pk]
    assert [o.pk for o in await db.list(Everything.objects.filter(integer__in=["12", 99]))] == [obj.pk]


async def test_an_unconvertible_filter_value_is_a_validation_error_naming_the_field(db):
    cases = {
        "integer": "abc",
        "big": "1.5x",
        "dec": "one",
        "day": "2024-13-45",
        "moment": "yesterday",
        "clock": "noon",
        "span": "3 days",
        "uid": "not-a-uuid",
        "flag": "maybe",
        "blob": "text",
    }
    for name, value in cases.items():
        with pytest.raises(orm.ValidationError) as info:
            Everything.objects.filter(**{name: value})
        assert isinstance(info.value, ValueError)
        assert f"Everything.{name}" in str(info.value), name
    with pytest.raises(orm.ValidationError, match=r"Everything\.integer"):
        await db.on(Everything.objects).get(integer="abc")


# Everything's columns are null=True but not blank=True, so (as in Django) full_clean() calls
# their None "blank"; the checks below leave the other columns out.
def others(*names: str) -> list[str]:
    return [n for n in FIELDS if n not in names]


async def test_full_clean_calls_none_blank_in_a_nullable_column_without_blank(db):
    with pytest.raises(orm.ValidationError) as info:
        await db.on(Everything(**{**FULL, "char": None})).full_clean()
    assert set(info.value.message_dict) == {"char"} and "Everything.char" in str(info.value)
    await db.on(Everything(**FULL)).full_clean()


async def test_full_clean_rejects_a_decimal_with_too_many_digits(db):
    too_big = Everything(dec=Decimal("12345678.9"))  # 8 digits before the point, 7 allowed
    with pytest.raises(orm.ValidationError) as info:
        await db.on(too_big).full_clean(exclude=others("dec"))
    assert set(info.value.message_dict) == {"dec"} and "Everything.dec" in str(info.value)
    too_precise = Everything(dec=Decimal("1.2345"))  # 4 decimal places, 3 allowed
    with pytest.raises(orm.ValidationError) as info:
        await db.on(too_precise).full_clean(exclude=others("dec"))
    assert set(info.value.message_dict) == {"dec"} and "Everything.dec" in str(info.value)
    for value in (Decimal("1234567.891"), Decimal("-9999999.999"), Decimal("0.5")):
        await db.on(Everything(dec=value)).full_clean(exclude=others("dec"))


async def test_full_clean_rejects_values_out_of_range_and_not_in_choices(db):
    with pytest.raises(orm.ValidationError) as info:
        await db.on(Everything(small=2**15, positive=-1)).full_clean(exclude=others("small", "positive"))
    assert set(info.value.message_dict) == {"small", "positive"}
    assert "Everything.small" in str(info.value) and "Everything.positive" in str(info.value)
    with pytest.raises(orm.ValidationError) as info:
        await db.on(Token(label="z")).full_clean()
    assert "label" in info.value.message_dict and "Token.label" in str(info.value)


# -- the model metaclass (no database) -----------------------------------------------------------
APP = "test_fields_meta"


def test_default_db_table_is_the_snake_case_class_name():
    class HTTPLogEntry(models.Model):
        path = models.CharField(max_length=10)

        class Meta:
            app_label = APP

    class BookAuthorLink(models.Model):
        class Meta:
            app_label = APP

    assert HTTPLogEntry._meta.db_table == "http_log_entry"
    assert BookAuthorLink._meta.db_table == "book_author_link"


def test_meta_db_table_is_honoured():
    class Renamed(models.Model):
        class Meta:
            app_label = APP
            db_table = "my_custom_table"

    assert Renamed._meta.db_table == "my_custom_table"


def test_default_primary_key_is_a_big_auto_field_named_id():
    class Plain(models.Model):
        name = models.CharField(max_length=10)

        class Meta:
            app_label = APP

    pk = Plain._meta.pk
    assert isinstance(pk, models.BigAutoField)
    assert pk.name == "id" and pk.column == "id" and pk.primary_key
    assert Plain._meta.get_field("pk") is pk
    assert [f.name for f in Plain._meta.concrete_fields] == ["id", "name"]
    assert Plain(name="x", id=5).pk == 5


def test_an_explicit_primary_key_replaces_the_default_id():
    class Keyed(models.Model):
        code = models.CharField(max_length=5, primary_key=True)

        class Meta:
            app_label = APP

    assert Keyed._meta.pk.name == "code"
    assert [f.name for f in Keyed._meta.concrete_fields] == ["code"]


def test_meta_app_label_is_honoured():
    class Labelled(models.Model):
        class Meta:
            app_label = "shop_fields_test"

    assert Labelled._meta.app_label == "shop_fields_test"
    assert Labelled._meta.label == "shop_fields_test.Labelled"


def test_abstract_models_cannot_be_instantiated_and_share_fields_by_copy():
    class Stamped(models.Model):
        name = models.CharField(max_length=20)
        stamp = models.IntegerField(default=1)

        class Meta:
            abstract = True
            app_label = APP

    class ChildOne(Stamped):
        extra = models.TextField(default="")

        class Meta:
            app_label = APP

    class ChildTwo(Stamped):
        class Meta:
            app_label = APP

    with pytest.raises(TypeError, match="Stamped"):
        Stamped(name="x")
    assert [f.name for f in ChildOne._meta.concrete_fields] == ["id", "name", "stamp", "extra"]
    assert [f.name for f in ChildTwo._meta.concrete_fields] == ["id", "name", "stamp"]
    one, two = ChildOne._meta.get_field("name"), ChildTwo._meta.get_field("name")
    assert one is not two
    assert one is not Stamped._meta.get_field("name") and two is not Stamped._meta.get_field("name")
    assert one.model is ChildOne and two.model is ChildTwo
    assert one.label == "ChildOne.name"
    assert ChildOne._meta.db_table == "child_one" and not ChildOne._meta.abstract
    obj = ChildTwo(name="y")
    assert (obj.name, obj.stamp) == ("y", 1)


def test_subclassing_a_concrete_model_is_not_supported():
    class Concrete(models.Model):
        class Meta:
            app_label = APP

    with pytest.raises(orm.NotSupportedError) as info:
        class Sub(Concrete):
            class Meta:
                app_label = APP
    assert "Concrete" in str(info.value) and "Sub" in str(info.value)


def test_an_unknown_meta_option_is_improperly_configured():
    with pytest.raises(orm.ImproperlyConfigured) as info:
        class Odd(models.Model):
            class Meta:
                app_label = APP
                colour = "red"
    assert "Odd" in str(info.value) and "colour" in str(info.value)


def test_two_primary_keys_are_improperly_configured():
    with pytest.raises(orm.ImproperlyConfigured) as info:
        class TwoKeys(models.Model):
            a = models.IntegerField(primary_key=True)
            b = models.IntegerField(primary_key=True)

            class Meta:
                app_label = APP
    assert "TwoKeys" in str(info.value) and "primary key" in str(info.value)


def test_decimal_field_requires_max_digits_and_decimal_places():
    with pytest.raises(TypeError, match="max_digits"):
        models.DecimalField()
    with pytest.raises(TypeError, match="decimal_places"):
        models.DecimalField(max_digits=5)
    with pytest.raises(TypeError):
        models.DecimalField(decimal_places=2)


def test_char_field_max_length_is_positive_or_unlimited():
    """As in Django 4.2+: no max_length is an unlimited varchar; a non-positive one is an
    error."""
    assert models.CharField().max_length is None
    with pytest.raises(TypeError, match="max_length"):
        models.CharField(max_length=0)
    assert models.EmailField().max_length == 254


def test_the_manager_is_not_accessible_from_instances():
    author = Author(name="Ada", email="ada@example.org")
    with pytest.raises(AttributeError, match="Manager isn't accessible via Author instances"):
        author.objects  # noqa: B018
    assert Author.objects.model is Author
