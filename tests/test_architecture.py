"""The two sides of the house: the read side never reaches into the pipeline.

`etl/read/` (queries, exports, access, interface text) may import only itself and the shared
vocabulary; a page may call the write side only through its entry points (ingest, a review
decision, re-applying decisions).
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHARED = {"etl", "etl.model", "etl.paths", "etl.errors", "etl.read"}


def _etl_imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("etl"):
            names.add(node.module)
        elif isinstance(node, ast.Import):
            names |= {a.name for a in node.names if a.name.startswith("etl")}
    return names


def test_the_read_side_imports_no_stage() -> None:
    crossing = {
        f"{path.relative_to(ROOT)} imports {name}"
        for path in (ROOT / "etl" / "read").rglob("*.py")
        for name in _etl_imports(path)
        if name not in SHARED and not name.startswith("etl.read.")
    }
    assert sorted(crossing) == []


def test_the_pipeline_does_not_import_the_read_side() -> None:
    crossing = {
        f"{path.relative_to(ROOT)} imports {name}"
        for path in (ROOT / "etl").glob("*.py")
        if path.name != "__main__.py"
        for name in _etl_imports(path)
        if name == "etl.read" or name.startswith("etl.read.")
    }
    assert sorted(crossing) == []
