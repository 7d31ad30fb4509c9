"""Scaling of the batch API and the Dask engine.

    python -m benchmarks.scale [--section throughput,dask] [--docs 300]
                               [--data data/built] [--model PATH] [--out benchmarks/results/scale.md]

Sections
--------
throughput
    ``clean()`` called in a loop against ``clean_many`` (batched model calls), on one
    core (the child process pins itself with ``os.sched_setaffinity``) and on two
    (``clean_many(n_jobs=2)``: joblib worker processes).  Documents: the ``text`` of
    ``--docs`` records of ``test.jsonl.gz`` taken at an even stride (all kinds).  Each
    figure comes from a fresh child process with single-threaded BLAS; the model is
    loaded and a warm-up pass (which also starts the joblib workers) runs before the
    clock starts, so the figures are steady-state throughput.
dask
    ``boilerstrip.dask.clean_bag`` on the same documents on a ``LocalCluster`` of one,
    then two, single-threaded worker processes (after a warm-up that loads the model in
    every worker).

The machine is shared (a training job, other benchmarks): the load average is recorded
with each throughput figure; compare figures measured in one run only.
"""

from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "VECLIB_MAXIMUM_THREADS",
             "NUMEXPR_NUM_THREADS", "BLIS_NUM_THREADS"):
    os.environ[_var] = "1"

import argparse  # noqa: E402
import datetime  # noqa: E402
import json  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent


def _pin(cores: int) -> list[int]:
    """Restrict this process (and its future children) to ``cores`` CPUs."""
    if hasattr(os, "sched_setaffinity"):
        avail = sorted(os.sched_getaffinity(0) | set(range(os.cpu_count() or 1)))
        os.sched_setaffinity(0, set(avail[:cores]))
        return sorted(os.sched_getaffinity(0))
    return []


