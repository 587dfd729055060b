"""Migration files written by MigrationWriter: every kind of value, fields with their options,
on_delete rules, indexes and constraints with Q objects, and callables by import path survive
a round trip (write, load with MigrationLoader, compare); the output passes `ruff check`;
values that cannot be written are errors naming the value and the operation. No database."""

from __future__ import annotations

import datetime as dt
import decimal
import importlib
import subprocess
import sys
import textwrap
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

import migrations
from migrations.loader import MigrationLoader
from migrations.migration import Migration
from migrations.operations.base import Operation
from migrations.serializer import SerializationError, deep_deconstruct, serialize
from migrations.writer import MigrationWriter
from orm import models
from orm.expressions import CombinedExpression


class KeepOp(Operation):
    """A test operation that keeps whatever keyword arguments it is given."""

    def __init__(self, **kwargs: Any) -> None:
        self.kwargs = kwargs

    def describe(self) -> str:
        return f"Keep {len(self.kwargs)} values"


class PairOp(Operation):
    """A test operation with positional arguments."""

    def __init__(self, first: Any, second: Any = None) -> None:
        self.first = first
        self.second = second


# The module an application would hold its defaults, choices and custom classes in; written
# into the test's own app package so that generated files import it by its real path.
VALUES_MODULE = '''
import enum

from migrations.operations.base import Operation
from orm import models


class SlugField(models.CharField):
    """A project's own field class."""


def default_slug():
    return "slug"


class Color(enum.Enum):
    RED = "red"
    BLUE = "blue"


class Level(enum.IntEnum):
    LOW = 1
    HIGH = 2


class Outer:
    class Inner:
        pass

    @classmethod
    def build(cls):
        return cls()


class Money:
    """A user class that writes itself into migrations through deconstruct()."""

    def __init__(self, amount, currency="EUR"):
        self.amount = amount
        self.currency = currency

    def deconstruct(self):
        return (__name__ + ".Money", [self.amount], {"currency": self.currency})

    def __eq__(self, other):
        return isinstance(other, Money) and (self.amount, self.currency) == (
            other.amount,
            other.currency,
        )


class Archive(Operation):
    """A project's own operation, not exported by the migrations package."""

    def __init__(self, model_name, keep=True):
        self.model_name = model_name
        self.keep = keep

    def describe(self):
        return f"Archive {self.model_name}"


def forwards(apps, schema_editor):
    pass
'''


@dataclass
class App:
    label: str
    package: str
    root: Path
    values: ModuleType
    loader: MigrationLoader


