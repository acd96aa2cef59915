"""Inter-annotator agreement: the ceiling we hold the models against.

Krippendorff's alpha per stance label (each label a binary nominal decision),
Cohen's kappa for tone, and the F1 of one annotator scored against the other.
Run: ``python -m evaluation.agreement FIRST.jsonl SECOND.jsonl`` (rows matched by id);
``--disagreements OUT.jsonl`` writes the statements to adjudicate, both labellings side by side.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np

from classifier.corpus import jsonl_lines
from classifier.decision import stances_to_matrix, tones_to_indices
from classifier.schema import STANCES


def _read(path: Path) -> dict[str, dict]:
    rows = [json.loads(line) for _, line in jsonl_lines(path)]
    return {str(r["id"]): r for r in rows}


def agreement(first: dict[str, dict], second: dict[str, dict]) -> dict:
    import krippendorff
    from sklearn.metrics import cohen_kappa_score, f1_score

    ids = agreement_ids(first, second)
    a = stances_to_matrix([first[i]["stances"] for i in ids])
    b = stances_to_matrix([second[i]["stances"] for i in ids])
    ta, tb = tones_to_indices([first[i]["tone"] for i in ids]), tones_to_indices([second[i]["tone"] for i in ids])
    used = (a.sum(0) + b.sum(0)) > 0
    alpha = {}
    for j, label in enumerate(STANCES):
        data = np.stack([a[:, j], b[:, j]]).astype(float)
        alpha[label] = (
            float(krippendorff.alpha(reliability_data=data, level_of_measurement="nominal")) if data.any() else None
        )
    return {
        "n": len(ids),
        "stance_alpha": alpha,
        "stance_f1_b_vs_a": {
            "micro": float(f1_score(a, b, average="micro", zero_division=0)),
            # over the labels either annotator used: a label absent from both is not a disagreement
            "macro": float(f1_score(a[:, used], b[:, used], average="macro", zero_division=0)),
        },
        "stance_support": {
            label: {"first": int(a[:, j].sum()), "second": int(b[:, j].sum())} for j, label in enumerate(STANCES)
        },
        "primary_agreement": float(np.mean([first[i]["stances"][0] == second[i]["stances"][0] for i in ids])),
        "primary_in_other": float(np.mean([second[i]["stances"][0] in first[i]["stances"] for i in ids])),
        "exact_stance_set": float(np.mean([set(first[i]["stances"]) == set(second[i]["stances"]) for i in ids])),
        "tone_kappa": float(cohen_kappa_score(ta, tb)),
        "tone_accuracy": float(np.mean(ta == tb)),
        "tone_macro_f1_b_vs_a": float(
            f1_score(ta, tb, average="macro", labels=sorted(set(ta) | set(tb)), zero_division=0)
        ),
        "disagreements": [i for i in ids if disagree(first[i], second[i])],
    }


def disagree(a: dict, b: dict) -> bool:
    """What goes to adjudication: a different stance set, primary stance or tone."""
    return set(a["stances"]) != set(b["stances"]) or a["stances"][:1] != b["stances"][:1] or a["tone"] != b["tone"]


_CONTEXT = ("text", "speaker", "speaker_name", "date", "origin")


def disagreement_rows(first: dict[str, dict], second: dict[str, dict]) -> list[dict]:
    """One row per disagreement, for a third reader: the statement, then each annotator's labels (and note)."""
    out = []
    for i in agreement_ids(first, second):
        a, b = first[i], second[i]
        if not disagree(a, b):
            continue
        row = {"id": i, **{k: a[k] for k in _CONTEXT if a.get(k) is not None}}
        for n, labels in ((1, a), (2, b)):
            row[f"label_{n}"] = {k: labels[k] for k in ("stances", "tone", "note") if labels.get(k) is not None}
        out.append(row)
    return out


def agreement_ids(first: dict[str, dict], second: dict[str, dict]) -> list[str]:
    """The ids both annotators labelled, in the second file's order."""
    return [i for i in second if i in first]


def render(result: dict) -> str:
    lines = [
        f"Statements annotated twice: {result['n']}",
        "",
        "| stance | Krippendorff's alpha | first annotator | second annotator |",
        "|---|---|---|---|",
    ]
    for label in STANCES:
        a = result["stance_alpha"][label]
        sup = result["stance_support"][label]
        lines.append(
            f"| {label} | {a:.3f} | {sup['first']} | {sup['second']} |"
            if a is not None
            else f"| {label} | n/a | {sup['first']} | {sup['second']} |"
        )
    lines += [
        "",
        f"- Stance F1 of the second annotator against the first: micro {result['stance_f1_b_vs_a']['micro']:.3f}, "
        f"macro {result['stance_f1_b_vs_a']['macro']:.3f}",
        f"- Same primary stance: {result['primary_agreement']:.1%}; second's primary among first's stances: "
        f"{result['primary_in_other']:.1%}; identical stance sets: {result['exact_stance_set']:.1%}",
        f"- Tone: Cohen's kappa {result['tone_kappa']:.3f}, raw agreement {result['tone_accuracy']:.1%}, "
        f"macro-F1 {result['tone_macro_f1_b_vs_a']:.3f}",
    ]
    return "\n".join(lines)


def agreement_by(first: dict[str, dict], second: dict[str, dict], field: str, default: str) -> dict[str, dict]:
    """``agreement`` on each group of statements by a field of the first file (e.g. ``origin``)."""
    groups: dict[str, list[str]] = {}
    for i in second:
        if i in first:
            groups.setdefault(str(first[i].get(field) or default), []).append(i)
    return {g: agreement(first, {i: second[i] for i in ids}) for g, ids in sorted(groups.items()) if len(ids) >= 10}


def render_groups(results: dict[str, dict], field: str) -> str:
    lines = [
        f"| {field} | n | stance macro-F1 | stance micro-F1 | same primary | tone kappa | tone macro-F1 |",
        "|---|---|---|---|---|---|---|",
    ]
    for group, r in results.items():
        f1 = r["stance_f1_b_vs_a"]
        lines.append(
            f"| {group} | {r['n']} | {f1['macro']:.3f} | {f1['micro']:.3f} | {r['primary_agreement']:.1%} | "
            f"{r['tone_kappa']:.3f} | {r['tone_macro_f1_b_vs_a']:.3f} |"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    """``python -m evaluation.agreement FIRST SECOND [OUT.json] [--by origin] [--disagreements OUT.jsonl]``."""
    import argparse

    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("first", type=Path)
    parser.add_argument("second", type=Path)
    parser.add_argument("out", type=Path, nargs="?", default=None, help="write the figures as JSON here")
    parser.add_argument(
        "--disagreements",
        type=Path,
        default=None,
        help="write the statements the annotators disagree on (stance set, primary or tone) as JSONL here",
    )
    parser.add_argument("--by", default=None, help="also report per value of this field of FIRST (e.g. origin)")
    args = parser.parse_args(argv if argv is not None else sys.argv[1:])
    first, second = _read(args.first), _read(args.second)
    result = agreement(first, second)
    print(render(result))
    if args.by:
        result["by_" + args.by] = agreement_by(first, second, args.by, "composed" if args.by == "origin" else "")
        print()
        print(render_groups(result["by_" + args.by], args.by))
    if args.out:
        args.out.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    if args.disagreements:
        found = disagreement_rows(first, second)
        text = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in found)
        args.disagreements.write_text(text, encoding="utf-8")
        print(f"\n{len(found)} disagreements written to {args.disagreements}")


if __name__ == "__main__":
    main()
