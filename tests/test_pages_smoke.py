"""Every page runs in both languages without an exception, and every page is in the navigation.

Generated from pages/*.py (files starting with "_" are shared modules, not pages), so a page
someone adds is tested without anyone writing a test for it.
"""

from __future__ import annotations

import ast

import pytest
from comparison_pages import open_page

from etl.paths import ROOT, Paths
from etl.read import i18n

PAGE_NAMES = sorted(p.stem for p in (ROOT / "pages").glob("*.py") if not p.name.startswith("_"))


@pytest.mark.parametrize("lang", i18n.LANGUAGES)
@pytest.mark.parametrize("name", PAGE_NAMES)
def test_page_runs(atlas_env: Paths, name: str, lang: str) -> None:
    at = open_page(name, lang=lang)  # fails on an exception
    assert at.session_state["lang"] == lang


def test_every_page_file_is_in_the_navigation(app_pages: list[tuple[str, str, str, str]]) -> None:
    assert sorted(path for path, *_ in app_pages) == [f"pages/{n}.py" for n in PAGE_NAMES]


def test_every_page_title_is_translated(app_pages: list[tuple[str, str, str, str]]) -> None:
    assert all(key in i18n.TEXT for _, key, _, _ in app_pages)


def test_app_imports_the_shared_page_modules_before_any_page_runs() -> None:
    """Pages run on many sessions' threads at once; a shared module first imported by two of
    them together was once seen half-imported ("cannot import name 'show_chart'")."""
    tree = ast.parse((ROOT / "app.py").read_text(encoding="utf-8"))
    imported = {a.name for n in tree.body if isinstance(n, ast.Import) for a in n.names}
    imported |= {n.module for n in tree.body if isinstance(n, ast.ImportFrom) and n.module}
    shared = {f"pages.{p.stem}" for p in (ROOT / "pages").glob("_*.py")}
    assert shared <= imported
