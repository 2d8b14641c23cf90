"""Generate a realistic larger corpus from the real documents, for benchmarks at scale.

Usage: python benchmarks/generate_corpus.py OUT --documents N [--seed S]

OUT becomes a data folder (raw/, manifest.csv, cities.csv, taxonomy.toml, language/) that
`ATLAS_DATA=OUT python -m etl build` reads. The documents are the shipped ones (data/raw) and,
when present, ../shared/corpus-dev, cut into their blocks (headings, paragraphs, lists) and
recombined: each generated document follows the heading structure of a real case paper (two
standard headings or more; the OCR'd ones repaired first), with about half of its paragraphs
and lists swapped for blocks of any real document, so every stage does the work real text
makes it do. Many cities (real Swedish municipalities), committees,
policies and genres; documents answering the same policy of the same city share that policy's
components (real list items), so dedupe has units to find. A fifth of the documents are
OCR-garbled the way the shipped OCR'd documents are: every å, ä and ö replaced by what the OCR
made of it there, in the proportions measured on tests/fixtures/repair_gold_*.tsv.

Nothing of ../shared is copied into the project: the generated folder is a temporary output.
"""

from __future__ import annotations

import argparse
import csv
import difflib
import io
import random
import re
import shutil
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SHARED_CORPUS = ROOT.parent / "shared" / "corpus-dev"
GOLD = sorted((ROOT / "tests" / "fixtures").glob("repair_gold_*.tsv"))
DIACRITICS = "åäöÅÄÖ"

# Real municipalities of different sizes; the first ones get more documents (a Zipf share), as
# the big cities write more.
CITIES = (
    "Stockholm Göteborg Malmö Uppsala Linköping Örebro Västerås Helsingborg Norrköping Jönköping "
    "Umeå Lund Borås Huddinge Eskilstuna Nacka Gävle Halmstad Södertälje Sundsvall Växjö "
    "Karlstad Botkyrka Haninge Kungsbacka Solna Järfälla Sollentuna Täby Luleå Trollhättan "
    "Östersund Kristianstad Skellefteå Uddevalla Norrtälje Varberg Falun Borlänge Kalmar "
    "Tyresö Lidingö Karlskrona Skövde Hässleholm Landskrona Mölndal Sigtuna Upplands-Väsby "
    "Vallentuna Ängelholm Trelleborg Lerum Motala Piteå Sandviken Kungälv Ystad Alingsås Kiruna"
).split()
ORGANS = (
    "Kommunstyrelsen / Stadskontoret",
    "Socialnämnden / Socialförvaltningen",
    "Utbildningsnämnden / Utbildningsförvaltningen",
    "Kulturnämnden / Kulturförvaltningen",
    "Stadsbyggnadsnämnden / Stadsbyggnadskontoret",
    "Servicenämnden / Serviceförvaltningen",
    "Miljö- och hälsoskyddsnämnden / Miljöförvaltningen",
    "Arbetsmarknadsnämnden / Arbetsmarknadsförvaltningen",
    "Idrotts- och fritidsnämnden / Fritidsförvaltningen",
    "Äldrenämnden / Äldreförvaltningen",
)
POLICIES = (
    "Handlingsplan mot rasism",
    "Program för mänskliga rättigheter",
    "Policy för mänskliga rättigheter",
    "Plan för nationella minoriteters rättigheter",
    "Handlingsplan för romsk inkludering",
    "Strategi för jämställdhet",
)
# Genres in the shares a city's archive has them: mostly committee responses and reports.
KINDS = (("response", 5), ("report", 2), ("plan", 1), ("policy", 1), ("minutes", 1))
SWAP_SHARE = 0.5  # of a template's paragraphs and lists replaced by other documents' blocks
GARBLED_SHARE = 0.2
POLICIES_PER_CITY = 3
COMPONENTS_PER_POLICY = 4
BULLET = re.compile(r"^\s*([-–•▪●*]|\d{1,2}[.)])\s+")
SOURCE_CITIES = re.compile(r"\b(Stockholm|Malmö|Uppsala|Lund|Göteborg|Botkyrka|Helsingborg)")


def read_documents() -> list[str]:
    """The real documents, shipped and corpus-dev; the OCR-garbled ones repaired first."""
    from etl.paths import Paths
    from etl.pipeline import read_lexicon
    from etl.repair import repair_if_needed

    paths = sorted((ROOT / "data" / "raw").glob("*.txt"))
    if SHARED_CORPUS.is_dir():
        paths += sorted(SHARED_CORPUS.glob("*.txt"))
    lexicon = read_lexicon(Paths.from_env())
    return [repair_if_needed(p.read_text(encoding="utf-8"), lexicon) for p in paths]


def is_case_paper(blocks: list[str]) -> bool:
    """Two standard headings or more (Ärendet, Sammanfattning ...): a structure to follow."""
    from etl.parse import standard_section

    return sum(standard_section(b.splitlines()[0].strip()) is not None for b in blocks) >= 2


def blocks_of(text: str) -> list[str]:
    """Blocks apart by blank lines; a standard heading on the first line is a block of its own."""
    from etl.parse import standard_section

    blocks = []
    for block in (b.strip("\n") for b in re.split(r"\n\s*\n", text) if b.strip()):
        first, _, rest = block.partition("\n")
        if rest and standard_section(first.strip()) is not None:
            blocks += [first, rest]
        else:
            blocks.append(block)
    return blocks


