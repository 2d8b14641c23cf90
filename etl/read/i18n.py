"""Interface text in Swedish and English, and numbers and dates in each language's style.

The texts live in `locales/sv.toml` and `locales/en.toml`, one line per key, so a translator can
edit them without Python; both files must hold the same keys (checked on load). Pages ask
`t(key, lang)`. Swedish is the default: the documents and most users are Swedish.
"""

from __future__ import annotations

import tomllib
from pathlib import Path

LANGUAGES = ("sv", "en")
DEFAULT_LANGUAGE = "sv"
LOCALES = Path(__file__).with_name("locales")


def _load_texts() -> dict[str, tuple[str, str]]:
    """key → (Swedish, English), refusing files whose keys differ or whose values are not text."""
    tables = {}
    for lang in LANGUAGES:
        path = LOCALES / f"{lang}.toml"
        with path.open("rb") as handle:
            table = tomllib.load(handle)
        wrong = sorted(key for key, value in table.items() if not isinstance(value, str))
        if wrong:
            raise ValueError(f"{path.name}: not a text: {', '.join(wrong)}")
        tables[lang] = table
    sv, en = tables["sv"], tables["en"]
    for lang, missing in (("en", set(sv) - set(en)), ("sv", set(en) - set(sv))):
        if missing:
            raise ValueError(f"{lang}.toml lacks: {', '.join(sorted(missing))}")
    return {key: (sv[key], en[key]) for key in sv}


TEXT: dict[str, tuple[str, str]] = _load_texts()

MONTHS = {
    "sv": "januari februari mars april maj juni juli augusti september oktober november december",
    "en": "January February March April May June July August September October November December",
}


def t(key: str, lang: str) -> str:
    """The text for `key` in `lang`; the key itself if missing, so a gap shows, not crashes."""
    pair = TEXT.get(key)
    if pair is None:
        return key
    return pair[LANGUAGES.index(lang) if lang in LANGUAGES else 0]


def fmt_number(value: float | int | None, lang: str, decimals: int = 0) -> str:
    """1 234,5 in Swedish (narrow no-break space, decimal comma); 1,234.5 in English."""
    if value is None:
        return "–"
    text = f"{value:,.{decimals}f}"
    if lang == "sv":
        text = text.replace(",", "\u202f").replace(".", ",")
    return text


def fmt_share(value: float | None, lang: str) -> str:
    """A share 0-1 as a percentage: 87 % (Swedish puts a space before %), 87% in English."""
    if value is None:
        return "–"
    return fmt_number(value * 100, lang) + ("\u00a0%" if lang == "sv" else "%")


def fmt_date(value: str | None, lang: str) -> str:
    """ISO date, month or year → '23 april 2024' / '23 April 2024'; empty stays empty."""
    if not value:
        return ""
    parts = value.split("-")
    months = MONTHS["sv" if lang == "sv" else "en"].split()
    if len(parts) == 1:
        return parts[0]
    month = months[int(parts[1]) - 1]
    if len(parts) == 2:
        return f"{month} {parts[0]}"
    return f"{int(parts[2])} {month} {parts[0]}"
