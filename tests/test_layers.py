"""The dependency layers hold: no package imports from a layer above its own.

The layers (top to bottom: the `trialdex` CLI; `devtools`; `pipeline` and
`api`; `sources`; `crawlers` and `index`; `core`; `parsers`) are declared in
pyproject.toml and checked by import-linter, which `make lint` runs too. DAG
files are not a package: they may import the `pipeline` package only.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

from tests.conftest import REPO

PRODUCT = {"trialdex", "devtools", "pipeline", "api", "sources", "crawlers", "index", "core"}


def test_the_layer_contract_is_kept() -> None:
    lint_imports = Path(sys.executable).with_name("lint-imports")
    done = subprocess.run(
        [str(lint_imports)], cwd=REPO, capture_output=True, text=True, timeout=300, check=False
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "1 kept, 0 broken" in done.stdout


def _project_imports(path: Path) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        names = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [node.module]
        found.update(n.split(".")[0] for n in names if n.split(".")[0] in PRODUCT | {"parsers"})
    return found


def test_dag_files_import_only_the_pipeline() -> None:
    dag_files = sorted((REPO / "dags").glob("*.py"))
    assert dag_files
    for path in dag_files:
        assert _project_imports(path) <= {"pipeline"}, path.name
