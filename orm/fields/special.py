"""Boolean, UUID, JSON and binary fields."""

from __future__ import annotations

import json
import uuid
from typing import Any

from .base import Field

# bools are handled before these; 1 and 0 also match True and False here.
_TRUE = {1, "1", "t", "true", "True", "y", "yes"}
_FALSE = {0, "0", "f", "false", "False", "n", "no"}


class BooleanField(Field):
    internal_type = "BooleanField"
    empty_strings_allowed = False
    prep_passthrough = bool

    def to_python(self, value: Any) -> Any:
        if value is None or value is True or value is False:
            return value
        if isinstance(value, (int, str)) and not isinstance(value, bool):
            if value in _TRUE:
                return True
            if value in _FALSE:
                return False
        raise self.invalid(value, "True or False")


class UUIDField(Field):
    internal_type = "UUIDField"
    empty_strings_allowed = False

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs["max_length"] = 32
        super().__init__(*args, **kwargs)

    def to_python(self, value: Any) -> Any:
        if value is None or isinstance(value, uuid.UUID):
            return value
        try:
            if isinstance(value, int):
                return uuid.UUID(int=value)
            return uuid.UUID(str(value))
        except (ValueError, AttributeError):
            raise self.invalid(value, "a UUID") from None

    def deconstruct(self) -> tuple[str, str, list[Any], dict[str, Any]]:
        name, path, args, kwargs = super().deconstruct()
        kwargs.pop("max_length", None)
        return name, path, args, kwargs


class JSONField(Field):
    """Any JSON-serializable value. Python None is stored as SQL NULL."""

    internal_type = "JSONField"
    empty_strings_allowed = False

    def __init__(self, *args: Any, encoder: type[json.JSONEncoder] | None = None, **kwargs: Any):
        self.encoder = encoder
        super().__init__(*args, **kwargs)

    def to_python(self, value: Any) -> Any:
        return value

    def get_transform(self, name: str) -> Any:
        # After a JSONField, a name that is not a registered transform is a key of the
        # document: doc__owner__name.
        from ..query.json_lookups import json_get_transform

        return json_get_transform(self, name)

    def get_db_adapter(self, dialect: Any) -> Any:
        if self.encoder is None:
            return dialect.adapter(self.internal_type)
        encoder = self.encoder
        return lambda value: json.dumps(value, cls=encoder)

    def get_prep_value(self, value: Any) -> Any:
        if value is None:
            return None
        try:
            json.dumps(value, cls=self.encoder)
        except (TypeError, ValueError) as e:
            raise self.invalid(value, f"a JSON-serializable value ({e})") from None
        return value


class BinaryField(Field):
    internal_type = "BinaryField"
    empty_strings_allowed = True

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("editable", False)
        super().__init__(*args, **kwargs)

    def get_default(self) -> Any:
        if self.has_default() or self.null:
            return super().get_default()
        return b""

    def to_python(self, value: Any) -> Any:
        if value is None or type(value) is bytes:
            return value
        if isinstance(value, (bytearray, memoryview)):
            return bytes(value)
        raise self.invalid(value, "bytes")
