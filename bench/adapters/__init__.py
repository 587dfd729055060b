"""The registry of benchmark adapters: table name -> ``"module:Class"``, imported lazily.

Nothing here imports an adapter's library: the runner loads one adapter per child process,
so a peer library that is not installed only skips its own column.
"""

from __future__ import annotations

import importlib
import importlib.util
from typing import Any

# Order is the column order of the table; raw asyncpg first, as every ratio is taken to it.
ADAPTERS: dict[str, str] = {
    "raw-asyncpg": "bench.adapters.raw_asyncpg:RawAsyncpgAdapter",
    "raw-psycopg": "bench.adapters.raw_psycopg:RawPsycopgAdapter",
    "orm-asyncpg": "bench.adapters.orm_adapters:OrmAsyncpgAdapter",
    "orm-psycopg": "bench.adapters.orm_adapters:OrmPsycopgAdapter",
    "orm-psycopg-threaded": "bench.adapters.orm_adapters:OrmPsycopgThreadedAdapter",
    "orm-sync-psycopg": "bench.adapters.orm_adapters:OrmSyncPsycopgAdapter",
    "django-async": "bench.adapters.django_adapter:DjangoAsyncAdapter",
    "django-sync": "bench.adapters.django_adapter:DjangoSyncAdapter",
    "tortoise": "bench.adapters.tortoise_adapter:TortoiseAdapter",
    "sqlalchemy": "bench.adapters.sqlalchemy_adapter:SQLAlchemyAsyncAdapter",
}

#: every ratio in the table is taken to this adapter's figure in the same run
BASELINE = "raw-asyncpg"


class AdapterUnavailable(Exception):
    """The adapter cannot run here; ``str(e)`` is the reason shown in the table."""


def load_adapter(name: str, registry: dict[str, str] | None = None) -> type[Any]:
    """Import and return the adapter class registered as ``name``.

    Raises AdapterUnavailable("skipped: <module> not installed") when the adapter's library
    (its ``requires``, or anything its module imports) is missing, and KeyError for a name
    that is not registered.
    """
    target = (registry if registry is not None else ADAPTERS)[name]
    module_name, _, class_name = target.partition(":")
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as e:
        missing = e.name or str(e)
        if module_name == missing or module_name.startswith(missing + "."):
            # the adapter's own file is absent, not its library
            raise AdapterUnavailable(f"skipped: adapter module {module_name} not found") from e
        raise AdapterUnavailable(f"skipped: {missing.split('.')[0]} not installed") from e
    cls = getattr(module, class_name, None)
    if cls is None:
        raise AdapterUnavailable(f"skipped: {module_name} has no class {class_name}")
    for required in getattr(cls, "requires", ()):
        try:
            found = importlib.util.find_spec(required) is not None
        except ModuleNotFoundError:  # a dotted name whose parent package is missing
            found = False
        if not found:
            raise AdapterUnavailable(f"skipped: {required} not installed")
    return cls
