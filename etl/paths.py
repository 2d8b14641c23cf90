"""Every path the project reads or writes, in one place.

Imports nothing else of ours. Each path can be moved by an environment variable so that tests,
benchmarks and other deployments work on their own copy of the data:
`ATLAS_DATA` (the data folder), `ATLAS_DB` (the published database) and `ATLAS_CACHE` (the
build cache, beside the database unless moved).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Paths:
    """Where the corpus, its descriptions, the reviewed decisions and the database live."""

    data: Path
    db: Path
    cache_dir: Path | None = None

    @property
    def cache(self) -> Path:
        """The build cache's folder: per-document stage results, safe to delete."""
        return self.cache_dir if self.cache_dir is not None else self.db.parent / ".cache"

    @property
    def raw(self) -> Path:
        return self.data / "raw"

    @property
    def manifest(self) -> Path:
        return self.data / "manifest.csv"

    @property
    def cities(self) -> Path:
        return self.data / "cities.csv"

    @property
    def taxonomy(self) -> Path:
        return self.data / "taxonomy.toml"

    @property
    def review(self) -> Path:
        return self.data / "review.csv"

    @property
    def quality(self) -> Path:
        return self.data / "quality.json"

    @property
    def language(self) -> Path:
        return self.data / "language"

    @property
    def domain_words(self) -> Path:
        return self.language / "sv-domain-words.tsv"

    @classmethod
    def from_env(cls) -> Paths:
        data = Path(os.environ.get("ATLAS_DATA", ROOT / "data"))
        db = Path(os.environ.get("ATLAS_DB", data / "atlas.duckdb"))
        cache = os.environ.get("ATLAS_CACHE")
        return cls(data=data, db=db, cache_dir=Path(cache) if cache else None)
