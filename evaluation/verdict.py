"""Which model to use, and why, decided by a written rule from the results.

The rule, in order:

1. Stance macro-F1 is the main criterion (rare stances such as
   ``retaliation_vow`` matter as much as common ones). The *top group* is the
   best model by point estimate plus every model whose paired bootstrap
   difference from it is not significant at 95%.
2. If one model in the top group is significantly better than all the others
   in it on tone macro-F1, it is chosen.
3. Otherwise the fastest model in the top group is chosen: the figures cannot
   tell them apart, so the cheaper one to run wins.

The verdict is computed once by the harness and stored in ``results.json`` as
data (the model, the rule that decided, the top group), so every report states
the same recommendation; ``explain`` writes its sentences at render time, so
re-rendering an old ``results.json`` (``stance report``) uses today's wording.
"""

from __future__ import annotations

from evaluation.present import (
    MAIN_CRITERION,
    SECOND_CRITERION,
    ci_text,
    metric_name,
    metric_value,
    model_label,
    pct,
    signed,
    value_with_ci,
)

SMALL_N = 100
WEAK_CHECK = 0.7


def difference(comparisons: list[dict], a: str, b: str, key: str) -> dict | None:
    """The paired difference ``b − a`` for ``key``, whichever way round the pair was stored."""
    for comp in comparisons:
        d = comp["metrics"].get(key)
        if d is None:
            continue
        if (comp["a"], comp["b"]) == (a, b):
            return d
        if (comp["a"], comp["b"]) == (b, a):
            ci = [-d["ci95"][1], -d["ci95"][0]] if d.get("ci95") else None
            return {**d, "a": d["b"], "b": d["a"], "diff": -d["diff"], "ci95": ci}
    return None


SPEED_FACTOR = 2.0


def _per_statement_ms(model: dict, n: int) -> float:
    return 1000 * model.get("inference_seconds", 0.0) / max(n, 1)


def _pick(results: dict) -> tuple[str, list[str], str]:
    """The recommended model, the top group, and which rule decided."""
    names, models, comps = results["model_names"], results["models"], results["comparisons"]
    best = max(names, key=lambda m: (metric_value(models[m]["metrics"], MAIN_CRITERION) or 0.0, -names.index(m)))
    if not results["settings"].get("n_resamples"):
        return best, [best], "point"  # no intervals: nothing can be called a tie, so no speed tie-break either
    top = [m for m in names if m == best or not _significant(difference(comps, m, best, MAIN_CRITERION))]
    if len(top) == 1:
        return best, top, "main"
    for m in top:
        others = [o for o in top if o != m]
        diffs = [difference(comps, o, m, SECOND_CRITERION) for o in others]
        if all(d is not None and d["significant"] and d["diff"] > 0 for d in diffs):
            return m, top, "second"
    n = results["data"]["n"]
    fastest = min(top, key=lambda m: (_per_statement_ms(models[m], n), names.index(m)))
    # timing differences under 2x are noise on a shared machine: then keep the best point estimate
    if _per_statement_ms(models[fastest], n) * SPEED_FACTOR <= _per_statement_ms(models[best], n):
        return fastest, top, "speed"
    return best, top, "tie"


def _significant(d: dict | None) -> bool:
    return bool(d and d["significant"])


def _diff_sentence(d: dict, key: str) -> str:
    if not d.get("ci95"):
        return f"{metric_name(key)} {signed(d['diff'])} (no bootstrap, so significance unknown)"
    verdict = "significant" if d["significant"] else "not significant"
    return f"{metric_name(key)} {signed(d['diff'])} (95% CI {ci_text(d['ci95'], sign=True)}, {verdict})"


