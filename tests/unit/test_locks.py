"""U7 in the code's shape: row locks are taken only in the locks modules, in the one
order ``programs/locks.py`` documents, and only the ledger writes the ledger's tables.

Read from the source with ``ast``, like ``test_import_graph.py``:

- ``select_for_update`` (Django's, or Saleor's ``*_qs_select_for_update``) and raw
  ``FOR UPDATE`` / ``FOR SHARE`` / advisory-lock SQL appear only in
  ``ledger/locks.py``, ``programs/locks.py`` and ``saleor_adapter/shop/locks.py``.
- Outside ``ledger/``, nothing writes ``Account``, ``Lot``, ``Entry``, ``Allocation``
  or ``Hold``: no ``create``/``update``/``delete``/``save``/... through their
  managers or on rows read through them, no INSERT/UPDATE/DELETE SQL on their tables.
  Programs call ledger functions instead (reads for display are fine).
"""

import ast
import pathlib
import re

import saleor_rewards

ROOT = pathlib.Path(saleor_rewards.__file__).parent
LOCK_MODULES = {"ledger/locks.py", "programs/locks.py", "saleor_adapter/shop/locks.py"}
LEDGER_MODELS = {"Account", "Lot", "Entry", "Allocation", "Hold"}
LEDGER_MODEL_MODULES = {"saleor_rewards.ledger.models", "saleor_rewards.models"}
WRITES = {
    "create",
    "bulk_create",
    "get_or_create",
    "update_or_create",
    "update",
    "bulk_update",
    "delete",
    "save",
}
LOCK_SQL = re.compile(r"\bFOR\s+(NO\s+KEY\s+)?(UPDATE|SHARE)\b|pg_(try_)?advisory", re.I)
LEDGER_SQL = re.compile(
    r"\b(INSERT\s+INTO|UPDATE|DELETE\s+FROM)\s+rewards_(account|lot|entry|allocation|hold)\b",
    re.I,
)


def _sources() -> dict[str, str]:
    return {
        str(path.relative_to(ROOT)): path.read_text()
        for path in sorted(ROOT.rglob("*.py"))
        if path.relative_to(ROOT).parts[0] != "migrations"  # the schema itself
    }


def _strings(tree: ast.AST):
    """String constants that are not docstrings (docstrings may name a lock)."""
    docstrings = set()
    for node in ast.walk(tree):
        body = getattr(node, "body", None)
        if isinstance(body, list) and body and isinstance(body[0], ast.Expr):
            docstrings.add(id(body[0].value))
    for node in ast.walk(tree):
        is_text = isinstance(node, ast.Constant) and isinstance(node.value, str)
        if is_text and id(node) not in docstrings:
            yield node


def row_locks(source: str) -> list[str]:
    """Where ``source`` takes a row lock: select_for_update, or locking SQL."""
    tree = ast.parse(source)
    found = []
    for node in ast.walk(tree):
        name = node.attr if isinstance(node, ast.Attribute) else getattr(node, "id", None)
        if isinstance(node, ast.alias):
            name = node.name
        if name and "select_for_update" in name:
            found.append(f"line {node.lineno}: {name}")
    for node in _strings(tree):
        if LOCK_SQL.search(node.value):
            found.append(f"line {node.lineno}: SQL {LOCK_SQL.search(node.value).group(0)!r}")
    return sorted(set(found))


def _ledger_model_names(tree: ast.AST, path: str) -> set[str]:
    """Local names bound to the ledger's models by ``from ... import``."""
    names = set()
    package = ["saleor_rewards", *pathlib.PurePath(path).parent.parts]
    for node in ast.walk(tree):
        if not isinstance(node, ast.ImportFrom):
            continue
        if node.level:
            base = package[: len(package) - node.level + 1]
            source = ".".join(base + ([node.module] if node.module else []))
        else:
            source = node.module or ""
        if source in LEDGER_MODEL_MODULES:
            names |= {a.asname or a.name for a in node.names if a.name in LEDGER_MODELS}
    return names


def _root(node: ast.AST) -> str | None:
    """The name a chain like ``Lot.objects.filter(...).first()`` starts from."""
    while True:
        if isinstance(node, ast.Attribute):
            node = node.value
        elif isinstance(node, ast.Call):
            node = node.func
        elif isinstance(node, ast.Subscript):
            node = node.value
        else:
            return node.id if isinstance(node, ast.Name) else None


