"""One command for the whole benchmark: quality, speed, memory, stages, scaling, plots.

    python -m benchmarks.run [--split test] [--limit N] [--quick] [--data data/built]
                             [--out benchmarks/results] [--model FILE]

Writes ``results.md``, ``results.json`` and the PNG plots into ``--out``.  See
``benchmarks/README.md`` for what each number means.  The process pins itself to one CPU
core (``os.sched_setaffinity(0, {0})``) with single-threaded BLAS before numpy is imported,
so every "per second" figure is one-core throughput; only the ``clean_many(n_jobs=2)`` row
runs in a child process allowed on all cores.  ``--model FILE`` measures boilerstrip with that
model file instead of the shipped one.
"""

from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "VECLIB_MAXIMUM_THREADS",
             "NUMEXPR_NUM_THREADS", "BLIS_NUM_THREADS"):
    os.environ[_var] = "1"
if hasattr(os, "sched_setaffinity"):
    try:  # children started with BENCH_NO_PIN=1 widen the affinity inherited from the pinned parent
        os.sched_setaffinity(0, set(range(os.cpu_count() or 1)) if os.environ.get("BENCH_NO_PIN") == "1" else {0})
    except OSError:
        pass

import argparse  # noqa: E402
import datetime  # noqa: E402
import json  # noqa: E402
import platform  # noqa: E402
import resource  # noqa: E402
import statistics  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from collections import defaultdict  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Callable, Iterable, Mapping, Sequence  # noqa: E402

from benchmarks import peers  # noqa: E402
from benchmarks.evaluate import (  # noqa: E402
    GroupStats,
    Report,
    ToolUnavailable,
    _fmt,
    boilerstrip_cleaner,
    evaluate,
    evaluate_html,
    load_pages,
    load_split,
    unseen_vocabulary,
)

ROOT = Path(__file__).resolve().parent.parent
SNIPPET_SOURCE = "trafilatura-eval"
REFERENCE = "trafilatura"
SCALING_MB = (1.0, 2.5, 5.0, 10.0)
QUICK_SCALING_MB = (0.25, 0.5, 1.0)
SCALING_MEM_CAP_GB = 8.0  # RLIMIT_AS of each large-input child (override: BENCH_MEM_CAP_GB)
SCALING_TIMEOUT = 300.0   # seconds per large-input child


# ------------------------------------------------------------------------------ machine

def machine_info() -> dict:
    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {
        "date": datetime.datetime.now().astimezone().isoformat(timespec="seconds"),
        "cpu": cpu,
        "cores": os.cpu_count(),
        "pinned_cores": sorted(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None,
        "python": platform.python_version(),
        "platform": platform.platform(),
        "load_avg_start": os.getloadavg(),
        "versions": peers.versions(),
        **code_info(),
    }


def code_info() -> dict:
    """Which boilerstrip was measured: git commit (+ dirty files) and the model file (the
    shipped one unless ``--model``) with its hash."""
    import hashlib

    import boilerstrip
    pkg = Path(boilerstrip.__file__).resolve().parent
    info = {"boilerstrip_path": str(pkg), "boilerstrip_commit": os.environ.get("BENCH_COMMIT", "unknown"),
            "boilerstrip_dirty": []}
    try:
        info["boilerstrip_commit"] = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=pkg, text=True,
                                                    capture_output=True, check=True).stdout.strip()
        info["boilerstrip_dirty"] = subprocess.run(["git", "status", "--porcelain", "--", "."], cwd=pkg, text=True,
                                                   capture_output=True, check=True).stdout.split("\n")
        info["boilerstrip_dirty"] = [x.strip() for x in info["boilerstrip_dirty"] if x.strip()]
    except (OSError, subprocess.CalledProcessError):
        pass
    model = Path(peers.boilerstrip_model) if peers.boilerstrip_model else pkg / "models" / "default.npz"
    info["model"] = peers.boilerstrip_model or "shipped"
    if model.exists():
        info["model_sha256"] = hashlib.sha256(model.read_bytes()).hexdigest()[:12]
        info["model_bytes"] = model.stat().st_size
        info["model_mtime"] = datetime.datetime.fromtimestamp(model.stat().st_mtime).isoformat(timespec="seconds")
    return info


def machine_line(info: Mapping) -> str:
    v = info["versions"]
    pk = ", ".join(f"{k} {val}" for k, val in v.items())
    code = (f"boilerstrip commit {info.get('boilerstrip_commit')}"
            + (f" + uncommitted {', '.join(info['boilerstrip_dirty'])}" if info.get("boilerstrip_dirty") else "")
            + f", model {info.get('model', 'shipped')} sha256 {info.get('model_sha256', '?')} "
            f"({info.get('model_mtime', '?')})")
    return (f"{info['date']} | {code} | {info['cpu']}, {info['cores']} cores (benchmark pinned to core "
            f"{info['pinned_cores']}) | Python {info['python']} | load avg at start "
            f"{' '.join(f'{x:.2f}' for x in info['load_avg_start'])}"
            + (f", at end {' '.join(f'{x:.2f}' for x in info['load_avg_end'])}" if info.get("load_avg_end") else "")
            + f" | {pk}")


# --------------------------------------------------------------------------------- data

def _round_robin(records: list[dict], key: str, limit: int) -> list[dict]:
    """At most ``limit`` records, taken in turn from each value of ``key`` (original order kept)."""
    if not limit or len(records) <= limit:
        return records
    groups: dict[str, list[int]] = defaultdict(list)
    for i, r in enumerate(records):
        groups[r.get(key) or "?"].append(i)
    chosen: list[int] = []
    depth = 0
    while len(chosen) < limit:
        added = False
        for idx in groups.values():
            if depth < len(idx) and len(chosen) < limit:
                chosen.append(idx[depth])
                added = True
        if not added:
            break
        depth += 1
    return [records[i] for i in sorted(chosen)]


