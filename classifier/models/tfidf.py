"""TF-IDF baseline: word and character n-grams, logistic regression heads.

Training uses scikit-learn (``TfidfVectorizer`` with our analyzer, and
``LogisticRegression``). Inference does not: importing scikit-learn costs
about 1.5 s, more than the whole cold-start budget, so the fitted vocabulary,
idf weights and coefficients are saved as JSON and safetensors arrays and
applied with numpy and scipy.sparse. A test checks that this transform equals
scikit-learn's on the same texts.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from classifier.config import TfidfConfig
from classifier.errors import ModelFormatError
from classifier.models.base import TrainableModel
from classifier.normalise import MASK_TOKENS, Masker
from classifier.schema import STANCES, TONES

_TOKEN = re.compile(r"\w\w+")
_QUOTES = str.maketrans({"\u2019": "'", "\u2018": "'", "\u201c": '"', "\u201d": '"', "\u2013": "-", "\u2014": "-"})
VOCAB_FILE = "tfidf_vocabulary.json"
WEIGHTS_FILE = "tfidf_weights.safetensors"
_ABSENT_INTERCEPT = -30.0  # a class never seen in training gets ~0 probability


# "[name]" would become the word "name" ("in the name of God"); "_name_" is its own token
_MASK_WORDS = {token: f"_{token[1:-1]}_" for token in MASK_TOKENS}


def normalise(text: str) -> str:
    text = unicodedata.normalize("NFKC", text).translate(_QUOTES)
    for token, word in _MASK_WORDS.items():
        text = text.replace(token, f" {word} ")
    return text.lower()


def make_analyzer(config: TfidfConfig, masker: Masker):
    """Word n-grams plus ``#``-prefixed character n-grams inside word boundaries.

    One analyzer (rather than a FeatureUnion of two vectorizers) walks each
    text once and keeps a single vocabulary, which is what makes batch
    inference fast.
    """

    def analyze(text: str) -> list[str]:
        words = words_of(text, masker)
        feats = word_ngrams(words, config.word_ngrams)
        for word in words:
            feats.extend(char_ngrams(word, config.char_ngrams))
        return feats

    return analyze


def words_of(text: str, masker: Masker) -> list[str]:
    return _TOKEN.findall(normalise(masker(text)))


def word_ngrams(words: list[str], sizes: tuple[int, int]) -> list[str]:
    feats: list[str] = []
    for n in range(sizes[0], sizes[1] + 1):
        if n == 1:
            feats.extend(words)
        else:
            feats.extend(" ".join(words[i : i + n]) for i in range(len(words) - n + 1))
    return feats


def char_ngrams(word: str, sizes: tuple[int, int]) -> list[str]:
    padded = f" {word} "
    size = len(padded)
    return ["#" + padded[i : i + n] for n in range(sizes[0], min(sizes[1], size) + 1) for i in range(size - n + 1)]


#: words whose character n-gram columns are kept between calls (a word's n-grams never change)
CHAR_CACHE_WORDS = 200_000


PIECE_CHARS = 20_000


def _pieces(text: str):
    """A book-length text in pieces of about 20,000 characters, cut at spaces.

    The analyzer lists every n-gram of its input; on a multi-megabyte text that
    list alone would take hundreds of MB. Counts add up over pieces, losing
    only the one word bigram that straddles each cut.
    """
    start = 0
    while len(text) - start > PIECE_CHARS:
        cut = text.rfind(" ", start, start + PIECE_CHARS)
        cut = cut if cut > start else start + PIECE_CHARS
        yield text[start:cut]
        start = cut
    yield text[start:]


def _softmax(z: np.ndarray) -> np.ndarray:
    z = z - z.max(axis=1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)


class TfidfModel(TrainableModel):
    kind = "tfidf"

    def __init__(self, config: TfidfConfig | None = None):
        self.config = config or TfidfConfig()

    def _use_vocabulary(self, vocab: list[str]) -> None:
        """Columns by feature; the cache of each word's character n-gram columns belongs to them."""
        self.vocabulary_ = vocab
        self.index_ = {f: i for i, f in enumerate(vocab)}
        self._char_columns: dict[str, list[int]] = {}

    # -- training ---------------------------------------------------------
    def fit(self, texts, stance_targets, tone_targets, *, validation=None):
        from sklearn.feature_extraction.text import TfidfVectorizer

        stance_targets = np.asarray(stance_targets)
        tone_targets = np.asarray(tone_targets)
        self.masker_ = Masker.fit(self.config.masking, texts)
        vectorizer = TfidfVectorizer(
            analyzer=make_analyzer(self.config, self.masker_),
            min_df=min(self.config.min_df, max(1, len(texts) // 10)),
            max_df=self.config.max_df if len(texts) >= 20 else 1.0,
            sublinear_tf=True,
            dtype=np.float64,
        )
        X = vectorizer.fit_transform(list(texts))
        vocab = sorted(vectorizer.vocabulary_, key=vectorizer.vocabulary_.get)
        self._use_vocabulary(vocab)
        self.idf_ = vectorizer.idf_.astype(np.float64)
        self.stance_coef_, self.stance_intercept_ = self._fit_stance(X, stance_targets)
        self.tone_coef_, self.tone_intercept_ = self._fit_tone(X, tone_targets)
        self.fitted_ = True
        return self

    def _logreg(self, c: float):
        from sklearn.linear_model import LogisticRegression

        return LogisticRegression(
            C=c, class_weight="balanced", max_iter=self.config.max_iter, random_state=self.config.seed
        )

    def _fit_stance(self, X, Y):
        coef = np.zeros((len(STANCES), X.shape[1]))
        intercept = np.full(len(STANCES), _ABSENT_INTERCEPT)
        for j in range(len(STANCES)):
            y = Y[:, j]
            if y.min() == y.max():  # never (or always) present: a constant score
                intercept[j] = _ABSENT_INTERCEPT if y.max() == 0 else -_ABSENT_INTERCEPT
                continue
            clf = self._logreg(self.config.stance_c).fit(X, y)
            coef[j], intercept[j] = clf.coef_[0], clf.intercept_[0]
        return coef, intercept

    def _fit_tone(self, X, y):
        coef = np.zeros((len(TONES), X.shape[1]))
        intercept = np.full(len(TONES), _ABSENT_INTERCEPT)
        present = np.unique(y)
        if len(present) == 1:
            intercept[present[0]] = 0.0
            return coef, intercept
        clf = self._logreg(self.config.tone_c).fit(X, y)
        if len(present) == 2:  # binary LR keeps one row: expand to two softmax logits
            coef[present[1]], intercept[present[1]] = clf.coef_[0], clf.intercept_[0]
            intercept[present[0]] = 0.0
        else:
            coef[clf.classes_], intercept[clf.classes_] = clf.coef_, clf.intercept_
        return coef, intercept

    # -- inference --------------------------------------------------------
    def transform(self, texts: Sequence[str]):
        """TF-IDF matrix as scikit-learn would compute it (sublinear tf, idf, l2 norm).

        The same features as the training analyzer, counted by column: a word's character n-gram
        columns are looked up once and cached, since most of a text's features are those and
        words repeat from statement to statement (about 3 times faster than analysing each text).
        """
        from scipy.sparse import csr_matrix

        self.check_fitted()
        index = self.index_
        cache = self._char_columns
        if len(cache) > CHAR_CACHE_WORDS:
            cache.clear()
        indptr, indices, values = [0], [], []
        for text in texts:
            columns: list[int] = []
            for piece in _pieces(text):
                words = words_of(piece, self.masker_)
                grams = word_ngrams(words, self.config.word_ngrams)
                columns.extend(i for f in grams if (i := index.get(f)) is not None)
                for word in words:
                    found = cache.get(word)
                    if found is None:
                        chars = char_ngrams(word, self.config.char_ngrams)
                        found = cache[word] = [i for f in chars if (i := index.get(f)) is not None]
                    columns.extend(found)
            cols, tf = np.unique(np.asarray(columns, dtype=np.int64), return_counts=True)
            w = (1.0 + np.log(tf)) * self.idf_[cols] if len(cols) else tf.astype(np.float64)
            norm = np.sqrt(np.dot(w, w))
            if norm > 0:
                w = w / norm
            indices.append(cols)
            values.append(w)
            indptr.append(indptr[-1] + len(cols))
        data = np.concatenate(values) if values else np.zeros(0)
        cols = np.concatenate(indices) if indices else np.zeros(0, dtype=np.int64)
        return csr_matrix((data, cols, np.asarray(indptr)), shape=(len(texts), len(self.vocabulary_)))

    def predict_proba(self, texts):
        X = self.transform(list(texts))
        stance = 1.0 / (1.0 + np.exp(-(X @ self.stance_coef_.T + self.stance_intercept_)))
        tone = _softmax(X @ self.tone_coef_.T + self.tone_intercept_)
        return np.asarray(stance), np.asarray(tone)

    # -- persistence ------------------------------------------------------
    def config_dict(self) -> dict:
        return self.config.to_dict()

    def save(self, directory: Path) -> list[str]:
        from safetensors.numpy import save_file

        self.check_fitted()
        (directory / VOCAB_FILE).write_text(json.dumps(self.vocabulary_, ensure_ascii=False), encoding="utf-8")
        save_file(
            {
                "idf": self.idf_,
                "stance_coef": np.ascontiguousarray(self.stance_coef_),
                "stance_intercept": self.stance_intercept_,
                "tone_coef": np.ascontiguousarray(self.tone_coef_),
                "tone_intercept": self.tone_intercept_,
            },
            str(directory / WEIGHTS_FILE),
        )
        return [VOCAB_FILE, WEIGHTS_FILE, *self.masker_.save(directory)]

    @classmethod
    def load(cls, directory: Path, metadata: dict) -> TfidfModel:
        from safetensors.numpy import load_file

        config = metadata.get("model_config", {})
        model = cls(TfidfConfig.from_dict(config))
        model.masker_ = Masker.load(directory, config)
        try:
            vocab = json.loads((directory / VOCAB_FILE).read_text(encoding="utf-8"))
            arrays = load_file(str(directory / WEIGHTS_FILE))
        except (OSError, ValueError) as exc:
            raise ModelFormatError(f"{directory}: cannot read TF-IDF model files ({exc}); retrain it.") from exc
        n = len(vocab)
        shapes = {
            "idf": (n,),
            "stance_coef": (len(STANCES), n),
            "stance_intercept": (len(STANCES),),
            "tone_coef": (len(TONES), n),
            "tone_intercept": (len(TONES),),
        }
        for name, shape in shapes.items():
            if name not in arrays or arrays[name].shape != shape:
                got = arrays[name].shape if name in arrays else "missing"
                raise ModelFormatError(
                    f"{directory / WEIGHTS_FILE}: array {name} has shape {got}, expected {shape}; retrain the model."
                )
        model._use_vocabulary(vocab)
        model.idf_ = arrays["idf"]
        model.stance_coef_, model.stance_intercept_ = arrays["stance_coef"], arrays["stance_intercept"]
        model.tone_coef_, model.tone_intercept_ = arrays["tone_coef"], arrays["tone_intercept"]
        model.fitted_ = True
        return model
