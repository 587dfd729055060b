"""The migration graph: plans, leaves and roots, conflicts, and the errors for missing
migrations and cycles. No database."""

from __future__ import annotations

import pytest

from migrations.graph import CircularDependencyError, MigrationGraph, NodeNotFoundError


def build(edges: dict[str, list[str]]) -> MigrationGraph:
    """A graph from {"app.name": ["app.parent", ...]}; nodes are their own keys."""
    graph = MigrationGraph()
    for label in edges:
        key = tuple(label.split("."))
        graph.add_node(key, label)
    for label, parents in edges.items():
        for parent in parents:
            graph.add_dependency(tuple(label.split(".")), tuple(parent.split(".")))
    return graph


def k(label: str) -> tuple[str, str]:
    app, name = label.split(".")
    return (app, name)


def labels(keys: list[tuple[str, str]]) -> list[str]:
    return [f"{a}.{n}" for a, n in keys]


# blog: 0001 <- 0002 <- 0003 ; shop: 0001 <- 0002 (which needs blog.0002)
TWO_APPS = {
    "blog.0001_initial": [],
    "blog.0002_slug": ["blog.0001_initial"],
    "blog.0003_tags": ["blog.0002_slug"],
    "shop.0001_initial": [],
    "shop.0002_post": ["shop.0001_initial", "blog.0002_slug"],
}


def test_forwards_plan_lists_every_ancestor_before_the_target():
    """forwards_plan gives each migration after all of its dependencies, across apps, and
    ends with the target."""
    graph = build(TWO_APPS)
    graph.validate()
    plan = labels(graph.forwards_plan(k("shop.0002_post")))
    assert plan == ["blog.0001_initial", "blog.0002_slug", "shop.0001_initial", "shop.0002_post"]
    assert labels(graph.forwards_plan(k("blog.0001_initial"))) == ["blog.0001_initial"]


def test_backwards_plan_lists_dependents_before_what_they_depend_on():
    """backwards_plan gives every migration that depends on the target, each before the
    migrations it depends on, and ends with the target."""
    graph = build(TWO_APPS)
    plan = labels(graph.backwards_plan(k("blog.0001_initial")))
    assert plan[-1] == "blog.0001_initial"
    assert set(plan) == {"blog.0001_initial", "blog.0002_slug", "blog.0003_tags", "shop.0002_post"}
    for label in plan:
        for parent in TWO_APPS[label]:
            if parent in plan:
                assert plan.index(label) < plan.index(parent)


def test_plans_are_deterministic_whatever_the_insertion_order():
    """Two graphs with the same nodes and edges added in different orders plan the same."""
    diamond = {
        "a.0001": [],
        "a.0002": ["a.0001"],
        "b.0001": ["a.0001"],
        "c.0001": ["a.0001"],
        "a.0003": ["a.0002", "c.0001", "b.0001"],
    }
    first = build(diamond)
    second = build(dict(reversed(list(diamond.items()))))
    assert first.forwards_plan(k("a.0003")) == second.forwards_plan(k("a.0003"))
    assert first.backwards_plan(k("a.0001")) == second.backwards_plan(k("a.0001"))
    assert labels(first.forwards_plan(k("a.0003"))) == [
        "a.0001", "a.0002", "b.0001", "c.0001", "a.0003",
    ]


def test_leaf_and_root_nodes_per_app_and_overall():
    """Leaves are the last migrations of an app, roots the first (dependencies on other apps
    do not count)."""
    graph = build(TWO_APPS)
    assert graph.leaf_nodes("blog") == [k("blog.0003_tags")]
    assert graph.leaf_nodes("shop") == [k("shop.0002_post")]
    assert graph.leaf_nodes() == [k("blog.0003_tags"), k("shop.0002_post")]
    assert graph.root_nodes("shop") == [k("shop.0001_initial")]
    assert graph.root_nodes() == [k("blog.0001_initial"), k("shop.0001_initial")]
    assert graph.leaf_nodes("nothing") == [] and graph.root_nodes("nothing") == []


