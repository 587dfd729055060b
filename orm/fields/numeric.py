"""Integer, float and decimal fields, and the auto-incrementing primary keys."""

from __future__ import annotations

import decimal
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, ClassVar

from ..exceptions import ValidationError
from .base import Field

if TYPE_CHECKING:
    from backends.base.dialect import Dialect


class IntegerField(Field):
    internal_type = "IntegerField"
    empty_strings_allowed = False
    min_value: ClassVar[int] = -(2**31)
    max_value: ClassVar[int] = 2**31 - 1
    prep_passthrough = int

    def to_python(self, value: Any) -> Any:
        if type(value) is int:
            return value
        if value is None:
            return None
        if isinstance(value, bool):
            return int(value)
        if isinstance(value, float):
            if not value.is_integer():
                raise self.invalid(value, "an integer")
            return int(value)
        try:
            return int(value)
        except (TypeError, ValueError):
            raise self.invalid(value, "an integer") from None

    def default_validators(self) -> list[Callable[[Any], None]]:
        low, high = self.min_value, self.max_value

        def in_range(value: Any) -> None:
            if value is not None and not low <= value <= high:
                raise ValidationError(f"{value} is outside the range {low}..{high}")

        return [in_range]


class SmallIntegerField(IntegerField):
    internal_type = "SmallIntegerField"
    min_value = -(2**15)
    max_value = 2**15 - 1


class BigIntegerField(IntegerField):
    internal_type = "BigIntegerField"
    min_value = -(2**63)
    max_value = 2**63 - 1


class PositiveIntegerField(IntegerField):
    internal_type = "PositiveIntegerField"
    min_value = 0


class AutoFieldMixin:
    """An integer primary key the database assigns."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs["blank"] = True
        kwargs.setdefault("primary_key", True)
        super().__init__(*args, **kwargs)

    def deconstruct(self) -> tuple[str, str, list[Any], dict[str, Any]]:
        name, path, args, kwargs = super().deconstruct()  # type: ignore[misc]
        kwargs.pop("blank", None)  # always True: not an option of these fields
        return name, path, args, kwargs


class AutoField(AutoFieldMixin, IntegerField):
    internal_type = "AutoField"


class BigAutoField(AutoFieldMixin, BigIntegerField):
    internal_type = "BigAutoField"


class SmallAutoField(AutoFieldMixin, SmallIntegerField):
    internal_type = "SmallAutoField"


def _float(value: Any) -> float:
    return value if type(value) is float else float(value)


class FloatField(Field):
    internal_type = "FloatField"
    empty_strings_allowed = False

    def get_db_converter(self, dialect: Dialect) -> Callable[[Any], Any] | None:
        # Computed values (AVG of integers on PostgreSQL) may arrive as decimals.
        return dialect.converter(self.internal_type) or _float

    def to_python(self, value: Any) -> Any:
        if value is None or type(value) is float:
            return value
        try:
            return float(value)
        except (TypeError, ValueError):
            raise self.invalid(value, "a number") from None


class DecimalField(Field):
    internal_type = "DecimalField"
    empty_strings_allowed = False

    def __init__(
        self,
        verbose_name: str | None = None,
        name: str | None = None,
        *,
        max_digits: int | None = None,
        decimal_places: int | None = None,
        **kwargs: Any,
    ) -> None:
        if max_digits is None or decimal_places is None:
            raise TypeError("DecimalField requires max_digits and decimal_places")
        if decimal_places > max_digits:
            raise TypeError("DecimalField: decimal_places cannot exceed max_digits")
        self.max_digits = max_digits
        self.decimal_places = decimal_places
        self._quantum = decimal.Decimal(1).scaleb(-decimal_places)
        # Contexts are immutable in use here: one per field, not one per value.
        self._rounding = decimal.Context(prec=max_digits + 1, rounding=decimal.ROUND_HALF_UP)
        super().__init__(verbose_name, name, **kwargs)

    def db_type_parameters(self) -> dict[str, Any]:
        return {"max_digits": self.max_digits, "decimal_places": self.decimal_places}

    def to_python(self, value: Any) -> Any:
        if value is None or type(value) is decimal.Decimal:
            return value
        if isinstance(value, float):
            if value != value or value in (float("inf"), float("-inf")):
                raise self.invalid(value, "a finite decimal number")
            context = decimal.Context(prec=self.max_digits)
            return context.create_decimal_from_float(value)
        try:
            return decimal.Decimal(value)
        except (decimal.InvalidOperation, TypeError, ValueError):
            raise self.invalid(value, "a decimal number") from None

    def get_prep_value(self, value: Any) -> Any:
        """Rounded to decimal_places before it is written or compared, as the column would
        store it (PostgreSQL rounds by itself; SQLite does not)."""
        if type(value) is not decimal.Decimal:  # a Decimal needs no to_python(): bulk inserts
            value = super().get_prep_value(value)
            if value is None:
                return None
        if not value.is_finite():
            return value
        try:
            return value.quantize(self._quantum, context=self._rounding)
        except decimal.InvalidOperation:
            return value  # too many digits: the database (or full_clean) reports it

    def get_db_converter(self, dialect: Dialect) -> Callable[[Any], Any] | None:
        base = dialect.converter(self.internal_type)
        if base is None:
            return None
        quantum = self._quantum
        context = decimal.Context(
            prec=self.max_digits + self.decimal_places + 2, rounding=decimal.ROUND_HALF_UP
        )

        def convert(value: Any) -> decimal.Decimal:
            # SQLite hands back floats; give the column's scale back, as PostgreSQL does.
            return base(value).quantize(quantum, context=context)

        return convert

    def default_validators(self) -> list[Callable[[Any], None]]:
        max_digits, places = self.max_digits, self.decimal_places

        def digits(value: Any) -> None:
            if value is None:
                return
            if not value.is_finite():
                raise ValidationError("must be a finite number")
            _, digit_tuple, exponent = value.as_tuple()
            assert isinstance(exponent, int)  # finite, checked above
            if exponent >= 0:
                whole, decimals = len(digit_tuple) + exponent, 0
            else:
                decimals = -exponent
                whole = max(len(digit_tuple) - decimals, 0)
            if decimals > places:
                raise ValidationError(f"has more than {places} decimal places")
            if whole > max_digits - places:
                raise ValidationError(
                    f"has more than {max_digits - places} digits before the decimal point"
                )

        return [digits]

    def deconstruct(self) -> tuple[str, str, list[Any], dict[str, Any]]:
        name, path, args, kwargs = super().deconstruct()
        kwargs["max_digits"] = self.max_digits
        kwargs["decimal_places"] = self.decimal_places
        return name, path, args, kwargs
