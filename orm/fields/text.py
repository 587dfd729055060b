"""Character and text fields."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from ..exceptions import ValidationError
from .base import Field

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def validate_email(value: Any) -> None:
    if value and not _EMAIL.match(value):
        raise ValidationError(f"{value!r} is not a valid email address")


def text_value(field: Field, value: Any) -> Any:
    """A string for a text column: numbers and the like are converted, containers refused."""
    if value is None or type(value) is str:
        return value
    if isinstance(value, (bytes, bytearray, dict, list, tuple, set)):
        raise field.invalid(value, "a string")
    return str(value)


class CharField(Field):
    internal_type = "CharField"
    prep_passthrough = str

    def __init__(self, *args: Any, max_length: int | None = None, **kwargs: Any) -> None:
        # No max_length: an unlimited varchar (PostgreSQL and SQLite both have one), as in
        # Django 4.2+; mostly for output_field=CharField() in expressions.
        if max_length is not None and max_length < 1:
            raise TypeError(f"{type(self).__name__} max_length must be positive")
        super().__init__(*args, max_length=max_length, **kwargs)

    def to_python(self, value: Any) -> Any:
        return text_value(self, value)

    def default_validators(self) -> list[Callable[[Any], None]]:
        limit = self.max_length

        def length(value: Any) -> None:
            if value is not None and limit is not None and len(value) > limit:
                raise ValidationError(f"has {len(value)} characters, at most {limit} allowed")

        return [length]


class EmailField(CharField):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("max_length", 254)
        super().__init__(*args, **kwargs)

    def default_validators(self) -> list[Callable[[Any], None]]:
        return [*super().default_validators(), validate_email]


class TextField(Field):
    internal_type = "TextField"
    prep_passthrough = str

    def to_python(self, value: Any) -> Any:
        return text_value(self, value)
