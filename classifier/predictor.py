"""Loading a model directory and classifying statements with it.

This is where raw model scores become what the user sees: calibrated
probabilities, labels through the saved thresholds and the neutral rule, and
warnings for inputs the model was not built for. Both model kinds go through
the same code.
"""

from __future__ import annotations

import importlib
import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import numpy as np

from classifier.calibration import Calibration
from classifier.decision import decide_all, thresholds_vector
from classifier.domain import DomainIndex
from classifier.errors import ModelFormatError
from classifier.files import encodes_as_utf8
from classifier.modelfile import read_metadata
from classifier.models import MODEL_KINDS
from classifier.models.base import Scorer
from classifier.schema import STANCES, TONES

LONG_TEXT_WORDS = 2000
#: the most text read per statement: far more than any real speech, little enough that memory and time stay
#: bounded whatever one row holds; longer texts are read as ``PASSAGES`` passages spread over the whole text
MAX_CHARS = 100_000
PASSAGES = 10
_ENGLISH_HINTS = frozenset(
    [
        "the",
        "of",
        "and",
        "to",
        "in",
        "a",
        "is",
        "that",
        "for",
        "on",
        "with",
        "by",
        "as",
        "we",
        "our",
        "will",
        "be",
        "has",
        "have",
        "it",
        "this",
        "are",
        "not",
        "at",
        "from",
        "its",
    ]
)
_LETTERS = re.compile(r"[^\W\d_]", re.UNICODE)
_WORDS = re.compile(r"[a-z]+")


def model_class(kind: str) -> type[Scorer]:
    if kind not in MODEL_KINDS:
        raise ModelFormatError(f"unknown model kind {kind!r}; known kinds: {', '.join(MODEL_KINDS)}")
    module, name = MODEL_KINDS[kind].split(":")
    return getattr(importlib.import_module(module), name)


def batch_size_hint(directory: str | Path, metadata: dict | None = None) -> int:
    """The batch size a model directory reads best in, from its metadata alone (nothing is loaded)."""
    directory = Path(directory)
    metadata = metadata if metadata is not None else read_metadata(directory, verify=False)
    kind = metadata.get("kind", "")
    if kind == "ensemble":
        from classifier.models.ensemble import MEMBERS_DIR

        members = (metadata.get("ensemble") or {}).get("members") or []
        return max((batch_size_hint(directory / MEMBERS_DIR / m["name"]) for m in members), default=1)
    return model_class(kind).batch_size_hint


def model_text(text: str) -> str:
    """Lone surrogates (from ``\\ud800``-style JSON escapes or undecodable argv) replaced: tokenizers reject them."""
    return text if encodes_as_utf8(text) else text.encode("utf-8", "replace").decode("utf-8")


def bounded_text(text: str, max_chars: int = MAX_CHARS) -> tuple[str, str | None]:
    """At most ``max_chars`` characters of ``text``, in passages spread over all of it, and a warning if cut."""
    if len(text) <= max_chars:
        return text, None
    n = PASSAGES if max_chars >= PASSAGES * 200 else 1
    size = max_chars // n
    step = (len(text) - size) / max(n - 1, 1)
    passages = []
    for k in range(n):
        start = int(k * step)
        piece = text[start : start + size]
        if start and " " in piece[:200]:  # start and end on word boundaries where possible
            piece = piece[piece.index(" ") + 1 :]
        if start + size < len(text) and " " in piece[-200:]:
            piece = piece[: piece.rindex(" ")]
        passages.append(piece)
    warning = (
        f"truncated: {len(text):,} characters; scored {sum(map(len, passages)):,} of them, in {n} passages "
        f"spread over the whole text (raise the limit with --max-chars)"
    )
    return "\n".join(passages), warning


def _count_words(text: str) -> int:
    """Words in ``text`` without building a list of them (a statement may be book-length)."""
    return sum(1 for _ in re.finditer(r"\S+", text))


def text_warnings(text: str, *, n_words: int | None = None) -> list[str]:
    """Flags for inputs outside what the models were trained on (English statements).

    ``n_words`` is the length of the whole statement when ``text`` is a bounded part of it.
    """
    warnings = []
    letters = _LETTERS.findall(text)
    if letters:
        latin = sum(1 for ch in letters if ch.isascii())
        if latin / len(letters) < 0.6:
            warnings.append("non_english: mostly non-Latin script; the models were trained on English")
        else:
            words = _WORDS.findall(text.lower())
            if len(words) >= 8 and sum(w in _ENGLISH_HINTS for w in words) / len(words) < 0.05:
                warnings.append("non_english: few English function words; the text may not be English")
    n_words = _count_words(text) if n_words is None else n_words
    if n_words > LONG_TEXT_WORDS:
        warnings.append(
            f"long_text: {n_words} words; statements in training were under 300 words, "
            "so scores for a document this long are less reliable"
        )
    return warnings