def _texts(data: Path, n: int) -> list[str]:
    from benchmarks.evaluate import load_split

    records = [r.get("text") or "" for r in load_split(data, "test")]
    stride = max(1, len(records) // n)
    return records[::stride][:n]


def _load_model(path: str | None):
    """The model file at ``path``, or the shipped model."""
    from boilerstrip.model import LineModel
    from boilerstrip.pipeline import default_model

    return LineModel.load(path) if path else default_model()


def _child_args(args) -> list[str]:
    """The options every child gets from the parent."""
    return ["--docs", str(args.docs), "--data", str(args.data)] + (["--model", args.model] if args.model else [])


# ---------------------------------------------------------------------------- throughput

def child_throughput(mode: str, cores: int, n: int, data: Path, model_path: str | None,
                     repeat: int = 3) -> dict:
    pinned = _pin(cores)
    from boilerstrip import clean
    from boilerstrip.batch import clean_many

    model = _load_model(model_path)
    texts = _texts(data, n)
    warm = texts[:: max(1, len(texts) // 16)][:16]
    if mode == "loop":
        run = lambda xs: [clean(x, model=model) for x in xs]  # noqa: E731
    elif mode == "batch":
        run = lambda xs: list(clean_many(xs, batch_size=32, model=model))  # noqa: E731
    elif mode == "batch-j2":
        # each joblib worker loads the model once (the warm-up starts them): the shipped one
        # (model=None) or the --model file (by its path), rather than receiving it with every batch
        run = lambda xs: list(clean_many(xs, batch_size=16, n_jobs=2, model=model_path))  # noqa: E731
    else:
        raise ValueError(mode)
    run(warm)
    times, cpu = [], []
    for _ in range(repeat):
        start, start_cpu = time.perf_counter(), time.process_time()
        out = run(texts)
        times.append(time.perf_counter() - start)
        cpu.append(time.process_time() - start_cpu)
    seconds = min(times)
    mb = sum(len(t.encode("utf-8")) for t in texts) / 1e6
    return {"mode": mode, "cores": pinned, "docs": len(texts), "mb": mb, "seconds": seconds,
            "median_seconds": sorted(times)[len(times) // 2],
            # CPU seconds of this process: the whole cost for the one-process modes; for n_jobs=2
            # the work is in the joblib workers, so it is not reported
            "docs_per_cpu_s": None if mode == "batch-j2" else len(texts) / min(cpu),
            "docs_per_s": len(texts) / seconds, "mb_per_s": mb / seconds, "kept_chars": sum(map(len, out)),
            "load": os.getloadavg()[0]}


def _spawn(args: list[str]) -> dict:
    out = subprocess.run([sys.executable, "-m", "benchmarks.scale", *args], cwd=ROOT, capture_output=True,
                         text=True, timeout=1200)
    if out.returncode != 0:
        raise RuntimeError(f"child {args} failed:\n{out.stderr[-3000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def section_throughput(args) -> str:
    common = _child_args(args) + ["--repeat", str(args.repeat)]
    rows = []
    for mode, cores in (("loop", 1), ("batch", 1), ("loop", 2), ("batch-j2", 2)):
        r = _spawn(["--child", "throughput", "--mode", mode, "--cores", str(cores)] + common)
        print(f"  throughput {mode} on {cores} core(s): {r['docs_per_s']:.1f} docs/s", file=sys.stderr)
        rows.append(r)
    base = rows[0]["docs_per_s"]
    label = {"loop": "`clean()` in a loop", "batch": "`clean_many(batch_size=32)`",
             "batch-j2": "`clean_many(batch_size=16, n_jobs=2)`"}
    assert len({r["kept_chars"] for r in rows}) == 1, "the four ways gave different outputs"
    lines = [f"{rows[0]['docs']} documents ({rows[0]['mb']:.2f} MB of text) from `test.jsonl.gz`, every kind; "
             "steady state (model loaded, workers started, warm-up pass done).", "",
             f"Best of {args.repeat} timed passes (median seconds alongside).", "",
             "| how | cores | docs/s | MB/s | seconds (best / median) | vs loop on 1 core | docs per CPU-second | load avg |",
             "|---|---:|---:|---:|---:|---:|---:|---:|"]
    for r in rows:
        lines.append(f"| {label[r['mode']]} | {len(r['cores'])} | {r['docs_per_s']:.1f} | {r['mb_per_s']:.3f} | "
                     f"{r['seconds']:.1f} / {r['median_seconds']:.1f} | {r['docs_per_s'] / base:.2f}x | "
                     f"{'–' if r['docs_per_cpu_s'] is None else format(r['docs_per_cpu_s'], '.1f')} | {r['load']:.1f} |")
    lines += ["", "All four produce the same output (checked). `clean()` in a loop is one process: a second "
              "core can only help it by giving it a less contended core. Docs per CPU-second is the "
              "contention-free cost of the one-process modes (the joblib workers' CPU time is not "
              "visible to the parent, hence –). With the load average above 2 on 2 cores, `n_jobs=2` "
              "competes with the other jobs for the second core; its wall-clock figure is what it got."]
    return "\n".join(lines)


# ---------------------------------------------------------------------------------- dask

def child_dask(workers: int, n: int, data: Path, model_path: str | None) -> dict:
    pinned = _pin(2)
    import dask.bag as db
    from distributed import Client, LocalCluster

    from boilerstrip.dask import clean_bag

    texts = _texts(data, n)
    cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None,
                           silence_logs=40)
    client = Client(cluster)
    try:
        warm = db.from_sequence(texts[:4 * workers], npartitions=2 * workers)
        clean_bag(warm, model=model_path).compute()  # every worker loads the model
        bag = db.from_sequence(texts, npartitions=12)
        start = time.perf_counter()
        out = clean_bag(bag, model=model_path, batch_size=16).compute()
        seconds = time.perf_counter() - start
    finally:
        client.close()
        cluster.close()
    return {"workers": workers, "cores": pinned, "docs": len(texts), "seconds": seconds,
            "docs_per_s": len(texts) / seconds, "kept_chars": sum(map(len, out)), "load": os.getloadavg()[0]}


def section_dask(args) -> str:
    common = _child_args(args)  # without --model, each worker loads the shipped model
    rows = []
    for workers in (1, 2):
        r = _spawn(["--child", "dask", "--workers", str(workers)] + common)
        print(f"  dask {workers} worker(s): {r['docs_per_s']:.1f} docs/s", file=sys.stderr)
        rows.append(r)
    assert rows[0]["kept_chars"] == rows[1]["kept_chars"]
    lines = [f"`clean_bag` over {rows[0]['docs']} documents (12 partitions) on a `LocalCluster` of "
             "single-threaded worker processes, after a warm-up that loads the model in each worker.", "",
             "| workers | docs/s | seconds | speed-up | load avg |", "|---:|---:|---:|---:|---:|"]
    for r in rows:
        lines.append(f"| {r['workers']} | {r['docs_per_s']:.1f} | {r['seconds']:.1f} | "
                     f"{r['docs_per_s'] / rows[0]['docs_per_s']:.2f}x | {r['load']:.1f} |")
    return "\n".join(lines)


# ---------------------------------------------------------------------------------- main

def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="python -m benchmarks.scale", description=__doc__.split("\n")[0])
    ap.add_argument("--section", default="throughput,dask", help="comma-separated, from: throughput, dask")
    ap.add_argument("--docs", type=int, default=300)
    ap.add_argument("--data", type=Path, default=ROOT / "data" / "built")
    ap.add_argument("--model", default=None, help="model file (default: the shipped model)")
    ap.add_argument("--repeat", type=int, default=3, help="timed passes per throughput figure (best is shown)")
    ap.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results" / "scale.md")
    ap.add_argument("--child", choices=("throughput", "dask"), help=argparse.SUPPRESS)
    ap.add_argument("--mode", help=argparse.SUPPRESS)
    ap.add_argument("--cores", type=int, default=1, help=argparse.SUPPRESS)
    ap.add_argument("--workers", type=int, default=1, help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    args.data = args.data.resolve()  # children run in the repository root
    if args.model:
        args.model = str(Path(args.model).resolve())

    if args.child == "throughput":
        print(json.dumps(child_throughput(args.mode, args.cores, args.docs, args.data, args.model, args.repeat)))
        return 0
    if args.child == "dask":
        print(json.dumps(child_dask(args.workers, args.docs, args.data, args.model)))
        return 0

    _pin(2)
    from benchmarks.evaluate import git_commit  # after pinning: it imports numpy

    sections = [s.strip() for s in args.section.split(",") if s.strip()]
    parts = ["# Scaling",
             "",
             f"Measured {datetime.datetime.now().astimezone().isoformat(timespec='minutes')} on "
             f"{os.cpu_count()} cores shared with other jobs (load average at start "
             f"{os.getloadavg()[0]:.1f}); `python -m benchmarks.scale`. "
             f"boilerstrip commit {git_commit()}, model `{args.model or 'boilerstrip/models/default.npz'}` "
             f"(sha256 {_model_hash(args.model)[:12]}).", ""]
    titles = {"throughput": "## Throughput: loop vs batch, one core vs two", "dask": "## Dask: one worker vs two"}
    funcs = {"throughput": section_throughput, "dask": section_dask}
    unknown = [s for s in sections if s not in funcs]
    if unknown:
        ap.error(f"unknown section(s) {', '.join(unknown)}; known: {', '.join(funcs)}")
    for s in sections:
        print(f"section {s}", file=sys.stderr)
        parts += [titles[s], "", funcs[s](args), ""]
    text = "\n".join(parts).rstrip() + "\n"
    print(text)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(text, encoding="utf-8")
    return 0


def _model_hash(path: str | None) -> str:
    import hashlib

    p = Path(path) if path else ROOT / "boilerstrip" / "models" / "default.npz"
    return hashlib.sha256(p.read_bytes()).hexdigest() if p.exists() else "missing"


if __name__ == "__main__":
    sys.exit(main())
