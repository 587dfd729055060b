"""Which migrations to apply or unapply to reach a target, and the model states between
them. No I/O: the loader gives the graph, the history table gives what is applied."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .migration import Migration
from .state import ProjectState


class MigrationPlanError(Exception):
    """A target that names no migration, or a plan that cannot be made."""


class IrreversibleError(MigrationPlanError):
    """Unapplying a migration with an operation that has no reverse."""


@dataclass
class Plan:
    graph: Any
    steps: list[tuple[Migration, bool]] = field(default_factory=list)  # (migration, backwards)
    _states: dict[tuple[str, str], list[ProjectState]] = field(default_factory=dict)


def build_plan(
    graph: Any,
    applied: set[tuple[str, str]],
    targets: list[tuple[str, str | None]],
) -> Plan:
    """Django's rules: ``(app, None)`` applies everything of the app up to its latest
    migrations; ``(app, "zero")`` unapplies every migration of the app (and what depends on
    them); ``(app, name)`` applies up to that migration, or, when it is applied already,
    unapplies the migrations of the app that came after it."""
    plan = Plan(graph)
    seen: set[tuple[tuple[str, str], bool]] = set()

    def add(key: tuple[str, str], backwards: bool) -> None:
        if (key, backwards) not in seen:
            seen.add((key, backwards))
            plan.steps.append((graph.nodes[key], backwards))

    for app, name in targets:
        if name is None:
            for leaf in graph.leaf_nodes(app):
                for key in graph.forwards_plan(leaf):
                    if key not in applied:
                        add(key, False)
        elif name == "zero":
            for root in graph.root_nodes(app):
                for key in graph.backwards_plan(root):
                    if key in applied:
                        add(key, True)
        else:
            key = (app, name)
            if key not in graph.nodes:
                raise MigrationPlanError(f"no migration {app}.{name}; `orm showmigrations {app}` lists them")
            if key in applied:
                for child in _children_in_app(graph, key):
                    for descendant in graph.backwards_plan(child):
                        if descendant in applied:
                            add(descendant, True)
            else:
                for ancestor in graph.forwards_plan(key):
                    if ancestor not in applied:
                        add(ancestor, False)
    return plan


def _children_in_app(graph: Any, key: tuple[str, str]) -> list[tuple[str, str]]:
    return sorted(k for k in graph.children(key) if k[0] == key[0])


def state_before(graph: Any, key: tuple[str, str]) -> ProjectState:
    """The models as the migrations ``key`` depends on (all of them, transitively) leave
    them."""
    state = ProjectState()
    for ancestor in graph.forwards_plan(key)[:-1]:
        migration = graph.nodes[ancestor]
        for operation in migration.operations:
            operation.state_forwards(migration.app_label, state)
    return state


def states_through(plan: Plan, migration: Migration) -> list[ProjectState]:
    """The state before each of the migration's operations, and after the last one."""
    cached = plan._states.get(migration.key)
    if cached is not None:
        return cached
    state = state_before(plan.graph, migration.key)
    states = [state]
    for operation in migration.operations:
        state = state.clone()
        operation.state_forwards(migration.app_label, state)
        states.append(state)
    plan._states[migration.key] = states
    return states


def project_state(graph: Any, nodes: list[tuple[str, str]] | None = None) -> ProjectState:
    """The state after the given migrations (every migration on disk by default), applied in
    dependency order."""
    order: list[tuple[str, str]] = []
    seen: set[tuple[str, str]] = set()
    for leaf in nodes if nodes is not None else graph.leaf_nodes():
        for key in graph.forwards_plan(leaf):
            if key not in seen:
                seen.add(key)
                order.append(key)
    state = ProjectState()
    for key in order:
        migration = graph.nodes[key]
        for operation in migration.operations:
            operation.state_forwards(migration.app_label, state)
    return state
