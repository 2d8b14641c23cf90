"""Measure the matcher against the hand-labelled gold sample; write data/quality.json.

Run: .venv/bin/python benchmarks/evaluate_mapping.py [--db PATH]

Without --db the corpus is built into a temporary database (the published one is not touched).
Each gold row names a verbatim passage of a source file and the concepts that certainly apply
to it; the row belongs to the built item whose source span overlaps the passage most. Scores are
micro-averaged over item × concept pairs, on the whole sample and on a held-out split (the
thresholds and aliases were tuned on the other documents). Rebuild afterwards (`make build`)
to publish the new numbers in the database's `quality` table.
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
import tempfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from etl.paths import Paths  # noqa: E402
from etl.pipeline import build  # noqa: E402

GOLD = ROOT / "tests" / "fixtures" / "gold_mappings.tsv"
QUALITY_JSON = ROOT / "data" / "quality.json"
REPORT = ROOT / "benchmarks" / "results" / "mapping_quality.md"
# Tuning looked at 000, 003 and 004 only; 001 (the action plan's clean text, with the stated
# links) is checked afterwards to see whether the rules carry over to unseen wording.
HELD_OUT_DOCS = ("001",)


@dataclass(frozen=True)
class GoldRow:
    """One labelled passage: the document (three-digit prefix), its text, its concepts."""

    doc: str
    passage: str
    concepts: frozenset[str]


@dataclass(frozen=True)
class Span:
    """Where an item lies in its document's source text."""

    item_id: str
    doc_id: str
    char_start: int
    char_end: int
    text: str


@dataclass(frozen=True)
class Link:
    """A predicted item × concept pair with the evidence behind it."""

    concept_id: str
    method: str
    score: float
    alias: str


@dataclass
class Counts:
    """True positives, false positives and false negatives of one slice."""

    tp: int = 0
    fp: int = 0
    fn: int = 0

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0


@dataclass
class Scores:
    """Micro counts overall and per concept, and every mistake with its evidence."""

    overall: Counts = field(default_factory=Counts)
    concepts: dict[str, Counts] = field(default_factory=dict)
    mistakes: list[tuple[str, str, str, str]] = field(default_factory=list)
    unjoined: list[GoldRow] = field(default_factory=list)


def read_gold(path: Path = GOLD) -> list[GoldRow]:
    with path.open(encoding="utf-8", newline="") as handle:
        rows = csv.DictReader(handle, delimiter="\t", quoting=csv.QUOTE_NONE)
        return [GoldRow(r["doc"], r["passage"], frozenset(r["concepts"].split())) for r in rows]


def measure(db: Path, gold: Sequence[GoldRow], docs: Iterable[str] | None = None) -> Scores:
    """Score the database's automatic suggestions on the gold rows of `docs` (all if None)."""
    with duckdb.connect(str(db), read_only=True) as con:
        texts = dict(con.execute("SELECT doc_id, text_raw FROM document_texts").fetchall())
        items = con.execute("SELECT item_id, doc_id, char_start, char_end, text FROM items")
        spans = [Span(*row) for row in items.fetchall()]
        links = con.execute(
            "SELECT item_id, concept_id, method, score, matched_alias FROM suggestions"
        ).fetchall()
    predicted: dict[str, dict[str, Link]] = {}
    for item_id, *link in links:
        predicted.setdefault(item_id, {})[link[0]] = Link(*link)
    return score(texts, spans, predicted, gold, docs)


def score(
    texts: dict[str, str],
    items: Sequence[Span],
    predicted: dict[str, dict[str, Link]],
    gold: Sequence[GoldRow],
    docs: Iterable[str] | None = None,
) -> Scores:
    """Micro counts of `predicted` (item id → concept id → link) against the gold rows."""
    wanted = set(docs) if docs is not None else None
    rows = [g for g in gold if wanted is None or g.doc in wanted]
    scores = Scores()
    text_of = {item.item_id: item.text for item in items}
    for item_id, concepts in _joined(rows, texts, items, scores):
        found = predicted.get(item_id, {})
        for concept_id in sorted(concepts | set(found)):
            counts = scores.concepts.setdefault(concept_id, Counts())
            if concept_id in concepts and concept_id in found:
                outcome = "tp"
            elif concept_id in found:
                outcome = "fp"
                link = found[concept_id]
                evidence = f"{link.method} {link.score:.2f} '{link.alias}'"
                scores.mistakes.append(("FP", concept_id, evidence, text_of[item_id]))
            else:
                outcome = "fn"
                scores.mistakes.append(("FN", concept_id, "", text_of[item_id]))
            for target in (counts, scores.overall):
                setattr(target, outcome, getattr(target, outcome) + 1)
    return scores


