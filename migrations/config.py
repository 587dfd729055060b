"""The project the command line works on: ``[tool.orm]`` in the application's pyproject.toml.

```toml
[tool.orm]
apps = ["blog", "shop"]              # packages whose `models` module holds the models
[tool.orm.databases]
default = "sqlite:///db.sqlite3"
```

``--database URL`` and the ``DATABASE_URL`` environment variable override the default
database's URL, in that order.
"""

from __future__ import annotations

import importlib
import os
import sys
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from orm.exceptions import ImproperlyConfigured

EXAMPLE = """\
[tool.orm]
apps = ["blog"]                      # packages whose `models` module holds your models
[tool.orm.databases]
default = "sqlite:///db.sqlite3"     # or "postgresql://user@localhost:5432/dbname"
"""


@dataclass
class Project:
    root: Path
    # app label -> package import path (the label is the package's last component)
    apps: dict[str, str]
    databases: dict[str, Any] = field(default_factory=dict)

    def make_importable(self) -> None:
        """Put the project's root on ``sys.path``, so that its app packages (and their
        migrations) import."""
        root = str(self.root)
        if root not in sys.path:
            sys.path.insert(0, root)

    def import_models(self) -> None:
        """Import each app's ``models`` module (so its models register)."""
        self.make_importable()
        for package in self.apps.values():
            try:
                importlib.import_module(f"{package}.models")
            except ModuleNotFoundError as e:
                if e.name in (package, f"{package}.models"):
                    raise ImproperlyConfigured(
                        f"[tool.orm] apps lists {package!r}, but {package}.models cannot be "
                        f"imported from {self.root} ({e})"
                    ) from None
                raise


def find_pyproject(start: Path) -> Path | None:
    for directory in [start, *start.parents]:
        candidate = directory / "pyproject.toml"
        if candidate.is_file():
            try:
                data = tomllib.loads(candidate.read_text(encoding="utf-8"))
            except tomllib.TOMLDecodeError as e:
                raise ImproperlyConfigured(f"{candidate} is not valid TOML: {e}") from None
            if "orm" in data.get("tool", {}):
                return candidate
    return None


def load_project(
    start: Path | None = None,
    database_url: str | None = None,
    environ: dict[str, str] | None = None,
) -> Project:
    """The project around ``start`` (the current directory by default)."""
    environ = dict(os.environ) if environ is None else environ
    start = (start or Path.cwd()).resolve()
    path = find_pyproject(start)
    if path is None:
        raise ImproperlyConfigured(
            f"no [tool.orm] section found in a pyproject.toml in {start} or above it. "
            f"Add one to your project's pyproject.toml, for example:\n\n{EXAMPLE}"
        )
    settings = tomllib.loads(path.read_text(encoding="utf-8"))["tool"]["orm"]
    apps = settings.get("apps")
    if not isinstance(apps, list) or not apps or not all(isinstance(a, str) and a for a in apps):
        raise ImproperlyConfigured(
            f"{path}: [tool.orm] apps must be a non-empty list of package names, e.g. "
            'apps = ["blog"]'
        )
    labels: dict[str, str] = {}
    for package in apps:
        label = package.rpartition(".")[2]
        if label in labels:
            raise ImproperlyConfigured(
                f"{path}: [tool.orm] apps has two packages with the app label {label!r} "
                f"({labels[label]} and {package})"
            )
        labels[label] = package
    databases = dict(settings.get("databases") or {})
    override = database_url or environ.get("DATABASE_URL")
    if override:
        default = databases.get("default")
        if isinstance(default, dict):
            databases["default"] = {**default, "url": override}
        else:
            databases["default"] = override
    if "default" not in databases:
        raise ImproperlyConfigured(
            f"{path}: no default database. Add it under [tool.orm.databases] "
            '(default = "sqlite:///db.sqlite3"), or pass --database URL, or set DATABASE_URL.'
        )
    return Project(root=path.parent, apps=labels, databases=databases)