def load_data(data: Path, split: str, limit: int, quick: bool) -> tuple[list[dict], list[dict], list[dict], list[dict]]:
    """(pages, aggregator+clean+interrupted docs, plain page docs in 'paragraphs' style, fragments)."""
    pages = list(load_pages(data, split))
    if limit:
        per: dict[str, int] = defaultdict(int)
        kept = []
        for p in pages:
            if per[p["source"]] < limit:
                per[p["source"]] += 1
                kept.append(p)
        pages = kept
    if quick:
        pages = _round_robin(pages, "source", 30)
    docs, page_docs, fragments = [], [], []
    for d in load_split(data, split):
        if d["kind"] in ("aggregator", "clean", "interrupted"):
            docs.append(d)
        elif d["kind"] == "page" and d.get("style") == "paragraphs":
            page_docs.append(d)
        elif d["kind"] == "fragment":
            fragments.append(d)
    cap = 30 if quick else limit
    if cap:
        by_kind = defaultdict(list)
        for d in docs:
            by_kind[d["kind"]].append(d)
        docs = [d for k in sorted(by_kind) for d in _round_robin(by_kind[k], "source", cap)]
        page_docs = _round_robin(page_docs, "source", cap)
        fragments = _round_robin(fragments, "source", cap)
    return pages, docs, page_docs, fragments


def _with_lang(records: Iterable[Mapping]) -> Iterable[Mapping]:
    """Yield records, setting the current page language for the language-aware adapters."""
    for r in records:
        peers.page_lang = r.get("lang") or ""
        yield r


def _failing(msg: str) -> Callable[[str], str]:
    def unavailable(_: str) -> str:
        raise ToolUnavailable(msg)
    return unavailable


def _build(name: str) -> tuple[Callable[[str], str], str | None]:
    try:
        return peers.peer(name), None
    except Exception as exc:
        return _failing(str(exc)), f"{type(exc).__name__}: {exc}"


def _warm(fn: Callable[[str], str], sample: str) -> None:
    try:
        fn(sample)
    except Exception:
        pass


# ---------------------------------------------------------------------- quality + speed

def run_pages(pages: list[dict], log) -> dict[str, Report]:
    reports: dict[str, Report] = {}
    warm = pages[0]["html"] if pages else "<p>x</p>"
    for name in peers.PEERS:
        fn, err = _build(name)
        if err:
            log(f"  {name}: UNAVAILABLE ({err})")
        peers.page_lang = pages[0].get("lang", "") if pages else ""
        _warm(fn, warm)  # lazy imports, model load: not part of the throughput
        rep = evaluate_html(fn, _with_lang(pages), tool=name)
        reports[name] = rep
        o = rep.overall
        log(f"  {name}: F1 {_fmt(rep.f1)}, {o.docs / o.seconds if o.seconds else 0:.1f} pages/s, "
            f"{o.errors} errors, {rep.wall_seconds:.1f} s")
    return reports


def _text_tools() -> dict[str, tuple[Callable[[], Callable[[str], str]], str]]:
    """Tools for plain-text documents: name -> (factory, note)."""
    from benchmarks.baselines import c4_rules, keep_all

    def bs():
        return boilerstrip_cleaner(peers.boilerstrip_model, html=False)

    def bs_unseen():
        fn = bs()

        def unseen(t: str) -> str:
            with unseen_vocabulary(1):
                return fn(t)
        return unseen

    def wrapped(name):
        def factory():
            fn = peers.peer(name)
            return lambda t: fn(peers.wrap_lines_as_html(t))
        return factory

    tools = {
        "boilerstrip (text)": (bs, "plain text"),
        "boilerstrip (text, unseen vocabulary)": (
            bs_unseen, "plain text; its word columns permuted, as for a language it never saw"),
        "keep-all": (lambda: keep_all, "plain text"),
        "C4 rules": (lambda: c4_rules, "plain text"),
        "jusText (lines)": (peers._justext_lines, "plain text, one <p> per line"),
    }
    for name, (_, kind, family, _) in peers.PEERS.items():
        if kind == "html" and family == "peer" and name != "jusText":
            tools[f"{name} (wrapped <p>)"] = (wrapped(name), "text wrapped as minimal HTML, one <p> per line")
    return tools


def run_docs(docs: list[dict], log) -> dict[str, Report]:
    reports = {}
    for name, (factory, _) in _text_tools().items():
        try:
            fn = factory()
        except Exception as exc:
            fn = _failing(str(exc))
            log(f"  {name}: UNAVAILABLE ({exc})")
        _warm(fn, docs[0]["text"] if docs else "x")
        rep = evaluate(fn, _with_lang(docs), tool=name)
        reports[name] = rep
        log(f"  {name}: F1 {_fmt(rep.f1)}, {rep.overall.errors} errors, {rep.wall_seconds:.1f} s")
    return reports


def snippet_stats(rep: Report) -> dict[str, GroupStats]:
    """Snippet counts of the snippet-source pages, per language and 'all'."""
    out: dict[str, GroupStats] = defaultdict(GroupStats)
    for d in rep.docs:
        if d.groups.get("source") != SNIPPET_SOURCE:
            continue
        out[d.groups.get("lang") or "?"].add(d.stats)
        out["all"].add(d.stats)
    return dict(out)


# ------------------------------------------------------------------------ subprocesses

