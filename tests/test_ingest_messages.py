"""What an ingest tells the person who added a document, on the command line, in their language.

(The upload form shows the same messages; tests/test_pages_sources.py checks them there.)
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from etl.paths import ROOT, Paths

THIN_PAGE = (
    "Till sidans huvudinnehåll\nDela\nSkriv ut\nLyssna\n"
    + "Vi använder kakor för att ge dig en bättre upplevelse av webbplatsen och för statistik.\n"
    * 3
    + "\nStaden arbetar mot rasism i skolan.\n\nSenast uppdaterad: 2024-01-01\n"
)
PLAN = (
    "Handlingsplan\n\nPlanens mål är att staden ska vara fri från rasism.\n\n"
    "Kulturförvaltningen arrangerar sedan 2021 en festival mot rasism.\n"
)


def ingest_cli(paths: Paths, tmp_path: Path, text: str, locale: str) -> str:
    file = tmp_path / "sida.txt"
    file.write_text(text, encoding="utf-8")
    env = {
        **os.environ,
        "ATLAS_DATA": str(paths.data),
        "ATLAS_DB": str(paths.db),
        "LC_ALL": "",
        "LC_MESSAGES": "",
        "LANG": locale,
    }
    done = subprocess.run(
        [sys.executable, "-m", "etl", "ingest", str(file), "--city", "Malmö"]
        + ["--organ", "Kulturnämnden", "--kind", "webpage"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stdout.strip().splitlines()[-1]


@pytest.mark.parametrize(
    ("locale", "expected"),
    [
        (
            "sv_SE.UTF-8",
            "warning: sida.txt är tillagt med 1 passager (policykomponent: 1), men de täcker bara "
            "9\u00a0% av texten. Se under Källor vilka textavsnitt som hoppades över och varför.",
        ),
        (
            "en_GB.UTF-8",
            "warning: sida.txt was added with 1 passages (policy component: 1), but they cover "
            "only 9% of its text. See on Sources which stretches were skipped and why.",
        ),
    ],
)
def test_thin_document_ends_with_a_warning_in_the_users_language(
    fresh_built: Paths, tmp_path: Path, locale: str, expected: str
) -> None:
    assert ingest_cli(fresh_built, tmp_path, THIN_PAGE, locale) == expected


def test_success_gives_counts_by_kind(fresh_built: Paths, tmp_path: Path) -> None:
    assert ingest_cli(fresh_built, tmp_path, PLAN, "en_GB.UTF-8") == (
        "sida.txt was added: 2 passages were taken from it (policy component: 1, activity: 1)."
    )
