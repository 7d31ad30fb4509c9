"""Train the model from the built corpus: ``python -m boilerstrip.train``.

Reads ``data/built/train.jsonl.gz`` (see ``data/README.md``), fits a
:class:`~boilerstrip.estimator.LineClassifier` with the shipped settings (its
defaults), picks the decoding transition cost on ``dev.jsonl.gz``, scores the model on
dev and test, and writes it with its model card to ``data/built/model.npz``.
``--install`` writes it over the packaged model instead (``boilerstrip/models/
default.npz``), which is how the shipped model is made.  Deterministic: the same
corpus and code give the same model.

The card records the format, the feature schema, the commit, the corpus manifest's
hash, library versions, the training settings and time, the dev/test figures, and the
probabilities on two probe documents, by which a test checks that the shipped model
still matches the code.
"""

from __future__ import annotations

import argparse
import dataclasses
import hashlib
import json
import platform
import resource
import subprocess
import sys
import time
from datetime import datetime, timezone
from importlib import metadata, resources
from pathlib import Path
from typing import Any

import numpy as np

from .data import read_records
from .estimator import LineClassifier, body_f1
from .features import SCHEMA, Document, LineStructure
from .model import FORMAT_VERSION, LineModel
from .pipeline import read
from .text import split_lines

PACKAGED = Path(__file__).parent / "models" / "default.npz"
ROOT = Path(__file__).resolve().parent.parent

# Clean and interrupted articles weigh double: leaving an article whole matters more
# to users than a few more boilerplate lines, and they are the rarest kinds of document.
# Aggregator documents weigh double too, so that interrupted articles (the article goes
# on after a boilerplate block) do not outweigh them (another story follows one).
# Fragments (a few lines cut from a page) weigh double as well: they are short, so even
# at double weight they are under 2 % of the training lines.
# A page as a third-party converter rendered it (``converted``) weighs like a page, and
# an aggregator document in such a rendering like an aggregator document.
KIND_WEIGHT = {"page": 1.0, "aggregator": 2.0, "clean": 2.0, "interrupted": 2.0, "fragment": 2.0,
               "converted": 1.0, "converted-aggregator": 2.0}
# The decoding cost is chosen on whole documents: a fragment of 1-6 lines would count
# as much as a page in the per-document mean, and one of boilerplate only scores 0 or 1.
TRANSITION_KINDS = ("page", "aggregator", "clean", "interrupted", "converted", "converted-aggregator")
TRANSITIONS = (0.0, 0.5, 1.0, 2.0, 3.0, 4.0)
TRANSITION_TIE = 5e-4
PROBES = ("aggregator.txt", "probe.html")


def record_documents(record: dict) -> list[tuple[Document, list[str]]]:
    """The training documents of one corpus record: its plain text (read as Markdown when
    the record says it is), and, when the record carries the markup's structure, the same
    lines as HTML input."""
    labels = record["labels"]
    if record.get("format", "text") != "text":
        doc, lines = read(record["text"], record["format"])
    else:
        lines = split_lines(record["text"])
        doc = Document.from_text_lines(lines)
    if len(lines) != len(labels):
        raise ValueError(f"{record['id']}: {len(lines)} lines but {len(labels)} labels")
    out = [(doc, labels)]
    if record.get("dom"):
        structure = [LineStructure.from_row(row) for row in record["dom"]]
        out.append((Document.from_structured_lines(lines, structure), labels))
    return out


def load(path: Path, limit: int | None = None, kinds: tuple[str, ...] | None = None,
         exclude_styles: tuple[str, ...] = ()):
    """Documents, labels, groups (sites) and weights of one split file (of ``kinds`` only,
    when given; without documents in ``exclude_styles``, the renderings a model is to be
    measured on without having met them)."""
    docs, labels, groups, weights = [], [], [], []
    for k, record in enumerate(read_records(path)):
        if limit is not None and k >= limit:
            break
        if (kinds is not None and record["kind"] not in kinds) or record["style"] in exclude_styles:
            continue
        for doc, labs in record_documents(record):
            if len(doc):
                docs.append(doc)
                labels.append(labs)
                groups.append(record["site"])
                weights.append(KIND_WEIGHT[record["kind"]])
    return docs, labels, groups, weights


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


