"""A generated ``__init__`` body for the common call: keyword arguments naming columns.

``Item(name="x", price=p)`` is how applications, ``create()`` and ``bulk_create()`` callers
build instances; bulk code builds thousands. For such a call the instance dict can be written
as one dict display, each value taken from the keywords or from the field's default, instead
of a loop over the fields with a lookup and a pop per field. Model.__init__ takes this path
when every keyword is a column's attribute name; positional arguments, related objects by
field name, and property setters go the general way.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ..fields.base import NOT_PROVIDED
from .state import ModelState

#: (accepted keyword names, fill(instance_dict, kwargs))
KeywordConstructor = tuple[frozenset[str], Callable[[Any, dict[str, Any]], None]]


def keyword_constructor(plan: tuple[tuple[str, str, bool, Any], ...]) -> KeywordConstructor:
    """The fast path for ``plan`` (Options.init_plan): which keywords it accepts, and the
    function that sets ``obj.__dict__`` from them. Attribute names enter the source only as
    repr() literals; defaults are referred to by position."""
    namespace: dict[str, Any] = {"ModelState": ModelState}
    items = []
    for i, (_, attname, _, field) in enumerate(plan):
        default = field.default
        if default is NOT_PROVIDED or not callable(default):
            # the value get_default() would return, the same object every time as there
            namespace[f"c{i}"] = field.get_default()
            fallback = f"c{i}"
        else:
            namespace[f"d{i}"] = default
            fallback = f"d{i}()"
        items.append(f"{attname!r}: kw[{attname!r}] if {attname!r} in kw else {fallback}")
    source = (
        "def fill(obj, kw):\n"
        # update(), not assignment: a subclass's __init__ may have set attributes already
        f"    obj.__dict__.update({{'_state': ModelState(), {', '.join(items)}}})\n"
    )
    exec(compile(source, "<orm model constructor>", "exec"), namespace)  # noqa: S102 - repr() names
    return frozenset(attname for _, attname, _, _ in plan), namespace["fill"]