def ledger_writes(source: str, path: str) -> list[str]:
    """Where ``source`` (the file at ``path`` in the package) writes a ledger table."""
    tree = ast.parse(source)
    models = _ledger_model_names(tree, path)
    # Names bound to a ledger model's rows or querysets (``lot = Lot.objects.get()``).
    rows = set()
    for node in ast.walk(tree):
        assigned = isinstance(node, ast.Assign | ast.AnnAssign) and node.value is not None
        if assigned and _root(node.value) in models:
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            rows |= {t.id for t in targets if isinstance(t, ast.Name)}
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            root = _root(node.func.value)
            if node.func.attr in WRITES and (root in models or root in rows):
                found.append(f"line {node.lineno}: {root}...{node.func.attr}()")
    for node in _strings(tree):
        if match := LEDGER_SQL.search(node.value):
            found.append(f"line {node.lineno}: SQL {match.group(0)!r}")
    return sorted(found)


SOURCES = _sources()


def test_the_scan_reads_the_code():
    # Guards the checks below against passing on an empty scan.
    assert "programs/locks.py" in SOURCES and "ledger/operations.py" in SOURCES
    assert row_locks(SOURCES["ledger/locks.py"])
    assert row_locks(SOURCES["programs/locks.py"])
    assert ledger_writes(SOURCES["ledger/activation.py"], "ledger/activation.py")


def test_U7_row_locks_are_taken_only_in_the_locks_modules():
    offenders = {
        path: locks
        for path, source in SOURCES.items()
        if path not in LOCK_MODULES and (locks := row_locks(source))
    }
    assert offenders == {}


def test_U7_only_the_ledger_writes_the_ledger_tables():
    offenders = {
        path: writes
        for path, source in SOURCES.items()
        if not path.startswith("ledger/") and (writes := ledger_writes(source, path))
    }
    assert offenders == {}


# The detectors find what they must, and only that.


def test_a_select_for_update_is_found():
    source = "def f():\n    return Tier.objects.select_for_update().get(id=1)\n"
    assert row_locks(source) == ["line 2: select_for_update"]


def test_saleors_lock_querysets_and_locking_sql_are_found():
    source = (
        "from saleor.giftcard.lock_objects import gift_card_qs_select_for_update\n"
        'SQL = "SELECT id FROM rewards_account WHERE id = %s FOR UPDATE"\n'
        'ADVISORY = "SELECT pg_advisory_xact_lock(1)"\n'
    )
    assert row_locks(source) == [
        "line 1: gift_card_qs_select_for_update",
        "line 2: SQL 'FOR UPDATE'",
        "line 3: SQL 'pg_advisory'",
    ]


def test_a_docstring_naming_a_lock_is_not_a_lock():
    source = '"""Locked with SELECT ... FOR UPDATE, see select_for_update."""\nx = 1\n'
    assert row_locks(source) == []


def test_writes_to_ledger_models_are_found():
    source = (
        "from ...ledger.models import Lot, Hold as H\n"
        "def f(lot_id):\n"
        "    Lot.objects.filter(id=lot_id).update(available_at=None)\n"
        "    hold = H.objects.get(id=1)\n"
        "    hold.save()\n"
        "    cursor.execute('UPDATE rewards_lot SET status = %s', ['void'])\n"
    )
    assert ledger_writes(source, "programs/loyalty/awards.py") == [
        "line 3: Lot...update()",
        "line 5: hold...save()",
        "line 6: SQL 'UPDATE rewards_lot'",
    ]


def test_reads_of_ledger_models_and_writes_of_other_models_are_not_writes():
    source = (
        "from ...ledger.models import Entry, Lot, Program\n"
        "from .models import OrderAward\n"
        "def f(award):\n"
        "    lot = Lot.objects.get(id=award.lot_id)\n"
        "    Entry.objects.filter(hold_id=1).first()\n"
        "    Program.objects.filter(id=1).update(settings={})\n"
        "    OrderAward.objects.create(points=lot.amount)\n"
        "    award.save()\n"
        "    cursor.execute('SELECT remaining FROM rewards_lot WHERE id = %s', [1])\n"
    )
    assert ledger_writes(source, "programs/loyalty/awards.py") == []
