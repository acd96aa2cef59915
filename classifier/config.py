"""Settings for both models: frozen dataclasses that validate themselves.

They round-trip through plain dicts (saved in ``model.json``) and can be read
from a JSON file, with CLI flags overriding single fields.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, fields, replace
from pathlib import Path
from typing import Any

from classifier.errors import ConfigError


def _require(condition: bool, message: str) -> None:
    if not condition:
        raise ConfigError(message)


def _require_masking(masking: str) -> None:
    from classifier.normalise import MASKINGS

    _require(masking in MASKINGS, f"masking must be one of {', '.join(MASKINGS)}, got {masking!r}")


class _Settings:
    def to_dict(self) -> dict[str, Any]:
        return asdict(self)  # type: ignore[call-overload]

    @classmethod
    def from_dict(cls, data: dict[str, Any]):
        known = {f.name for f in fields(cls)}  # type: ignore[arg-type]
        unknown = sorted(set(data) - known)
        if unknown:
            raise ConfigError(
                f"unknown {cls.__name__} setting(s): {', '.join(unknown)}; known: {', '.join(sorted(known))}"
            )
        data = {k: tuple(v) if isinstance(v, list) else v for k, v in data.items()}
        return cls(**data)

    @classmethod
    def from_file(cls, path: str | Path, **overrides):
        try:
            data = json.loads(Path(path).read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError) as exc:
            raise ConfigError(f"{path}: cannot read config ({exc})") from exc
        return cls.from_dict(data).with_overrides(**overrides)

    def with_overrides(self, **overrides):
        return replace(self, **{k: v for k, v in overrides.items() if v is not None})  # type: ignore[type-var]


@dataclass(frozen=True)
class TfidfConfig(_Settings):
    word_ngrams: tuple[int, int] = (1, 2)
    char_ngrams: tuple[int, int] = (2, 5)
    min_df: int = 2
    max_df: float = 0.9
    stance_c: float = 4.0
    tone_c: float = 4.0
    max_iter: int = 2000
    masking: str = "officials"  # see classifier.normalise.MASKINGS
    seed: int = 13

    def __post_init__(self):
        for name in ("word_ngrams", "char_ngrams"):
            lo, hi = getattr(self, name)
            _require(1 <= lo <= hi <= 8, f"{name} must be (low, high) with 1 <= low <= high <= 8, got {(lo, hi)}")
        _require(self.min_df >= 1, f"min_df must be >= 1, got {self.min_df}")
        _require(0.0 < self.max_df <= 1.0, f"max_df must be in (0, 1], got {self.max_df}")
        _require(self.stance_c > 0 and self.tone_c > 0, "stance_c and tone_c must be positive")
        _require(self.max_iter >= 10, f"max_iter must be >= 10, got {self.max_iter}")
        _require_masking(self.masking)


@dataclass(frozen=True)
class TransformerConfig(_Settings):
    base_model: str = ""  # empty: the packaged all-MiniLM-L6-v2
    epochs: float = 3.0  # the recipe study (docs/RECIPES.md): 3 epochs train in ~16 min on 2 cores
    learning_rate: float = 8e-5
    head_learning_rate: float = 1e-3
    batch_size: int = 16
    max_length: int = 128
    window_stride: int = 96
    weight_decay: float = 0.01
    warmup_ratio: float = 0.1
    dropout: float = 0.1
    early_stopping_patience: int = 2
    masking: str = "officials"  # see classifier.normalise.MASKINGS
    seed: int = 13
    quantize: bool = True
    segments: str = "windows"  # "sentences": score each sentence, pool over them (classifier.models.windows)
    layer_lr_decay: float = 1.0  # learning rate of each lower encoder layer = the one above x this
    freeze_layers: int = 0  # embeddings and the lowest N encoder layers not trained
    rdrop_alpha: float = 0.0  # weight of the R-Drop consistency loss between two dropout passes
    class_weights: bool = True
    tone_class_weights: bool = False  # weight the rare stances only: plain tone loss reads tone better

    def __post_init__(self):
        _require(self.epochs > 0, f"epochs must be positive, got {self.epochs}")
        _require(0 < self.learning_rate < 1, f"learning_rate must be in (0, 1), got {self.learning_rate}")
        _require(0 < self.head_learning_rate < 1, "head_learning_rate must be in (0, 1)")
        _require(self.batch_size >= 1, f"batch_size must be >= 1, got {self.batch_size}")
        _require(16 <= self.max_length <= 512, f"max_length must be in [16, 512], got {self.max_length}")
        _require(
            1 <= self.window_stride <= self.max_length - 2,
            f"window_stride must be in [1, max_length - 2], got {self.window_stride}",
        )
        _require(0 <= self.dropout < 1, f"dropout must be in [0, 1), got {self.dropout}")
        _require(0 <= self.warmup_ratio < 1, f"warmup_ratio must be in [0, 1), got {self.warmup_ratio}")
        _require(self.early_stopping_patience >= 0, "early_stopping_patience must be >= 0")
        _require_masking(self.masking)
        _require(
            self.segments in ("windows", "sentences"), f"segments must be windows or sentences, got {self.segments!r}"
        )
        _require(0 < self.layer_lr_decay <= 1, f"layer_lr_decay must be in (0, 1], got {self.layer_lr_decay}")
        _require(self.freeze_layers >= 0, f"freeze_layers must be >= 0, got {self.freeze_layers}")
        _require(self.rdrop_alpha >= 0, f"rdrop_alpha must be >= 0, got {self.rdrop_alpha}")
