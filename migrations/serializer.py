"""Python source for the values found in migration operations.

``serialize(value)`` returns ``(source, imports)``: an expression that rebuilds ``value`` when
the migration file runs, and the import statements it needs (``"import datetime"``,
``"from orm import models"``). Values the serializer does not know raise SerializationError
naming the value; nothing is ever written with ``repr()`` and hoped for.

Layout is separate from spelling: the serializer builds a small tree of nodes, which
``render()`` prints on one line when it fits and spreads over indented lines when it does not.
The writer uses the tree directly; ``serialize()`` returns the one-line form.

``deep_deconstruct(value)`` turns a value into plain, comparable data (fields, indexes,
constraints, Q and F objects become their import path and arguments), so that two operations
can be compared whether or not the objects inside them define ``==``.
"""

from __future__ import annotations

import builtins
import datetime as dt
import decimal
import enum
import importlib
import math
import types
import uuid
import zoneinfo
from dataclasses import dataclass, field
from typing import Any

ORM_MODELS_IMPORT = "from orm import models"
MIGRATIONS_IMPORT = "import migrations"

# Python operators for CombinedExpression connectors (the modulo one is stored escaped).
_OPERATORS = {"+": "+", "-": "-", "*": "*", "/": "/", "%%": "%"}
_ON_DELETE_NAMES = ("CASCADE", "PROTECT", "RESTRICT", "SET_NULL", "SET_DEFAULT", "DO_NOTHING")


class SerializationError(ValueError):
    """A value that cannot be written into a migration file."""


# -- layout ------------------------------------------------------------------------------------
@dataclass
class Atom:
    """Source that is never split."""

    text: str


@dataclass
class Group:
    """``opener item, item closer``: a call, list, tuple, dict or set, which may be spread
    over lines (one item a line, each followed by a comma)."""

    opener: str
    items: list[Node]
    closer: str
    # A one-item tuple needs its comma on one line too.
    single_comma: bool = False
    # Always spread over lines when it has items (operations in a migration file).
    expand: bool = False


@dataclass
class Joined:
    """Nodes printed one after the other: ``name=value``, ``key: value``, ``a + b``."""

    parts: list[Node] = field(default_factory=list)


Node = Atom | Group | Joined


def flat(node: Node) -> str:
    """The one-line source of ``node``."""
    if isinstance(node, Atom):
        return node.text
    if isinstance(node, Joined):
        return "".join(flat(p) for p in node.parts)
    inner = ", ".join(flat(item) for item in node.items)
    if node.single_comma and len(node.items) == 1:
        inner += ","
    return f"{node.opener}{inner}{node.closer}"


def render(node: Node, indent: int = 0, width: int = 88, used: int = 0) -> str:
    """The source of ``node`` for a line indented by ``indent`` spaces, ``used`` characters of
    which are already taken by what precedes it on that line; spread over several lines
    where one would be longer than ``width``."""
    one_line = flat(node)
    forced = isinstance(node, Group) and node.expand and node.items
    if not forced and indent + used + len(one_line) <= width:
        return one_line
    if isinstance(node, Atom):
        return node.text
    if isinstance(node, Joined):
        # Only the last part is spread: `name=models.CharField(` then its arguments.
        head = "".join(flat(p) for p in node.parts[:-1])
        return head + render(node.parts[-1], indent, width, used + len(head))
    if not node.items:
        return one_line
    pad = " " * (indent + 4)
    # The trailing comma of each item takes one column.
    lines = [pad + render(item, indent + 4, width - 1) + "," for item in node.items]
    return "\n".join([node.opener, *lines, " " * indent + node.closer])


# -- literals ----------------------------------------------------------------------------------
def _str_literal(text: str) -> str:
    """A double-quoted literal (the style of the rest of a migration file)."""
    out = ['"']
    for ch in text:
        if ch == '"':
            out.append('\\"')
        elif ch == "\\":
            out.append("\\\\")
        elif ch.isprintable():
            out.append(ch)
        else:
            out.append(repr(ch)[1:-1])  # \n, \t, \x00, \u200b ...
    out.append('"')
    return "".join(out)


