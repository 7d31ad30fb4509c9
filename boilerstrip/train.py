"""Train the shipped model from the built corpus: ``python -m boilerstrip.train``.

Reads ``data/built/train.jsonl.gz`` (see ``data/README.md``), fits a
:class:`~boilerstrip.model.LineClassifier` with site-grouped out-of-fold first-pass
predictions, picks the decoding transition cost on ``dev.jsonl.gz`` and writes
``boilerstrip/models/default.npz``.  Deterministic: the same corpus gives the same model.
``--transition T`` skips the dev search; ``--also-dev`` fits the written model on train
and dev (measured: no better on test than train alone, so the shipped model does not);
``--networks 1`` fits one network per pass instead of an average of three (faster to
train and to run, slightly less accurate).
"""

from __future__ import annotations

import argparse
import gzip
import json
import sys
import time
from pathlib import Path
from typing import Iterator

import numpy as np

from .decoding import keep_lines
from .features import Document
from .html import HtmlLine
from .model import CLASS_OF_LABEL, LineClassifier
from .text import split_lines

DEFAULT_OUT = Path(__file__).parent / "models" / "default.npz"


def read_records(path: Path) -> Iterator[dict]:
    with gzip.open(path, "rt", encoding="utf-8") as fh:
        for line in fh:
            yield json.loads(line)


def record_documents(record: dict) -> list[tuple[Document, list[str]]]:
    """The training documents of one corpus record: its plain text, and, when the
    record carries DOM facts, the same lines as HTML input."""
    lines = split_lines(record["text"])
    labels = record["labels"]
    if len(lines) != len(labels):
        raise ValueError(f"{record['id']}: {len(lines)} lines but {len(labels)} labels")
    out = [(Document.from_text_lines(lines), labels)]
    if record.get("dom"):
        dom = [HtmlLine(l.text, tag, bool(h), float(ls), int(dp), bool(bp), attrs, True)
               for l, (tag, h, ls, dp, bp, attrs) in zip(lines, record["dom"])]
        out.append((Document.from_html_lines(dom), labels))
    return out


# Clean and interrupted articles weigh double: leaving an article whole matters more
# to users than a few more boilerplate lines, and they are the rarest kinds of document.
# Aggregator documents weigh double too, so that interrupted articles (the article goes
# on after a boilerplate block) do not outweigh them (another story follows one).
# Fragments (a few lines cut from a page) weigh double as well: they are short, so even
# at double weight they are under 2 % of the training lines.
KIND_WEIGHT = {"page": 1.0, "aggregator": 2.0, "clean": 2.0, "interrupted": 2.0, "fragment": 2.0}
# The decoding cost is chosen on whole documents: a fragment of 1-6 lines would count
# as much as a page in the per-document mean, and one of boilerplate only scores 0 or 1.
TRANSITION_KINDS = ("page", "aggregator", "clean", "interrupted")
TRANSITION_TIE = 5e-4


def load(path: Path, limit: int | None = None, kinds: tuple[str, ...] | None = None):
    """Documents, labels, groups (sites) and weights of one split file (of ``kinds`` only,
    when given)."""
    docs, labels, groups, weights = [], [], [], []
    for k, record in enumerate(read_records(path)):
        if limit is not None and k >= limit:
            break
        if kinds is not None and record["kind"] not in kinds:
            continue
        for doc, labs in record_documents(record):
            if len(doc):
                docs.append(doc)
                labels.append(labs)
                groups.append(record["site"])
                weights.append(KIND_WEIGHT[record["kind"]])
    return docs, labels, groups, weights


def body_f1(model: LineClassifier, docs, labels, transition: float, probas=None) -> float:
    """Mean over documents of the F1 of kept body lines, half weighted by characters
    and half by lines: by characters alone, a short "Advertisement" or "Read more"
    line kept inside an article costs nothing, and those are boilerplate too."""
    scores = []
    probas = probas if probas is not None else model.predict_proba(docs)
    for doc, labs, proba in zip(docs, labels, probas):
        gold = np.array([CLASS_OF_LABEL[l] == 0 for l in labs])
        kept = keep_lines(proba, 0.5, False, transition)
        chars = np.array([len(t) for t in doc.lines], dtype=np.float64)
        for w in (chars, np.ones_like(chars)):
            tp, fp, fn = w[kept & gold].sum(), w[kept & ~gold].sum(), w[~kept & gold].sum()
            scores.append(1.0 if tp + fp + fn == 0 else 2 * tp / (2 * tp + fp + fn))
    return float(np.mean(scores))


