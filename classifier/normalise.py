"""Masking names, dates and numbers before either model reads a statement.

The speaker is metadata, not a label, and the event is not the act: a
statement by one commander must be classified exactly like the same words
from his successor, and a vow after a strike on Kerman like the same vow after
a strike on a city the corpus never mentions. A model that sees names, places
and dates learns which events our corpus covered instead of what the words
do. Both models therefore read masked text, at training and at inference
alike, and save how they masked with the model.

Three modes (``MASKINGS``):

- ``none``: the text as written.
- ``officials``: calendar dates and a list of Iranian officials' surnames.
- ``names``: dates, numbers and every name, found without a list: a
  capitalised word is a name unless the training text also uses it in lower
  case (so "The", "Council" and "Minister" stay, "Kerman", "Sinwar" and
  "Operation Iron Swords" go), apart from a few institutions whose name is the
  act (the UN, the IAEA) and the words of religious formulae. The lexicon of
  lower-case words is learned by ``Masker.fit`` and saved with the model, so a
  name it has never seen is masked like the ones it has.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

NAME_TOKEN = "[name]"
DATE_TOKEN = "[date]"
NUMBER_TOKEN = "[num]"
MASK_TOKENS = (NAME_TOKEN, DATE_TOKEN, NUMBER_TOKEN)
MASKINGS = ("none", "officials", "names")
LEXICON_FILE = "mask_lexicon.json"

# Capitalised words that stay in "names" mode although they rarely appear in
# lower case: institutions whose naming is itself the act (an appeal to the UN)
# and the words of religious formulae (mourning, oaths).
KEEP_CAPITALISED = frozenset(
    {
        "un",
        "u.n.",
        "unsc",
        "unga",
        "iaea",
        "oic",
        "nato",
        "eu",
        "e3",
        "brics",
        "sco",
        "icj",
        "icc",
        "interpol",
        "opec",
        "gcc",
        "asean",
        "god",
        "allah",
        "quran",
        "koran",
        "prophet",
        "imam",
        "islam",
        "islamic",
        "muslim",
        "muslims",
        "ramadan",
        "eid",
        "ashura",
        "almighty",
        "merciful",
        "compassionate",
    }
)

# Officials likely to be quoted (2019-2025). Surnames are enough: a preceding
# first name or title is left in place and does not identify the speaker.
# Surnames shared with people who are the subject of statements (Qassem
# Soleimani, Pakistan's Sharif) are listed with the official's first name.
OFFICIAL_SURNAMES = (
    "Khamenei",
    "Rouhani",
    "Raisi",
    "Mokhber",
    "Pezeshkian",
    "Aref",
    "Jahangiri",
    "Zarif",
    "Amir-Abdollahian",
    "Amirabdollahian",
    "Abdollahian",
    "Bagheri Kani",
    "Araghchi",
    "Gharibabadi",
    "Takht-Ravanchi",
    "Ravanchi",
    "Iravani",
    "Mousavi",
    "Khatibzadeh",
    "Kanaani",
    "Kanani",
    "Baghaei",
    "Salami",
    "Pakpour",
    "Jafari",
    "Hajizadeh",
    "Tangsiri",
    "Qaani",
    "Ghaani",
    "Ramezan Sharif",
    "Naini",
    "Gholamreza Soleimani",
    "Bagheri",
    "Hatami",
    "Gholamali Rashid",
    "Fadavi",
    "Nasirzadeh",
    "Larijani",
    "Ghalibaf",
    "Qalibaf",
    "Shamkhani",
    "Ahmadian",
    "Rabiei",
    "Bahadori Jahromi",
    "Jahromi",
    "Mohajerani",
    "Mohseni-Ejei",
    "Ejei",
    "Eslami",
    "Kamalvandi",
    "Salehi",
    "Velayati",
    "Kharrazi",
    "Owji",
    "Zanganeh",
    "Hemmati",
    "Farzin",
    "Paknejad",
    "Momeni",
    "Khatib",
    "Kowsari",
    "Namaki",
    "Kolivand",
)

_MONTHS = (
    "January|February|March|April|May|June|July|August|September|October|November|December|"
    "Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec"
)
_DATE = re.compile(
    rf"\b(?:\d{{1,2}}(?:st|nd|rd|th)?\s+(?:of\s+)?(?:{_MONTHS})\.?(?:,?\s+(?:19|20)\d{{2}})?"
    rf"|(?:{_MONTHS})\.?\s+\d{{1,2}}(?:st|nd|rd|th)?(?:,?\s+(?:19|20)\d{{2}})?"
    rf"|(?:{_MONTHS})\.?,?\s+(?:19|20)\d{{2}}"
    r"|(?:19|20)\d{2}-\d{2}(?:-\d{2})?"
    r"|(?:19|20)\d{2}"
    # a bare month name, except "May", which is far more often the verb
    r"|January|February|March|April|June|July|August|September|October|November|December)\b"
)
_NAMES = re.compile(
    r"\b(?:" + "|".join(re.escape(n) for n in sorted(OFFICIAL_SURNAMES, key=len, reverse=True)) + r")(?:'s)?\b"
)


_NUMBER = re.compile(r"(?<![\w\[])\d+(?:[.,]\d+)*(?:st|nd|rd|th|s)?(?![\w\]])")
_WORD = re.compile(r"[A-Za-z][A-Za-z\u2019']*(?:[-.][A-Za-z][A-Za-z\u2019']*)*")
_POSSESSIVE = re.compile(r"(?:'s|\u2019s|'|\u2019)$")
_NAME_RUN = re.compile(
    re.escape(NAME_TOKEN) + r"(?:(?:\s+|-)(?:of the |of |al-|bin |ibn )?" + re.escape(NAME_TOKEN) + ")+"
)


def mask(text: str) -> str:
    """``text`` with officials' surnames and calendar dates replaced by placeholders (mode ``officials``)."""
    text = _DATE.sub(DATE_TOKEN, text)
    return _NAMES.sub(lambda m: NAME_TOKEN + ("'s" if m.group(0).endswith("'s") else ""), text)