def probe_probabilities(model: LineModel) -> dict[str, list[list[float]]]:
    """The model's probabilities on the probe documents shipped in the package, rounded:
    what the model card records and the tests compare with the code's."""
    out = {}
    for name in PROBES:
        text = (resources.files("boilerstrip") / "examples" / name).read_text(encoding="utf-8")
        proba = model.predict_proba([read(text)[0]])[0]
        out[name] = np.round(proba, 6).tolist()
    return out


def _commit() -> str:
    try:
        head = subprocess.run(["git", "rev-parse", "HEAD"], cwd=ROOT, capture_output=True, text=True,
                              check=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no", "--", "boilerstrip"],
                               cwd=ROOT, capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    return head + ("+uncommitted" if dirty else "")


def _versions() -> dict[str, str]:
    out = {"python": platform.python_version()}
    for dist in ("numpy", "scipy", "scikit-learn", "lxml", "joblib"):
        try:
            out[dist] = metadata.version(dist)
        except metadata.PackageNotFoundError:
            pass
    return out


def _sha256(path: Path) -> str | None:
    return hashlib.sha256(path.read_bytes()).hexdigest() if path.exists() else None


def evaluate_splits(model: LineModel, data: Path, splits: tuple[str, ...]) -> dict[str, Any]:
    """Shingle F1 per kind of document (recall for clean articles) and on HTML pages,
    per split, with the benchmark's own scorer (``benchmarks.evaluate``)."""
    sys.path.insert(0, str(ROOT))
    from benchmarks.evaluate import evaluate, evaluate_html, load_pages, load_split

    from .api import clean

    def fn(text: str) -> str:
        return clean(text, model=model)

    def html_fn(text: str) -> str:
        return clean(text, model=model, format="html")

    out: dict[str, Any] = {}
    for split in splits:
        report = evaluate(fn, load_split(data, split), tool="boilerstrip")
        kinds = report.groups.get("kind", {})
        figures: dict[str, Any] = {kind: round(float(stats.shingle_prf[1 if kind == "clean" else 2]), 4)
                   for kind, stats in sorted(kinds.items())}
        pages = [p for p in load_pages(data, split) if p.get("gold")]
        figures["html"] = round(float(evaluate_html(html_fn, pages, tool="boilerstrip").f1 or 0.0), 4)
        figures["note"] = ("shingle F1 per document kind; clean: recall (share of the text kept); "
                           "html: the split's pages with full gold, as HTML")
        out[split] = figures
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m boilerstrip.train", description=__doc__.split("\n\n")[0])
    ap.add_argument("--data", type=Path, default=Path("data/built"), help="built corpus directory")
    ap.add_argument("--out", type=Path, default=None, help="where to write the model (default: DATA/model.npz)")
    ap.add_argument("--install", action="store_true", help="write the model over the packaged one")
    ap.add_argument("--limit", type=int, default=None, help="use only the first N records (for quick runs)")
    defaults = LineClassifier()
    ap.add_argument("--network-passes", type=int, default=defaults.network_passes,
                    help="network passes after the linear one")
    ap.add_argument("--max-iter", type=int, default=defaults.max_iter, help="most epochs of each network")
    ap.add_argument("--networks", type=int, default=defaults.n_networks, help="networks per pass, averaged")
    ap.add_argument("--hidden", type=int, nargs="+", default=list(defaults.hidden), help="hidden layer sizes")
    ap.add_argument("--seed", type=int, default=defaults.random_state, help="random_state of the model")
    ap.add_argument("--unseen-language", type=float, default=defaults.unseen_language,
                    help="share of training documents shown to the networks with their hashed words "
                         "moved to other columns, as for a language the corpus does not have")
    ap.add_argument("--transition", type=float, default=None,
                    help="decoding transition cost (default: the best on dev)")
    ap.add_argument("--exclude-styles", nargs="+", default=[], metavar="STYLE",
                    help="train without the documents in these renderings (converter names or STYLES), "
                         "to measure how the model fares on a rendering it has never met")
    ap.add_argument("--no-evaluate", action="store_true", help="skip scoring the model on dev and test")
    args = ap.parse_args(argv)
    if args.install and args.out is not None:
        ap.error("give --install or --out, not both")
    out = PACKAGED if args.install else (args.out or args.data / "model.npz")
    for split in ("train", "dev"):
        if not (args.data / f"{split}.jsonl.gz").exists():
            print(f"error: {args.data / (split + '.jsonl.gz')} not found; build it with "
                  "`python -m boilerstrip.data build`", file=sys.stderr)
            return 2
    t0 = time.time()
    commit = _commit()   # the code the model is trained from, before anything else can change
    estimator = LineClassifier(network_passes=args.network_passes, hidden=tuple(args.hidden), max_iter=args.max_iter,
                               n_networks=args.networks, unseen_language=args.unseen_language, random_state=args.seed)
    docs, labels, groups, weights = load(args.data / "train.jsonl.gz", args.limit,
                                         exclude_styles=tuple(args.exclude_styles))
    n_docs, n_lines = len(docs), sum(map(len, docs))
    print(f"train: {n_docs} documents, {n_lines} lines ({time.time() - t0:.0f}s)", flush=True)
    estimator.fit(docs, labels, groups, sample_weight=weights, verbose=True)
    del docs, labels, groups, weights
    print(f"fitted ({time.time() - t0:.0f}s)", flush=True)
    scores: dict[float, float] = {}
    if args.transition is None:
        dev_docs, dev_labels, _, _ = load(args.data / "dev.jsonl.gz", args.limit, TRANSITION_KINDS,
                                          tuple(args.exclude_styles))
        probas = estimator.predict_proba(dev_docs)
        scores = {t: body_f1(dev_docs, dev_labels, probas, t) for t in TRANSITIONS}
        transition = choose_transition(scores)
        print("dev body-line F1 by transition cost: "
              + ", ".join(f"{t}: {s:.4f}" for t, s in scores.items()) + f" -> {transition}", flush=True)
        del dev_docs, dev_labels, probas
    else:
        transition = args.transition
    estimator.set_params(transition=transition)
    model = estimator.to_model()
    seconds = time.time() - t0
    model.card = {
        "format": FORMAT_VERSION, "schema": SCHEMA, "commit": commit,
        "created": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "corpus": {"manifest": "data/manifest.json", "manifest_sha256": _sha256(ROOT / "data" / "manifest.json"),
                   "train_sha256": _sha256(args.data / "train.jsonl.gz"), "limit": args.limit,
                   "documents": n_docs, "lines": n_lines},
        "libraries": _versions(),
        "training": {"command": "python -m boilerstrip.train " + " ".join(argv if argv is not None else sys.argv[1:]),
                     "params": estimator.get_params(), "exclude_styles": list(args.exclude_styles),
                     "seconds": round(seconds),
                     "peak_rss_gb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2 ** 20, 1),
                     "dev_transition_scores": {str(t): round(s, 5) for t, s in scores.items()}},
    }
    # Figures and probe probabilities come from the model as saved and read back: what
    # users load is what the card describes.
    out.parent.mkdir(parents=True, exist_ok=True)
    model.save(out)
    model = dataclasses.replace(LineModel.load(out), card=model.card)
    if not args.no_evaluate:
        splits = tuple(s for s in ("dev", "test") if (args.data / f"{s}.jsonl.gz").exists())
        model.card["metrics"] = evaluate_splits(model, args.data, splits)
        print("metrics: " + json.dumps(model.card["metrics"]), flush=True)
    model.card["probe"] = probe_probabilities(model)
    model.save(out)
    print(f"wrote {out} ({out.stat().st_size / 1e6:.1f} MB) in {time.time() - t0:.0f}s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