_BYTE_ESCAPES = {ord('"'): '\\"', ord("\\"): "\\\\", ord("\n"): "\\n", ord("\r"): "\\r", ord("\t"): "\\t"}


def _bytes_literal(data: bytes) -> str:
    out = ['b"']
    for byte in data:
        if byte in _BYTE_ESCAPES:
            out.append(_BYTE_ESCAPES[byte])
        elif 0x20 <= byte < 0x7F:
            out.append(chr(byte))
        else:
            out.append(f"\\x{byte:02x}")
    out.append('"')
    return "".join(out)


def _describe(value: Any) -> str:
    try:
        text = repr(value)
    except Exception:  # a broken __repr__ must not hide the real error
        text = object.__repr__(value)
    if len(text) > 200:
        text = text[:200] + "..."
    return f"{text} (of type {type(value).__module__}.{type(value).__qualname__})"


def _resolve(root: Any, qualname: str) -> Any:
    obj = root
    for part in qualname.split("."):
        obj = getattr(obj, part)
    return obj


def _same(found: Any, value: Any) -> bool:
    if found is value:
        return True
    # Bound methods (builtin ones too: datetime.date.today) are made anew on each attribute
    # access; they compare equal.
    return getattr(value, "__self__", None) is not None and bool(found == value)


# -- the serializer ----------------------------------------------------------------------------
class Serializer:
    """Builds nodes for values and collects the imports they need. One per migration file,
    so that imports accumulate across its operations."""

    def __init__(self) -> None:
        self.imports: set[str] = set()

    # -- references to importable things -------------------------------------------------
    def reference(self, obj: Any) -> str:
        """The dotted name of a module-level function, class or method, importing its module.
        Things the ORM exports are spelled ``models.X`` and ``migrations.X``."""
        qualname = getattr(obj, "__qualname__", None)
        module = getattr(obj, "__module__", None)
        owner = getattr(obj, "__self__", None)
        if module is None and isinstance(owner, type):
            module = owner.__module__  # a builtin method of a class: datetime.date.today
        if not isinstance(qualname, str) or not isinstance(module, str):
            raise SerializationError(f"cannot write {_describe(obj)}: it has no import path")
        if qualname == "<lambda>" or "<lambda>" in qualname:
            raise SerializationError(
                f"cannot write the lambda {_describe(obj)}: migration files can only refer to "
                "module-level functions; define it with def at the top level of a module"
            )
        if "<locals>" in qualname:
            raise SerializationError(
                f"cannot write {_describe(obj)}: it is defined inside a function; "
                "move it to the top level of a module"
            )
        if isinstance(obj, types.MethodType) and not isinstance(obj.__self__, type):
            raise SerializationError(
                f"cannot write {_describe(obj)}: it is a method bound to an instance"
            )
        if module == "builtins":
            if _same(_resolve(builtins, qualname), obj):
                return qualname
        if module == "orm" or module.startswith("orm."):
            import orm.models

            if self._exported(orm.models, qualname, obj):
                self.imports.add(ORM_MODELS_IMPORT)
                return f"models.{qualname}"
        if module == "migrations" or module.startswith("migrations."):
            import migrations

            if self._exported(migrations, qualname, obj):
                self.imports.add(MIGRATIONS_IMPORT)
                return f"migrations.{qualname}"
        if module == "__main__" or not all(p.isidentifier() for p in module.split(".")):
            raise SerializationError(
                f"cannot write {_describe(obj)}: its module {module!r} cannot be imported by "
                "name; define it in an importable module"
            )
        if module.split(".")[0] == "models":
            raise SerializationError(
                f"cannot write {_describe(obj)}: importing its module {module!r} would hide "
                "the name `models` (orm.models) that migration files use"
            )
        try:
            found = _resolve(importlib.import_module(module), qualname)
        except (ImportError, AttributeError):
            found = None
        if not _same(found, obj):
            raise SerializationError(
                f"cannot write {_describe(obj)}: it is not reachable as {module}.{qualname}"
            )
        self.imports.add(f"import {module}")
        return f"{module}.{qualname}"

    @staticmethod
    def _exported(root: Any, qualname: str, obj: Any) -> bool:
        try:
            return _same(_resolve(root, qualname), obj)
        except AttributeError:
            return False

    def path_reference(self, path: str) -> str:
        """The spelling of a class given by import path (from a ``deconstruct()``)."""
        module, _, name = path.rpartition(".")
        if not module or not all(p.isidentifier() for p in path.split(".")):
            raise SerializationError(f"cannot write a reference to {path!r}: not an import path")
        if module == "orm.models":
            self.imports.add(ORM_MODELS_IMPORT)
            return f"models.{name}"
        if module == "migrations":
            self.imports.add(MIGRATIONS_IMPORT)
            return f"migrations.{name}"
        if module.split(".")[0] == "models":
            raise SerializationError(
                f"cannot write a reference to {path!r}: importing its module would hide the "
                "name `models` (orm.models) that migration files use"
            )
        self.imports.add(f"import {module}")
        return path

    # -- nodes ------------------------------------------------------------------------------
    def call(
        self, callee: str, args: list[Any], kwargs: dict[str, Any], *, expand: bool = False
    ) -> Group:
        """``callee(arg, ..., key=value, ...)``; keyword arguments equal to NOT_PROVIDED are
        left out (NOT_PROVIDED means the argument was not given)."""
        from orm.fields.base import NOT_PROVIDED

        items: list[Node] = [self.node(a) for a in args]
        for key, value in kwargs.items():
            if value is NOT_PROVIDED:
                continue
            if not key.isidentifier():
                raise SerializationError(f"cannot write the keyword argument {key!r} of {callee}")
            items.append(Joined([Atom(f"{key}="), self.node(value)]))
        return Group(f"{callee}(", items, ")", expand=expand)

    def node(self, value: Any) -> Node:
        """The node of any value a migration may hold."""
        from orm.fields.base import NOT_PROVIDED

        if value is NOT_PROVIDED:
            raise SerializationError(
                "cannot write NOT_PROVIDED: it means no value was given, so the argument "
                "holding it is left out, and it has no meaning inside another value"
            )
        if value is None or isinstance(value, bool):
            return Atom(repr(value))
        if isinstance(value, enum.Enum):
            return self._enum(value)
        if isinstance(value, int):
            return Atom(repr(int(value)))
        if isinstance(value, float):
            return self._float(value)
        if isinstance(value, decimal.Decimal):
            self.imports.add("import decimal")
            return Group("decimal.Decimal(", [Atom(_str_literal(str(value)))], ")")
        if isinstance(value, str):
            return Atom(_str_literal(str(value)))
        if type(value) is bytes:
            return Atom(_bytes_literal(value))
        if type(value) is bytearray:
            return Atom(f"bytearray({_bytes_literal(bytes(value))})")
        if isinstance(value, dt.datetime | dt.date | dt.time | dt.timedelta | dt.tzinfo):
            return self._temporal(value)
        if isinstance(value, uuid.UUID):
            self.imports.add("import uuid")
            return Group("uuid.UUID(", [Atom(_str_literal(str(value)))], ")")
        kind = type(value)
        if kind is list:
            return Group("[", [self.node(v) for v in value], "]")
        if kind is tuple:
            return Group("(", [self.node(v) for v in value], ")", single_comma=True)
        if kind is dict:
            return Group(
                "{", [Joined([self.node(k), Atom(": "), self.node(v)]) for k, v in value.items()], "}"
            )
        if kind is set or kind is frozenset:
            return self._set(value)
        special = self._orm_object(value)
        if special is not None:
            return special
        if isinstance(value, type) or isinstance(
            value, types.FunctionType | types.BuiltinFunctionType | types.MethodType
        ):
            return Atom(self.reference(value))
        deconstruct = getattr(value, "deconstruct", None)
        if callable(deconstruct):
            return self._deconstructible(value, deconstruct())
        raise SerializationError(
            f"cannot write {_describe(value)} into a migration file: give its class a "
            "deconstruct() method returning (import path, args, kwargs), or use a value of a "
            "supported type"
        )

    def _float(self, value: float) -> Node:
        if math.isnan(value):
            return Atom('float("nan")')
        if math.isinf(value):
            return Atom('float("inf")' if value > 0 else 'float("-inf")')
        return Atom(repr(value))

    def _enum(self, member: enum.Enum) -> Node:
        cls = type(member)
        if getattr(cls, member.name, None) is not member:
            raise SerializationError(f"cannot write the enum member {_describe(member)}")
        return Atom(f"{self.reference(cls)}.{member.name}")

    def _set(self, value: set[Any] | frozenset[Any]) -> Node:
        # Sets have no order: sort by source so that the same set is always written the same.
        items = sorted((self.node(v) for v in value), key=flat)
        if type(value) is frozenset:
            if not items:
                return Atom("frozenset()")
            return Joined([Atom("frozenset("), Group("{", items, "}"), Atom(")")])
        if not items:
            return Atom("set()")
        return Group("{", items, "}")

    def _temporal(self, value: Any) -> Node:
        self.imports.add("import datetime")

        def numbers(*parts: int) -> list[Node]:
            return [Atom(str(p)) for p in parts]

        if isinstance(value, dt.datetime):
            items = numbers(value.year, value.month, value.day, value.hour, value.minute)
            items += numbers(*self._seconds(value.second, value.microsecond))
            if value.tzinfo is not None:
                # Aware datetimes are written in UTC (the same instant, so still ==).
                utc = value.astimezone(dt.timezone.utc)
                items = numbers(utc.year, utc.month, utc.day, utc.hour, utc.minute)
                items += numbers(*self._seconds(utc.second, utc.microsecond))
                items.append(Atom("tzinfo=datetime.timezone.utc"))
            return Group("datetime.datetime(", items, ")")
        if isinstance(value, dt.date):
            return Group("datetime.date(", numbers(value.year, value.month, value.day), ")")
        if isinstance(value, dt.time):
            items = numbers(value.hour, value.minute, *self._seconds(value.second, value.microsecond))
            if value.tzinfo is not None:
                items.append(Joined([Atom("tzinfo="), self._temporal(value.tzinfo)]))
            return Group("datetime.time(", items, ")")
        if isinstance(value, dt.timedelta):
            named = [("days", value.days), ("seconds", value.seconds), ("microseconds", value.microseconds)]
            parts: list[Node] = [Atom(f"{k}={v}") for k, v in named if v]
            return Group("datetime.timedelta(", parts or [Atom("0")], ")")
        if value is dt.timezone.utc or value == dt.timezone.utc:
            return Atom("datetime.timezone.utc")
        if isinstance(value, dt.timezone):
            return Group("datetime.timezone(", [self._temporal(value.utcoffset(None))], ")")
        if isinstance(value, zoneinfo.ZoneInfo) and value.key:
            self.imports.add("import zoneinfo")
            return Group("zoneinfo.ZoneInfo(", [Atom(_str_literal(value.key))], ")")
        raise SerializationError(f"cannot write the time zone {_describe(value)}")

    @staticmethod
    def _seconds(second: int, microsecond: int) -> list[int]:
        if microsecond:
            return [second, microsecond]
        return [second] if second else []

    def _deconstructible(self, value: Any, parts: Any) -> Node:
        """An object rebuilt from its ``deconstruct()``: fields give (name, path, args, kwargs),
        anything else (indexes, constraints, user classes) (path, args, kwargs)."""
        if isinstance(parts, tuple) and len(parts) == 4:
            parts = parts[1:]
        if not (
            isinstance(parts, tuple)
            and len(parts) == 3
            and isinstance(parts[0], str)
            and "." in parts[0]
        ):
            raise SerializationError(
                f"cannot write {_describe(value)}: its deconstruct() must return "
                "(import path, args, kwargs)"
            )
        path, args, kwargs = parts
        if not _importable(path):
            # A subclass may inherit a deconstruct() that names its parent's module (a
            # project's field subclassing CharField gets "orm.models.SlugField"): the class
            # itself is the truth, when it is reachable.
            cls = type(value)
            if path.rpartition(".")[2] != cls.__name__:
                raise SerializationError(
                    f"cannot write {_describe(value)}: its deconstruct() names {path!r}, "
                    "which cannot be imported"
                )
            return self.call(self.reference(cls), list(args), dict(kwargs))
        return self.call(self.path_reference(path), list(args), dict(kwargs))

    def _orm_object(self, value: Any) -> Node | None:
        """Q, F, Value, arithmetic between them, and on_delete rules."""
        from orm.expressions import CombinedExpression, F, Q, Value
        from orm.fields.related import OnDelete

        if isinstance(value, Q):
            return self._q(value)
        if isinstance(value, F) and type(value) is F:
            self.imports.add(ORM_MODELS_IMPORT)
            return Atom(f"models.F({_str_literal(value.name)})")
        if type(value) is Value:
            self.imports.add(ORM_MODELS_IMPORT)
            kwargs: dict[str, Any] = {}
            given = value._output_field
            if given is not None and _signature(given) != _signature(_default_output(value.value)):
                kwargs["output_field"] = given
            return self.call("models.Value", [value.value], kwargs)
        if type(value) is CombinedExpression:
            operator = _OPERATORS.get(value.connector)
            if operator is None:
                raise SerializationError(f"cannot write the expression {_describe(value)}")

            def operand(side: Any, other: Any) -> Node:
                if type(side) is CombinedExpression:
                    return Joined([Atom("("), self.node(side), Atom(")")])
                if type(side) is Value and type(other) is not Value and _plain_value(side):
                    # F("a") * 2 builds the same tree as F("a") * Value(2): Python values
                    # next to an expression are wrapped in Value() by the operator.
                    return self.node(side.value)
                return self.node(side)

            return Joined(
                [operand(value.lhs, value.rhs), Atom(f" {operator} "), operand(value.rhs, value.lhs)]
            )
        if isinstance(value, OnDelete):
            return self._on_delete(value)
        return None

    def _q(self, q: Any) -> Node:
        from orm.expressions import Q

        self.imports.add(ORM_MODELS_IMPORT)
        children = list(q.children)
        # Q(**kwargs) stores its keyword children sorted by name, after the positional ones:
        # the longest sorted run of (name, value) pairs at the end is written as keywords.
        split = len(children)
        while split > 0:
            child = children[split - 1]
            if not (
                type(child) is tuple
                and len(child) == 2
                and isinstance(child[0], str)
                and child[0].isidentifier()
                and not child[0].startswith("_")
            ):
                break
            if split < len(children) and not child[0] < children[split][0]:
                break
            split -= 1
        items: list[Node] = []
        for child in children[:split]:
            if not isinstance(child, Q) and not (type(child) is tuple and len(child) == 2):
                raise SerializationError(f"cannot write the Q child {_describe(child)}")
            items.append(self.node(child))
        for name, value in children[split:]:
            items.append(Joined([Atom(f"{name}="), self.node(value)]))
        if q.negated and q.connector == Q.AND and len(children) == 1 and isinstance(children[0], Q):
            # ~Q(...) builds exactly this: a negated AND holding the Q it inverts.
            return Joined([Atom("~"), self._q(children[0])])
        if q.connector != Q.AND:
            items.append(Joined([Atom("_connector="), self.node(q.connector)]))
        if q.negated:
            items.append(Atom("_negated=True"))
        return Group("models.Q(", items, ")")

    def _on_delete(self, value: Any) -> Node:
        import orm.models

        self.imports.add(ORM_MODELS_IMPORT)
        if value.name in _ON_DELETE_NAMES and getattr(orm.models, value.name) == value:
            return Atom(f"models.{value.name}")
        if value.name == "SET":
            if hasattr(value, "argument"):
                argument = value.argument
            elif callable(value.value) and getattr(value.value, "__name__", "") != "<lambda>":
                argument = value.value
            else:
                raise SerializationError(
                    f"cannot write {_describe(value)}: the value given to SET() is not known"
                )
            return Group("models.SET(", [self.node(argument)], ")")
        raise SerializationError(f"cannot write the on_delete rule {_describe(value)}")


