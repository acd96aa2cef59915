"""``stance data check``: schema validation plus exact and near duplicates.

Near duplicates are pairs whose TF-IDF vectors (word 1-2-grams) have cosine
similarity above a threshold. Within a split they are reported; across splits
they fail the check, because a test statement that nearly repeats a training
statement measures memory, not generalisation.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from classifier.corpus import Statement, read_statements
from classifier.errors import DataError


@dataclass
class CheckReport:
    path: Path
    n: int
    exact: list[tuple[Statement, Statement]] = field(default_factory=list)
    near: list[tuple[Statement, Statement, float]] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    @property
    def cross_split(self) -> list[tuple[Statement, Statement, float]]:
        return [(a, b, sim) for a, b, sim in self.near if a.split != b.split]

    @property
    def ok(self) -> bool:
        return not self.problems and not self.cross_split

    def render(self) -> str:
        lines = [
            f"{self.path}: {self.n} statements, schema valid"
            if not self.problems
            else f"{self.path}: {len(self.problems)} problems"
        ]
        lines += self.problems[:50]
        lines.append(f"exact duplicates: {len(self.exact)}")
        lines.append(f"near duplicates (within a split): {len(self.near) - len(self.cross_split)}")
        lines.append(f"near duplicates across splits: {len(self.cross_split)}")
        for a, b, sim in sorted(self.near, key=lambda t: -t[2])[:30]:
            where = "ACROSS SPLITS" if a.split != b.split else "same split"
            lines.append(f"  {sim:.3f} {where}: {a.id} (line {a.line}, {a.split}) ~ {b.id} (line {b.line}, {b.split})")
        lines.append("OK" if self.ok else "FAILED: fix the problems above (cross-split near duplicates leak into test)")
        return "\n".join(lines)


def _normal(text: str) -> str:
    return re.sub(r"\W+", " ", text.lower()).strip()


def near_duplicates(statements: list[Statement], threshold: float) -> list[tuple[Statement, Statement, float]]:
    import numpy as np
    from sklearn.feature_extraction.text import TfidfVectorizer

    if len(statements) < 2:
        return []
    X = TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True).fit_transform([s.text for s in statements])
    sims = (X @ X.T).tocoo()
    out = []
    for i, j, v in zip(sims.row, sims.col, sims.data, strict=True):
        if i < j and v >= threshold:
            out.append((statements[i], statements[j], float(np.round(v, 4))))
    return out


def check_corpus(path: str | Path, *, threshold: float = 0.9) -> CheckReport:
    path = Path(path)
    try:
        statements = read_statements(path)
    except DataError as exc:
        report = CheckReport(path, 0)
        report.problems = exc.problems
        return report
    report = CheckReport(path, len(statements))
    seen: dict[str, Statement] = {}
    for s in statements:
        key = _normal(s.text)
        if key in seen:
            report.exact.append((seen[key], s))
        else:
            seen[key] = s
    report.near = near_duplicates(statements, threshold)
    return report
