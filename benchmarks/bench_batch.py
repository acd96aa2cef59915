"""Throughput and peak memory of ``run_batch`` on a large generated input.

    python benchmarks/bench_batch.py --model models/tfidf --n 200000
    python benchmarks/bench_batch.py --model models/transformer --giant-mb 50   # one 50 MB statement

The statements are recombined from varied sentence fragments with a seeded
generator, so every run classifies the same input; a few rows are broken on
purpose (invalid JSON, empty text) so the error path is timed too, and a few
are long or not English. The batch run happens in a child process: its peak
RSS (the kernel's ``ru_maxrss``) then measures the model plus the run, not the
generation of the input, and the figure to compare with the 1 GiB target is
that peak.
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]

SPEAKERS = [
    "The foreign ministry spokesman said",
    "In a statement on Sunday, the president declared",
    "The IRGC public relations office announced that",
    "Speaking to reporters in New York, the minister said",
    "According to state media, the Supreme Leader stressed that",
    "A senior official told IRNA that",
    "",
]
SUBJECTS = [
    "the Islamic Republic",
    "our armed forces",
    "the Iranian nation",
    "the government",
    "our diplomats",
    "the resistance front",
    "the people of this land",
    "Tehran",
]
ACTS = [
    "will give a crushing answer to any act of aggression",
    "condemns in the strongest terms the cowardly attack on the consulate",
    "does not seek war with any country in the region",
    "calls on the Security Council to shoulder its responsibility",
    "stands firmly with the oppressed people of Gaza",
    "considers the violation of its airspace a red line",
    "will avenge the blood of the martyrs at a time and place of its choosing",
    "supports a lasting ceasefire and an end to the bloodshed",
    "offers its condolences to the grieving families",
    "held talks with the visiting delegation on trade and customs",
    "warns that any miscalculation will be met with a decisive response",
    "reserves its inherent right to self-defence under Article 51 of the Charter",
]
TAILS = [
    "",
    "",
    " without hesitation",
    " in the coming days",
    ", as it has always done",
    " despite the pressure",
    " and will not bow to threats",
    ", officials added",
    " in line with international law",
]
CLOSINGS = [
    "",
    "",
    "The region's security belongs to its own people.",
    "History will judge those who stay silent.",
    "Diplomacy remains open.",
    "The enemy knows our capabilities well.",
    "We mourn with the nation.",
]
OTHER_LANGUAGE = [
    "ما به دنبال جنگ نیستیم اما از حاکمیت کشورمان دفاع خواهیم کرد.",
    "إن الجمهورية الإسلامية تدين هذا الاعتداء الغاشم بأشد العبارات.",
]


def statement(rng: random.Random) -> str:
    sentences = []
    for _ in range(rng.choice((1, 1, 2, 2, 3, 4))):
        speaker = rng.choice(SPEAKERS)
        body = f"{rng.choice(SUBJECTS)} {rng.choice(ACTS)}{rng.choice(TAILS)}."
        sentences.append(f"{speaker} {body}" if speaker else body[0].upper() + body[1:])
    closing = rng.choice(CLOSINGS)
    return " ".join([*sentences, closing]).strip()


def generate(path: Path, n: int, input_format: str, seed: int, bad_fraction: float) -> None:
    """``n`` rows; about ``bad_fraction`` broken, 1 in 5,000 long (~3,000 words), 1 in 500 not English."""
    import csv

    rng = random.Random(seed)
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh, lineterminator="\n") if input_format == "csv" else None
        if writer:
            writer.writerow(["id", "speaker", "text"])
        for i in range(n):
            roll = rng.random()
            text = statement(rng)
            if roll < 0.0002:
                text = " ".join(statement(rng) for _ in range(120))
            elif roll < 0.0022:
                text = rng.choice(OTHER_LANGUAGE)
            broken = rng.random() < bad_fraction
            if input_format == "text":
                fh.write(("" if broken else text.replace("\n", " ")) + "\n")
            elif writer:
                writer.writerow([f"b{i}", rng.choice(SUBJECTS), "" if broken else text])
            else:
                line = json.dumps({"id": f"b{i}", "speaker": rng.choice(SUBJECTS), "text": text}, ensure_ascii=False)
                fh.write((line[: len(line) // 2] if broken else line) + "\n")


def generate_giant(path: Path, megabytes: float, seed: int) -> None:
    """Three JSONL rows: a normal statement, one of ``megabytes`` MB, another normal one."""
    rng = random.Random(seed)
    parts, size = [], 0
    while size < megabytes * 2**20:
        piece = statement(rng)
        parts.append(piece)
        size += len(piece) + 1
    with path.open("w", encoding="utf-8") as fh:
        for i, text in enumerate([statement(rng), " ".join(parts), statement(rng)]):
            fh.write(json.dumps({"id": f"g{i}", "text": text}, ensure_ascii=False) + "\n")


def child(model: str, src: str, out: str, batch_size: int, output_format: str) -> None:
    """Runs in a fresh process; prints one JSON line of figures."""
    sys.path.insert(0, str(REPO))
    from classifier.batch import run_batch
    from classifier.predictor import Predictor

    predictor = Predictor.load(model)
    rss_loaded = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started = time.perf_counter()
    summary = run_batch(predictor, src, out, output_format=output_format, batch_size=batch_size, overwrite=True)
    elapsed = time.perf_counter() - started
    print(
        json.dumps(
            {
                "read": summary.read,
                "classified": summary.classified,
                "failed": summary.failed,
                "elapsed": elapsed,
                "peak_rss_kib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
                "loaded_rss_kib": rss_loaded,
            }
        )
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", required=True, help="model directory")
    parser.add_argument("--n", type=int, default=200_000, help="statements to generate (default 200000)")
    parser.add_argument("--batch-size", type=int, default=256)
    parser.add_argument("--input-format", choices=["jsonl", "csv", "text"], default="jsonl")
    parser.add_argument("--output-format", choices=["jsonl", "csv"], default="jsonl")
    parser.add_argument("--bad-fraction", type=float, default=0.001, help="share of broken rows (default 0.001)")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--workdir", type=Path, default=None, help="keep the input and output here")
    parser.add_argument("--giant-mb", type=float, default=None, help="instead: one statement of this many MB")
    parser.add_argument("--child", nargs=5, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        model, src, out, batch_size, output_format = args.child
        child(model, src, out, int(batch_size), output_format)
        return 0

    with tempfile.TemporaryDirectory(prefix="bench_batch_") as tmp:
        work = args.workdir or Path(tmp)
        work.mkdir(parents=True, exist_ok=True)
        src = work / f"statements.{'txt' if args.input_format == 'text' else args.input_format}"
        out = work / f"results.{args.output_format}"
        started = time.perf_counter()
        if args.giant_mb:
            src = work / "giant.jsonl"
            generate_giant(src, args.giant_mb, args.seed)
            args.n = 3
        else:
            generate(src, args.n, args.input_format, args.seed, args.bad_fraction)
        generated = time.perf_counter() - started
        proc = subprocess.run(
            [
                sys.executable,
                __file__,
                "--model",
                args.model,
                "--child",
                args.model,
                str(src),
                str(out),
                str(args.batch_size),
                args.output_format,
            ],
            capture_output=True,
            text=True,
            check=False,
        )
        if proc.returncode != 0:
            print(proc.stderr, file=sys.stderr)
            return proc.returncode
        figures = json.loads(proc.stdout.strip().splitlines()[-1])
        children_peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
        mib = 1024
        print(
            f"input      {args.n} statements, {args.input_format}, {src.stat().st_size / 2**20:.1f} MiB "
            f"(generated in {generated:.1f} s)"
        )
        print(
            f"output     {args.output_format}, {out.stat().st_size / 2**20:.1f} MiB; read {figures['read']}, "
            f"classified {figures['classified']}, failed {figures['failed']}"
        )
        print(f"time       {figures['elapsed']:.1f} s at batch size {args.batch_size}")
        print(f"throughput {figures['read'] / figures['elapsed']:,.0f} statements/s")
        print(
            f"peak RSS   {figures['peak_rss_kib'] / mib:.0f} MiB for the run "
            f"({figures['loaded_rss_kib'] / mib:.0f} MiB after loading the model; "
            f"largest child seen by the parent: {children_peak / mib:.0f} MiB)"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
