"""Learning from labelled passages: which words go with which concept, and how to weigh evidence.

Two small, fast, offline parts, trained from labelled examples (the gold samples and reviewers'
accept / reject decisions):
- per concept, a naive-Bayes log-count ratio over word stems (the *learned* signal): the sum of
  the ratios of a passage's distinct stems, divided by the square root of their number, plus
  the concept's prior log-odds. It lets "brobyggare" or "Malmöpanelen" count as evidence once
  labelled passages have shown what they go with.
- per dimension, a logistic model over all evidence (alias words, alias inside a compound, the
  document's subject, the concept's share of the document's items, the learned signal, the
  document being a steering document), and a threshold per dimension.
- per dimension, a passage length above which a concept the passage names with one word at
  one place, and that no rule infers, is not linked whatever its score: in a long paragraph
  such a word is often a passing one ("… tillsammans med nämnderna …"), where in a short
  passage it is the passage's point. The length is chosen, like the thresholds, on the
  training pairs; "no limit" is one of the choices.
- per alias and per inference rule, its record in labelled passages (how often the concept it
  points to was right): "samråd" and "staff training in a plan against racism → eccar.06" are
  not equally good evidence, and one weight for all rules of a dimension cannot say so.
The combiner is fitted on learned signals computed *without* the example's own document
(naive-Bayes counts are additive: the document's own counts are subtracted), so it learns how
far the learned signal holds on a document it has not seen.

The model is saved as JSON (data/mapping_model.json): stems and weights, never passages.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from functools import cached_property
from itertools import chain, repeat
from pathlib import Path

import numpy as np

from etl.errors import InputError
from etl.rules import InferenceRule
from etl.signals import ITEM_FEATURES, PAIR_FEATURES, Signals
from etl.taxonomy import DIMENSIONS

LEARNED_FEATURES = ("alias_reliability", "rule_reliability", "learned")
FEATURES = (*PAIR_FEATURES, *LEARNED_FEATURES, *ITEM_FEATURES)
# Smoothing of an alias's or a rule's record (labelled hits, right hits) towards its
# dimension's record: as if each had been seen this many more times at its dimension's rate.
ALIAS_SMOOTHING = 2.0
# Format 6: a length limit per dimension for concepts said once (format 5: inference rules
# have their own record and reliability feature).
FORMAT = 6
# Laplace smoothing of the stem counts; 0.5 and 2 gave the same out-of-document F1 within 0.005.
SMOOTHING = 1.0
# A stem must occur in this many labelled passages to get a weight: rarer ones are names.
MIN_PASSAGES = 2
# L2 penalty of the logistic combiner (14 weights per dimension over some 12,000 labelled pairs).
PENALTY = 1.0
THRESHOLDS = tuple(round(0.05 * n, 2) for n in range(2, 19))
# The passage lengths (words) tried as a dimension's limit for a concept said once, and no
# limit. Development snippets have up to 20 words (nine in ten), the shipped documents' items
# a median of 33 and a tenth over 80, so the steps cover that range; chosen per training fold.
# A length limit must raise its dimension's training F1 by this much over no limit to be
# adopted: in the 39 leave-one-document-out folds (gold6) the adopted limits gained 0.006-0.018
# (function), 0.009-0.05 (arena), 0.010-0.012 (ECCAR), and focus once 0.0018 (about one pair),
# which cost 13 focus pairs of recall out of sample. Chosen after seeing those figures
# (0.01 dropped function limits too: precision 0.868 -> 0.850).
ONCE_LIMIT_GAIN = 0.005
ONCE_LIMITS: tuple[float, ...] = (20.0, 30.0, 40.0, 60.0, 80.0, 120.0, math.inf)


@dataclass(frozen=True)
class Labelled:
    """A labelled passage: its evidence row in a Signals, its document, and its labels.

    labels: concept id → 1.0 (the concept applies) or 0.0 (it does not); concepts left out are
    unlabelled ("acceptable" in the guide's terms, or not decided by a reviewer).
    """

    row: int
    doc_id: str
    labels: dict[str, float]


@dataclass(frozen=True)
class LinkModel:
    """Stem weights per concept; combiner weights, a threshold and a one-word length limit per
    dimension."""

    concept_ids: tuple[str, ...]
    vocabulary: dict[str, int]
    weights: np.ndarray
    prior: np.ndarray
    combiner: np.ndarray
    thresholds: np.ndarray
    once_limits: np.ndarray
    trained_on: dict[str, object]
    alias_record: dict[str, tuple[int, int]]
    rule_record: dict[str, tuple[int, int]]

    @cached_property
    def column_of(self) -> dict[str, int]:
        """Concept id → its column of `weights`."""
        return {cid: n for n, cid in enumerate(self.concept_ids)}

    def telling_words(self, stems: Sequence[str], concept_id: str, count: int) -> list[str]:
        """The `count` distinct stems among `stems` that weigh most for the concept (positive
        weights only): the evidence a reviewer reads for a learned link."""
        column = self.column_of[concept_id]
        known = {s for s in stems if s in self.vocabulary}
        weight = {s: float(self.weights[self.vocabulary[s], column]) for s in known}
        return sorted((s for s in weight if weight[s] > 0), key=lambda s: -weight[s])[:count]

    def learned(self, signals: Signals) -> dict[str, np.ndarray]:
        """The learned evidence for every item × concept of `signals`."""
        return {
            "alias_reliability": _reliability(signals, self.alias_record),
            "rule_reliability": _rule_reliability(signals, self.rule_record),
            "learned": self.word_signal(signals),
        }

    def word_signal(self, signals: Signals) -> np.ndarray:
        """The stem-weight signal for every item × concept (0 for concepts it does not know)."""
        own = {cid: n for n, cid in enumerate(self.concept_ids)}
        columns = np.array([own.get(cid, -1) for cid in signals.concept_ids], dtype=np.int64)
        known = columns >= 0
        result = np.zeros((signals.rows, len(signals.concept_ids)), dtype=np.float32)
        if not known.any() or not signals.rows:
            return result
        tokens = signals.tokens
        # Each distinct stem looked up in the model once, every word through an array.
        own_ids = np.array([self.vocabulary.get(s, -1) for s in tokens.stems], dtype=np.int64)
        ids, lengths = _distinct_ids(
            own_ids[tokens.stem_ids], np.diff(tokens.starts), len(self.vocabulary)
        )
        result[:, known] = _ratio_sums(self.weights[:, columns[known]], ids, lengths)
        result[:, known] += self.prior[columns[known]]
        return result

    def probabilities(self, signals: Signals, learned: dict[str, np.ndarray]) -> np.ndarray:
        """P(link) for every item × concept of `signals`, from the combiner."""
        return _sigmoid(_logits(self.combiner, signals, learned))

    def threshold_for(self, signals: Signals) -> np.ndarray:
        """The threshold of each concept column's dimension."""
        return self.thresholds[signals.dimension_index]

    def said_once_in_long(self, signals: Signals) -> np.ndarray:
        """items × concepts: said once (Signals.said_once) in a passage longer than its
        dimension's limit — not linked whatever the score."""
        limit = self.once_limits[signals.dimension_index]
        return signals.said_once() & (signals.words()[:, None] > limit[None, :])


def train(
    signals: Signals, examples: Sequence[Labelled], trained_on: dict[str, object]
) -> LinkModel:
    """Fit stem weights, the combiner (on out-of-document learned signals) and thresholds."""
    stems = [signals.stems[e.row] for e in examples]
    vocabulary = _vocabulary(stems)
    presence = _presence(stems, vocabulary)
    labels = _label_matrix(examples, signals.concept_ids)
    positive, negative = _counts(presence, labels)
    weights, prior = _ratios(positive, negative, labels)
    rows_in_signals = np.array([e.row for e in examples], dtype=np.int64)
    sub = signals.take(rows_in_signals)
    record = _alias_record(sub, labels, range(len(examples)))
    rule_record = _rule_record(sub, labels, range(len(examples)))
    out_of_doc = {name: np.zeros(labels.shape, dtype=np.float32) for name in LEARNED_FEATURES}
    for doc_id in sorted({e.doc_id for e in examples}):
        rows = np.array([n for n, e in enumerate(examples) if e.doc_id == doc_id])
        own_pos, own_neg = _counts(presence[rows], labels[rows])
        w, p = _ratios(positive - own_pos, negative - own_neg, np.delete(labels, rows, axis=0))
        row_ids, row_lengths = _stem_ids([stems[r] for r in rows], vocabulary)
        out_of_doc["learned"][rows] = _ratio_sums(w, row_ids, row_lengths) + p
        without = _subtract(record, _alias_record(sub, labels, rows))
        out_of_doc["alias_reliability"][rows] = _reliability(sub.take(rows), without)
        rules_without = _subtract(rule_record, _rule_record(sub, labels, rows))
        out_of_doc["rule_reliability"][rows] = _rule_reliability(sub.take(rows), rules_without)
    # The combiner and the thresholds learn from the pairs the guide lets be linked at all
    # (Signals.may_link): an ECCAR pair outside work against racism is never linked, so it
    # says nothing about where to draw the line.
    decidable = np.where(sub.may_link(), labels, np.nan)
    combiner = _fit_combiner(sub, out_of_doc, decidable)
    probabilities = _sigmoid(_logits(combiner, sub, out_of_doc))
    thresholds = _choose_thresholds(probabilities, decidable, sub.dimension_index)
    once_limits = _choose_once_limits(
        probabilities >= thresholds[sub.dimension_index], decidable, sub
    )
    return LinkModel(
        concept_ids=signals.concept_ids,
        vocabulary=vocabulary,
        weights=weights,
        prior=prior,
        combiner=combiner,
        thresholds=thresholds,
        once_limits=once_limits,
        trained_on=trained_on,
        alias_record=record,
        rule_record=rule_record,
    )


def save_model(model: LinkModel, path: Path) -> None:
    """Write the model as JSON: stems and numbers only."""
    stems = sorted(model.vocabulary, key=model.vocabulary.__getitem__)
    document = {
        "format": FORMAT,
        "trained_on": model.trained_on,
        "features": list(FEATURES),
        "dimensions": list(DIMENSIONS),
        "combiner": [[round(float(w), 4) for w in row] for row in model.combiner],
        "thresholds": [round(float(t), 3) for t in model.thresholds],
        "once_limits": [None if math.isinf(w) else float(w) for w in model.once_limits],
        "concepts": list(model.concept_ids),
        "prior": [round(float(p), 3) for p in model.prior],
        "alias_record": {key: list(value) for key, value in sorted(model.alias_record.items())},
        "rule_record": {key: list(value) for key, value in sorted(model.rule_record.items())},
        "stems": stems,
        "weights": {
            cid: [round(float(w), 2) for w in model.weights[:, n]]
            for n, cid in enumerate(model.concept_ids)
        },
    }
    path.write_text(json.dumps(document, ensure_ascii=False) + "\n", encoding="utf-8")


def load_model(path: Path) -> LinkModel:
    """Read a model written by save_model; InputError if it is missing or from another version."""
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InputError(
            f"{path}: matching model not found; run benchmarks/evaluate_mapping.py to train it"
        ) from None
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise InputError(f"{path}: not a matching model ({exc}); retrain it") from None
    if (
        document.get("format") != FORMAT
        or document.get("features") != list(FEATURES)
        or document.get("dimensions") != list(DIMENSIONS)
    ):
        raise InputError(f"{path}: written by another version of the matcher; retrain it")
    concepts = tuple(document["concepts"])
    weights = np.array([document["weights"][cid] for cid in concepts], dtype=np.float32).T
    return LinkModel(
        concept_ids=concepts,
        vocabulary={s: n for n, s in enumerate(document["stems"])},
        weights=weights.reshape(len(document["stems"]), len(concepts)),
        prior=np.array(document["prior"], dtype=np.float32),
        combiner=np.array(document["combiner"], dtype=np.float64),
        thresholds=np.array(document["thresholds"], dtype=np.float64),
        once_limits=np.array(
            [math.inf if w is None else w for w in document["once_limits"]], dtype=np.float64
        ),
        trained_on=document["trained_on"],
        alias_record={k: (int(v[0]), int(v[1])) for k, v in document["alias_record"].items()},
        rule_record={k: (int(v[0]), int(v[1])) for k, v in document["rule_record"].items()},
    )


def _vocabulary(stems: Sequence[Sequence[str]]) -> dict[str, int]:
    frequency: dict[str, int] = {}
    for passage in stems:
        for s in set(passage):
            frequency[s] = frequency.get(s, 0) + 1
    kept = sorted(s for s, n in frequency.items() if n >= MIN_PASSAGES and len(s) > 1)
    return {s: n for n, s in enumerate(kept)}


def _presence(stems: Sequence[Sequence[str]], vocabulary: dict[str, int]) -> np.ndarray:
    matrix = np.zeros((len(stems), len(vocabulary)), dtype=np.float32)
    for row, passage in enumerate(stems):
        columns = [vocabulary[s] for s in set(passage) if s in vocabulary]
        matrix[row, columns] = 1.0
    return matrix


def _label_matrix(examples: Sequence[Labelled], concept_ids: Sequence[str]) -> np.ndarray:
    """Examples × concepts: 1, 0, or NaN where unlabelled."""
    column = {cid: n for n, cid in enumerate(concept_ids)}
    labels = np.full((len(examples), len(concept_ids)), np.nan, dtype=np.float32)
    for row, example in enumerate(examples):
        for concept_id, value in example.labels.items():
            if concept_id in column:
                labels[row, column[concept_id]] = value
    return labels


def _counts(presence: np.ndarray, labels: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Stem counts (stems × concepts) in positive and in negative examples."""
    positive = presence.T @ np.nan_to_num(labels == 1).astype(np.float32)
    negative = presence.T @ np.nan_to_num(labels == 0).astype(np.float32)
    return positive, negative


def _ratios(
    positive: np.ndarray, negative: np.ndarray, labels: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Naive-Bayes log-count ratios per stem × concept, and each concept's prior log-odds."""
    p = positive + SMOOTHING
    q = negative + SMOOTHING
    weights = np.log(p / p.sum(axis=0)) - np.log(q / q.sum(axis=0))
    n_pos = (labels == 1).sum(axis=0)
    n_neg = (labels == 0).sum(axis=0)
    weights[:, n_pos == 0] = 0.0
    prior = np.log((n_pos + SMOOTHING) / (n_neg + SMOOTHING))
    return weights.astype(np.float32), prior.astype(np.float32)


def _stem_ids(
    stems: Sequence[Sequence[str]], vocabulary: dict[str, int]
) -> tuple[np.ndarray, np.ndarray]:
    """Known distinct stem ids of every passage, concatenated, and how many each passage has."""
    lengths = np.fromiter((len(p) for p in stems), dtype=np.int64, count=len(stems))
    # map over both iterables runs the look-up at C level (a generator cost 0.1 s per 400,000).
    ids = np.fromiter(map(vocabulary.get, chain.from_iterable(stems), repeat(-1)), dtype=np.int64)
    return _distinct_ids(ids, lengths, len(vocabulary))


def _distinct_ids(ids: np.ndarray, lengths: np.ndarray, size: int) -> tuple[np.ndarray, np.ndarray]:
    """From every word's vocabulary id (-1 unknown) and each passage's number of words: the
    known distinct ids of every passage, in order, concatenated, and how many each has."""
    owner = np.repeat(np.arange(len(lengths), dtype=np.int64), lengths)
    known = ids >= 0
    pairs = np.sort(owner[known] * (size + 1) + ids[known])
    pairs = pairs[np.concatenate(([True], pairs[1:] != pairs[:-1]))] if len(pairs) else pairs
    owners, distinct = np.divmod(pairs, size + 1)
    return distinct, np.bincount(owners, minlength=len(lengths)).astype(np.int64)


def _ratio_sums(weights: np.ndarray, ids: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """Per passage: the sum of its stems' weights over the square root of their number.

    Summed place by place over all passages at once (the passages longest first, so those with
    a stem at a place are a leading slice): np.add.reduceat over the passages' rows took 0.10 s
    CPU of 10,000 passages, this 0.02. The additions are in the stems' order, not reduceat's
    pairwise order, which differs in the last bits of a float32 (≤ 3e-6 on those passages); the
    links, the trained model and the leave-one-document-out figures came out byte-identical.
    """
    longest_first = np.argsort(-lengths, kind="stable")
    ordered = lengths[longest_first]
    starts = (np.cumsum(lengths) - lengths)[longest_first]
    sums = np.zeros((len(lengths), weights.shape[1]), dtype=np.float32)
    for place in range(int(ordered.max(initial=0))):
        having = int(np.count_nonzero(ordered > place))
        sums[:having] += weights[ids[starts[:having] + place]]
    result = np.empty_like(sums)
    result[longest_first] = sums
    return result / np.sqrt(np.maximum(lengths, 1))[:, None]


def _feature_stack(signals: Signals, learned: dict[str, np.ndarray]) -> np.ndarray:
    """items × concepts × (features + bias), in the order of FEATURES."""
    n, c = signals.rows, len(signals.concept_ids)
    layers = [signals.pair[name] for name in PAIR_FEATURES]
    layers += [learned[name] for name in LEARNED_FEATURES]
    layers += [np.broadcast_to(signals.item[name][:, None], (n, c)) for name in ITEM_FEATURES]
    layers.append(np.ones((n, c), dtype=np.float32))
    return np.stack(layers, axis=-1)


def _logits(combiner: np.ndarray, signals: Signals, learned: dict[str, np.ndarray]) -> np.ndarray:
    stack = _feature_stack(signals, learned)
    return np.einsum("ncf,cf->nc", stack, combiner[signals.dimension_index])


def _alias_record(
    signals: Signals, labels: np.ndarray, rows: Iterable[int]
) -> dict[str, tuple[int, int]]:
    """Per "concept alias" key: (labelled hits, hits where the concept was right)."""
    return _tally(signals, labels, rows, lambda row: signals.aliases[row].items())


def _rule_record(
    signals: Signals, labels: np.ndarray, rows: Iterable[int]
) -> dict[str, tuple[int, int]]:
    """Per "concept rule:id" key: (labelled items the rule inferred the concept for, items
    where the concept was right)."""
    return _tally(
        signals,
        labels,
        rows,
        lambda row: (
            (concept_id, (_rule_key(concept_id, rule.rule_id),))
            for concept_id, rule in signals.rules[row].items()
        ),
    )


def _tally(
    signals: Signals,
    labels: np.ndarray,
    rows: Iterable[int],
    keys_of: Callable[[int], Iterable[tuple[str, Iterable[str]]]],
) -> dict[str, tuple[int, int]]:
    """Per key: (labelled item × concept pairs it was found for, pairs that were right);
    `keys_of(row)` gives each concept of a row with the keys that proposed it."""
    record: dict[str, tuple[int, int]] = {}
    column = {cid: n for n, cid in enumerate(signals.concept_ids)}
    for row in rows:
        for concept_id, keys in keys_of(row):
            label = labels[row, column[concept_id]]
            if np.isnan(label):
                continue
            for key in keys:
                seen, right = record.get(key, (0, 0))
                record[key] = (seen + 1, right + int(label == 1))
    return record


def _rule_key(concept_id: str, rule_id: str) -> str:
    return f"{concept_id} rule:{rule_id}"


def _rule_reliability(signals: Signals, record: dict[str, tuple[int, int]]) -> np.ndarray:
    """Log-odds that a concept is right given the record of the rule that inferred it,
    smoothed like an alias's; 0 where no rule inferred the concept."""
    odds = _smoothed_odds(record)
    column = {cid: n for n, cid in enumerate(signals.concept_ids)}
    # Items on which the same rules fired share one concept → rule table (compute_signals):
    # each distinct table's row is worked out once and the items take theirs by index. A
    # Python loop over every item's fired rules took 0.013 s CPU of 10,000 passages, this 0.004.
    table_of: dict[int, int] = {}
    distinct: list[dict[str, InferenceRule]] = []
    for fired in signals.rules:
        if id(fired) not in table_of:
            table_of[id(fired)] = len(distinct)
            distinct.append(fired)
    rows = np.zeros((len(distinct), len(signals.concept_ids)), dtype=np.float32)
    for row, fired in enumerate(distinct):
        for concept_id, rule in fired.items():
            rows[row, column[concept_id]] = odds(_rule_key(concept_id, rule.rule_id))
    return rows[np.fromiter(map(table_of.__getitem__, map(id, signals.rules)), dtype=np.int64)]


def _subtract(
    total: dict[str, tuple[int, int]], part: dict[str, tuple[int, int]]
) -> dict[str, tuple[int, int]]:
    result = dict(total)
    for key, (seen, right) in part.items():
        all_seen, all_right = result[key]
        result[key] = (all_seen - seen, all_right - right)
    return result


def _reliability(signals: Signals, record: dict[str, tuple[int, int]]) -> np.ndarray:
    """Log-odds that a concept is right given the best record among the aliases found for it.

    Each alias's record is smoothed towards its dimension's: an alias never labelled counts as
    the dimension's average alias. The log-odds are worked out once per alias key, then the
    best key of each item × concept is taken.
    """
    odds = _smoothed_odds(record)
    # Over the arrays of all hits at once, each distinct key's odds worked out once: a Python
    # call per item × concept cost a fifth of the link model's time.
    found = signals.found
    present = np.unique(found.key)
    log_odds = np.zeros(len(found.key_texts), dtype=np.float64)
    log_odds[present] = [odds(found.key_texts[k]) for k in present.tolist()]
    best = np.full((signals.rows, len(signals.concept_ids)), -np.inf)
    np.maximum.at(best, (found.rows, found.columns), log_odds[found.key])
    return np.where(np.isfinite(best), best, 0.0).astype(np.float32)


def _smoothed_odds(record: dict[str, tuple[int, int]]) -> Callable[[str], float]:
    """key → log-odds of its record smoothed towards its dimension's (the key's beginning,
    "eccar.02 …"): a key never labelled counts as its dimension's average."""
    rate: dict[str, float] = {}
    totals: dict[str, list[int]] = {}
    for key, (seen, right) in record.items():
        dimension = key.split(".", 1)[0]
        pair = totals.setdefault(dimension, [0, 0])
        pair[0], pair[1] = pair[0] + seen, pair[1] + right
    for dimension, (seen, right) in totals.items():
        rate[dimension] = (right + 1.0) / (seen + 2.0)

    def odds(key: str) -> float:
        prior = rate.get(key.split(".", 1)[0], 0.5)
        seen, right = record.get(key, (0, 0))
        share = min(max((right + ALIAS_SMOOTHING * prior) / (seen + ALIAS_SMOOTHING), 0.01), 0.99)
        return math.log(share / (1 - share))

    return odds


def _fit_combiner(
    signals: Signals, learned: dict[str, np.ndarray], labels: np.ndarray
) -> np.ndarray:
    """One logistic model per dimension (Newton's method, L2 penalty), on labelled pairs."""
    stack = _feature_stack(signals, learned)
    combiner = np.zeros((len(DIMENSIONS), stack.shape[-1]), dtype=np.float64)
    for dim in range(len(DIMENSIONS)):
        columns = signals.dimension_index == dim
        x = stack[:, columns].reshape(-1, stack.shape[-1]).astype(np.float64)
        y = labels[:, columns].reshape(-1)
        keep = ~np.isnan(y)
        x, y = x[keep], y[keep].astype(np.float64)
        if len(y) == 0 or y.sum() == 0:
            combiner[dim, -1] = -10.0
            continue
        w = np.zeros(x.shape[1])
        penalty = PENALTY * np.eye(x.shape[1])
        penalty[-1, -1] = 0.0
        for _ in range(25):
            p = 1.0 / (1.0 + np.exp(-(x @ w)))
            gradient = x.T @ (p - y) + penalty @ w
            hessian = (x * (p * (1 - p))[:, None]).T @ x + penalty
            step = np.linalg.solve(hessian + 1e-6 * np.eye(len(w)), gradient)
            w -= step
            if np.abs(step).max() < 1e-6:
                break
        combiner[dim] = w
    return combiner


def _choose_thresholds(
    probabilities: np.ndarray, labels: np.ndarray, dimension_index: np.ndarray
) -> np.ndarray:
    """Per dimension, the threshold with the best F1 on the training pairs."""
    chosen = np.full(len(DIMENSIONS), 0.5)
    for dim in range(len(DIMENSIONS)):
        p = probabilities[:, dimension_index == dim].reshape(-1)
        y = labels[:, dimension_index == dim].reshape(-1)
        keep = ~np.isnan(y)
        p, y = p[keep], y[keep]
        best = -1.0
        for t in THRESHOLDS:
            tp = float(((p >= t) & (y == 1)).sum())
            predicted = float((p >= t).sum())
            f1 = 2 * tp / (predicted + float(y.sum())) if predicted + y.sum() else 0.0
            if f1 > best + 1e-9:
                best, chosen[dim] = f1, t
    return chosen


def _choose_once_limits(above: np.ndarray, labels: np.ndarray, signals: Signals) -> np.ndarray:
    """Per dimension, the ONCE_LIMITS length with the best F1 on the training pairs, given
    which pairs are above their threshold (`above`); the longest wins a tie, and a limit must
    beat no limit by ONCE_LIMIT_GAIN (a gain of about one pair is noise)."""
    said_once, words = signals.said_once(), signals.words()
    chosen = np.full(len(DIMENSIONS), math.inf)
    for dim in range(len(DIMENSIONS)):
        columns = signals.dimension_index == dim
        y = labels[:, columns]
        keep = ~np.isnan(y)
        best = -1.0
        for limit in sorted(ONCE_LIMITS, reverse=True):
            linked = above[:, columns] & ~(said_once[:, columns] & (words[:, None] > limit))
            tp = float((linked & (y == 1))[keep].sum())
            predicted = float(linked[keep].sum())
            relevant = float((y == 1)[keep].sum())
            f1 = 2 * tp / (predicted + relevant) if predicted + relevant else 0.0
            if f1 > best + (ONCE_LIMIT_GAIN if math.isinf(chosen[dim]) else 1e-9):
                best, chosen[dim] = f1, limit
    return chosen


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-np.clip(x, -30, 30)))
