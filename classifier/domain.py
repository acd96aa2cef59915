"""Off-topic detection: is a text like the statements the model was trained on?

A model asked about a football match or a recipe still answers, most often
``neutral`` with confidence. To say so instead, every trained model keeps a
word table (``domain.safetensors``): for each word, how much more often it
appears in the training statements than in general English (the log ratio of
a smoothed unigram probability in our corpus to its frequency in `wordfreq`'s
English list, read at training time only). A text's *domain score* is the mean
of that ratio over its content words (words rarer than 1 in 1,000 in English);
below the threshold chosen on the real-derived validation statements (so that
2% of real statements are flagged) it gets an ``off_topic:`` warning.

Nearest-neighbour similarity was tried first and failed: sports and cookery
texts share enough ordinary words with short headlines to look as close as
real statements. Contrasting with general English is what separates them.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

DOMAIN_FILE = "domain.safetensors"
DOMAIN_WORDS = "domain_words.json"
#: share of real statements we accept to flag when choosing the threshold
FLAG_RATE = 0.02
CONTENT_BELOW = 1e-3  # words more frequent than this in English (the, said, will ...) carry no topic
GENERAL_WORDS = 50_000  # general-English words kept, so unseen common words count against the domain
FREQUENCY_FLOOR = 1e-8  # general frequency of a word no list knows (a rare name)
SMOOTHING = 0.5
_WORD = re.compile(r"[^\W\d_]{2,}", re.UNICODE)


def _tokens(text: str) -> list[str]:
    return _WORD.findall(text.lower())


@dataclass
class DomainIndex:
    scores: dict[str, float]  # word -> log(p_corpus / p_english); NaN: a function word, skipped
    unknown: float  # the score of a word neither list knows (0: no evidence either way)
    threshold: float

    def domain_score(self, texts: Sequence[str]) -> np.ndarray:
        """Mean log ratio over each text's content words (0 for a text with none)."""
        out = np.zeros(len(texts))
        for i, text in enumerate(texts):
            values = [self.scores.get(w, self.unknown) for w in _tokens(text)]
            values = [v for v in values if v == v]  # drop NaN: function words
            out[i] = float(np.mean(values)) if values else 0.0
        return out

    def warnings(self, texts: Sequence[str]) -> list[list[str]]:
        return [
            [
                f"off_topic: unlike the statements this model was trained on (domain score {s:.2f}, "
                f"threshold {self.threshold:.2f}); its labels may mean little here"
            ]
            if s < self.threshold
            else []
            for s in self.domain_score(texts)
        ]

    # -- persistence ------------------------------------------------------
    def save(self, directory: Path) -> list[str]:
        from safetensors.numpy import save_file

        words = list(self.scores)
        save_file(
            {
                "scores": np.array([self.scores[w] for w in words], dtype=np.float32),
                "unknown_threshold": np.array([self.unknown, self.threshold], dtype=np.float32),
            },
            str(directory / DOMAIN_FILE),
        )
        (directory / DOMAIN_WORDS).write_text(json.dumps(words, ensure_ascii=False), encoding="utf-8")
        return [DOMAIN_FILE, DOMAIN_WORDS]

    @classmethod
    def load(cls, directory: Path) -> DomainIndex | None:
        """The model's table, or None for a model trained without one."""
        if not (directory / DOMAIN_FILE).is_file():
            return None
        from safetensors.numpy import load_file

        arrays = load_file(str(directory / DOMAIN_FILE))
        words = json.loads((directory / DOMAIN_WORDS).read_text(encoding="utf-8"))
        unknown, threshold = (float(x) for x in arrays["unknown_threshold"])
        return cls(dict(zip(words, arrays["scores"].astype(float).tolist(), strict=True)), unknown, threshold)


def english_frequencies() -> tuple[Callable[[str], float], list[str]] | None:
    """wordfreq's English frequencies (a training-time dependency, the [train] extra), or None."""
    try:
        from wordfreq import top_n_list, word_frequency
    except ImportError:
        return None
    return (lambda w: word_frequency(w, "en")), top_n_list("en", GENERAL_WORDS)


def fit_domain(
    train_texts: Sequence[str],
    tuning_texts: Sequence[str],
    english: tuple[Callable[[str], float], list[str]] | None = None,
) -> DomainIndex | None:
    """The word table of ``train_texts``; threshold so that ``FLAG_RATE`` of ``tuning_texts`` fall below it."""
    english = english or english_frequencies()
    if english is None:
        return None
    frequency, common = english
    counts = Counter(w for text in train_texts for w in _tokens(text))
    total, vocabulary = sum(counts.values()), len(counts)
    unseen = np.log(SMOOTHING / (total + SMOOTHING * vocabulary))
    scores: dict[str, float] = {}
    for word in [*counts, *(w for w in common if w not in counts)]:
        general = max(frequency(word), FREQUENCY_FLOOR)
        if general > CONTENT_BELOW:
            scores[word] = float("nan")
            continue
        if word in counts:
            scores[word] = float(
                np.log((counts[word] + SMOOTHING) / (total + SMOOTHING * vocabulary)) - np.log(general)
            )
        else:  # never seen: evidence against the domain only as far as English uses it often
            scores[word] = float(min(0.0, unseen - np.log(general)))
    index = DomainIndex(scores, 0.0, 0.0)  # a word neither list knows (a rare name) says nothing
    if len(tuning_texts):
        index.threshold = float(np.quantile(index.domain_score(tuning_texts), FLAG_RATE))
    return index