@pytest.fixture
def app(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[App]:
    """A throwaway app package (unique name) under tmp_path with a `values` module; the test
    operations are exported from the migrations package, as the real ones are."""
    package = f"wapp_{uuid.uuid4().hex[:10]}"
    (tmp_path / package).mkdir()
    (tmp_path / package / "__init__.py").write_text("")
    (tmp_path / package / "values.py").write_text(VALUES_MODULE)
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setattr(migrations, "KeepOp", KeepOp, raising=False)
    monkeypatch.setattr(migrations, "PairOp", PairOp, raising=False)
    importlib.invalidate_caches()
    values = importlib.import_module(f"{package}.values")
    yield App("blog", package, tmp_path, values, MigrationLoader({"blog": package}))
    for name in [m for m in sys.modules if m.split(".")[0] == package]:
        del sys.modules[name]


def make_migration(
    operations: list[Any],
    name: str = "0001_initial",
    dependencies: list[tuple[str, str]] | None = None,
    **attrs: Any,
) -> Migration:
    cls = type("Migration", (Migration,), {"operations": operations, "dependencies": dependencies or [], **attrs})
    return cls(name, "blog")


def ruff_check(path: Path, cwd: Path) -> None:
    """The generated file passes ruff with the project's rule selection, checked from the
    application's root (so its own package is first-party and the ORM an installed one)."""
    result = subprocess.run(
        [
            sys.executable, "-m", "ruff", "check", "--isolated", "--no-cache",
            "--select", "E,F,W,I,B,UP", "--ignore", "B905,UP017",
            "--target-version", "py311", "--line-length", "100", str(path),
        ],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stdout + result.stderr + path.read_text()


def round_trip(app: App, operations: list[Any], **attrs: Any) -> list[Any]:
    """Write a migration with ``operations``, check it with ruff, load it back and return the
    loaded operations (which must compare equal, deeply, to the written ones)."""
    migration = make_migration(operations, **attrs)
    path = MigrationWriter(migration).write(app.loader)
    assert path == app.root / app.package / "migrations" / "0001_initial.py"
    ruff_check(path, app.root)
    app.loader.load()
    loaded = app.loader.disk_migrations[("blog", "0001_initial")]
    assert deep_deconstruct(loaded.operations) == deep_deconstruct(operations)
    return loaded.operations


def typed(value: Any) -> Any:
    """``value`` with types made explicit, so that 1 == 1.0 == True, {1} == frozenset({1})
    and Decimal("1.10") == Decimal("1.1") no longer hold."""
    if isinstance(value, list | tuple | set | frozenset):
        items = [typed(v) for v in value]
        if isinstance(value, set | frozenset):
            items = sorted(items, key=repr)
        return (type(value).__name__, items)
    if isinstance(value, dict):
        return ("dict", [(typed(k), typed(v)) for k, v in value.items()])
    if isinstance(value, decimal.Decimal):
        return ("Decimal", str(value))
    if isinstance(value, dt.datetime):
        return ("datetime", value, value.tzinfo is None)
    if isinstance(value, float):
        return ("float", repr(value))
    return (type(value).__name__, value)


PLAIN_VALUES: dict[str, Any] = {
    "none": None,
    "yes": True,
    "no": False,
    "zero": 0,
    "negative": -7,
    "huge": 2**70,
    "real": 1.5,
    "negative_zero": -0.0,
    "inf": float("inf"),
    "minus_inf": float("-inf"),
    "tiny": 1e-300,
    "money": decimal.Decimal("1.10"),
    "small": decimal.Decimal("-0.001"),
    "empty": "",
    "text": "plain",
    "awkward": 'quo"te\'s \\ back\nline\ttab\x00nul é ☃ \u200b \U0001f600',
    "no_bytes": b"",
    "bytes": b'\x00\xff"\\\n\r\tA~',
    "mutable_bytes": bytearray(b"ab"),
    "day": dt.date(2026, 11, 21),
    "utc": dt.datetime(2026, 11, 21, 12, 0, tzinfo=dt.timezone.utc),
    "precise": dt.datetime(2026, 1, 2, 3, 4, 5, 6789, tzinfo=dt.timezone.utc),
    "naive": dt.datetime(2026, 1, 2, 3, 4, 5),
    "clock": dt.time(12, 30),
    "clock_precise": dt.time(1, 2, 3, 4),
    "clock_utc": dt.time(8, 0, tzinfo=dt.timezone.utc),
    "clock_offset": dt.time(8, 0, tzinfo=dt.timezone(dt.timedelta(hours=-3))),
    "no_time": dt.timedelta(0),
    "span": dt.timedelta(days=-1, seconds=5, microseconds=7),
    "ident": uuid.UUID("12345678-1234-5678-1234-567812345678"),
    "list": [1, "a", None],
    "nested": [[1, [2, [3]]], {"k": (4,)}],
    "empty_list": [],
    "empty_tuple": (),
    "single": (1,),
    "pair": (1, "b"),
    "mapping": {"a": 1, 2: "b", (3, 4): [5], None: {}},
    "empty_set": set(),
    "set": {3, 1, 2},
    "empty_frozen": frozenset(),
    "frozen": frozenset({"x", "y"}),
    "long_list": [f"item number {i}" for i in range(30)],
}


def test_every_plain_value_kind_round_trips(app):
    """None, bools, ints, floats (inf too), Decimals, strings with quotes, escapes and
    non-ASCII, bytes, dates, datetimes (UTC, naive), times, timedeltas, UUIDs and every
    container come back equal, with the same types."""
    (loaded,) = round_trip(app, [KeepOp(**PLAIN_VALUES)])
    assert loaded == KeepOp(**PLAIN_VALUES)
    for key, value in PLAIN_VALUES.items():
        assert typed(loaded.kwargs[key]) == typed(value), key


def test_aware_datetimes_are_written_in_utc_and_nan_round_trips():
    """A datetime in another zone is written as the same instant in UTC; NaN is written as
    float("nan") (which never equals itself, so it is checked by its source)."""
    paris = dt.timezone(dt.timedelta(hours=2))
    source, imports = serialize(dt.datetime(2026, 6, 1, 14, 0, tzinfo=paris))
    assert source == "datetime.datetime(2026, 6, 1, 12, 0, tzinfo=datetime.timezone.utc)"
    assert imports == {"import datetime"}
    assert serialize(float("nan")) == ('float("nan")', set())


def test_enums_functions_and_classes_round_trip_by_import_path(app):
    """Enum members, module-level functions, classes (nested ones too), class methods,
    builtins and the standard library's callables are written as dotted names with the
    import they need."""
    v = app.values
    values = {
        "color": v.Color.BLUE,
        "level": v.Level.HIGH,
        "function": v.default_slug,
        "klass": v.Money,
        "nested_class": v.Outer.Inner,
        "class_method": v.Outer.build,
        "builtin": dict,
        "stdlib_function": uuid.uuid4,
        "builtin_method": dt.date.today,
        "field_class": models.CharField,
        "choices": [(v.Color.RED, "Red"), (v.Color.BLUE, "Blue")],
        "user_object": v.Money(decimal.Decimal("9.99"), currency="USD"),
    }
    (loaded,) = round_trip(app, [KeepOp(**values)])
    assert loaded == KeepOp(**values)
    assert loaded.kwargs["color"] is v.Color.BLUE
    assert loaded.kwargs["function"] is v.default_slug
    assert loaded.kwargs["nested_class"] is v.Outer.Inner
    source = MigrationWriter(make_migration([KeepOp(**values)])).as_string()
    assert f"import {app.package}.values\n" in source
    assert "import uuid\n" in source and "import datetime\n" in source
    assert "builtin=dict," in source and "field_class=models.CharField," in source
    assert f"color={app.package}.values.Color.BLUE," in source


def test_fields_with_options_round_trip(app):
    """Fields are written from their deconstruct() as models.<Field>(...) with every option
    (a project's own field class by its import path); defaults that are values, callables and
    enum members come back, and no NOT_PROVIDED is ever written."""
    v = app.values
    fields = [
        ("id", models.BigAutoField(primary_key=True)),
        ("title", models.CharField(max_length=200, db_index=True, unique=True, db_column="t")),
        ("slug", models.CharField(max_length=50, default=v.default_slug, blank=True)),
        ("color", models.CharField(max_length=10, choices=[("r", "Red"), ("b", "Blue")], default="r")),
        ("level", models.IntegerField(default=v.Level.LOW, null=True)),
        ("price", models.DecimalField(max_digits=8, decimal_places=2, default=decimal.Decimal("0.00"))),
        ("created", models.DateTimeField(auto_now_add=True)),
        ("day", models.DateField(null=True)),
        ("ident", models.UUIDField(default=uuid.uuid4, unique=True)),
        ("data", models.JSONField(default=dict)),
        ("blob", models.BinaryField(null=True)),
        ("span", models.DurationField(default=dt.timedelta(hours=1))),
        ("own", v.SlugField(max_length=20)),
    ]
    (loaded,) = round_trip(app, [KeepOp(fields=fields)])
    rebuilt = dict(loaded.kwargs["fields"])
    assert type(rebuilt["own"]) is v.SlugField and rebuilt["own"].max_length == 20
    assert rebuilt["slug"].default is v.default_slug
    assert rebuilt["ident"].default is uuid.uuid4
    assert rebuilt["data"].default is dict
    assert rebuilt["created"].auto_now_add is True
    source = MigrationWriter(make_migration([KeepOp(fields=fields)])).as_string()
    assert "NOT_PROVIDED" not in source
    assert serialize(fields[1][1]) == (
        'models.CharField(max_length=200, unique=True, db_index=True, db_column="t")',
        {"from orm import models"},
    )


def test_relations_and_every_on_delete_rule_round_trip(app):
    """ForeignKey/OneToOneField/ManyToManyField with each on_delete constant written as
    models.<NAME>, and SET() with a value or a function."""
    rules = [
        models.CASCADE, models.PROTECT, models.RESTRICT, models.SET_NULL, models.SET_DEFAULT,
        models.DO_NOTHING, models.SET(0), models.SET(app.values.default_slug),
    ]
    fields = [
        (f"fk{i}", models.ForeignKey("blog.Author", on_delete=rule, null=True, related_name=f"r{i}"))
        for i, rule in enumerate(rules)
    ]
    fields.append(("one", models.OneToOneField("blog.Author", on_delete=models.CASCADE)))
    fields.append(("tags", models.ManyToManyField("blog.Tag", related_name="posts")))
    (loaded,) = round_trip(app, [KeepOp(fields=fields)])
    rebuilt = dict(loaded.kwargs["fields"])
    assert rebuilt["fk0"].on_delete is models.CASCADE
    assert rebuilt["fk6"].on_delete == models.SET(0)
    assert rebuilt["fk7"].on_delete.value is app.values.default_slug
    source = MigrationWriter(make_migration([KeepOp(fields=fields)])).as_string()
    for name in ("CASCADE", "PROTECT", "RESTRICT", "SET_NULL", "SET_DEFAULT", "DO_NOTHING"):
        assert f"on_delete=models.{name}," in source
    assert "on_delete=models.SET(0)," in source
    assert f"on_delete=models.SET({app.package}.values.default_slug)," in source


def test_indexes_and_constraints_with_q_round_trip(app):
    """Index, UniqueConstraint and CheckConstraint come back equal, including Q trees with
    OR, negation, nesting, F references and arithmetic."""
    check = (
        models.Q(price__gte=0, stock__lte=1000)
        | ~models.Q(status__in=["draft", "gone"])
        | models.Q(("ends__gt", models.F("starts") + dt.timedelta(days=1)))
    )
    options = {
        "indexes": [
            models.Index(fields=["title", "-created"], name="post_title_idx"),
            models.Index(fields=["slug"]),
        ],
        "constraints": [
            models.UniqueConstraint(fields=["slug", "day"], name="uniq_slug_day"),
            models.CheckConstraint(check=check, name="sane"),
            models.CheckConstraint(
                check=models.Q(total=2 * models.F("a") * 2 - models.F("b"), neg=-models.F("x")),
                name="sum",
            ),
            models.CheckConstraint(check=~~models.Q(flag=True), name="double_negation"),
        ],
    }
    (loaded,) = round_trip(app, [KeepOp(options=options)])
    indexes = loaded.kwargs["options"]["indexes"]
    assert indexes == options["indexes"]
    # CombinedExpression defines no ==: constraints holding one compare deeply only (above).
    assert loaded.kwargs["options"]["constraints"][0] == options["constraints"][0]
    total = dict(loaded.kwargs["options"]["constraints"][2].check.children)["total"]
    assert isinstance(total, CombinedExpression) and total.connector == "-"
    source = MigrationWriter(make_migration([KeepOp(options=options)])).as_string()
    assert "models.Q(price__gte=0, stock__lte=1000)" in source
    assert '~models.Q(status__in=["draft", "gone"])' in source and '_connector="OR"' in source
    assert 'total=((2 * models.F("a")) * 2) - models.F("b")' in source
    assert "~~models.Q(flag=True)" in source


def test_positional_arguments_and_custom_operations_round_trip(app):
    """Positional arguments come back as keywords (Operation.deconstruct binds them to the
    parameters' names); an operation the migrations package does not export is written by
    its import path."""
    archive = app.values.Archive("post", keep=False)
    loaded = round_trip(app, [PairOp("a", second=[1]), PairOp((2, 3)), archive])
    assert loaded[0] == PairOp("a", second=[1])
    assert loaded[2] == archive and type(loaded[2]) is app.values.Archive
    source = MigrationWriter(make_migration([PairOp("a", second=[1]), archive])).as_string()
    assert f'        {app.package}.values.Archive(\n            model_name="post",\n            keep=False,\n' in source


def test_dependencies_initial_and_atomic_round_trip(app):
    """Dependencies, initial = True and atomic = False come back as written."""
    migration = make_migration([], dependencies=[("blog", "0000_base")], initial=True, atomic=False)
    source = MigrationWriter(migration).as_string()
    assert "    initial = True\n    atomic = False\n" in source
    (app.root / app.package / "migrations").mkdir()
    (app.root / app.package / "migrations" / "__init__.py").write_text("")
    path = MigrationWriter(migration).write(app.root / app.package / "migrations")
    (app.root / app.package / "migrations" / "0000_base.py").write_text(
        MigrationWriter(make_migration([], name="0000_base")).as_string()
    )
    ruff_check(path, app.root)
    app.loader.load()
    loaded = app.loader.disk_migrations[("blog", "0001_initial")]
    assert loaded.dependencies == [("blog", "0000_base")]
    assert loaded.initial is True and loaded.atomic is False
    assert loaded.operations == []


def test_the_documented_shape():
    """An AddField migration is written exactly in the documented layout: docstring with the
    description and the generation time, the two imports, one argument a line."""
    migration = make_migration(
        [migrations.AddField(
            model_name="post", name="slug", field=models.CharField(default="", max_length=50)
        )],
        name="0002_post_slug",
        dependencies=[("blog", "0001_initial")],
    )
    source = MigrationWriter(migration, generated_at=dt.datetime(2026, 11, 21, 12, 0)).as_string()
    assert source == textwrap.dedent('''\
        """Add field slug to post.

        Generated by orm on 2026-11-21 12:00.
        """

        import migrations
        from orm import models


        class Migration(migrations.Migration):
            dependencies = [
                ("blog", "0001_initial"),
            ]

            operations = [
                migrations.AddField(
                    model_name="post",
                    name="slug",
                    field=models.CharField(max_length=50, default=""),
                ),
            ]
        ''')
    writer = MigrationWriter(migration)
    assert writer.filename == "0002_post_slug.py"
    assert writer.path("/somewhere") == Path("/somewhere/0002_post_slug.py")


def test_empty_migration_and_long_values_layout():
    """No operations and no dependencies give empty lists; a value too long for one line is
    spread over lines, one item each, indented by four."""
    empty = MigrationWriter(make_migration([]), generated_at=dt.datetime(2026, 1, 1)).as_string()
    assert '"""Empty migration.' in empty
    assert "    dependencies = []\n\n    operations = []\n" in empty
    assert "from orm import models" not in empty  # only imports that are used
    long = MigrationWriter(make_migration([KeepOp(items=[f"value {i}" for i in range(20)])])).as_string()
    assert '            items=[\n                "value 0",\n                "value 1",\n' in long
    assert all(len(line) <= 88 for line in long.splitlines())


def test_multi_operation_docstring_lists_each_operation():
    """A migration with several operations summarizes them in its docstring, one a line."""
    source = MigrationWriter(make_migration([KeepOp(a=1), PairOp(1)])).as_string()
    assert source.startswith('"""Keep 1 values, and 1 more.\n\n- Keep 1 values\n- PairOp\n')


def test_unsupported_values_name_the_value_and_the_operation():
    """A lambda, a nested function, an arbitrary object, or NOT_PROVIDED inside a value are
    errors naming the value, the operation and the migration; nothing is written."""

    def local() -> None:
        pass

    class Opaque:
        def __repr__(self) -> str:
            return "<Opaque thing>"

    cases = [
        (lambda: 1, "lambda"),
        (local, "inside a function"),
        (Opaque(), "<Opaque thing>"),
        ([models.NOT_PROVIDED], "NOT_PROVIDED"),
        ({1: models.Func(models.F("x"), function="ABS")}, "Func"),
    ]
    for value, expected in cases:
        migration = make_migration([KeepOp(a=1), KeepOp(bad=value)])
        with pytest.raises(SerializationError) as info:
            MigrationWriter(migration).as_string()
        message = str(info.value)
        assert expected in message, message
        assert "blog.0001_initial" in message and "operation 2 (KeepOp" in message, message


def test_not_provided_keyword_arguments_are_left_out():
    """A keyword argument whose value is NOT_PROVIDED (no value) is omitted, not written."""
    source = MigrationWriter(make_migration([KeepOp(default=models.NOT_PROVIDED, x=1)])).as_string()
    assert "default=" not in source and "x=1," in source


def test_serialize_returns_source_and_imports():
    """serialize() gives the one-line source and the import statements it needs."""
    assert serialize(decimal.Decimal("1.5")) == ('decimal.Decimal("1.5")', {"import decimal"})
    assert serialize(models.CASCADE) == ("models.CASCADE", {"from orm import models"})
    assert serialize({"a": [1, (2,)]}) == ('{"a": [1, (2,)]}', set())
    assert serialize(dt.timedelta(days=2, microseconds=3)) == (
        "datetime.timedelta(days=2, microseconds=3)", {"import datetime"}
    )
    assert serialize(migrations.RunPython.noop) == ("migrations.RunPython.noop", {"import migrations"})


def test_deep_deconstruct_compares_by_content():
    """deep_deconstruct makes equal fields, constraints and expressions compare equal (they
    are distinct objects) and different ones unequal, through containers and operations."""
    def op(max_length: int, check_value: int) -> KeepOp:
        return KeepOp(
            field=models.CharField(max_length=max_length),
            constraint=models.CheckConstraint(check=models.Q(n__gte=models.F("m") + check_value), name="c"),
        )

    assert deep_deconstruct(op(5, 1)) == deep_deconstruct(op(5, 1))
    assert deep_deconstruct(op(5, 1)) != deep_deconstruct(op(6, 1))
    assert deep_deconstruct(op(5, 1)) != deep_deconstruct(op(5, 2))
    assert deep_deconstruct(op(5, 1)) != deep_deconstruct(PairOp(1))
    assert deep_deconstruct(models.SET(1)) != deep_deconstruct(models.SET(2))
