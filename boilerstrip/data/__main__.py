"""CLI: ``python -m boilerstrip.data build|inspect`` (see data/README.md)."""

from __future__ import annotations

import argparse
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(prog="python -m boilerstrip.data")
    sub = ap.add_subparsers(dest="cmd", required=True)
    b = sub.add_parser("build", help="build data/built/*.jsonl.gz and the manifest")
    b.add_argument("--corpora", type=Path, default=ROOT.parent / "shared" / "corpora")
    b.add_argument("--out", type=Path, default=ROOT / "data" / "built")
    b.add_argument("--manifest", type=Path, default=None, help="default: <out>/../manifest.json")
    b.add_argument("--limit", type=int, default=None, help="at most N pages per source")
    b.add_argument("--jobs", type=int, default=2)
    i = sub.add_parser("inspect", help="print labelled lines of a deterministic sample of pages")
    i.add_argument("--built", type=Path, default=ROOT / "data" / "built")
    i.add_argument("--n", type=int, default=40)
    i.add_argument("--seed", type=int, default=0)
    i.add_argument("--style", default="paragraphs")
    args = ap.parse_args(argv)
    if args.cmd == "build":
        from .build import build
        build(args.corpora, args.out, args.limit, args.jobs, args.manifest or args.out.parent / "manifest.json")
    else:
        from .inspect import inspect
        inspect(args.built, args.n, args.seed, args.style)


if __name__ == "__main__":
    main()