def _reasons(results: dict, chosen: str, top: list[str], rule: str) -> list[str]:
    models, comps, n = results["models"], results["comparisons"], results["data"]["n"]
    label = model_label(models[chosen])
    reasons = []
    for other in results["model_names"]:
        if other == chosen:
            continue
        d = difference(comps, other, chosen, MAIN_CRITERION)
        t = difference(comps, other, chosen, SECOND_CRITERION)
        parts = [_diff_sentence(x, k) for x, k in ((d, MAIN_CRITERION), (t, SECOND_CRITERION)) if x]
        reasons.append(f"{label} minus {model_label(models[other])}: {'; '.join(parts)}.")
    if rule == "second":
        reasons.append(f"{label} ties on stance macro-F1 but is significantly better on tone macro-F1.")
    if rule == "tie":
        reasons.append(
            f"No significant difference in stance or tone macro-F1 within the top group and no model is "
            f"{SPEED_FACTOR:g}x faster, so the best point estimate is preferred: {label}."
        )
    if rule == "speed":
        others = [o for o in top if o != chosen]
        timing = ", ".join(f"{model_label(models[m])} {_per_statement_ms(models[m], n):.1f} ms" for m in others)
        reasons.append(
            f"No significant difference in stance or tone macro-F1 within the top group, so the "
            f"model at least {SPEED_FACTOR:g}x faster is preferred: {label} "
            f"{_per_statement_ms(models[chosen], n):.1f} ms per statement ({timing})."
        )
    return reasons


def _caveats(results: dict, chosen: str) -> list[str]:
    caveats = list(results.get("warnings", []))
    n = results["data"]["n"]
    if n < SMALL_N:
        caveats.append(
            f"Only {n} evaluation statements: intervals are wide and small differences cannot be "
            "distinguished from noise."
        )
    for other in results["model_names"]:
        t = difference(results["comparisons"], other, chosen, SECOND_CRITERION)
        if t and t["significant"] and t["diff"] < 0:
            caveats.append(
                f"{model_label(results['models'][other])} is significantly better on tone macro-F1 "
                f"({signed(-t['diff'])}); prefer it if tone matters more than stance for your use."
            )
    behaviour = (results.get("behaviour") or {}).get("models", {}).get(chosen)
    if behaviour:
        weak = [
            f"{name} ({pct(c['pass_rate'])})" for name, c in behaviour["checks"].items() if c["pass_rate"] < WEAK_CHECK
        ]
        if weak:
            caveats.append(f"Behaviour checks below {pct(WEAK_CHECK)} for the recommended model: {', '.join(weak)}.")
    return caveats


def verdict(results: dict) -> dict:
    """The recommendation as data, from a results dict without a verdict."""
    names = results["model_names"]
    if len(names) == 1:
        return {"recommended": names[0], "rule": "single", "clear": True, "top_group": [names[0]]}
    chosen, top, rule = _pick(results)
    return {"recommended": chosen, "rule": rule, "clear": rule == "main", "top_group": top}


def explain(results: dict) -> dict:
    """The verdict of ``results`` in words: ``summary``, ``reasons`` and ``caveats``."""
    v = results["verdict"]
    models, chosen, rule, top = results["models"], v["recommended"], v["rule"], v["top_group"]
    m = models[chosen]["metrics"]
    if rule == "single":
        summary = (
            f"One model evaluated: {model_label(models[chosen])}. Stance macro-F1 "
            f"{value_with_ci(m, MAIN_CRITERION)}, tone macro-F1 {value_with_ci(m, SECOND_CRITERION)} "
            f"on {results['data']['n']} statements"
            + (" (95% bootstrap intervals in brackets)." if results["settings"].get("n_resamples") else ".")
        )
        return {"summary": summary, "reasons": [], "caveats": _caveats(results, chosen)}
    if rule == "point":
        how = "the highest on stance macro-F1, but without bootstrap intervals it is unknown whether the lead is real"
    elif v["clear"]:
        how = "significantly better than every other model on stance macro-F1"
    else:
        tied = ", ".join(model_label(models[o]) for o in top if o != chosen)
        how = f"not separable from {tied} on stance macro-F1"
    summary = f"Use {model_label(models[chosen])}: stance macro-F1 {value_with_ci(m, MAIN_CRITERION)}, {how}."
    return {
        "summary": summary,
        "reasons": _reasons(results, chosen, top, rule),
        "caveats": _caveats(results, chosen),
    }