def _child(args: list[str], env_extra: Mapping[str, str] | None = None, timeout: float = 900) -> dict:
    env = dict(os.environ)
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    env.update(env_extra or {})
    model_args = ["--model", peers.boilerstrip_model] if peers.boilerstrip_model else []
    try:
        proc = subprocess.run([sys.executable, "-m", "benchmarks.run", *args, *model_args], capture_output=True,
                              text=True, cwd=ROOT, env=env, timeout=timeout)
    except subprocess.TimeoutExpired:
        return {"error": f"timeout after {timeout:.0f} s"}
    for line in reversed(proc.stdout.splitlines()):
        if line.startswith("{"):
            return json.loads(line)
    return {"error": (proc.stderr or proc.stdout)[-500:]}


def _status_mb(field: str) -> float | None:
    """``VmRSS`` / ``VmHWM`` of this process in MB (Linux; ``VmHWM`` is reset by exec,
    unlike ``ru_maxrss``, which keeps the forking parent's peak)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return None


def _reset_peak() -> bool:
    """Reset ``VmHWM`` to the current RSS (``echo 5 > /proc/self/clear_refs``)."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
        return True
    except OSError:
        return False


def _maxrss_mb() -> float:
    hwm = _status_mb("VmHWM")
    return hwm if hwm is not None else resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def child_memory(tool: str, sample_file: str) -> dict:
    """In a fresh process: RSS of the harness, after import + warm-up, peak over the sample."""
    htmls = json.loads(Path(sample_file).read_text(encoding="utf-8"))
    before = _status_mb("VmRSS")
    t = time.perf_counter()
    fn, err = _build(tool)
    _warm(fn, htmls[0])
    ready = time.perf_counter() - t
    after_import = _status_mb("VmRSS")
    reset = _reset_peak()
    errors = 0
    t = time.perf_counter()
    for h in htmls:
        try:
            fn(h)
        except Exception:
            errors += 1
    return {"tool": tool, "rss_start_mb": before, "rss_ready_mb": after_import, "rss_peak_mb": _maxrss_mb(),
            "peak_reset": reset, "ready_seconds": ready, "seconds": time.perf_counter() - t, "pages": len(htmls),
            "errors": errors, "unavailable": err}


def child_scaling(text_file: str) -> dict:
    clean = boilerstrip_cleaner(peers.boilerstrip_model, html=False)
    cap = int(float(os.environ.get("BENCH_MEM_CAP_GB", SCALING_MEM_CAP_GB)) * 2**30)
    resource.setrlimit(resource.RLIMIT_AS, (cap, cap))  # a runaway input fails alone, not the machine
    text = Path(text_file).read_text(encoding="utf-8")
    clean("Warm-up line.\nThe council voted on Tuesday to expand the park near the river.")
    before = _status_mb("VmRSS")
    _reset_peak()
    t = time.perf_counter()
    try:
        out = clean(text)
    except MemoryError:
        return {"error": f"MemoryError under the {cap / 2**30:.0f} GB address-space cap after "
                         f"{time.perf_counter() - t:.1f} s", "bytes": len(text.encode("utf-8"))}
    seconds = time.perf_counter() - t
    return {"chars": len(text), "bytes": len(text.encode("utf-8")), "lines": text.count("\n") + 1,
            "seconds": seconds, "rss_before_mb": before, "rss_peak_mb": _maxrss_mb(), "out_chars": len(out)}


# Run with a bare interpreter (not via this module, which already imports boilerstrip).
# Arguments: the text file, then the model file (none: the shipped model).
LOAD_CODE = """
import json, os, sys, time
def rss():
    return int(open("/proc/self/statm").read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20
os.sched_setaffinity(0, {0})
m0 = rss()
t0 = time.perf_counter()
import boilerstrip
t1 = time.perf_counter()
m1 = rss()
text = open(sys.argv[1], encoding="utf-8").read()
model = sys.argv[2] if len(sys.argv) > 2 else None
t2 = time.perf_counter()
boilerstrip.clean(text, html=False, model=model)
t3 = time.perf_counter()
m3 = rss()
boilerstrip.clean(text, html=False, model=model)
t4 = time.perf_counter()
print(json.dumps({"import": t1 - t0, "first_clean": t3 - t2, "to_first_clean": (t1 - t0) + (t3 - t2),
                  "second_clean": t4 - t3, "rss_bare_mb": m0, "rss_imported_mb": m1, "rss_first_clean_mb": m3}))
"""


def load_child(sample_file: str) -> dict:
    env = dict(os.environ)
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    start = time.perf_counter()
    model_args = [peers.boilerstrip_model] if peers.boilerstrip_model else []
    proc = subprocess.run([sys.executable, "-c", LOAD_CODE, sample_file, *model_args], capture_output=True,
                          text=True, cwd=ROOT, env=env, timeout=300)
    wall = time.perf_counter() - start
    for line in reversed(proc.stdout.splitlines()):
        if line.startswith("{"):
            return json.loads(line) | {"process_wall": wall}
    return {"error": (proc.stderr or proc.stdout)[-500:]}


def child_batch(texts_file: str) -> dict:
    from boilerstrip import clean
    from boilerstrip.batch import clean_many
    from boilerstrip.pipeline import resolve_model
    model = resolve_model(peers.boilerstrip_model)
    texts = json.loads(Path(texts_file).read_text(encoding="utf-8"))
    clean(texts[0], html=False, model=model)
    res = {"docs": len(texts), "cores_allowed": sorted(os.sched_getaffinity(0))}
    t = time.perf_counter()
    for x in texts:
        clean(x, html=False, model=model)
    res["clean loop"] = time.perf_counter() - t
    t = time.perf_counter()
    list(clean_many(texts, n_jobs=1, html=False, model=model))
    res["clean_many n_jobs=1"] = time.perf_counter() - t
    for rep in ("cold", "warm"):
        t = time.perf_counter()
        # each worker loads the model once: the shipped one, or the --model file by its path
        list(clean_many(texts, n_jobs=2, html=False, model=peers.boilerstrip_model))
        res[f"clean_many n_jobs=2 ({rep})"] = time.perf_counter() - t
    return res