def lower_words(texts: Iterable[str], min_count: int = 2) -> frozenset[str]:
    """Words written in lower case at least ``min_count`` times: ordinary words, not names."""
    counts: Counter = Counter()
    for text in texts:
        counts.update(w for w in re.findall(r"\b[a-z][a-z']+\b", text.replace("\u2019", "'")))
    return frozenset(w for w, n in counts.items() if n >= min_count)


@dataclass(frozen=True)
class Masker:
    """How a model masks its input; ``lexicon`` matters in mode ``names`` only."""

    mode: str = "officials"
    lexicon: frozenset[str] = field(default_factory=frozenset, repr=False)

    def __post_init__(self):
        if self.mode not in MASKINGS:
            from classifier.errors import ConfigError

            raise ConfigError(f"unknown masking {self.mode!r}; valid: {', '.join(MASKINGS)}")

    @classmethod
    def fit(cls, mode: str, texts: Iterable[str]) -> Masker:
        return cls(mode, lower_words(texts) if mode == "names" else frozenset())

    def __call__(self, text: str) -> str:
        if self.mode == "none":
            return text
        text = mask(text)
        if self.mode == "officials":
            return text
        text = _NUMBER.sub(NUMBER_TOKEN, text)
        text = _WORD.sub(self._name_or_word, text)
        return _NAME_RUN.sub(NAME_TOKEN, text)

    def _name_or_word(self, match: re.Match) -> str:
        word = match.group(0)
        if not any(ch.isupper() for ch in word):
            return word
        suffix = _POSSESSIVE.search(word)
        stem = word[: suffix.start()] if suffix else word
        parts = [p for p in re.split(r"[-.]", stem.lower().replace("\u2019", "'")) if p]
        if stem.lower() in KEEP_CAPITALISED or all(p in self.lexicon or p in KEEP_CAPITALISED for p in parts):
            return word
        return NAME_TOKEN + (suffix.group(0) if suffix else "")

    # -- persistence: the lexicon is a file beside the weights -------------
    def save(self, directory: Path) -> list[str]:
        if self.mode != "names":
            return []
        (directory / LEXICON_FILE).write_text(json.dumps(sorted(self.lexicon)), encoding="utf-8")
        return [LEXICON_FILE]

    @classmethod
    def load(cls, directory: Path, config: dict) -> Masker:
        """The masker a saved model was trained with (``masking`` in its config)."""
        mode = config.get("masking", "officials")
        if mode != "names":
            return cls(mode)
        try:
            return cls(mode, frozenset(json.loads((directory / LEXICON_FILE).read_text(encoding="utf-8"))))
        except (OSError, ValueError) as exc:
            from classifier.errors import ModelFormatError

            raise ModelFormatError(f"{directory / LEXICON_FILE}: cannot read the masking lexicon ({exc})") from exc
