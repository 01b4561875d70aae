"""The printed schema is current, and only the Saleor adapter imports Saleor."""

import ast
import pathlib

import saleor_rewards
from saleor_rewards.graphql.print_schema import printed_schema

ROOT = pathlib.Path(saleor_rewards.__file__).parent
SCHEMA_FILE = ROOT.parent / "rewards_schema.graphql"
ADAPTER = {"saleor_adapter", "plugin.py"}


def test_rewards_schema_graphql_is_printed_from_the_code():
    assert SCHEMA_FILE.read_text() == printed_schema(), (
        "rewards_schema.graphql is stale: run `make schema`"
    )


def _saleor_imports(path: pathlib.Path) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0:
            names = [node.module or ""]
        else:
            continue
        found += [name for name in names if name == "saleor" or name.startswith("saleor.")]
    return found


def test_ledger_programs_and_schema_import_nothing_from_saleor():
    offenders = {
        str(path.relative_to(ROOT)): imports
        for path in ROOT.rglob("*.py")
        if path.relative_to(ROOT).parts[0] not in ADAPTER and (imports := _saleor_imports(path))
    }
    assert offenders == {}


def test_the_adapter_is_where_saleor_is_imported():
    # Guards the check above against passing vacuously (e.g. a moved package).
    adapter_imports = [
        name for path in (ROOT / "saleor_adapter").rglob("*.py") for name in _saleor_imports(path)
    ]
    assert "saleor.plugins.base_plugin" in adapter_imports
