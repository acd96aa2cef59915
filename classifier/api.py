"""The Python API: load a model, classify texts or a DataFrame, get result objects.

    import classifier
    model = classifier.load()                      # the best trained model (or a path, or a kind)
    results = model.classify(["We condemn the attack."])
    results[0].stances, results[0].tone, results[0].stance_scores, results[0].to_dict()
    frame = model.classify_frame(df, text_column="text")

It is a thin layer over ``classifier.predictor.Predictor``: the same
calibration, thresholds and warnings as ``stance classify``, and the same
result fields as its JSON. Classifying imports neither torch nor scikit-learn.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from classifier.models import MODEL_KINDS
from classifier.predictor import MAX_CHARS, Predictor

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd


@dataclass(frozen=True)
class Result:
    """One statement's classification (or its ``error``), as ``stance classify --format json`` gives it."""

    id: object
    text: str
    stances: tuple[str, ...] = ()
    tone: str | None = None
    stance_scores: dict[str, float] = field(default_factory=dict)
    tone_scores: dict[str, float] = field(default_factory=dict)
    warnings: tuple[str, ...] = ()
    evidence: dict | None = None
    error: str | None = None

    @property
    def primary_stance(self) -> str | None:
        return self.stances[0] if self.stances else None

    @classmethod
    def from_dict(cls, row: dict) -> Result:
        return cls(
            id=row.get("id"),
            text=row.get("text", ""),
            stances=tuple(row.get("stances", ())),
            tone=row.get("tone"),
            stance_scores=dict(row.get("stance_scores", {})),
            tone_scores=dict(row.get("tone_scores", {})),
            warnings=tuple(row.get("warnings", ())),
            evidence=row.get("evidence"),
            error=row.get("error"),
        )

    def to_dict(self) -> dict:
        """The CLI's JSON fields; ``warnings``, ``evidence`` and ``error`` only when there is something to say."""
        if self.error is not None:
            return {"id": self.id, "text": self.text, "error": self.error}
        out = {
            "id": self.id,
            "text": self.text,
            "stances": list(self.stances),
            "stance_scores": dict(self.stance_scores),
            "tone": self.tone,
            "tone_scores": dict(self.tone_scores),
        }
        if self.warnings:
            out["warnings"] = list(self.warnings)
        if self.evidence is not None:
            out["evidence"] = self.evidence
        return out


class Model:
    """A loaded model directory, ready to classify."""

    def __init__(self, predictor: Predictor):
        self.predictor = predictor

    @property
    def kind(self) -> str:
        return self.predictor.kind

    @property
    def path(self) -> Path | None:
        return self.predictor.path

    def classify(
        self, texts: str | Sequence[str], ids: Sequence[object] | None = None, *, explain: bool = False
    ) -> list[Result]:
        """One ``Result`` per text, in order; an empty text gets a result with ``error`` set."""
        texts = [texts] if isinstance(texts, str) else list(texts)
        rows = self.predictor.classify(texts, list(ids) if ids is not None else None, explain=explain)
        return [Result.from_dict(r) for r in rows]

    def classify_frame(self, frame: pd.DataFrame, text_column: str = "text", *, batch_size: int = 1024):
        """``frame`` with result columns added: stances, primary_stance, tone, warnings, error, and
        ``score_<stance>`` / ``tone_<tone>`` probabilities (the same columns as CSV output)."""
        import pandas as pd

        from classifier.batch_output import result_cells

        if text_column not in frame.columns:
            from classifier.errors import DataError

            raise DataError(f"no {text_column!r} column; the columns are {', '.join(map(str, frame.columns))}")
        cells = []
        values = frame[text_column].tolist()
        for start in range(0, len(values), batch_size):
            chunk = values[start : start + batch_size]
            texts = [v if isinstance(v, str) else "" for v in chunk]
            for value, row in zip(chunk, self.predictor.classify(texts), strict=True):
                if not isinstance(value, str) and "error" in row:
                    row["error"] = f"{text_column!r} is not a string ({type(value).__name__})"
                cells.append(result_cells(row, row.get("error")))
        results = pd.DataFrame(cells, index=frame.index)
        for column in results.columns:
            if column.startswith(("score_", "tone_")):
                results[column] = pd.to_numeric(results[column], errors="coerce")
        clashing = [c for c in results.columns if c in frame.columns]
        return pd.concat([frame, results.rename(columns={c: f"result_{c}" for c in clashing})], axis=1)


def load(model: str | Path | None = None, *, max_chars: int = MAX_CHARS) -> Model:
    """A model by directory, by kind (``"tfidf"``, ``"transformer"``, ``"ensemble"`` in the models
    directory), or, with no argument, the best trained one. Loading never trains: with no trained model
    it raises ``NoModelError`` (``stance setup`` or ``classifier.train()`` make one)."""
    from classifier import paths
    from classifier.errors import NoModelError
    from classifier.selection import best_model_dir

    if model is None:
        directory = best_model_dir()
        if directory is None:
            raise NoModelError(
                f"no trained model in {paths.models_dir()}: run `stance setup` (the default ensemble) or "
                "`classifier.train()` (the TF-IDF baseline, about three minutes) first"
            )
    elif isinstance(model, str) and model in MODEL_KINDS and not Path(model).exists():
        directory = paths.default_model_dir(model)
    else:
        directory = Path(model)
    return Model(Predictor.load(directory, max_chars=max_chars))
