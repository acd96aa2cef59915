"""Sliding windows over long statements, shared by the torch and ONNX paths.

A statement longer than the encoder's window is not silently cut: it is split
into overlapping windows, each scored, and the scores pooled per statement
(stance: max over windows, since a stance performed anywhere in a statement
counts; tone: mean of the logits). Training, validation (calibration and
thresholds) and inference all go through this one function, so the numbers
saved with the model describe the model as it runs.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import numpy as np

from classifier.normalise import Masker


@dataclass(frozen=True)
class Windows:
    ids: list[list[int]]  # token ids of each window, with [CLS] ... [SEP]
    owner: np.ndarray  # statement index of each window
    n_windows: np.ndarray  # windows per statement


def plain_tokenizer(tokenizer):
    """A copy of a ``tokenizers.Tokenizer`` with padding and truncation off.

    Tokenizer files saved by transformers can carry padding to a fixed length
    and truncation, which would silently cut long statements and turn pad
    tokens into text; windows need the raw token sequence.
    """
    from tokenizers import Tokenizer

    plain = Tokenizer.from_str(tokenizer.to_str())
    plain.no_padding()
    plain.no_truncation()
    return plain


def make_windows(tokenizer, texts: Sequence[str], max_length: int, stride: int, *, masker: Masker) -> Windows:
    """Token windows of at most ``max_length`` tokens; ``tokenizer`` is a ``tokenizers.Tokenizer``.

    The texts are masked first, as the model was trained (``classifier.normalise``).
    """
    cls_id, sep_id = tokenizer.token_to_id("[CLS]"), tokenizer.token_to_id("[SEP]")
    body = max_length - 2
    ids: list[list[int]] = []
    owner: list[int] = []
    counts = np.zeros(len(texts), dtype=np.int64)
    texts = [masker(t) for t in texts]
    encodings = tokenizer.encode_batch(texts, add_special_tokens=False)
    for i, enc in enumerate(encodings):
        tokens = enc.ids
        starts = [0] if len(tokens) <= body else list(range(0, len(tokens) - body + stride, stride))
        for start in starts:
            ids.append([cls_id, *tokens[start : start + body], sep_id])
            owner.append(i)
            counts[i] += 1
    return Windows(ids, np.asarray(owner, dtype=np.int64), counts)


def length_sorted_batches(windows: Windows, batch_size: int) -> Iterator[tuple[np.ndarray, np.ndarray, np.ndarray]]:
    """(window indices, input_ids, attention_mask) batches, sorted by length to minimise padding."""
    order = np.argsort([len(w) for w in windows.ids], kind="stable")
    for start in range(0, len(order), batch_size):
        idx = order[start : start + batch_size]
        width = max(len(windows.ids[i]) for i in idx)
        input_ids = np.zeros((len(idx), width), dtype=np.int64)
        mask = np.zeros((len(idx), width), dtype=np.int64)
        for row, i in enumerate(idx):
            seq = windows.ids[i]
            input_ids[row, : len(seq)] = seq
            mask[row, : len(seq)] = 1
        yield idx, input_ids, mask


def pool(windows: Windows, stance_logits: np.ndarray, tone_logits: np.ndarray, n_texts: int):
    """Per-statement probabilities from per-window logits."""
    stance = np.full((n_texts, stance_logits.shape[1]), -np.inf)
    np.maximum.at(stance, windows.owner, stance_logits)
    tone = np.zeros((n_texts, tone_logits.shape[1]))
    np.add.at(tone, windows.owner, tone_logits)
    tone /= np.maximum(windows.n_windows, 1)[:, None]
    stance_p = 1.0 / (1.0 + np.exp(-stance))
    tone = tone - tone.max(axis=1, keepdims=True)
    tone_p = np.exp(tone)
    tone_p /= tone_p.sum(axis=1, keepdims=True)
    return stance_p, tone_p


def window_warnings(windows: Windows, max_length: int) -> list[list[str]]:
    return [
        [f"long_text: longer than the model's {max_length}-token window; scored as {int(n)} overlapping windows"]
        if n > 1
        else []
        for n in windows.n_windows
    ]
