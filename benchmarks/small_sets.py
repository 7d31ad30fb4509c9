"""How the estimator does when a user trains it on a small labelled set.

    python -m benchmarks.small_sets [--data data/built] [--sizes 20,100,1000] [--seeds 0,1]
                                    [--out benchmarks/results/small-sets.md]

Training sets: ``N`` documents drawn (seeded) from the train split's page, aggregator and
clean documents, grouped by site for the out-of-fold first pass.  Scored on a fixed draw of
400 dev documents of the same kinds (other sites) with ``LineClassifier.score`` (mean F1 of
the kept body lines, half by characters and half by lines).  Each setting below is fitted on
the same documents.
"""

from __future__ import annotations

import argparse
import random
import time
import warnings
from pathlib import Path

import numpy as np

from boilerstrip.data import read_records
from boilerstrip.estimator import LineClassifier
from boilerstrip.features import Document
from boilerstrip.text import split_lines

ROOT = Path(__file__).resolve().parent.parent
KINDS = ("page", "aggregator", "clean")
SETTINGS = {
    "defaults (the shipped settings)": {},
    "defaults, transition=0": {"transition": 0.0},
    "network_passes=1, scale_floor=0.1, max_iter=200": {"network_passes": 1, "scale_floor": 0.1, "max_iter": 200},
    "the same, transition=0": {"network_passes": 1, "scale_floor": 0.1, "max_iter": 200, "transition": 0.0},
}


def draw(path: Path, n: int, seed: int) -> tuple[list[Document], list[list[str]], list[str]]:
    records = [r for r in read_records(path) if r["kind"] in KINDS]
    picked = random.Random(seed).sample(records, min(n, len(records)))
    docs = [Document.from_text_lines(split_lines(r["text"])) for r in picked]
    return docs, [r["labels"] for r in picked], [r["site"] for r in picked]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m benchmarks.small_sets", description=__doc__.split("\n\n")[0])
    ap.add_argument("--data", type=Path, default=ROOT / "data" / "built")
    ap.add_argument("--sizes", default="20,100,1000")
    ap.add_argument("--seeds", default="0,1")
    ap.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results" / "small-sets.md")
    args = ap.parse_args(argv)
    warnings.filterwarnings("ignore")   # convergence warnings of tiny fits
    dev_docs, dev_labels, _ = draw(args.data / "dev.jsonl.gz", 400, 12345)
    sizes = [int(s) for s in args.sizes.split(",")]
    seeds = [int(s) for s in args.seeds.split(",")]
    scores: dict[tuple[str, int], list[float]] = {}
    seconds: dict[tuple[str, int], list[float]] = {}
    for n in sizes:
        for seed in seeds:
            docs, labels, groups = draw(args.data / "train.jsonl.gz", n, seed)
            for name, params in SETTINGS.items():
                t0 = time.time()
                est = LineClassifier(random_state=seed, **params).fit(docs, labels, groups=groups)
                seconds.setdefault((name, n), []).append(time.time() - t0)
                score = est.score(dev_docs, dev_labels)
                scores.setdefault((name, n), []).append(score)
                print(f"n={n} seed={seed} {name}: {score:.3f} ({time.time() - t0:.0f}s)", flush=True)
    head = "| setting | " + " | ".join(f"{n} docs" for n in sizes) + " |"
    rows = [head, "|---|" + "---:|" * len(sizes)]
    for name in SETTINGS:
        cells = [f"{np.mean(scores[(name, n)]):.3f} ({', '.join(f'{s:.3f}' for s in scores[(name, n)])})"
                 for n in sizes]
        rows.append(f"| {name} | " + " | ".join(cells) + " |")
    fit_times = " | ".join(f"{np.mean(seconds[('defaults (the shipped settings)', n)]):.0f} s" for n in sizes)
    text = "\n".join([
        "# Small training sets", "",
        f"`python -m benchmarks.small_sets --sizes {args.sizes} --seeds {args.seeds}`: mean body-line F1 "
        "(`LineClassifier.score`) on 400 dev documents (page, aggregator, clean), mean over seeds and each "
        "seed's figure in brackets.", "", *rows, "",
        f"Fit time with the defaults: {fit_times} (2-core machine).", ""])
    args.out.write_text(text, encoding="utf-8")
    print(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