@dataclass
class Predictor:
    """A loaded model plus everything saved with it (thresholds, calibration)."""

    model: Scorer
    metadata: dict
    path: Path | None = None
    max_chars: int = MAX_CHARS
    domain: DomainIndex | None = None  # the off-topic check; None for models trained before it existed

    @classmethod
    def load(cls, directory: str | Path, *, verify: bool = True, max_chars: int = MAX_CHARS) -> Predictor:
        """Load a model directory; ``verify=False`` skips the manifest (an ensemble checked it already)."""
        if max_chars < 1000:
            from classifier.errors import ConfigError

            raise ConfigError(f"max_chars must be at least 1000, got {max_chars}")
        directory = Path(directory)
        metadata = read_metadata(directory, verify=verify)
        model = model_class(metadata.get("kind", "")).load(directory, metadata)
        return cls(
            model=model, metadata=metadata, path=directory, max_chars=max_chars, domain=DomainIndex.load(directory)
        )

    @property
    def kind(self) -> str:
        return self.model.kind

    @cached_property
    def thresholds(self) -> np.ndarray:
        return thresholds_vector(self.metadata.get("thresholds"))

    @cached_property
    def calibration(self) -> Calibration:
        return Calibration.from_dict(self.metadata.get("calibration"))

    def scores(self, texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
        """Calibrated stance (n×8) and tone (n×5) probabilities."""
        stance, tone, _ = self._calibrated(texts, with_warnings=False)
        return stance, tone

    def calibrated_with_warnings(self, texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray, list[list[str]]]:
        """``scores`` plus the model's notes on how it read each text."""
        return self._calibrated(texts, with_warnings=True)

    def _calibrated(self, texts: Sequence[str], *, with_warnings: bool, bounded: bool = False):
        """Calibrated scores; ``bounded`` when the texts were cut to ``max_chars`` already."""
        if not texts:
            return np.zeros((0, len(STANCES))), np.zeros((0, len(TONES))), []
        texts = [model_text(t if bounded else bounded_text(t, self.max_chars)[0]) for t in texts]
        if with_warnings:
            stance, tone, warnings = self.model.predict_with_warnings(texts)
        else:
            (stance, tone), warnings = self.model.predict_proba(texts), []
        return (*self.calibration.apply(stance, tone), warnings)

    def classify(self, texts: Sequence[str], ids: Sequence[str] | None = None, *, explain: bool = False) -> list[dict]:
        """One result per input, in order; empty texts get an ``error`` entry instead of scores.

        ``explain`` adds ``evidence``: the spans that carry each predicted label
        (``classifier.explain``; it re-scores each statement once per clause).
        """
        ids = list(ids) if ids is not None else [str(i + 1) for i in range(len(texts))]
        valid = [i for i, t in enumerate(texts) if isinstance(t, str) and t.strip()]
        cut = [bounded_text(texts[i], self.max_chars) for i in valid]  # once per text: it may be book-length
        stance, tone, model_warnings = self._calibrated([b for b, _ in cut], with_warnings=True, bounded=True)
        stance_labels, tone_labels = decide_all(stance, tone, self.thresholds)
        off_topic = self.domain.warnings([b for b, _ in cut]) if self.domain is not None else [[] for _ in cut]
        results: list[dict] = [
            {
                "id": ids[i],
                "text": texts[i] if isinstance(texts[i], str) else "",
                "error": "empty text: nothing to classify",
            }
            for i in range(len(texts))
        ]
        for row, i in enumerate(valid):
            result = {
                "id": ids[i],
                "text": texts[i],
                "stances": stance_labels[row],
                "stance_scores": {label: round(float(p), 4) for label, p in zip(STANCES, stance[row], strict=True)},
                "tone": tone_labels[row],
                "tone_scores": {label: round(float(p), 4) for label, p in zip(TONES, tone[row], strict=True)},
            }
            bounded, truncated = cut[row]
            warnings = text_warnings(bounded, n_words=_count_words(texts[i])) + ([truncated] if truncated else [])
            warnings = off_topic[row] + warnings + model_warnings[row]
            if warnings:
                result["warnings"] = warnings
            if explain:
                from classifier.explain import evidence

                result["evidence"] = evidence(self, texts[i], result["stances"], result["tone"])
            results[i] = result
        return results
