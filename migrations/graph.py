"""The migration graph: which migration must run before which.

Nodes are ``(app_label, migration_name)`` keys; an edge goes from a migration to each migration
it depends on. No I/O. Every walk is iterative, so a chain of thousands of migrations never hits
Python's recursion limit, and every order is deterministic (parents and children are visited
sorted by key), so two runs plan the same thing.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

Key = tuple[str, str]


def _label(key: Key) -> str:
    return f"{key[0]}.{key[1]}"


class NodeNotFoundError(LookupError):
    """A migration (or a dependency of one) that the graph does not hold."""

    def __init__(self, message: str, node: Key, origin: Key | None = None) -> None:
        super().__init__(message)
        self.node = node
        self.origin = origin


class CircularDependencyError(Exception):
    """Migrations that depend on each other in a loop; ``cycle`` lists them so that each
    depends on the next (and the last on the first)."""

    def __init__(self, cycle: list[Key]) -> None:
        path = " -> ".join(_label(k) for k in [*cycle, cycle[0]])
        super().__init__(
            f"circular dependency between migrations: {path} (each depends on the next)"
        )
        self.cycle = cycle


class MigrationGraph:
    """Migrations (nodes) and their dependencies (edges child -> parent)."""

    def __init__(self) -> None:
        self.nodes: dict[Key, Any] = {}
        # Edges are kept even when an end is not (yet) a node: files load in any order, and
        # validate() reports what is still missing once everything is in.
        self._parents: dict[Key, set[Key]] = {}
        self._children: dict[Key, set[Key]] = {}

    # -- building --------------------------------------------------------------------------
    def add_node(self, key: Key, migration: Any) -> None:
        self.nodes[key] = migration
        self._parents.setdefault(key, set())
        self._children.setdefault(key, set())

    def add_dependency(self, child: Key, parent: Key) -> None:
        """Record that ``child`` must run after ``parent``."""
        self._parents.setdefault(child, set()).add(parent)
        self._children.setdefault(parent, set()).add(child)

    def validate(self) -> None:
        """Raise NodeNotFoundError for a dependency on a migration that does not exist, and
        CircularDependencyError for a loop."""
        for child in sorted(self._parents):
            if child not in self.nodes:
                # Only add_dependency() saw it: some code declared a dependency for a
                # migration that was never added.
                raise NodeNotFoundError(
                    f"migration {_label(child)} is not in the graph but has dependencies", child
                )
            for parent in sorted(self._parents[child]):
                if parent not in self.nodes:
                    raise NodeNotFoundError(
                        f"migration {_label(child)} depends on {_label(parent)}, "
                        "which does not exist",
                        parent,
                        child,
                    )
        self._check_cycles()

    def _check_cycles(self) -> None:
        # Three colours: unseen (absent), on the current path (1), finished (2).
        state: dict[Key, int] = {}
        for root in sorted(self.nodes):
            if root in state:
                continue
            state[root] = 1
            path = [root]
            stack = [iter(sorted(self._parents.get(root, ())))]
            while stack:
                parent = next(stack[-1], None)
                if parent is None:
                    stack.pop()
                    state[path.pop()] = 2
                    continue
                seen = state.get(parent)
                if seen == 1:
                    raise CircularDependencyError(path[path.index(parent):])
                if seen is None and parent in self.nodes:
                    state[parent] = 1
                    path.append(parent)
                    stack.append(iter(sorted(self._parents.get(parent, ()))))

    # -- questions -------------------------------------------------------------------------
    def __contains__(self, key: object) -> bool:
        return key in self.nodes

    def __len__(self) -> int:
        return len(self.nodes)

    def parents(self, key: Key) -> list[Key]:
        """What ``key`` depends on directly, sorted."""
        self._require(key)
        return sorted(self._parents.get(key, ()))

    def children(self, key: Key) -> list[Key]:
        """What depends on ``key`` directly, sorted."""
        self._require(key)
        return sorted(c for c in self._children.get(key, ()) if c in self.nodes)

    def leaf_nodes(self, app: str | None = None) -> list[Key]:
        """The last migration(s) of each app (or of ``app``): no later migration of the same
        app depends on them. More than one leaf in an app is a conflict."""
        return sorted(
            key
            for key in self.nodes
            if (app is None or key[0] == app)
            and not any(c[0] == key[0] and c in self.nodes for c in self._children.get(key, ()))
        )

    def root_nodes(self, app: str | None = None) -> list[Key]:
        """The first migration(s) of each app (or of ``app``): they depend on no migration of
        their own app."""
        return sorted(
            key
            for key in self.nodes
            if (app is None or key[0] == app)
            and not any(p[0] == key[0] for p in self._parents.get(key, ()))
        )

    def conflicts(self) -> dict[str, list[str]]:
        """Apps with more than one leaf (two migrations branched from the same parent), and
        the names of those leaves."""
        leaves: dict[str, list[str]] = {}
        for app, name in self.leaf_nodes():
            leaves.setdefault(app, []).append(name)
        return {app: names for app, names in leaves.items() if len(names) > 1}

    def forwards_plan(self, key: Key) -> list[Key]:
        """``key`` and everything it depends on, directly or not: each migration after all of
        its dependencies, ending with ``key``."""
        return self._walk(key, forwards=True)

    def backwards_plan(self, key: Key) -> list[Key]:
        """``key`` and everything that depends on it: each migration before all of the
        migrations it depends on (the order to unapply them), ending with ``key``."""
        return self._walk(key, forwards=False)

    def forwards_plan_many(self, keys: Iterable[Key]) -> list[Key]:
        """The forwards plans of several targets merged, each migration once."""
        seen: set[Key] = set()
        plan: list[Key] = []
        for key in keys:
            for step in self.forwards_plan(key):
                if step not in seen:
                    seen.add(step)
                    plan.append(step)
        return plan

    # -- internals -------------------------------------------------------------------------
    def _require(self, key: Key) -> None:
        if key not in self.nodes:
            raise NodeNotFoundError(f"migration {_label(key)} does not exist", key)

    def _walk(self, start: Key, forwards: bool) -> list[Key]:
        """Depth-first post-order from ``start`` along parents (forwards) or children: every
        node comes after all the nodes it leads to."""
        self._require(start)
        edges = self._parents if forwards else self._children
        order: list[Key] = []
        done: set[Key] = set()
        on_path: set[Key] = {start}
        path = [start]
        stack = [iter(sorted(edges.get(start, ())))]
        while stack:
            nxt = next(stack[-1], None)
            if nxt is None:
                stack.pop()
                node = path.pop()
                on_path.discard(node)
                done.add(node)
                order.append(node)
                continue
            if nxt in done:
                continue
            if nxt not in self.nodes:
                if forwards:
                    message = f"depends on {_label(nxt)}, which does not exist"
                else:
                    message = f"is a dependency of {_label(nxt)}, which is not in the graph"
                raise NodeNotFoundError(f"migration {_label(path[-1])} {message}", nxt, path[-1])
            if nxt in on_path:
                cycle = path[path.index(nxt):]
                raise CircularDependencyError(cycle if forwards else cycle[::-1])
            on_path.add(nxt)
            path.append(nxt)
            stack.append(iter(sorted(edges.get(nxt, ()))))
        return order

    def __repr__(self) -> str:
        edges = sum(len(p) for p in self._parents.values())
        return f"<MigrationGraph: {len(self.nodes)} nodes, {edges} edges>"
