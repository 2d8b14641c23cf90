"""Overrides stage: automatic mappings + reviewed decisions → the mappings that count.

Fuzzy matching suggests; a reviewed file decides. Decisions live in `data/review.csv`, outside
the database, so a rebuild never loses them. The file is an append-only log (one decision per
line, the last line for a key wins), which keeps the history of who decided what and lets two
reviewers append at the same time without rewriting each other's lines.

Decisions are keyed by item id — a hash of the passage's words, stable across rebuilds — and
concept id. A decision whose item or concept no longer exists is reported, never dropped silently.
"""

from __future__ import annotations

import csv
import fcntl
import io
import json
import os
from collections.abc import Iterable, Iterator, Sequence, Set
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import TextIO

from etl.cache import digest
from etl.csvtext import read_text, records
from etl.errors import InputError
from etl.model import Mapping

DECISIONS = ("accept", "reject", "add", "not_covered", "clear")
REVIEW_COLUMNS = ("item_id", "city", "concept_id", "decision", "reviewer", "decided_at", "note")
MAX_NOTE_CHARS = 500


@dataclass(frozen=True)
class Decision:
    """One reviewer's word on an item × concept link, or on a whole city × concept cell."""

    item_id: str
    city: str
    concept_id: str
    decision: str
    reviewer: str = ""
    decided_at: str = ""
    note: str = ""

    @property
    def key(self) -> tuple[str, str, str]:
        return (self.item_id, self.city if not self.item_id else "", self.concept_id)


@dataclass(frozen=True)
class Outcome:
    """What applying the decisions produced, and what could not be applied."""

    mappings: tuple[Mapping, ...]
    not_covered: tuple[Decision, ...]
    unapplied: tuple[str, ...]


def parse_decisions(text: str, source: str = "review.csv") -> tuple[Decision, ...]:
    """Review CSV text → decisions (later lines for the same key replace earlier ones)."""
    return tuple(d for d in _latest(text, source).values() if d.decision != "clear")


def _latest(text: str, source: str) -> dict[tuple[str, str, str], Decision]:
    """The last line for each key, a `clear` included (it is what an undo may restore)."""
    latest: dict[tuple[str, str, str], Decision] = {}
    if not text.strip():
        return latest
    for line_no, values in records(text, REVIEW_COLUMNS, source):
        decision = Decision(**values)
        _validate(decision, f"{source} line {line_no}")
        latest[decision.key] = decision
    return latest


def load_decisions(path: Path) -> tuple[Decision, ...]:
    return parse_decisions(read_text(path), path.name) if path.exists() else ()


def named_items(decisions: Iterable[Decision]) -> frozenset[str]:
    """The items the decisions name (a cell's `not_covered` names none): the only ones whose
    links the decisions can make differ from their suggestions."""
    return frozenset(d.item_id for d in decisions if d.item_id)


def decisions_digest(decisions: Iterable[Decision]) -> str:
    """A digest of the decisions in force: a build whose digest differs applies them anew."""
    return digest(*(json.dumps([getattr(d, c) for c in REVIEW_COLUMNS]) for d in decisions))


def _validate(decision: Decision, where: str) -> None:
    if decision.decision not in DECISIONS:
        raise InputError(
            f"{where}: unknown decision {decision.decision!r}; use one of {', '.join(DECISIONS)}"
        )
    if not decision.concept_id:
        raise InputError(f"{where}: missing concept_id")
    if decision.decision == "not_covered" and not decision.city:
        raise InputError(f"{where}: a not_covered decision needs the city it is about")
    if decision.decision == "clear" and not (decision.item_id or decision.city):
        raise InputError(f"{where}: a clear decision needs the item_id or city it is about")
    if decision.decision not in ("not_covered", "clear") and not decision.item_id:
        raise InputError(f"{where}: a {decision.decision} decision needs the item_id it is about")
    if len(decision.note) > MAX_NOTE_CHARS:
        raise InputError(f"{where}: the note is longer than {MAX_NOTE_CHARS} characters")


@dataclass(frozen=True)
class Stale:
    """A decision that no longer applies, and why: `concept_gone`, `item_gone` (its passage
    changed or its document was removed or replaced) or `not_suggested` (a rejection of a
    link the matcher no longer makes). It stays in the review file and applies again if its
    passage or concept comes back."""

    decision: Decision
    reason: str

    @property
    def message(self) -> str:
        """The build log's line (English, with ids: for the command line and the log)."""
        d = self.decision
        label = f"{d.decision} {d.item_id or d.city} → {d.concept_id}"
        because = {
            "concept_gone": f"concept {d.concept_id} is no longer in the taxonomy",
            "item_gone": f"item {d.item_id} is no longer in the corpus",
            "not_suggested": "the matcher no longer suggests this link",
        }[self.reason]
        return f"{label}: {because}"


def stale_decisions(
    decisions: Iterable[Decision],
    item_ids: Iterable[str],
    concept_ids: Iterable[str],
    suggested: Iterable[tuple[str, str]],
) -> tuple[Stale, ...]:
    """The decisions that no longer fit the corpus, the taxonomy or the matcher's suggestions
    (item × concept pairs), in the order given."""
    items, concepts, pairs = set(item_ids), set(concept_ids), set(suggested)
    found = []
    for d in decisions:
        if d.concept_id not in concepts:
            found.append(Stale(d, "concept_gone"))
        elif d.decision == "not_covered":
            continue
        elif d.item_id not in items:
            found.append(Stale(d, "item_gone"))
        elif d.decision == "reject" and (d.item_id, d.concept_id) not in pairs:
            found.append(Stale(d, "not_suggested"))
    return tuple(found)


