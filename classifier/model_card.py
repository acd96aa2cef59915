"""The model card (``README.md`` in every model directory), written from its metadata."""

from __future__ import annotations

from pathlib import Path

from classifier.schema import STANCES, TONES

_LIMITS = """\
## Intended use and limits

- Intended for analysts reading official statements on conflict and foreign policy (Iranian officials
  and the other actors of the same conflicts): what a statement does (stances) and in what register (tone).
- Trained on English statements written by the project team in their own words, many of them derived
  from specific real statements in public reporting (never copied); real wire copy still differs in
  length, translation style and vocabulary, and events after the corpus cutoff are new to the model.
- Stance scores are calibrated probabilities per label (Platt scaling; tone: temperature), fitted on
  real-derived statements the model did not train on; a stance is predicted when its score passes its
  tuned threshold. Treat scores near the threshold as uncertain and read the statement.
- Not suitable for other languages (non-English input is flagged), for texts that are not statements
  by officials, or as the only basis for decisions about people.
"""


def write_model_card(directory: Path, metadata: dict) -> None:
    training = metadata.get("training", {})
    metrics = metadata.get("validation_metrics", {})
    stance, tone = metrics.get("stance", {}), metrics.get("tone", {})
    lines = [
        f"# stance-and-tone model: {metadata.get('kind')}",
        "",
        f"Created {metadata.get('created_at')}, format version {metadata.get('format_version')}, "
        f"label schema version {metadata.get('schema', {}).get('schema_version')}.",
        "",
        "## Data",
        "",
        f"- Training file: `{training.get('data')}` (sha256 `{training.get('data_sha256')}`)",
        f"- {training.get('n_train')} training and {training.get('n_validation')} validation statements "
        f"({training.get('split')}); shipped model fit on {training.get('fit_on', 'train')}",
        "",
        "## Validation metrics",
        "",
        f"On {training.get('decisions_tuned_on', 'the validation split')}, with calibration and thresholds "
        "cross-fitted; `stance evaluate` gives test figures.",
        "",
        f"- stance macro-F1 {stance.get('macro_f1', float('nan')):.3f}, "
        f"micro-F1 {stance.get('micro_f1', float('nan')):.3f}",
        f"- tone accuracy {tone.get('accuracy', float('nan')):.3f}, macro-F1 {tone.get('macro_f1', float('nan')):.3f}",
        "",
        "## Labels and thresholds",
        "",
        "| stance | threshold |",
        "|---|---|",
        *(f"| {s} | {metadata.get('thresholds', {}).get(s, 0.5):.2f} |" for s in STANCES),
        "",
        f"Tones: {', '.join(TONES)}.",
        "",
        _LIMITS,
    ]
    (directory / "README.md").write_text("\n".join(lines), encoding="utf-8")