def kind_of(block: str) -> str:
    lines = block.splitlines()
    if sum(bool(BULLET.match(line)) for line in lines) >= max(1, len(lines) // 2):
        return "list"
    if len(lines) == 1 and len(block) < 70 and not block.rstrip().endswith((".", ":", "?")):
        return "heading"
    return "paragraph"


def confusions() -> dict[str, Counter[str]]:
    """For each of å ä ö (and capitals): what the OCR made of it, counted on the gold lines."""
    seen: dict[str, Counter[str]] = {c: Counter() for c in DIACRITICS}
    for path in GOLD:
        for row in list(csv.reader(io.StringIO(path.read_text(encoding="utf-8")), delimiter="\t"))[
            1:
        ]:
            garbled, corrected = row[1], row[2]
            matcher = difflib.SequenceMatcher(None, corrected, garbled, autojunk=False)
            for op, a0, a1, b0, b1 in matcher.get_opcodes():
                if op in ("replace", "delete") and a1 - a0 == 1 and corrected[a0] in DIACRITICS:
                    seen[corrected[a0]][garbled[b0:b1]] += 1
    for letter, plain in zip(DIACRITICS, "aaoAAO", strict=True):
        if not seen[letter]:
            seen[letter][plain] += 1
    return seen


def garble(text: str, table: dict[str, Counter[str]], rng: random.Random) -> str:
    choices = {c: (list(t), list(t.values())) for c, t in table.items()}
    return "".join(
        rng.choices(*choices[c])[0] if c in choices else c  # type: ignore[arg-type]
        for c in text
    )


def generate(out: Path, documents: int, seed: int) -> None:
    rng = random.Random(seed)
    texts = read_documents()
    documents_blocks = [blocks_of(t) for t in texts]
    templates = [blocks for blocks in documents_blocks if is_case_paper(blocks)]
    pool: dict[str, list[str]] = {"paragraph": [], "list": [], "heading": []}
    for blocks in documents_blocks:
        for block in blocks[1:]:
            pool[kind_of(block)].append(block)
    list_items = [
        "- " + BULLET.sub("", line).strip()
        for block in pool["list"]
        for line in block.splitlines()
        if BULLET.match(line)
    ]
    table = confusions()
    policies = {
        city: [
            (
                f"{policy} ({city[:3].upper()} {rng.randint(2018, 2025)}/{rng.randint(100, 1999)})",
                rng.sample(list_items, COMPONENTS_PER_POLICY),
            )
            for policy in rng.sample(POLICIES, POLICIES_PER_CITY)
        ]
        for city in CITIES
    }
    weights = [1 / (rank + 1) for rank in range(len(CITIES))]
    kinds, kind_weights = zip(*KINDS, strict=True)

    if out.exists():
        shutil.rmtree(out)
    (out / "raw").mkdir(parents=True)
    # The data a build reads besides the documents: taxonomy, the matcher's rules and model.
    for name in ("taxonomy.toml", "rules.toml", "mapping_model.json"):
        if (ROOT / "data" / name).exists():
            shutil.copy(ROOT / "data" / name, out / name)
    if (ROOT / "data" / "language").is_dir():
        shutil.copytree(ROOT / "data" / "language", out / "language")
    with open(out / "cities.csv", "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["city", "label_sv", "label_en", "country"])
        writer.writerows([city, city, city, "SE"] for city in CITIES)
    rows = []
    for n in range(documents):
        city = rng.choices(CITIES, weights)[0]
        policy, components = rng.choice(policies[city])
        organ = rng.choice(ORGANS)
        text = document_text(rng, templates, pool, city, policy, components, organ)
        garbled = rng.random() < GARBLED_SHARE
        if garbled:
            text = garble(text, table, rng)
        name = f"{n:05d}_{city.lower().replace('ä', 'a').replace('ö', 'o').replace('å', 'a')}.txt"
        (out / "raw" / name).write_text(text, encoding="utf-8")
        year = rng.randint(2019, 2026)
        rows.append(
            {
                "source_file": name,
                "city": city,
                "organ": organ,
                "doc_kind": rng.choices(kinds, kind_weights)[0],
                "title": f"{policy.split(' (')[0]} – {organ.split(' / ')[0]}, {city}",
                "date": f"{year}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}",
                "dnr": f"{year}-{rng.randint(1000, 99999)}",
                "relates_to": policy,
            }
        )
    with open(out / "manifest.csv", "w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]) if rows else ["source_file"])
        writer.writeheader()
        writer.writerows(rows)


def document_text(
    rng: random.Random,
    templates: list[list[str]],
    pool: dict[str, list[str]],
    city: str,
    policy: str,
    components: list[str],
    organ: str,
) -> str:
    """A real document's structure, half its paragraphs and lists from others, the policy's
    components as a list after the first paragraph that follows a heading."""
    template = rng.choice(templates)
    out = [f"Tjänsteutlåtande\n{organ.split(' / ')[-1]}", f"{policy} – remissvar"]
    placed = False
    for block in template[1:]:
        kind = kind_of(block)
        if kind != "heading" and rng.random() < SWAP_SHARE:
            block = rng.choice(pool[kind])
        out.append(block)
        if kind == "paragraph" and not placed:
            out.append("Planen har följande delar:")
            out.append("\n".join(components))
            placed = True
    return SOURCE_CITIES.sub(city, "\n\n".join(out)) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--documents", type=int, required=True)
    parser.add_argument("--seed", type=int, default=12)
    args = parser.parse_args()
    generate(args.out, args.documents, args.seed)
    print(f"wrote {args.documents} documents to {args.out}")


if __name__ == "__main__":
    import sys

    sys.path.insert(0, str(ROOT))
    main()