def _importable(path: str) -> bool:
    module, _, name = path.rpartition(".")
    try:
        return hasattr(importlib.import_module(module), name)
    except Exception:  # not importable, for whatever reason: the caller explains
        return False


def _plain_value(value: Any) -> bool:
    """Whether a Value() holds a plain Python value with the output field it would get anyway
    (so that writing the bare value rebuilds it)."""
    given = value._output_field
    inner = value.value
    return not hasattr(inner, "resolve") and (
        given is None or _signature(given) == _signature(_default_output(inner))
    )


def _default_output(value: Any) -> Any:
    from orm.expressions import field_for_value

    return field_for_value(value)


def _signature(field_or_none: Any) -> Any:
    return None if field_or_none is None else deep_deconstruct(field_or_none)


def serialize(value: Any) -> tuple[str, set[str]]:
    """(one-line source, import statements) of ``value``; SerializationError if it cannot be
    written into a migration file."""
    serializer = Serializer()
    return flat(serializer.node(value)), serializer.imports


# -- comparison --------------------------------------------------------------------------------
def deep_deconstruct(value: Any) -> Any:
    """``value`` as plain data that compares with ``==`` the way its source would: a field
    becomes (its import path, args, kwargs) without its name or identity, and so do indexes,
    constraints, Q, F, Value and arithmetic between them, on_delete rules and operations,
    recursively through lists, tuples, dicts and sets."""
    from orm.expressions import CombinedExpression, F, Q, Value
    from orm.fields.related import OnDelete

    kind = type(value)
    if kind is list:
        return [deep_deconstruct(v) for v in value]
    if kind is tuple:
        return tuple(deep_deconstruct(v) for v in value)
    if kind is dict:
        return {k: deep_deconstruct(v) for k, v in value.items()}
    if isinstance(value, Q):
        return ("Q", value.connector, value.negated, [deep_deconstruct(c) for c in value.children])
    if kind is F:
        return ("F", value.name)
    if kind is Value:
        return ("Value", deep_deconstruct(value.value))
    if kind is CombinedExpression:
        return (
            "CombinedExpression",
            deep_deconstruct(value.lhs),
            value.connector,
            deep_deconstruct(value.rhs),
        )
    if isinstance(value, OnDelete):
        return ("OnDelete", value.name, deep_deconstruct(getattr(value, "argument", value.value)))
    deconstruct = getattr(value, "deconstruct", None)
    if callable(deconstruct) and not isinstance(value, type):
        parts = deconstruct()
        if isinstance(parts, tuple) and len(parts) == 4:
            parts = parts[1:]  # a field: its name is where it is used, not what it is
        if isinstance(parts, tuple) and len(parts) == 3:
            path, args, kwargs = parts
            if "." not in str(path):
                path = f"{type(value).__module__}.{type(value).__qualname__}"
            return (
                path,
                [deep_deconstruct(a) for a in args],
                {k: deep_deconstruct(v) for k, v in kwargs.items()},
            )
    return value