def choose_transition(scores: dict[float, float], tie: float = TRANSITION_TIE) -> float:
    """The decoding cost to ship from dev F1 per cost: costs within ``tie`` of the best
    are ties, and the larger cost wins, since it is what makes the decoder prefer
    contiguous blocks.

    >>> choose_transition({0.0: 0.94164, 0.5: 0.94160, 1.0: 0.94042})
    0.5
    >>> choose_transition({0.0: 0.95, 0.5: 0.94})
    0.0
    """
    best = max(scores.values())
    return max(t for t, f in scores.items() if f >= best - tie)


def fit(model: LineClassifier, paths: list[Path], limit: int | None, t0: float) -> LineClassifier:
    """``model`` fitted on the documents of the split files ``paths``."""
    docs, labels, groups, weights = [], [], [], []
    for path in paths:
        for have, more in zip((docs, labels, groups, weights), load(path, limit)):
            have += more
    names = " + ".join(p.name for p in paths)
    print(f"{names}: {len(docs)} documents, {sum(map(len, docs))} lines ({time.time() - t0:.0f}s)", flush=True)
    model.fit(docs, labels, groups, sample_weight=weights, verbose=True)
    print(f"fitted ({time.time() - t0:.0f}s)", flush=True)
    return model


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m boilerstrip.train", description=__doc__.split("\n\n")[0])
    ap.add_argument("--data", type=Path, default=Path("data/built"), help="built corpus directory")
    ap.add_argument("--out", type=Path, default=DEFAULT_OUT, help="where to write the model")
    ap.add_argument("--limit", type=int, default=None, help="use only the first N records (for quick runs)")
    ap.add_argument("--passes", type=int, choices=(2, 3), default=3, help="network passes after the linear one")
    ap.add_argument("--max-iter", type=int, default=25, help="most epochs of each network")
    ap.add_argument("--networks", type=int, default=3,
                    help="networks per pass, averaged (n_networks; the shipped model has 3)")
    ap.add_argument("--hidden", type=int, nargs="+", default=[64, 32],
                    help="hidden layer sizes of each network (hidden; the shipped model has 64 32)")
    ap.add_argument("--seed", type=int, default=0, help="random_state of the model")
    ap.add_argument("--unseen-language", type=float, default=0.1,
                    help="share of training documents shown to the networks with their hashed words "
                         "moved to other columns, as for a language the corpus does not have (unseen_language)")
    ap.add_argument("--transition", type=float, default=None,
                    help="decoding transition cost (default: the best on dev for a model fitted on train)")
    ap.add_argument("--also-dev", action="store_true",
                    help="fit the written model on train and dev (after the transition cost is chosen)")
    args = ap.parse_args(argv)
    for split in ("train", "dev"):
        if not (args.data / f"{split}.jsonl.gz").exists():
            print(f"error: {args.data / (split + '.jsonl.gz')} not found; build it with "
                  "`python -m boilerstrip.data build`", file=sys.stderr)
            return 2
    t0 = time.time()
    model = LineClassifier(passes=args.passes, hidden=tuple(args.hidden), max_iter=args.max_iter,
                           n_networks=args.networks,
                           unseen_language=args.unseen_language, random_state=args.seed)
    splits = [args.data / f"{split}.jsonl.gz" for split in (("train", "dev") if args.also_dev else ("train",))]
    transition = args.transition
    if transition is None:
        model = fit(model, splits[:1], args.limit, t0)
        dev_docs, dev_labels, _, _ = load(args.data / "dev.jsonl.gz", args.limit, TRANSITION_KINDS)
        probas = model.predict_proba(dev_docs)
        scores = {t: body_f1(model, dev_docs, dev_labels, t, probas) for t in (0.0, 0.5, 1.0, 2.0, 3.0, 4.0)}
        transition = choose_transition(scores)
        print("dev body-line F1 by transition cost: "
              + ", ".join(f"{t}: {s:.4f}" for t, s in scores.items()) + f" -> {transition}", flush=True)
        del dev_docs, dev_labels, probas
    if len(splits) > 1 or args.transition is not None:
        model = fit(model, splits, args.limit, t0)
    model.transition = transition
    args.out.parent.mkdir(parents=True, exist_ok=True)
    model.save(args.out)
    print(f"wrote {args.out} ({args.out.stat().st_size / 1e6:.1f} MB) in {time.time() - t0:.0f}s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
