"""PNG plots of the page benchmark: F1 against pages per second, F1 per source."""

from __future__ import annotations

import textwrap
from pathlib import Path
from typing import Callable, Mapping, Sequence

__all__ = ["make_plots"]

COLORS = {"boilerstrip": "#d62728", "peer": "#1f77b4", "baseline": "#7f7f7f"}


def _family(name: str) -> str:
    from benchmarks.peers import PEERS
    return PEERS[name][2] if name in PEERS else "peer"


def _footer(fig, meta: str) -> None:
    fig.text(0.01, 0.005, "\n".join(textwrap.wrap(meta, 190)), fontsize=6, color="#444444",
             va="bottom", ha="left")


def _label_points(fig, ax, pts) -> None:
    """Annotate points, trying a few offsets so that labels do not overlap (display coords)."""
    fig.canvas.draw()
    placed = []
    offsets = [(7, 3), (7, -11), (7, 13), (7, -21), (7, 23), (-7, 3), (-7, -11), (-7, 13), (7, -31), (7, 33)]
    for name, x, y in sorted(pts, key=lambda p: -p[2]):
        px, py = ax.transData.transform((x, y))
        w, h = 6.2 * len(name), 11
        for dx, dy in offsets:
            x0 = px + dx if dx > 0 else px + dx - w
            box = (x0, py + dy, x0 + w, py + dy + h)
            if not any(b[0] < box[2] and box[0] < b[2] and b[1] < box[3] and box[1] < b[3] for b in placed):
                break
        placed.append(box)
        ax.annotate(name, (x, y), textcoords="offset pixels", xytext=(dx, dy), fontsize=8,
                    ha="left" if dx > 0 else "right",
                    arrowprops=dict(arrowstyle="-", color="#999999", lw=0.5) if abs(dy) > 15 else None)


def make_plots(reports: Mapping, sources: Sequence[str], rate: Callable, out: Path, meta: str) -> dict[str, Path]:
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    paths = {}
    # ---- F1 vs speed
    fig, ax = plt.subplots(figsize=(11, 7.5))
    pts = []
    for name, rep in reports.items():
        r, f = rate(rep), rep.f1
        if r is None or f is None:
            continue
        fam = _family(name)
        ax.scatter([r], [f], s=70, color=COLORS[fam], marker="*" if fam == "boilerstrip" else "o",
                   zorder=3, edgecolor="black", linewidth=0.4)
        pts.append((name, r, f))
    ax.set_xscale("log")
    if pts:
        xs, ys = [p[1] for p in pts], [p[2] for p in pts]
        ax.set_xlim(min(xs) / 1.6, max(xs) * 3.0)
        ax.set_ylim(min(ys) - 0.02, max(ys) + 0.015)
    _label_points(fig, ax, pts)
    ax.set_xlabel("pages per second on one core (log scale; warm, HTML in)")
    ax.set_ylabel("shingle F1 (token 4-grams, pages with gold)")
    n = next(iter(reports.values())).overall.shingle_docs if reports else 0
    ax.set_title(f"Quality vs speed on {n} site-disjoint test pages")
    ax.grid(True, which="both", alpha=0.3)
    for fam, c in COLORS.items():
        ax.scatter([], [], color=c, label=fam, marker="*" if fam == "boilerstrip" else "o")
    ax.legend(loc="lower left", fontsize=8)
    fig.subplots_adjust(bottom=0.16)
    _footer(fig, meta)
    paths["speed"] = out / "f1_vs_speed.png"
    fig.savefig(paths["speed"], dpi=110)
    plt.close(fig)

    # ---- F1 per source, grouped bars
    names = list(reports)
    groups = list(sources) + ["all pages"]
    fig, ax = plt.subplots(figsize=(14, 7.5))
    width = 0.8 / max(len(names), 1)
    cmap = plt.get_cmap("tab20")
    for i, name in enumerate(names):
        rep = reports[name]
        vals = []
        for s in groups:
            g = rep.overall if s == "all pages" else rep.groups.get("source", {}).get(s)
            v = g.shingle_prf[2] if g is not None and g.shingle_docs else None
            vals.append(v or 0.0)
        xs = [k + (i - (len(names) - 1) / 2) * width for k in range(len(groups))]
        ax.bar(xs, vals, width, label=name, color=cmap(i % 20),
               edgecolor="black" if _family(name) == "boilerstrip" else "none", linewidth=0.8)
    counts = [next(iter(reports.values())).groups["source"][s].shingle_docs if s != "all pages"
              else next(iter(reports.values())).overall.shingle_docs for s in groups]
    ax.set_xticks(range(len(groups)))
    ax.set_xticklabels([f"{s}\n({c} pages)" for s, c in zip(groups, counts)])
    ax.set_ylabel("shingle F1")
    lows = [g.shingle_prf[2] for r in reports.values() for g in list(r.groups.get("source", {}).values()) + [r.overall]
            if g.shingle_docs and g.shingle_prf[2] is not None]
    floor = max(0.0, min([0.5] + [int(v * 10) / 10 for v in lows]))
    ax.set_ylim(floor, 1)
    ax.set_title(f"F1 per source (site-disjoint test pages; boilerstrip bars outlined; y axis from {floor:.1f})")
    ax.grid(True, axis="y", alpha=0.3)
    ax.legend(fontsize=7, ncol=1, loc="center left", bbox_to_anchor=(1.0, 0.5))
    fig.subplots_adjust(bottom=0.16, right=0.80)
    _footer(fig, meta)
    paths["sources"] = out / "f1_per_source.png"
    fig.savefig(paths["sources"], dpi=110)
    plt.close(fig)
    return paths


def _stats_from_summary(sm: dict):
    """A GroupStats with the same P/R/F1, seconds and counts as a ``summary()`` dict."""
    from benchmarks.evaluate import GroupStats
    g = GroupStats(docs=sm["docs"], errors=sm["errors"], seconds=sm["seconds"])
    p, r = sm.get("precision"), sm.get("recall")
    if p is not None and r is not None:
        g.tp = 1.0
        g.fp = (1 / p - 1) if p else 0.0
        g.fn = (1 / r - 1) if r else 0.0
        g.shingle_docs = 1
    return g


def replot(results_json: str | Path, out: Path | None = None) -> dict[str, Path]:
    """Redraw the PNGs from a ``results.json`` written by ``benchmarks.run``."""
    import json

    from benchmarks.evaluate import Report
    from benchmarks.run import machine_line
    path = Path(results_json)
    data = json.loads(path.read_text(encoding="utf-8"))
    reports = {}
    for name, v in data["pages"].items():
        rep = Report(tool=name, html=True)
        rep.overall = _stats_from_summary(v["overall"])
        rep.groups = {"source": {s: _stats_from_summary(x) for s, x in v["groups"].get("source", {}).items()}}
        reports[name] = rep
    sources = sorted({s for r in reports.values() for s, g in r.groups["source"].items() if g.shingle_docs})
    counts = data.get("gold_pages_per_source", {})
    for r in reports.values():  # page counts for the labels
        for s, g in r.groups["source"].items():
            g.shingle_docs = counts.get(s, g.shingle_docs)
        r.overall.shingle_docs = counts.get("all", r.overall.shingle_docs)

    def rate(rep):
        o = rep.overall
        return o.docs / o.seconds if o.seconds > 0 and o.docs > o.errors else None
    return make_plots(reports, sources, rate, out or path.parent, machine_line(data["machine"]))


if __name__ == "__main__":
    import sys
    for f in sys.argv[1:] or ["benchmarks/results/results.json"]:
        print(replot(f))
