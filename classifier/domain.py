"""Off-topic detection: is a text like anything the model was trained on?

A model asked about a football match or a recipe still answers, most often
``neutral`` with confidence. To say so instead, every trained model keeps a
small index of its training statements (``domain.safetensors``): TF-IDF
vectors over content words (the commonest words left out). A text's
*similarity* is its cosine with the nearest training statement; below the
threshold chosen on the real-derived validation statements (so that about 2%
of real statements are flagged) the text gets an ``off_topic:`` warning. The
method is the same for every model kind, cheap (a sparse product), and needs
neither torch nor scikit-learn.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

DOMAIN_FILE = "domain.safetensors"
DOMAIN_VOCAB = "domain_vocab.json"
#: share of real statements we accept to flag when choosing the threshold
FLAG_RATE = 0.02
MIN_DF = 2
MAX_DF = 0.25  # words in more than a quarter of the statements carry no topic
_WORD = re.compile(r"[^\W\d_]{2,}", re.UNICODE)


def _tokens(text: str) -> list[str]:
    return _WORD.findall(text.lower())


@dataclass
class DomainIndex:
    vocabulary: dict[str, int]
    idf: np.ndarray
    reference: object  # scipy CSR matrix: one l2-normalised row per training statement
    threshold: float

    def vectors(self, texts: Sequence[str]):
        from scipy.sparse import csr_matrix

        indptr, cols, vals = [0], [], []
        for text in texts:
            counts = Counter(i for w in _tokens(text) if (i := self.vocabulary.get(w)) is not None)
            c = np.fromiter(counts.keys(), dtype=np.int64, count=len(counts))
            w = (1 + np.log(np.fromiter(counts.values(), dtype=np.float64, count=len(counts)))) * self.idf[c]
            norm = np.sqrt(w @ w) if len(w) else 0.0
            cols.append(c)
            vals.append(w / norm if norm else w)
            indptr.append(indptr[-1] + len(c))
        data = np.concatenate(vals) if vals else np.zeros(0)
        indices = np.concatenate(cols) if cols else np.zeros(0, dtype=np.int64)
        return csr_matrix((data, indices, np.asarray(indptr)), shape=(len(texts), len(self.vocabulary)))

    def similarity(self, texts: Sequence[str]) -> np.ndarray:
        """Cosine with the nearest training statement, per text (0 for a text with no known content word)."""
        if not len(texts):
            return np.zeros(0)
        sims = self.vectors(texts) @ self.reference.T
        return np.asarray(sims.max(axis=1).todense()).ravel()

    def warnings(self, texts: Sequence[str]) -> list[list[str]]:
        return [
            [
                f"off_topic: unlike the statements this model was trained on (similarity {s:.2f}, "
                f"threshold {self.threshold:.2f}); its labels may mean little here"
            ]
            if s < self.threshold
            else []
            for s in self.similarity(texts)
        ]

    # -- persistence ------------------------------------------------------
    def save(self, directory: Path) -> list[str]:
        from safetensors.numpy import save_file

        ref = self.reference.tocsr()
        save_file(
            {
                "idf": self.idf.astype(np.float32),
                "data": ref.data.astype(np.float32),
                "indices": ref.indices.astype(np.int32),
                "indptr": ref.indptr.astype(np.int64),
                "threshold": np.array([self.threshold], dtype=np.float32),
            },
            str(directory / DOMAIN_FILE),
        )
        words = sorted(self.vocabulary, key=self.vocabulary.get)
        (directory / DOMAIN_VOCAB).write_text(json.dumps(words, ensure_ascii=False), encoding="utf-8")
        return [DOMAIN_FILE, DOMAIN_VOCAB]

    @classmethod
    def load(cls, directory: Path) -> DomainIndex | None:
        """The model's index, or None for a model trained before off-topic detection existed."""
        if not (directory / DOMAIN_FILE).is_file():
            return None
        from safetensors.numpy import load_file
        from scipy.sparse import csr_matrix

        arrays = load_file(str(directory / DOMAIN_FILE))
        words = json.loads((directory / DOMAIN_VOCAB).read_text(encoding="utf-8"))
        reference = csr_matrix(
            (arrays["data"].astype(np.float64), arrays["indices"], arrays["indptr"]),
            shape=(len(arrays["indptr"]) - 1, len(words)),
        )
        return cls(
            {w: i for i, w in enumerate(words)},
            arrays["idf"].astype(np.float64),
            reference,
            float(arrays["threshold"][0]),
        )


def fit_domain(train_texts: Sequence[str], tuning_texts: Sequence[str]) -> DomainIndex:
    """Index the training texts; set the threshold so that ``FLAG_RATE`` of ``tuning_texts`` fall below it."""
    df: Counter = Counter()
    for text in train_texts:
        df.update(set(_tokens(text)))
    n = len(train_texts)
    words = sorted(w for w, c in df.items() if c >= MIN_DF and c / n <= MAX_DF)
    vocabulary = {w: i for i, w in enumerate(words)}
    idf = np.array([np.log((1 + n) / (1 + df[w])) + 1 for w in words])
    index = DomainIndex(vocabulary, idf, None, 0.0)
    index.reference = index.vectors(train_texts)
    if len(tuning_texts):
        index.threshold = float(np.quantile(index.similarity(tuning_texts), FLAG_RATE))
    return index
