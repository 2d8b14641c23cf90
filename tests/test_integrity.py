"""The repository keeps its own promises: commands documented, every text in both languages."""

from __future__ import annotations

import re
import tomllib

import pytest

from etl.__main__ import _parser
from etl.model import (
    COVERAGE_STATES,
    DIMENSIONS,
    DOC_KINDS,
    ITEM_KINDS,
    MAPPING_BASES,
    MAPPING_METHODS,
    MAPPING_STATUSES,
    SKIP_REASONS,
)
from etl.paths import ROOT
from etl.read import i18n

README = (ROOT / "README.md").read_text(encoding="utf-8")
LITERAL_KEY = re.compile(r"""\bt\(\s*["']([a-z_]+\.[a-z0-9_.]+)["']""")


def test_every_command_is_in_the_readme() -> None:
    commands = _parser()._subparsers._group_actions[0].choices  # type: ignore[union-attr]
    assert set(commands) == {"build", "ingest", "remove", "replace", "repair", "export"}
    for command in commands:
        assert f"python -m etl {command}" in README


def test_readme_gives_the_two_commands_and_ci_runs_the_test_one() -> None:
    assert "make run" in README and "make test" in README
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    assert "make check" in ci and "check: lint typecheck test" in makefile


def test_every_text_has_both_languages() -> None:
    empty = [key for key, (sv, en) in i18n.TEXT.items() if not sv.strip() or not en.strip()]
    assert empty == []


def test_every_literal_text_key_used_in_code_exists() -> None:
    sources = [*ROOT.joinpath("pages").glob("*.py"), ROOT / "app.py"]
    used = {key for path in sources for key in LITERAL_KEY.findall(path.read_text("utf-8"))}
    assert sorted(used - set(i18n.TEXT)) == []


@pytest.mark.parametrize(
    ("lang", "number", "share", "day", "month"),
    [
        ("sv", "12\u202f345,6", "87\u00a0%", "23 april 2024", "september 2024"),
        ("en", "12,345.6", "87%", "23 April 2024", "September 2024"),
    ],
)
def test_numbers_and_dates_in_each_language(
    lang: str, number: str, share: str, day: str, month: str
) -> None:
    assert i18n.fmt_number(12345.6, lang, 1) == number
    assert i18n.fmt_share(0.873, lang) == share
    assert i18n.fmt_date("2024-04-23", lang) == day
    assert i18n.fmt_date("2024-09", lang) == month
    assert i18n.fmt_date("2024", lang) == "2024"
    assert i18n.t("no.such.key", lang) == "no.such.key"


def test_the_app_makes_no_outbound_connections_of_its_own() -> None:
    """No usage statistics, and no look-up of the machine's external IP at start-up."""
    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text(encoding="utf-8"))
    assert config["browser"]["gatherUsageStats"] is False
    assert config["browser"]["serverAddress"] == "localhost"


# Interface text keys built at run time (`t(f"kind.{kind}")`): each family and the vocabulary
# that completes it. A new family in the code must be named here; every member must have a text.
KEY_FAMILIES: dict[str, tuple[str, ...]] = {
    "kind.": ITEM_KINDS,
    "doc_kind.": DOC_KINDS,
    "state.": COVERAGE_STATES,
    "skip_reason.": SKIP_REASONS,
    "overview.dimension.": DIMENSIONS,
    "review.status.": MAPPING_STATUSES,
    "evidence.status.": MAPPING_STATUSES,
    "review.method.": MAPPING_METHODS,
    "evidence.method.": MAPPING_METHODS,
    "basis.": MAPPING_BASES,
}
TEXT_SOURCES = (
    *ROOT.joinpath("pages").glob("*.py"),
    ROOT / "app.py",
    *ROOT.joinpath("etl", "read").glob("*.py"),
    ROOT / "etl" / "__main__.py",
    ROOT / "etl" / "ingest.py",  # its messages to the person adding a document are keys
)
QUOTED_KEY = re.compile(r"""["']([a-z_]+\.[a-z0-9_.]+)["']""")
BUILT_KEY = re.compile(r"""f["']([a-z_]+\.[a-z_.]*)\{""")


def _code() -> str:
    return "\n".join(path.read_text(encoding="utf-8") for path in TEXT_SOURCES)


def test_every_text_key_is_used() -> None:
    code = _code()
    quoted = set(QUOTED_KEY.findall(code))
    built = set(BUILT_KEY.findall(code))
    unused = [k for k in i18n.TEXT if k not in quoted and not any(k.startswith(b) for b in built)]
    assert unused == []


def test_every_key_built_at_run_time_has_its_texts() -> None:
    built = set(BUILT_KEY.findall(_code()))
    missing = [f"{f}{v}" for f, values in KEY_FAMILIES.items() for v in values]
    assert [key for key in missing if key not in i18n.TEXT] == []
    assert sorted(b for b in built if not any(k.startswith(b) for k in i18n.TEXT)) == []
