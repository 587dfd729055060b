"""The SQL compiler, without a database: values travel as parameters, identifiers are quoted,
and one query shape always renders the same text."""

from __future__ import annotations

import pytest

import orm  # noqa: F401  (registers the lookups)
from backends.postgresql.dialect import PostgreSQLDialect
from backends.sqlite.dialect import SQLiteDialect
from orm import F, Q
from orm.query.compiler import SQLCompiler, compile_insert
from tests.models import Article, Author, Everything

DIALECTS = {
    "sqlite": SQLiteDialect(),
    "psycopg": PostgreSQLDialect("format"),
    "asyncpg": PostgreSQLDialect("numeric"),
}


def select_sql(qs, dialect):
    sql, params, _ = SQLCompiler(qs.query, dialect).as_select()
    return dialect.finalize_sql(sql), params


@pytest.mark.parametrize("name", DIALECTS)
def test_values_are_parameters_never_sql_text(name):
    hostile = "x'); DROP TABLE author; --"
    sql, params = select_sql(Author.objects.filter(name=hostile, email__contains=hostile), DIALECTS[name])
    assert "DROP TABLE" not in sql
    assert hostile in params
    assert any(p != hostile and "DROP TABLE author" in p for p in params)


@pytest.mark.parametrize("name", DIALECTS)
def test_identifiers_are_quoted(name):
    dialect = DIALECTS[name]
    sql, _ = select_sql(Author.objects.filter(rating__gte=3), dialect)
    assert 'FROM "author"' in sql and '"author"."rating"' in sql
    assert dialect.quote_name('we"ird') == '"we""ird"'
    assert dialect.quote_name('"already"') == '"already"'


@pytest.mark.parametrize("name", DIALECTS)
def test_a_name_that_looks_quoted_cannot_end_its_quotes_early(name):
    """A name that starts and ends with a double quote is taken as already quoted only when
    no quote inside could close it; anything else is quoted whole, so an alias from user
    input cannot smuggle SQL in."""
    dialect = DIALECTS[name]
    hostile = '"x" FROM "author"; DROP TABLE "author"; --"'
    assert dialect.quote_name(hostile) == '"' + hostile.replace('"', '""') + '"'
    assert dialect.quote_name('"a""b"') == '"""a""""b"""'  # inner quotes: quoted whole


@pytest.mark.parametrize("name", DIALECTS)
def test_same_shape_renders_identical_sql(name):
    dialect = DIALECTS[name]
    one, p1 = select_sql(Author.objects.filter(name="a", rating__gt=1).order_by("-born")[:5], dialect)
    two, p2 = select_sql(Author.objects.filter(name="b", rating__gt=9).order_by("-born")[:5], dialect)
    assert one == two
    assert p1 != p2


def test_placeholder_styles_per_driver():
    qs = Author.objects.filter(name="a", rating__in=[1, 2])[:3]
    assert select_sql(qs, DIALECTS["sqlite"])[0].count("?") == 4
    assert "%s" in select_sql(qs, DIALECTS["psycopg"])[0]
    numeric = select_sql(qs, DIALECTS["asyncpg"])[0]
    assert "$1" in numeric and "$4" in numeric and "%s" not in numeric


def test_percent_signs_survive_every_style():
    qs = Article.objects.filter(views=F("views") % 7)
    assert " % " in select_sql(qs, DIALECTS["sqlite"])[0]
    assert " %% " in select_sql(qs, DIALECTS["psycopg"])[0]
    assert " % " in select_sql(qs, DIALECTS["asyncpg"])[0]


def test_exclude_on_a_nullable_column_keeps_nulls():
    sql, _ = select_sql(Article.objects.exclude(section="news"), DIALECTS["psycopg"])
    assert 'NOT ("article"."section" = %s AND "article"."section" IS NOT NULL)' in sql


def test_q_objects_render_with_their_connectors():
    sql, params = select_sql(
        Author.objects.filter(Q(name="a") | ~Q(rating=1), born__isnull=True), DIALECTS["sqlite"]
    )
    assert "OR" in sql and "NOT" in sql and "IS NULL" in sql
    assert params == ["a", 1]


def test_insert_lists_columns_and_returns_the_key():
    """One row: a VALUES row of parameters; RETURNING the key."""
    meta = Author._meta
    fields = [f for f in meta.concrete_fields if not f.primary_key]
    sql, params = compile_insert(Author, fields, [["a", "a@x.org", None, 1, ""]], DIALECTS["psycopg"], [meta.pk])
    assert sql == (
        'INSERT INTO "author" ("name", "email", "born", "rating", "bio") '
        'VALUES (%s, %s, %s, %s, %s) RETURNING "id"'
    )
    assert params == ["a", "a@x.org", None, 1, ""]


def test_multi_row_insert_on_postgresql_sends_one_array_per_column():
    """Several rows on PostgreSQL: INSERT ... SELECT FROM unnest() of one typed array per
    column, so the SQL is the same for any number of rows and values stay parameters."""
    meta = Author._meta
    fields = [f for f in meta.concrete_fields if not f.primary_key]
    rows = [["a", "a@x.org", None, 1, ""], ["b", "b@x.org", None, 2, ""]]
    sql, params = compile_insert(Author, fields, rows, DIALECTS["psycopg"], [meta.pk])
    assert sql == (
        'INSERT INTO "author" ("name", "email", "born", "rating", "bio") SELECT * FROM '
        'unnest(%s::text[], %s::text[], %s::date[], %s::integer[], %s::text[]) RETURNING "id"'
    )
    assert params == [["a", "b"], ["a@x.org", "b@x.org"], [None, None], [1, 2], ["", ""]]


def test_multi_row_insert_of_a_json_column_stays_rows_of_values():
    """JSON values are text adapted per driver: no array cast for them, VALUES rows instead."""
    meta = Everything._meta
    fields = [f for f in meta.concrete_fields if not f.primary_key]
    rows = [[None] * len(fields), [None] * len(fields)]
    sql, params = compile_insert(Everything, fields, rows, DIALECTS["psycopg"], [meta.pk])
    assert " VALUES (" in sql and "unnest" not in sql
    assert len(params) == 2 * len(fields)