def _joined(
    rows: Sequence[GoldRow], texts: dict[str, str], items: Sequence[Span], scores: Scores
) -> list[tuple[str, frozenset[str]]]:
    """Gold rows → (item id, gold concepts); rows that fall on one item pool their concepts."""
    by_item: dict[str, frozenset[str]] = {}
    for row in rows:
        doc_id = next((d for d in texts if d.startswith(f"{row.doc}_")), "")
        start = texts.get(doc_id, "").find(row.passage)
        end = start + len(row.passage)
        overlaps = [
            (min(end, i.char_end) - max(start, i.char_start), i.item_id)
            for i in items
            if i.doc_id == doc_id and start >= 0 and min(end, i.char_end) > max(start, i.char_start)
        ]
        if not overlaps:
            scores.unjoined.append(row)
            continue
        item_id = max(overlaps)[1]
        by_item[item_id] = by_item.get(item_id, frozenset()) | row.concepts
    return list(by_item.items())


def quality_json(scores: Scores) -> dict[str, object]:
    """The shape etl.pipeline.read_quality publishes into the `quality` table."""
    o = scores.overall
    return {
        "overall": {
            "precision": round(o.precision, 3),
            "recall": round(o.recall, 3),
            "f1": round(o.f1, 3),
            "pairs": o.tp + o.fn,
        },
        "concepts": {
            concept_id: {
                "precision": round(c.precision, 3),
                "recall": round(c.recall, 3),
                "support": c.tp + c.fn,
            }
            for concept_id, c in sorted(scores.concepts.items())
        },
    }


def report(slices: dict[str, Scores], everything: Scores) -> str:
    """Markdown: the slices side by side, per-concept numbers, the mistakes that remain."""
    lines = [
        "# Mapping quality on the gold sample",
        "",
        "Micro-averaged over item × concept pairs; `support` = gold pairs. "
        "Written by `benchmarks/evaluate_mapping.py`.",
        "",
        "| slice | precision | recall | F1 | gold pairs | predicted pairs |",
        "|---|---|---|---|---|---|",
    ]
    for name, s in slices.items():
        o = s.overall
        lines.append(
            f"| {name} | {o.precision:.3f} | {o.recall:.3f} | {o.f1:.3f} | {o.tp + o.fn} "
            f"| {o.tp + o.fp} |"
        )
    lines += ["", "| concept | precision | recall | support |", "|---|---|---|---|"]
    for concept_id, c in sorted(everything.concepts.items()):
        lines.append(f"| {concept_id} | {c.precision:.2f} | {c.recall:.2f} | {c.tp + c.fn} |")
    lines += ["", "## Remaining mistakes", ""]
    for kind, concept_id, evidence, text in everything.mistakes:
        lines.append(f"- **{kind}** `{concept_id}` {evidence} — {text[:140]}")
    if everything.unjoined:
        lines += ["", "## Gold rows without an item", ""]
        lines += [f"- {row.doc}: {row.passage}" for row in everything.unjoined]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", type=Path, help="measure this database instead of building one")
    args = parser.parse_args(argv)
    gold = read_gold()
    with tempfile.TemporaryDirectory() as folder:
        db = args.db or Path(folder) / "atlas.duckdb"
        if args.db is None:
            build(Paths(data=Paths.from_env().data, db=db), progress=lambda _: None)
        docs = sorted({g.doc for g in gold})
        tuned = [d for d in docs if d not in HELD_OUT_DOCS]
        everything = measure(db, gold)
        slices = {
            "all": everything,
            f"tuning ({'+'.join(tuned)})": measure(db, gold, tuned),
            f"held out ({'+'.join(HELD_OUT_DOCS)})": measure(db, gold, HELD_OUT_DOCS),
        }
    markdown = report(slices, everything)
    print(markdown)
    QUALITY_JSON.write_text(
        json.dumps(quality_json(everything), indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
    )
    REPORT.parent.mkdir(parents=True, exist_ok=True)
    REPORT.write_text(markdown, encoding="utf-8")
    print(f"wrote {QUALITY_JSON.relative_to(ROOT)} and {REPORT.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
