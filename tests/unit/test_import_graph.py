"""The house's layout holds: no import circles, no upward imports, and feature
packages depend only on the features they declare.

Layers, bottom up: ``ledger`` <- ``money``, ``config`` and ``events`` <- ``programs``
<- ``graphql`` <- ``saleor_adapter`` (with ``plugin.py``, ``tasks.py`` and the
management commands). A module imports only from its own layer or below. Imports
inside functions count too: a lazy import hides a circle, it does not remove it.
``models.py`` (Django's index of every table) and the migrations stand apart.

Under ``programs/``, each package is a feature; a plain module at its top
(``programs/locks.py``, every row lock in one order) is shared by all features and
belongs to none: it may name every feature's tables, nothing more.
"""

import ast
import pathlib

import pytest

import saleor_rewards

ROOT = pathlib.Path(saleor_rewards.__file__).parent
PACKAGE = "saleor_rewards"

LAYERS = {
    "ledger": 0,
    "money": 1,
    "config": 1,
    "events": 1,
    "keyed_hash": 1,
    "programs": 2,
    "graphql": 3,
    "console_app": 3,  # the operator console's pages, a front beside the API
    "saleor_adapter": 4,
    "plugin": 4,
    "tasks": 4,
    "management": 4,
}
APART = {"models", "apps", "migrations", ""}  # the app's index, its config, its schema

# What each feature under programs/ may use besides the ledger and the foundation.
# A new dependency is a design decision: add it here, in one place, or talk
# through a port instead.
FEATURES = {
    "channel": set(),
    "loyalty": {"channel"},
    "referrals": {"channel", "loyalty", "retention"},
    "reviews": {"channel", "loyalty"},
    "tiers": {"channel", "loyalty"},
    "redemption": {"channel", "loyalty", "tiers"},
    "vouchers": {"channel", "redemption"},  # the member's cap (S5)
    "orders": {"loyalty", "referrals", "tiers", "affiliates"},
    "affiliates": {"channel", "loyalty", "referrals", "retention"},
    "claims": {"channel", "loyalty", "retention"},  # the price paid (C2); evidence purge
    "retention": set(),  # the purge registry; features register in their retention.py
    # Export and erasure find the features' privacy.py parts by importlib, not by
    # import; consent reads the restrictions (no mail while restricted, P5); erasure
    # releases the points held on checkouts first (redemption).
    "privacy": {"channel", "redemption"},
    "withdrawals": {"channel", "retention"},  # cash payouts (W1-W6); the purge of their details
    "reminders": {"retention"},  # expiry reminders (O1) and their purge
    "liability": {"claims"},  # the liability report (O3)
}


def _modules() -> dict[str, tuple[pathlib.Path, bool]]:
    found = {}
    for path in ROOT.rglob("*.py"):
        parts = [PACKAGE, *path.relative_to(ROOT).with_suffix("").parts]
        is_package = parts[-1] == "__init__"
        if is_package:
            parts = parts[:-1]
        found[".".join(parts)] = (path, is_package)
    return found


MODULES = _modules()


def _imports(name: str) -> set[str]:
    """The project's modules that ``name`` imports, at any depth of its code."""
    path, is_package = MODULES[name]
    targets = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = name.split(".") if is_package else name.split(".")[:-1]
                base = base[: len(base) - node.level + 1]
                module = ".".join(base + ([node.module] if node.module else []))
            else:
                module = node.module or ""
            for alias in node.names:
                if f"{module}.{alias.name}" in MODULES:
                    targets.add(f"{module}.{alias.name}")
                elif module in MODULES:
                    targets.add(module)
        elif isinstance(node, ast.Import):
            targets |= {alias.name for alias in node.names if alias.name in MODULES}
    return targets - {name}


GRAPH = {name: _imports(name) for name in MODULES}


def _part(name: str, depth: int) -> str:
    parts = name.split(".")
    return parts[depth] if len(parts) > depth else ""