def child_jobs(texts_file: str) -> dict:
    """Seconds of ``clean_many`` with one and two workers, and of the command line with
    ``-j 1`` and ``-j 2`` on a directory of files, for a small and a larger input, each
    in a fresh process (so every two-worker run pays for starting its workers)."""
    texts = json.loads(Path(texts_file).read_text(encoding="utf-8"))
    model_args = ["--model", peers.boilerstrip_model] if peers.boilerstrip_model else []
    env = dict(os.environ, PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for n in (50, len(texts)):
            sub = Path(tmp) / f"n{n}"
            sub.mkdir()
            for k, x in enumerate(texts[:n]):
                (sub / f"doc{k:05d}.txt").write_text(x, encoding="utf-8")
            for jobs in (1, 2):
                code = ("import json, sys, time; from pathlib import Path; from boilerstrip.batch import clean_many; "
                        "ts = [p.read_text(encoding='utf-8') for p in sorted(Path(sys.argv[1]).iterdir())]; "
                        "t = time.perf_counter(); "
                        f"list(clean_many(ts, n_jobs={jobs}, format='text', model=sys.argv[2] or None)); "
                        "print(time.perf_counter() - t)")
                proc = subprocess.run([sys.executable, "-c", code, str(sub), peers.boilerstrip_model or ""],
                                      capture_output=True, text=True, cwd=ROOT, env=env, timeout=1800)
                api = float(proc.stdout.split()[-1]) if proc.returncode == 0 else float("nan")
                t = time.perf_counter()
                proc = subprocess.run([sys.executable, "-m", "boilerstrip", "-q", "-j", str(jobs), *model_args,
                                       str(sub), "-o", str(Path(tmp) / f"out{n}-{jobs}")],
                                      capture_output=True, text=True, cwd=ROOT, env=env, timeout=1800)
                cli = time.perf_counter() - t if proc.returncode == 0 else float("nan")
                rows.append({"docs": n, "jobs": jobs, "clean_many_s": api, "cli_s": cli})
    return {"rows": rows, "cores_allowed": sorted(os.sched_getaffinity(0))}


# ------------------------------------------------------------------------------ stages

def stage_split(pages: list[dict], page_docs: list[dict]) -> dict:
    """Seconds per stage of boilerstrip on the same pages (HTML path) and text docs (text path)."""
    from boilerstrip import clean
    from boilerstrip.decoding import keep_mask, line_weights
    from boilerstrip.features import line_features, structure_features, word_features
    from boilerstrip.html import render_html
    from boilerstrip.pipeline import read, resolve_model

    model = resolve_model(peers.boilerstrip_model)
    out = {}
    for path, inputs, is_html in (("html", [p["html"] for p in pages], True),
                                  ("text", [d["text"] for d in page_docs], False)):
        t = defaultdict(float)
        n_lines = 0
        for x in inputs:
            s = time.perf_counter()
            if is_html:
                render_html(x)
            t["rendering"] += time.perf_counter() - s
            s = time.perf_counter()
            doc, lines = read(x, "html" if is_html else "text")
            t["read"] += time.perf_counter() - s
            if not lines:
                continue
            n_lines += len(lines)
            s = time.perf_counter()
            line_features(doc)
            word_features(doc)
            t["features"] += time.perf_counter() - s
            s = time.perf_counter()
            structure_features(doc.structure, len(doc))
            t["structure_features"] += time.perf_counter() - s
            s = time.perf_counter()
            proba = model.predict_proba([doc])[0]  # line shape and words cached on doc
            t["predict_proba"] += time.perf_counter() - s
            s = time.perf_counter()
            keep_mask(proba[:, 0], 0.5, model.transition, line_weights(doc.line_lengths()))
            t["decoding"] += time.perf_counter() - s
        s = time.perf_counter()
        for x in inputs:
            clean(x, html=is_html, model=model)
        t["clean_total"] = time.perf_counter() - s
        stages = {
            "rendering (render_html)": t["rendering"],
            "document (read minus rendering)": max(t["read"] - t["rendering"], 0.0),
            "features (line shape + words + structure)": t["features"] + t["structure_features"],
            "model (predict_proba minus structure features)": max(t["predict_proba"] - t["structure_features"], 0.0),
            "decoding (keep_mask)": t["decoding"],
        }
        out[path] = {"docs": len(inputs), "lines": n_lines, "stages": stages,
                     "sum_of_stages": sum(stages.values()), "clean_total": t["clean_total"]}
    return out


# ------------------------------------------------------------------------------ scaling

def build_scaling_texts(page_docs_all: list[dict], sizes_mb: Sequence[float], tmp: Path) -> list[tuple[str, float, str]]:
    target = int(max(sizes_mb) * 1_000_000)
    parts, n = [], 0
    i = 0
    while n < target and page_docs_all:
        t = page_docs_all[i % len(page_docs_all)]["text"]
        parts.append(t)
        n += len(t.encode("utf-8")) + 2
        i += 1
    multi = "\n\n".join(parts)
    single = " ".join(multi.split())
    files = []
    for kind, text in (("multi-line", multi), ("single line", single)):
        data = text.encode("utf-8")
        for mb in sizes_mb:
            cut = data[: int(mb * 1_000_000)].decode("utf-8", errors="ignore")
            f = tmp / f"scale-{kind.replace(' ', '_')}-{mb}.txt"
            f.write_text(cut, encoding="utf-8")
            files.append((kind, mb, str(f)))
    return files


# ------------------------------------------------------------------------------ markdown

def _rate(rep: Report) -> float | None:
    o = rep.overall
    ok = o.docs - o.errors
    return o.docs / o.seconds if o.seconds > 0 and ok > 0 else None


def _f(x: float | None, nd: int = 3) -> str:
    return "–" if x is None else f"{x:.{nd}f}"


def _macro(rep: Report, sources: Sequence[str]) -> float | None:
    vals = [rep.groups["source"][s].shingle_prf[2] for s in sources
            if s in rep.groups.get("source", {}) and rep.groups["source"][s].shingle_docs]
    vals = [v for v in vals if v is not None]
    return sum(vals) / len(vals) if vals else None


def quality_sources(reports: Mapping[str, Report]) -> list[str]:
    srcs = set()
    for r in reports.values():
        for s, g in r.groups.get("source", {}).items():
            if g.shingle_docs:
                srcs.add(s)
    return sorted(srcs)


def main_table(reports: Mapping[str, Report]) -> str:
    sources = quality_sources(reports)
    ref = _rate(reports[REFERENCE]) if REFERENCE in reports else None
    any_rep = next(iter(reports.values()))
    counts = {s: any_rep.groups["source"][s].shingle_docs for s in sources}
    cols = ["tool", "P", "R", "F1 (pages)", "F1 macro (sources)"] + [f"F1 {s} ({counts[s]})" for s in sources] \
        + ["pages/s (1 core)", "x trafilatura", "errors"]
    out = ["| " + " | ".join(cols) + " |", "|---|" + "---:|" * (len(cols) - 1)]
    for name, rep in reports.items():
        p, r, f = rep.overall.shingle_prf
        rate = _rate(rep)
        cells = [name, _f(p), _f(r), f"**{_f(f)}**", _f(_macro(rep, sources))]
        cells += [_f(rep.groups["source"][s].shingle_prf[2]) if s in rep.groups.get("source", {}) else "–" for s in sources]
        cells += [_f(rate, 1), _f(rate / ref if rate and ref else None, 2), str(rep.overall.errors)]
        out.append("| " + " | ".join(cells) + " |")
    return "\n".join(out)


def docs_table(reports: Mapping[str, Report], notes: Mapping[str, str]) -> str:
    kinds = sorted({k for r in reports.values() for k in r.groups.get("kind", {})})
    cols = ["tool", "input"]
    for k in kinds:
        cols += [f"{k} P", f"{k} R", f"{k} F1", f"{k} line F1"]
    cols += ["docs/s", "errors"]
    out = ["| " + " | ".join(cols) + " |", "|---|---|" + "---:|" * (len(cols) - 2)]
    for name, rep in reports.items():
        cells = [name, notes.get(name, "")]
        for k in kinds:
            g = rep.groups.get("kind", {}).get(k)
            if g is None:
                cells += ["–"] * 4
                continue
            p, r, f = g.shingle_prf
            cells += [_f(p), _f(r), f"**{_f(f)}**", _f(g.line_prf[2])]
        cells += [_f(_rate(rep), 1), str(rep.overall.errors)]
        out.append("| " + " | ".join(cells) + " |")
    return "\n".join(out)


def snippet_table(reports: Mapping[str, Report]) -> str:
    per = {name: snippet_stats(rep) for name, rep in reports.items()}
    langs = sorted({l for s in per.values() for l in s if l != "all"}) + ["all"]
    first = next(iter(per.values()), {})
    head = ["tool"] + [f"{l} ({first[l].docs if l in first else 0} p.)" for l in langs]
    out = ["Cells: share of *with* snippets found / share of *without* snippets absent.", "",
           "| " + " | ".join(head) + " |", "|---|" + "---:|" * len(langs)]
    for name, s in per.items():
        cells = [name] + [f"{_f(s[l].with_share, 2)} / {_f(s[l].without_share, 2)}" if l in s else "–" for l in langs]
        out.append("| " + " | ".join(cells) + " |")
    if first:
        out.append("")
        out.append("Snippet counts (with / without): " + ", ".join(
            f"{l} {first[l].with_total}/{first[l].without_total}" for l in langs if l in first))
    return "\n".join(out)


def speed_table(reports: Mapping[str, Report], mem: Mapping[str, dict], html_mb: float) -> str:
    ref = _rate(reports[REFERENCE]) if REFERENCE in reports else None
    cols = ["tool", "pages", "seconds in tool", "pages/s", "MB HTML/s", "x trafilatura", "ms/page median",
            "harness RSS (MB)", "+ import & warm-up (MB)", "+ peak while running (MB)", "import+warm-up s"]
    out = ["| " + " | ".join(cols) + " |", "|---|" + "---:|" * (len(cols) - 1)]
    for name, rep in reports.items():
        o = rep.overall
        rate = _rate(rep)
        times = sorted(d.stats.seconds for d in rep.docs)
        med = statistics.median(times) * 1000 if times else None
        m = mem.get(name, {})
        ok = "rss_peak_mb" in m and not m.get("unavailable")
        cells = [name, str(o.docs), _f(o.seconds, 1), _f(rate, 1),
                 _f(html_mb / o.seconds if o.seconds and rate else None, 2),
                 _f(rate / ref if rate and ref else None, 2), _f(med, 1),
                 _f(m.get("rss_start_mb"), 0) if ok else "–",
                 _f(m["rss_ready_mb"] - m["rss_start_mb"], 0) if ok else "–",
                 _f(m["rss_peak_mb"] - m["rss_ready_mb"], 0) if ok else "–",
                 _f(m.get("ready_seconds"), 2) if ok else "–"]
        out.append("| " + " | ".join(cells) + " |")
    return "\n".join(out)


def stage_table(stages: Mapping) -> str:
    out = ["| path | stage | seconds | share | ms/doc |", "|---|---|---:|---:|---:|"]
    for path, s in stages.items():
        total = s["sum_of_stages"] or 1.0
        for stage, sec in s["stages"].items():
            out.append(f"| {path} | {stage} | {sec:.2f} | {100 * sec / total:.0f} % | {1000 * sec / max(s['docs'], 1):.2f} |")
        out.append(f"| {path} | **sum of stages** ({s['docs']} docs, {s['lines']} lines) | {s['sum_of_stages']:.2f} | 100 % | "
                   f"{1000 * s['sum_of_stages'] / max(s['docs'], 1):.2f} |")
        out.append(f"| {path} | `clean()` end to end, same docs | {s['clean_total']:.2f} | | "
                   f"{1000 * s['clean_total'] / max(s['docs'], 1):.2f} |")
    return "\n".join(out)


def scaling_table(rows: Sequence[dict]) -> str:
    out = ["| input | MB | lines | seconds | MB/s | s per MB | RSS before (MB) | peak RSS (MB) | peak - before (MB) |",
           "|---|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for r in rows:
        if "seconds" not in r:
            out.append(f"| {r['kind']} | {r['mb']} | – | failed: {r.get('error', '')[-160:]} | | | | | |".replace("\n", " "))
            continue
        mb = r["bytes"] / 1e6
        out.append(f"| {r['kind']} | {mb:.2f} | {r['lines']} | {r['seconds']:.2f} | {mb / r['seconds']:.2f} | "
                   f"{r['seconds'] / mb:.2f} | {r['rss_before_mb']:.0f} | {r['rss_peak_mb']:.0f} | "
                   f"{r['rss_peak_mb'] - r['rss_before_mb']:.0f} |")
    return "\n".join(out)


# --------------------------------------------------------------------------------- main

def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m benchmarks.run", description=__doc__.split("\n")[0])
    ap.add_argument("--split", default="test")
    ap.add_argument("--data", default=str(ROOT / "data" / "built"))
    ap.add_argument("--limit", type=int, default=0, help="at most N pages per source (and N docs per kind)")
    ap.add_argument("--quick", action="store_true", help="smoke run: 30 pages, 30 docs per kind, small sizes")
    ap.add_argument("--out", default=str(ROOT / "benchmarks" / "results"))
    ap.add_argument("--memory-pages", type=int, default=40, help="pages per tool for the memory children")
    ap.add_argument("--model", default=None, metavar="FILE", help="boilerstrip model file (default: the shipped one)")
    ap.add_argument("--_child", nargs=2, metavar=("KIND", "ARG"), help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.model:  # children run in the repository root
        args.model = str(Path(args.model).resolve())
    peers.boilerstrip_model = args.model

    if args._child:
        kind, arg = args._child
        if kind == "memory":
            tool, sample = arg.split("::", 1)
            res = child_memory(tool, sample)
        elif kind == "scaling":
            res = child_scaling(arg)
        elif kind == "jobs":
            res = child_jobs(arg)
        elif kind == "batch":
            res = child_batch(arg)
        else:
            raise SystemExit(f"unknown child {kind}")
        print(json.dumps(res))
        return 0

    try:
        from boilerstrip import clean
        clean("Menu\nHome\n\nThe council voted on Tuesday to expand the park near the river.", model=args.model)
    except Exception as exc:
        print(f"error: boilerstrip is not usable (import or first clean() failed): {type(exc).__name__}: {exc}",
              file=sys.stderr)
        return 2

    start = time.perf_counter()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    info = machine_info()
    data = Path(args.data)

    def log(msg: str) -> None:
        print(f"[{time.perf_counter() - start:7.1f}s] {msg}", flush=True)

    log(f"machine: {info['cpu']}, {info['cores']} cores, pinned {info['pinned_cores']}, load {info['load_avg_start']}")
    pages, docs, page_docs, fragments = load_data(data, args.split, args.limit, args.quick)
    html_mb = sum(len(p["html"].encode("utf-8")) for p in pages) / 1e6
    log(f"{len(pages)} pages ({html_mb:.1f} MB HTML), {len(docs)} aggregator/clean/interrupted docs, {len(page_docs)} page docs, "
        f"{len(fragments)} fragments")

    log("quality + speed on pages")
    page_reports = run_pages(pages, log)
    log("aggregator / clean / interrupted documents")
    doc_reports = run_docs(docs, log)
    log("short inputs (fragments)")
    fragment_reports = run_docs(fragments, log)

    log("stage split")
    n_stage = 30 if args.quick else 120
    stages = stage_split(_round_robin(pages, "source", n_stage), _round_robin(page_docs, "source", n_stage))

    with tempfile.TemporaryDirectory() as tmpd:
        tmp = Path(tmpd)
        log("memory per tool (subprocesses)")
        sample = _round_robin(pages, "source", 5 if args.quick else args.memory_pages)
        sample_file = tmp / "sample.json"
        sample_file.write_text(json.dumps([p["html"] for p in sample]), encoding="utf-8")
        mem = {}
        for name in peers.PEERS:
            mem[name] = _child(["--_child", "memory", f"{name}::{sample_file}"])
            log(f"  {name}: {mem[name].get('rss_ready_mb', 0):.0f} -> {mem[name].get('rss_peak_mb', 0):.0f} MB"
                + (f" ERROR {mem[name]['error'][-200:]}" if "error" in mem[name] else ""))

        log("model load (fresh subprocesses)")
        load_file = tmp / "load.txt"
        load_file.write_text(page_docs[0]["text"] if page_docs else "x", encoding="utf-8")
        loads = [load_child(str(load_file)) for _ in range(3)]

        log("clean_many vs clean loop (subprocess on all cores)")
        batch_texts = [d["text"] for d in _round_robin(page_docs, "source", 40 if args.quick else 400)]
        batch_file = tmp / "batch.json"
        batch_file.write_text(json.dumps(batch_texts), encoding="utf-8")
        batch = _child(["--_child", "batch", str(batch_file)], {"BENCH_NO_PIN": "1"})
        log("-j / n_jobs: one and two workers, small and large inputs (fresh processes on all cores)")
        # the split's page documents, repeated up to the larger size (the split has a few hundred)
        jobs_pool = [d["text"] for d in _round_robin(page_docs, "source", len(page_docs))]
        jobs_texts = (jobs_pool * (1 + 1400 // max(1, len(jobs_pool))))[:200 if args.quick else 1400]
        jobs_file = tmp / "jobs.json"
        jobs_file.write_text(json.dumps(jobs_texts), encoding="utf-8")
        jobs = _child(["--_child", "jobs", str(jobs_file)], {"BENCH_NO_PIN": "1"}, timeout=3600)

        log("scaling (subprocess per size)")
        all_plain = [d for d in load_split(data, args.split) if d["kind"] in ("page", "clean")
                     and d.get("style") in ("paragraphs", "lines")]
        sizes = QUICK_SCALING_MB if args.quick else SCALING_MB
        scaling = []
        for kind, mb, f in build_scaling_texts(all_plain, sizes, tmp):
            r = _child(["--_child", "scaling", f], timeout=SCALING_TIMEOUT)
            r.update(kind=kind, mb=mb)
            scaling.append(r)
            log(f"  {kind} {mb} MB: {r.get('seconds', float('nan')):.2f} s, peak {r.get('rss_peak_mb', 0):.0f} MB")
        del all_plain

    info["load_avg_end"] = os.getloadavg()
    info["run_seconds"] = time.perf_counter() - start

    # ---------------------------------------------------------------- outputs
    from benchmarks import plots
    meta = machine_line(info)
    figs = plots.make_plots(page_reports, quality_sources(page_reports), _rate, out, meta)

    load_med = {k: statistics.median(l[k] for l in loads if k in l) for k in (
        "import", "first_clean", "to_first_clean", "second_clean", "process_wall", "rss_bare_mb", "rss_imported_mb",
        "rss_first_clean_mb")} \
        if all("import" in l for l in loads) else {"error": str(loads)[:300]}
    doc_notes = {n: note for n, (_, note) in _text_tools().items()}
    snip_langs = snippet_stats(next(iter(page_reports.values())))
    md = [f"# boilerstrip benchmark: split `{args.split}`" + (" (quick)" if args.quick else ""), "",
          f"Machine / versions: {meta}", "",
          f"Command: `python -m benchmarks.run {' '.join(sys.argv[1:] if argv is None else argv)}`; "
          f"run time {info['run_seconds'] / 60:.1f} min.", "",
          f"Pages: {len(pages)} from `{args.split}-pages.jsonl.gz` "
          f"({', '.join(f'{s} {n}' for s, n in sorted(_count(pages, 'source').items()))}); sites of this split "
          "are never trained on.  Quality = token 4-gram shingle P/R/F1 (benchmarks/evaluate.py), title "
          "excluded, over pages with a gold text; snippet-only pages (trafilatura-eval) are scored in the "
          "snippet table.  pages/s = pages / seconds inside the tool, one pinned core, warm (model and "
          "lazy imports loaded before timing); HTML-to-text rendering is included for the text-path rows.", "",
          "## Quality and speed on HTML pages", "", main_table(page_reports), "",
          f"![F1 vs speed]({figs['speed'].name})", "", f"![F1 per source]({figs['sources'].name})", "",
          "## Aggregator and clean documents (plain text)", "",
          f"{len(docs)} documents from `{args.split}.jsonl.gz` ({', '.join(f'{k} {n}' for k, n in sorted(_count(docs, 'kind').items()))}). "
          "They exist only as text, so peers that need HTML get the text wrapped as a minimal page with one "
          "`<p>` per line (marked *wrapped <p>*): this is not how they are meant to be used (no DOM cues), "
          "shown only to tell what they do on scraper text.  line F1 = boilerplate-line F1 (clean docs have "
          "no boilerplate lines, so their line F1 is 0 or undefined: read P/R/F1 there).", "",
          docs_table(doc_reports, doc_notes), "",
          "## Short inputs (plain text)", "",
          f"{len(fragments)} `fragment` documents of `{args.split}.jsonl.gz`: 1-6 lines cut from a page of the split "
          "(body lines alone, body lines with their real neighbours, boilerplate lines alone, body lines with "
          "some of the page's boilerplate; see data/README.md), the short inputs a scraper also hands over. "
          "The gold is each fragment's own body text; a fragment of boilerplate only has an empty gold, so "
          "anything kept from it counts against precision, and its lines count in line F1 "
          "(boilerplate-line F1).", "",
          docs_table(fragment_reports, doc_notes), "",
          f"## Snippets ({SNIPPET_SOURCE} pages of `{args.split}`, {snip_langs.get('all', GroupStats()).docs} pages)", "",
          snippet_table(page_reports), "",
          "## Speed and memory (HTML pages, one core)", "",
          f"Memory: a fresh subprocess per tool (pinned to one core) runs {len(sample)} pages (round-robin "
          "over sources).  *harness RSS* = the child before the tool is built (interpreter, the benchmark "
          "modules, which import boilerstrip's code but not its model, and the sample pages); *+ import & "
          "warm-up* = RSS growth from importing the tool and running it on one page (for boilerstrip: "
          "loading the model); *+ peak while running* = peak RSS over the sample (VmHWM, reset after the "
          "warm-up) minus the RSS before it.", "",
          speed_table(page_reports, mem, html_mb), "",
          "## boilerstrip: time by stage", "",
          "Same inputs for each stage, one document per call (as `clean()` does).  HTML path = the test "
          "pages' HTML; text path = the `paragraphs` page documents of the split.  `predict_proba` reuses "
          "the line shape and hashed words cached on the document by the features stage, and recomputes the "
          "structure features, whose time is subtracted from the model row.", "",
          stage_table(stages), "",
          "## boilerstrip: model load, batching", "",
          f"Fresh subprocess (median of 3): import {_f(load_med.get('import'), 2)} s, first `clean()` "
          f"(loads the model) {_f(load_med.get('first_clean'), 2)} s, **time to first clean "
          f"{_f(load_med.get('to_first_clean'), 2)} s**; a second `clean()` of the same document takes "
          f"{_f(load_med.get('second_clean'), 3)} s; whole process (interpreter start to exit) {_f(load_med.get('process_wall'), 2)} s.", "",
          _batch_table(batch), "",
          _jobs_table(jobs), "",
          _footprint(load_med, info), "",
          "## boilerstrip: large inputs", "",
          "A plain-text document made by concatenating real test documents (multi-line) and the same text "
          "with all whitespace collapsed to one line, cut to each size; one fresh subprocess per row, "
          f"capped at {SCALING_MEM_CAP_GB:.0f} GB of address space (RLIMIT_AS) and {SCALING_TIMEOUT:.0f} s. "
          "Linear growth = constant s per MB and memory growing proportionally.", "",
          scaling_table(scaling), ""]
    (out / "results.md").write_text("\n".join(md), encoding="utf-8")
    result = {
        "machine": info, "args": vars(args) | {"_child": None},
        "pages": {n: r.to_dict() | {"pages_per_second": _rate(r), "snippets": {l: g.summary() for l, g in snippet_stats(r).items()}}
                  for n, r in page_reports.items()},
        "docs": {n: r.to_dict() | {"docs_per_second": _rate(r)} for n, r in doc_reports.items()},
        "fragments": {n: r.to_dict() | {"docs_per_second": _rate(r)} for n, r in fragment_reports.items()},
        "gold_pages_per_source": {s: next(iter(page_reports.values())).groups["source"][s].shingle_docs
                                  for s in quality_sources(page_reports)}
        | {"all": next(iter(page_reports.values())).overall.shingle_docs},
        "memory": mem, "stages": stages, "model_load": loads, "batch": batch, "jobs": jobs, "scaling": scaling,
    }
    (out / "results.json").write_text(json.dumps(result, indent=1, default=str), encoding="utf-8")
    log(f"wrote {out / 'results.md'}, results.json, {', '.join(f.name for f in figs.values())}")
    print(main_table(page_reports))
    return 0


def _count(records: Iterable[Mapping], key: str) -> dict[str, int]:
    c: dict[str, int] = defaultdict(int)
    for r in records:
        c[r.get(key) or "?"] += 1
    return dict(c)


def _batch_table(b: Mapping) -> str:
    if "docs" not in b:
        return f"clean_many benchmark failed: {b.get('error', '')[:300]}"
    n = b["docs"]
    out = [f"{n} plain-text page documents; child process allowed on cores {b['cores_allowed']} "
           "(n_jobs=2 cold includes starting the joblib workers and loading the model in each).", "",
           "| method | seconds | docs/s | x clean loop |", "|---|---:|---:|---:|"]
    base = b["clean loop"]
    for k, v in b.items():
        if k in ("docs", "cores_allowed"):
            continue
        out.append(f"| {k} | {v:.2f} | {n / v:.1f} | {base / v:.2f} |")
    return "\n".join(out)


def _jobs_table(j: Mapping) -> str:
    if "rows" not in j:
        return f"-j benchmark failed: {j.get('error', '')[:300]}"
    out = ["Workers (`-j` / `n_jobs`): the split's plain-text page documents (repeated up to the larger size) as "
           "files, a fresh process per run (each "
           f"two-worker run starts its workers), cores {j['cores_allowed']}.  Small jobs stay in one process, "
           "so two workers are never much slower than one.", "",
           "| documents | workers | `clean_many` s | speed-up | `python -m boilerstrip DIR -o OUT` s | speed-up |",
           "|---:|---:|---:|---:|---:|---:|"]
    base = {r["docs"]: r for r in j["rows"] if r["jobs"] == 1}
    for r in j["rows"]:
        b = base[r["docs"]]
        out.append(f"| {r['docs']} | {r['jobs']} | {r['clean_many_s']:.2f} | {b['clean_many_s'] / r['clean_many_s']:.2f}x "
                   f"| {r['cli_s']:.2f} | {b['cli_s'] / r['cli_s']:.2f}x |")
    return "\n".join(out)


def _footprint(load: Mapping, info: Mapping) -> str:
    """What a user pays to have boilerstrip ready: resident memory of a fresh process and
    the model file's size."""
    size = info.get("model_bytes")
    if "rss_bare_mb" not in load:
        return "Footprint: not measured."
    return (f"Footprint (fresh interpreter, median of 3): resident memory {load['rss_bare_mb']:.0f} MB bare, "
            f"{load['rss_imported_mb']:.0f} MB after `import boilerstrip` (numpy, lxml), "
            f"{load['rss_first_clean_mb']:.0f} MB after the first `clean()` (model loaded): **import and model "
            f"add {load['rss_first_clean_mb'] - load['rss_bare_mb']:.0f} MB**; the model file is "
            + (f"**{size / 1e6:.2f} MB** ({size:,} bytes)." if size else "of unknown size."))


if __name__ == "__main__":
    sys.exit(main())