def apply_decisions(
    suggestions: Sequence[Mapping],
    decisions: Iterable[Decision],
    item_ids: Iterable[str],
    concept_ids: Iterable[str],
    kept_items: Set[str] = frozenset(),
    kept_links: Set[tuple[str, str]] = frozenset(),
) -> Outcome:
    """Re-apply every decision to this build's suggestions; report those that no longer fit.

    `kept_items` and `kept_links` (item × concept) are items and suggested links outside
    `item_ids` and `suggestions` that stay published as they were (an incremental build
    republishes only the documents that changed): a decision on them still fits, and its
    mapping row, already applied, stays where it is.
    """
    decisions = tuple(decisions)
    by_key = {(m.item_id, m.concept_id): m for m in suggestions}
    items = set(item_ids)
    stale = stale_decisions(decisions, items | kept_items, concept_ids, by_key.keys() | kept_links)
    unapplied = {s.decision for s in stale}
    not_covered: list[Decision] = []
    for d in decisions:
        if d in unapplied:
            continue
        current = by_key.get((d.item_id, d.concept_id))
        if d.decision == "not_covered":
            not_covered.append(d)
        elif d.item_id not in items:
            continue  # on a kept item: its mapping is published already
        elif d.decision == "reject" and current is not None:
            by_key[(d.item_id, d.concept_id)] = replace(current, status="rejected")
        else:
            by_key[(d.item_id, d.concept_id)] = (
                replace(current, status="accepted")
                if current is not None
                else Mapping(d.item_id, d.concept_id, 1.0, "manual", "", "accepted")
            )
    return Outcome(tuple(by_key.values()), tuple(not_covered), tuple(s.message for s in stale))


@dataclass(frozen=True)
class Recorded:
    """What one action appended, and what each of its keys said before (None: nothing)."""

    written: tuple[Decision, ...]
    superseded: tuple[Decision | None, ...]


def record_decision(path: Path, decision: Decision, known_items: Iterable[str] = ()) -> Decision:
    """Append one decision to the review file under an exclusive lock; returns what was written.

    The file is created with its header when missing. Validation happens before the file is
    touched, so a refused decision leaves it byte-identical.
    """
    return record_decisions(path, (decision,), known_items).written[0]


def record_decisions(
    path: Path, decisions: Sequence[Decision], known_items: Iterable[str] = ()
) -> Recorded:
    """Append several decisions as one action (a bulk accept/reject): all of them or none.

    Every decision is checked first, and all lines go out in one write under the lock, stamped
    with one time, so the action can be told apart in the log and undone as a whole.
    """
    stamp = _now()
    stamped = tuple(replace(d, decided_at=d.decided_at or stamp) for d in decisions)
    items = set(known_items)
    for n, decision in enumerate(stamped, start=1):
        where = "new decision" if len(stamped) == 1 else f"new decision {n} of {len(stamped)}"
        _validate(decision, where)
        if items and decision.item_id and decision.item_id not in items:
            raise InputError(f"{where}: item {decision.item_id} does not exist")
    with _locked_log(path) as (handle, before):
        latest = _latest(before, path.name)
        _append(handle, stamped)
    return Recorded(stamped, tuple(latest.get(d.key) for d in stamped))


def undo(path: Path, action: Recorded, reviewer: str) -> tuple[Decision, ...]:
    """Supersede an action's decisions with what their keys said before it (append-only).

    A key that someone decided again after the action keeps that later decision: undo takes
    back only one's own word. Returns the decisions appended.
    """
    with _locked_log(path) as (handle, before):
        latest = _latest(before, path.name)
        stamp = _now()
        restored = tuple(
            replace(
                previous or Decision(written.item_id, written.city, written.concept_id, "clear"),
                reviewer=reviewer,
                decided_at=stamp,
            )
            for written, previous in zip(action.written, action.superseded, strict=True)
            if _same(latest.get(written.key), written)
        )
        for decision in restored:
            _validate(decision, "undo")
        _append(handle, restored)
    return restored


def _same(logged: Decision | None, written: Decision) -> bool:
    """Whether the log's line is the one written (values are stripped when read back)."""
    return logged is not None and all(
        getattr(logged, c) == getattr(written, c).strip() for c in REVIEW_COLUMNS
    )


@contextmanager
def _locked_log(path: Path) -> Iterator[tuple[TextIO, str]]:
    """The review file opened for appending under an exclusive lock, with its text so far."""
    fd = os.open(path, os.O_RDWR | os.O_APPEND | os.O_CREAT, 0o644)
    with os.fdopen(fd, "a+", encoding="utf-8") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        handle.seek(0)
        yield handle, handle.read()


def _append(handle: TextIO, decisions: Sequence[Decision]) -> None:
    """The lines of `decisions` in one write (the header first into an empty file), synced."""
    lines = io.StringIO()
    if handle.tell() == 0:
        lines.write(",".join(REVIEW_COLUMNS) + "\n")
    writer = csv.writer(lines, lineterminator="\n")
    for decision in decisions:
        writer.writerow([getattr(decision, c) for c in REVIEW_COLUMNS])
    if decisions:
        handle.write(lines.getvalue())
        handle.flush()
        os.fsync(handle.fileno())


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")