def test_conflicts_are_apps_with_two_leaves():
    """Two migrations branching from the same parent make a conflict naming both; a merge
    migration depending on both resolves it."""
    edges = {
        "blog.0001_initial": [],
        "blog.0002_a": ["blog.0001_initial"],
        "blog.0002_b": ["blog.0001_initial"],
        "shop.0001_initial": [],
    }
    graph = build(edges)
    graph.validate()
    assert graph.conflicts() == {"blog": ["0002_a", "0002_b"]}
    edges["blog.0003_merge"] = ["blog.0002_a", "blog.0002_b"]
    assert build(edges).conflicts() == {}


def test_missing_dependency_is_named_by_validate_and_by_plans():
    """A dependency on a migration that does not exist fails validation with a message naming
    both migrations; plans raise the same error."""
    graph = build({"blog.0001_initial": [], "blog.0002_x": ["blog.0001_initial", "shop.0009_gone"]})
    with pytest.raises(NodeNotFoundError) as info:
        graph.validate()
    assert "blog.0002_x" in str(info.value) and "shop.0009_gone" in str(info.value)
    assert info.value.node == ("shop", "0009_gone")
    assert info.value.origin == ("blog", "0002_x")
    with pytest.raises(NodeNotFoundError, match="shop.0009_gone"):
        graph.forwards_plan(k("blog.0002_x"))


def test_unknown_target_is_an_error():
    """Planning for a migration that is not in the graph names it."""
    graph = build(TWO_APPS)
    with pytest.raises(NodeNotFoundError, match="blog.0042_nope"):
        graph.forwards_plan(k("blog.0042_nope"))
    with pytest.raises(NodeNotFoundError, match="blog.0042_nope"):
        graph.backwards_plan(k("blog.0042_nope"))


def test_cycles_are_reported_with_the_migrations_in_them():
    """A loop of dependencies fails validation and planning, naming every migration in the
    loop in dependency order."""
    graph = build({
        "blog.0001": ["shop.0002"],
        "blog.0002": ["blog.0001"],
        "shop.0001": [],
        "shop.0002": ["shop.0001", "blog.0002"],
    })
    with pytest.raises(CircularDependencyError) as info:
        graph.validate()
    cycle = info.value.cycle
    assert set(cycle) == {k("blog.0001"), k("blog.0002"), k("shop.0002")}
    for i, key in enumerate(cycle):  # each depends on the next
        assert cycle[(i + 1) % len(cycle)] in graph.parents(key)
    for name in ("blog.0001", "blog.0002", "shop.0002"):
        assert name in str(info.value)
    with pytest.raises(CircularDependencyError):
        graph.forwards_plan(k("blog.0002"))
    with pytest.raises(CircularDependencyError):
        graph.backwards_plan(k("shop.0001"))


def test_self_dependency_is_a_cycle():
    """A migration depending on itself is a cycle of one."""
    graph = build({"blog.0001": ["blog.0001"]})
    with pytest.raises(CircularDependencyError) as info:
        graph.validate()
    assert info.value.cycle == [k("blog.0001")]


def test_a_2000_long_chain_needs_no_recursion():
    """Validation and both plans walk a chain of 2,000 migrations (far past the recursion
    limit if they recursed)."""
    graph = MigrationGraph()
    keys = [("app", f"{i:04d}_step") for i in range(1, 2001)]
    for key in keys:
        graph.add_node(key, None)
    for parent, child in zip(keys, keys[1:]):
        graph.add_dependency(child, parent)
    graph.validate()
    assert graph.forwards_plan(keys[-1]) == keys
    assert graph.backwards_plan(keys[0]) == keys[::-1]
    assert graph.leaf_nodes("app") == [keys[-1]]
    assert graph.root_nodes("app") == [keys[0]]
    assert graph.conflicts() == {}


def test_nodes_hold_the_migrations_and_merged_plans_have_each_step_once():
    """`nodes` maps keys to what was added; forwards_plan_many merges several targets."""
    graph = build(TWO_APPS)
    assert graph.nodes[k("blog.0002_slug")] == "blog.0002_slug"
    assert k("blog.0002_slug") in graph and len(graph) == 5
    plan = graph.forwards_plan_many([k("blog.0003_tags"), k("shop.0002_post")])
    assert labels(plan) == [
        "blog.0001_initial", "blog.0002_slug", "blog.0003_tags", "shop.0001_initial",
        "shop.0002_post",
    ]
    assert graph.children(k("blog.0002_slug")) == [k("blog.0003_tags"), k("shop.0002_post")]
