"""``stance data check``: schema validation, duplicates, and the corpus rules a program can check.

Near duplicates are pairs whose TF-IDF vectors (word 1-2-grams) have cosine
similarity above a threshold. Within a split they are reported; across splits
they fail the check, because a test statement that nearly repeats a training
statement measures memory, not generalisation.

The corpus rules: no date after the cutoff (later events are how we measure
generalisation); every contrast statement's partner present and in the same
split; one actor for each speaker named (``actor_problems``); at most
``MAX_SHARED_OPENING`` of the statements sharing their first five words with
another one (a sign of templated writing).

A contrast batch being written is checked against the corpus its partners live in
(``partners=``): the partners join the check without their splits, and each contrast
must keep its partner's facts and change one of its labels.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field, replace
from pathlib import Path

from classifier.corpus import Statement, read_statements
from classifier.errors import DataError

#: the bundled corpus covers events up to this date; ``stance data check`` enforces it there
BUNDLED_CUTOFF = "2025-09-30"
MAX_SHARED_OPENING = 0.08
OPENING_WORDS = 5


@dataclass
class CheckReport:
    path: Path
    n: int
    exact: list[tuple[Statement, Statement]] = field(default_factory=list)
    near: list[tuple[Statement, Statement, float]] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    shared_opening_rate: float = 0.0
    common_openings: list[tuple[str, int]] = field(default_factory=list)
    #: the corpus a contrast batch was checked against, and how many of its partners joined the check
    partners: tuple[Path, int] | None = None

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
        if self.partners:
            lines.append(f"checked with {self.partners[1]} partners from {self.partners[0]}")
        lines += self.problems[:50]
        lines.append(
            f"statements sharing their first {OPENING_WORDS} words with another: {self.shared_opening_rate:.1%}"
            f" (at most {MAX_SHARED_OPENING:.0%})"
        )
        lines += [f"  {n} x {opening!r}" for opening, n in self.common_openings[:5]]
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


def opening(text: str) -> str:
    return " ".join(_normal(text).split()[:OPENING_WORDS])


def shared_openings(statements: list[Statement]) -> tuple[float, list[tuple[str, int]]]:
    """Share of statements whose first five words another statement also opens with; the commonest openings.

    A contrast statement and its partner share an opening by design (the contrast keeps most of the
    partner's words), so a pair counts as one: an opening is shared when statements of two or more
    different contrast families use it.
    """
    family = {s.id: str(s.extra.get("contrast_of") or s.id) for s in statements}
    by_opening: dict[str, list[Statement]] = {}
    for s in statements:
        key = opening(s.text)
        if len(key.split()) == OPENING_WORDS:
            by_opening.setdefault(key, []).append(s)
    shared = {k: len(v) for k, v in by_opening.items() if len({family[s.id] for s in v}) > 1}
    rate = sum(shared.values()) / max(len(statements), 1)
    return round(rate, 4), sorted(shared.items(), key=lambda kv: -kv[1])


def rule_problems(
    statements: list[Statement], path: Path, cutoff: str | None, others: list[Statement] | None = None
) -> list[str]:
    """Corpus rules that span rows: the cutoff date and contrast partners (looked up in ``others`` too)."""
    problems: list[str] = []
    by_id = {s.id: s for s in [*(others or []), *statements]}
    for s in statements:
        where = f"{path}:{s.line}"
        if cutoff and s.date and s.date[: len(cutoff)] > cutoff[: len(s.date)]:
            problems.append(f"{where}: date: {s.date} is after the corpus cutoff {cutoff}")
        partner_id = s.extra.get("contrast_of")
        if partner_id is None:
            continue
        partner = by_id.get(str(partner_id))
        if partner is None:
            where_else = " or the partners' corpus" if others is not None else ""
            problems.append(f"{where}: contrast_of: partner {partner_id!r} is not in the file{where_else}")
        elif partner.split and s.split and partner.split != s.split:
            problems.append(
                f"{where}: split: contrast {s.id!r} is in {s.split!r} but its partner {partner.id!r} "
                f"is in {partner.split!r}; partners must share a split"
            )
        elif partner.id == s.id:
            problems.append(f"{where}: contrast_of: a statement cannot be its own partner")
    return problems


def actor_problems(statements: list[Statement], path: Path, reference: list[Statement]) -> list[str]:
    """One speaker, one actor: the non-Iranian slice counts rows by ``actor``, and a writer who leaves it
    out files a foreign official's words as Iran's.

    Only ``speaker: other`` rows can be non-Iranian, so only they vote, by name (case and spacing
    ignored). A row whose actor differs from what most rows naming the same speaker carry is reported;
    on a tie every row of the name in ``statements`` is, since either side may be the slip.
    """
    own = {s.id for s in statements}
    votes: dict[str, Counter] = {}
    for s in [*(r for r in reference if r.id not in own), *statements]:
        if s.speaker == "other" and s.speaker_name:
            votes.setdefault(_normal(s.speaker_name), Counter())[s.actor] += 1
    problems = []
    for s in statements:
        counts = votes.get(_normal(s.speaker_name or "")) if s.speaker == "other" else None
        if not counts or len(counts) < 2:
            continue
        (usual, n_usual), (_, n_other) = counts.most_common(2)
        if n_usual == n_other or s.actor != usual:
            tally = ", ".join(f"{n} {a!r}" for a, n in sorted(counts.items()))
            problems.append(
                f"{path}:{s.line}: actor: {s.actor!r}, but the rows naming {s.speaker_name!r} are {tally}; "
                "give one speaker one actor (a different speaker of the same name: name them fully, "
                "e.g. 'Qatari Ministry of Foreign Affairs')"
            )
    return problems


#: what a contrast shares with its partner: the same speaker saying it about the same event on the same day
PARTNER_FACTS = ("event", "date", "speaker", "speaker_name", "actor")


def contrast_problems(batch: list[Statement], path: Path, partners: dict[str, Statement]) -> list[str]:
    """A contrast keeps its partner's facts and changes a label; its id is new to the corpus."""
    problems: list[str] = []
    known = {**partners, **{s.id: s for s in batch}}
    for s in batch:
        where = f"{path}:{s.line}"
        if s.id in partners:
            problems.append(f"{where}: id: {s.id!r} is already in the corpus")
        partner = known.get(str(s.extra.get("contrast_of")))
        if partner is None:
            continue
        for name in PARTNER_FACTS:
            mine, theirs = getattr(s, name), getattr(partner, name)  # Statement.actor reads extra
            if mine != theirs:
                problems.append(f"{where}: {name}: {mine!r} differs from partner {partner.id!r}'s {theirs!r}")
        if s.stances == partner.stances and s.tone == partner.tone:
            problems.append(
                f"{where}: stances: the same labels as partner {partner.id!r} ({', '.join(s.stances)}; {s.tone}); "
                "a contrast must change a stance or the tone"
            )
    return problems


def partners_of(batch: list[Statement], corpus: dict[str, Statement]) -> list[Statement]:
    """The partners ``batch`` names from ``corpus``, splits dropped: a batch has no split yet."""
    own = {s.id for s in batch}
    wanted = {str(s.extra["contrast_of"]) for s in batch if s.extra.get("contrast_of")} - own
    return [replace(corpus[i], split=None) for i in sorted(wanted) if i in corpus]


def check_corpus(
    path: str | Path, *, threshold: float = 0.9, cutoff: str | None = None, partners: str | Path | None = None
) -> CheckReport:
    """Validate ``path``; ``cutoff`` (YYYY-MM-DD) fails any later date; ``partners`` is a corpus to check a
    contrast batch against."""
    path = Path(path)
    try:
        statements = read_statements(path)
        corpus = {s.id: s for s in read_statements(partners)} if partners is not None else {}
    except DataError as exc:
        report = CheckReport(path, 0)
        report.problems = exc.problems
        return report
    report = CheckReport(path, len(statements))
    found = partners_of(statements, corpus)
    if partners is not None:
        report.partners = (Path(partners), len(found))
    batch, statements = statements, statements + found
    seen: dict[str, Statement] = {}
    for s in statements:
        key = _normal(s.text)
        if key in seen:
            report.exact.append((seen[key], s))
        else:
            seen[key] = s
    report.near = near_duplicates(statements, threshold)
    report.problems = rule_problems(batch, path, cutoff, found if partners is not None else None)
    report.problems += actor_problems(batch, path, list(corpus.values()))
    if partners is not None:
        report.problems += contrast_problems(batch, path, corpus)
    report.shared_opening_rate, report.common_openings = shared_openings(statements)
    if report.shared_opening_rate > MAX_SHARED_OPENING:
        report.problems.append(
            f"{path}: text: {report.shared_opening_rate:.1%} of statements share their first {OPENING_WORDS} "
            f"words with another (at most {MAX_SHARED_OPENING:.0%}); vary the openings"
        )
    return report
