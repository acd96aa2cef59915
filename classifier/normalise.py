"""Masking who spoke and when, before either model reads a statement.

The speaker is metadata, not a label: a statement by one commander must be
classified exactly like the same words from his successor. Our corpus ties
some officials and years to some stances (the June 2025 war, for instance),
so a model that sees names and dates learns those habits of our data instead
of what the words do. Both models therefore read ``mask(text)``, at training
and at inference alike; the masking setting is saved in the model config.

Only the names of Iranian officials and calendar expressions are masked:
the names of other actors (the adversary, an ally) carry real meaning.
"""

from __future__ import annotations

import re

NAME_TOKEN = "[name]"
DATE_TOKEN = "[date]"

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


def mask(text: str) -> str:
    """``text`` with officials' surnames and calendar dates replaced by placeholders."""
    text = _DATE.sub(DATE_TOKEN, text)
    return _NAMES.sub(lambda m: NAME_TOKEN + ("'s" if m.group(0).endswith("'s") else ""), text)
