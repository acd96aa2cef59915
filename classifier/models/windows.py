"""Segments of a statement, scored one by one and pooled, shared by the torch and ONNX paths.

A statement is read as one or more segments: the whole statement
(``segments="windows"``), or each sentence (``segments="sentences"``), a
segment longer than the encoder's window split into overlapping windows so
nothing is silently cut. Each window is scored and the scores pooled per
statement (stance: max over windows, since a stance performed anywhere in a
statement counts; tone: mean of the logits). Training pools the same way
before the loss, so a statement's labels are never pinned on a sentence that
does not carry them. Training, validation (calibration and thresholds) and
inference all go through this one function, so the numbers saved with the
model describe the model as it runs.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import numpy as np

from classifier.normalise import Masker

SEGMENTS = ("windows", "sentences")
_SENTENCE_END = re.compile(r"[.!?][\"\u201d\u2019')\]]*(\s+)(?=[\"\u201c\u2018(\[]*[A-Z0-9])|(\n+)")
_ABBREVIATION = re.compile(r"(?:\b[A-Z]\.|\b(?:Mr|Mrs|Ms|Dr|Gen|Brig|Lt|Col|Maj|Capt|Adm|St|No|Sen|Rep|Gov|Prof))\.?$")
MIN_SENTENCE_WORDS = 4


@dataclass(frozen=True)
class Windows:
    ids: list[list[int]]  # token ids of each window, with [CLS] ... [SEP]
    owner: np.ndarray  # statement index of each window
    n_windows: np.ndarray  # windows per statement
    over_length: np.ndarray  # statements with a segment longer than one window


def sentences(text: str) -> list[str]:
    """Sentences of a statement; abbreviations ("U.S.", "Gen.") and fragments under four words stay attached."""
    parts, start = [], 0
    for match in _SENTENCE_END.finditer(text):
        gap = match.start(1) if match.group(1) else match.start(2)
        parts.append(text[start:gap].strip())
        start = match.end()
    parts = [p for p in [*parts, text[start:].strip()] if p]
    merged: list[str] = []
    for part in parts:
        if merged and (_ABBREVIATION.search(merged[-1]) or len(merged[-1].split()) < MIN_SENTENCE_WORDS):
            merged[-1] = f"{merged[-1]} {part}"
        else:
            merged.append(part)
    if len(merged) > 1 and len(merged[-1].split()) < MIN_SENTENCE_WORDS:
        merged[-2:] = [f"{merged[-2]} {merged[-1]}"]
    return merged or [text]


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


def make_windows(
    tokenizer, texts: Sequence[str], max_length: int, stride: int, *, masker: Masker, segments: str = "windows"
) -> Windows:
    """Token windows of at most ``max_length`` tokens; ``tokenizer`` is a ``tokenizers.Tokenizer``.

    The texts are masked first, as the model was trained (``classifier.normalise``).
    """
    cls_id, sep_id = tokenizer.token_to_id("[CLS]"), tokenizer.token_to_id("[SEP]")
    body = max_length - 2
    ids: list[list[int]] = []
    owner: list[int] = []
    counts = np.zeros(len(texts), dtype=np.int64)
    over = np.zeros(len(texts), dtype=bool)
    masked = [masker(t) for t in texts]
    if segments == "sentences":
        pieces = [(i, piece) for i, text in enumerate(masked) for piece in sentences(text)]
    else:
        pieces = list(enumerate(masked))
    encodings = tokenizer.encode_batch([piece for _, piece in pieces], add_special_tokens=False)
    for (i, _), enc in zip(pieces, encodings, strict=True):
        tokens = enc.ids
        over[i] |= len(tokens) > body
        starts = [0] if len(tokens) <= body else list(range(0, len(tokens) - body + stride, stride))
        for start in starts:
            ids.append([cls_id, *tokens[start : start + body], sep_id])
            owner.append(i)
            counts[i] += 1
    return Windows(ids, np.asarray(owner, dtype=np.int64), counts, over)


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
        if over
        else []
        for n, over in zip(windows.n_windows, windows.over_length, strict=True)
    ]