def _circles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan)."""
    index, low, stack, on_stack, found = {}, {}, [], set(), []

    def visit(node):
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in graph.get(node, ()):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def test_the_graph_is_read_from_the_code():
    # Guards the checks below against passing on an empty graph.
    assert "saleor_rewards.ledger.operations" in GRAPH["saleor_rewards.ledger"]
    assert (
        "saleor_rewards.programs.loyalty.awards" in GRAPH["saleor_rewards.programs.loyalty.orders"]
    )


def test_no_import_circles():
    assert _circles(GRAPH) == []


def test_circle_detection_finds_a_circle():
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert _circles(graph) == [["a", "b", "c"]]


def test_every_top_level_module_has_a_layer():
    tops = {_part(name, 1) for name in MODULES}
    assert tops - set(LAYERS) - APART == set()


def _upward_imports(graph) -> list[str]:
    offenders = []
    for name, targets in graph.items():
        layer = LAYERS.get(_part(name, 1))
        if layer is None:
            continue
        for target in targets:
            target_layer = LAYERS.get(_part(target, 1))
            if target_layer is None or target_layer > layer:
                offenders.append(f"{name} -> {target}")
    return sorted(offenders)


def test_no_upward_imports():
    assert _upward_imports(GRAPH) == []


def test_an_upward_import_is_found():
    graph = {"saleor_rewards.ledger.models": {"saleor_rewards.programs.tiers.services"}}
    assert _upward_imports(graph) == [
        "saleor_rewards.ledger.models -> saleor_rewards.programs.tiers.services"
    ]


def _is_shared(name: str) -> bool:
    """A plain module at the top of ``programs/`` (not a feature package)."""
    parts = name.split(".")
    return len(parts) == 3 and parts[1] == "programs" and name in MODULES and not MODULES[name][1]


def _feature_of(name: str) -> str | None:
    if _part(name, 1) != "programs" or _is_shared(name):
        return None
    return _part(name, 2)


def _undeclared_feature_imports(graph) -> list[str]:
    offenders = []
    for name, targets in graph.items():
        feature = _feature_of(name)
        if not feature:
            continue
        for target in targets:
            other = _feature_of(target)
            if other and other != feature and other not in FEATURES.get(feature, set()):
                offenders.append(f"{name} -> {target}")
    return sorted(offenders)


def test_every_feature_package_is_declared():
    features = {_feature_of(name) for name in MODULES} - {None, ""}
    assert features == set(FEATURES)


def test_features_use_only_the_features_they_declare():
    assert _undeclared_feature_imports(GRAPH) == []


@pytest.mark.parametrize(
    "importer, imported",
    [
        ("saleor_rewards.programs.vouchers.services", "saleor_rewards.programs.tiers.services"),
        ("saleor_rewards.programs.channel.members", "saleor_rewards.programs.loyalty.models"),
    ],
)
def test_an_undeclared_feature_import_is_found(importer, imported):
    assert _undeclared_feature_imports({importer: {imported}}) == [f"{importer} -> {imported}"]


def test_programs_locks_is_shared_not_a_feature():
    assert _is_shared("saleor_rewards.programs.locks")
    assert _feature_of("saleor_rewards.programs.locks") is None
    assert _feature_of("saleor_rewards.programs.loyalty") == "loyalty"
    assert _feature_of("saleor_rewards.programs.loyalty.awards") == "loyalty"


def _shared_beyond_models(graph) -> list[str]:
    """Imports of a shared module of programs/ into a feature's code (not its models)."""
    return sorted(
        f"{name} -> {target}"
        for name, targets in graph.items()
        if _is_shared(name)
        for target in targets
        if _feature_of(target) and not target.endswith(".models")
    )


def test_shared_modules_of_programs_use_only_the_features_models():
    assert _shared_beyond_models(GRAPH) == []


def test_a_shared_module_using_a_features_code_is_found():
    graph = {"saleor_rewards.programs.locks": {"saleor_rewards.programs.loyalty.awards"}}
    assert _shared_beyond_models(graph) == [
        "saleor_rewards.programs.locks -> saleor_rewards.programs.loyalty.awards"
    ]


def test_the_declared_features_form_no_circle():
    assert _circles({name: set(uses) for name, uses in FEATURES.items()}) == []
