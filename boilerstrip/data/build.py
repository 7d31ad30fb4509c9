"""The corpus build: pages -> labelled renderings -> documents -> split files + manifest.

Output is deterministic (sorted pages, seeded randomness, gzip without timestamps), so
two builds from the same archives are byte-identical whatever ``n_jobs`` is.
"""

from __future__ import annotations

import gzip
import io
import json
import statistics
import time
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any, Iterator

from joblib import Parallel, delayed

from ..html import STYLES, render_html, to_text
from ..text import split_lines
from .aggregate import BOILER_POOL_LABELS, FRAGMENT_VARIANTS, aggregator_doc, clean_doc, fragment_doc, interrupted_doc
from .align import align_lines
from .converters import CONVERTERS, choose_converters, converter_versions, label_rendering, missing_converters
from .corpora import SOURCES, archive_path, l3s_mark, read_all, sha256
from .splits import SPLITS, assign_splits

__all__ = ["label_page", "build", "read_records", "MIN_RECALL", "SEED"]

MIN_RECALL = 0.5   # pages whose gold is mostly absent from the HTML (JS-rendered) are not labelled
SEED = 20260101


def _dom(lines) -> list:
    """The records' ``dom`` rows: each line's structure (``LineStructure.to_row``)."""
    return [line.structure.to_row() for line in lines]


def _converted(page, name: str) -> dict:
    """The page rendered by converter ``name`` and labelled, with alignment figures;
    ``lines`` is None when the rendering's labels miss most of the gold, and ``error``
    replaces both when the converter fails on the page."""
    conv = CONVERTERS[name]
    try:
        text = conv.render(page.html)
    except Exception as exc:   # a converter's own bug on a page: that page gets no rendering
        return {"converter": name, "error": f"{type(exc).__name__}: {exc}"[:200]}
    lines, a = label_rendering(text, conv.format, page.gold_text, page.gold_title)
    recall = a.gold_covered / max(1, a.gold_tokens)
    ok = recall >= MIN_RECALL and any(lab == "body" for _, lab, _ in lines)
    return {"converter": name, "lines": lines if ok else None, "recall": round(recall, 4),
            "precision": round(a.body_aligned / max(1, a.body_tokens), 4)}


def label_page(page) -> dict:
    """Render ``page`` in every style and by its two converters (:func:`choose_converters`),
    and label each line; also alignment figures."""
    out = {"page": page.page_id, "styles": {}, "dom": None, "ok": False, "invariant_fail": [],
           "recall": None, "precision": None, "title_found": None, "converted": []}
    if not page.gold_text.strip():
        return out
    gold_tok = covered = body_tok = body_al = 0
    title_found = []
    for style in STYLES:
        if page.source == "l3s-gn1":
            lines = render_html(page.annotated, style, mark=l3s_mark)
            labels = [l.mark or "boilerplate" for l in lines]
        else:
            lines = render_html(page.html, style)
            a = align_lines([l.text for l in lines], page.gold_text, page.gold_title)
            labels = a.labels
            gold_tok += a.gold_tokens
            covered += a.gold_covered
            body_tok += a.body_tokens
            body_al += a.body_aligned
            title_found.append("title" in labels)
        text = to_text(lines)
        if [l.text for l in split_lines(text)] != [l.text for l in lines]:
            out["invariant_fail"].append(style)
            continue
        out["styles"][style] = [(l.text, lab, l.para_break) for l, lab in zip(lines, labels)]
        if style == "paragraphs":
            dom_lines = render_html(page.html, style) if page.source == "l3s-gn1" else lines
            if [l.text for l in dom_lines] == [l.text for l in lines]:
                out["dom"] = _dom(dom_lines)
    if page.source != "l3s-gn1":
        out["recall"] = covered / max(1, gold_tok)
        out["precision"] = body_al / max(1, body_tok)
        out["title_found"] = sum(title_found) / max(1, len(title_found))
    has_body = all(any(lab == "body" for _, lab, _ in ls) for ls in out["styles"].values())
    out["ok"] = (len(out["styles"]) == len(STYLES) and out["dom"] is not None and has_body
                 and (out["recall"] is None or out["recall"] >= MIN_RECALL))
    if out["ok"]:
        out["converted"] = [_converted(page, name) for name in choose_converters(page.page_id, SEED)]
    return out


def read_records(path: str | Path) -> Iterator[dict]:
    """The records of a JSON-lines file, gzipped (as :func:`build` writes them) or not."""
    path = Path(path)
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", encoding="utf-8") as fh:
        for line in fh:
            if line.strip():
                yield json.loads(line)


class _JsonlGz:
    def __init__(self, path: Path):
        self.raw = open(path, "wb")
        self.gz = gzip.GzipFile(filename="", mode="wb", fileobj=self.raw, mtime=0, compresslevel=6)
        self.fh = io.TextIOWrapper(self.gz, encoding="utf-8")

    def write(self, rec: dict) -> None:
        self.fh.write(json.dumps(rec, ensure_ascii=False) + "\n")

    def close(self) -> None:
        self.fh.close()
        self.raw.close()


# Aggregator documents per labelled page: they teach the case the library exists for,
# and one per page left them at a sixth of the training documents.
AGGREGATORS_PER_PAGE = 2


def _doc(page, kind, style, text, labels, extra=None, variant: int = 0) -> dict:
    suffix = f"-{variant}" if variant else ""
    rec = {"id": f"{page.page_id}#{kind}-{style}{suffix}", "page": page.page_id, "source": page.source,
           "site": page.site, "lang": page.lang, "kind": kind, "style": style, "text": text,
           "labels": labels, "gold": page.gold_text, "gold_title": page.gold_title}
    if extra:
        rec.update(extra)
    return rec


def _converted_lines(result: dict) -> list[tuple[str, list]]:
    """A page's usable converter renderings as (converter, labelled lines)."""
    return [(conv["converter"], conv["lines"]) for conv in result["converted"] if conv.get("lines")]


def _converted_docs(page, name: str, lines: list, by_converter: dict, pool: list, short_pool: list,
                    aggregator: bool) -> list[dict]:
    """A page's converter rendering as a ``converted`` doc, and (``aggregator``) an
    aggregator doc in the same converter's rendering (other stories from pages that have
    it too)."""
    extra = {"format": CONVERTERS[name].format}
    docs = [_doc(page, "converted", name, to_text_lines(lines), [lab for _, lab, _ in lines], extra)]
    mine = {"page": page.page_id, "site": page.site, "title": page.gold_title, "styles": {name: lines}}
    if aggregator and any(lab in ("title", "body") for _, lab, _ in lines) and len(by_converter[name]) > 1:
        style, text, labels = aggregator_doc(mine, by_converter[name], pool, short_pool, (name,), SEED)
        docs.append(_doc(page, "converted-aggregator", style, text, labels, extra))
    return docs


def build(corpora: Path, out: Path, limit: int | None = None, n_jobs: int = 2,
          manifest_path: Path | None = None, log=print) -> dict:
    t0 = time.time()
    missing = missing_converters()
    if missing:
        raise RuntimeError(f"the converters {', '.join(missing)} are not installed, and every page gets one "
                           "converter's rendering: pip install -e '.[train]'")
    corpora, out = Path(corpora), Path(out)
    out.mkdir(parents=True, exist_ok=True)
    pages = read_all(corpora, limit)
    log(f"read {len(pages)} pages in {time.time() - t0:.0f}s")
    results = Parallel(n_jobs=n_jobs, batch_size=4)(delayed(label_page)(p) for p in pages)
    log(f"labelled in {time.time() - t0:.0f}s")
    res = {r["page"]: r for r in results}
    site_split = assign_splits(pages)
    by_split = defaultdict(list)
    for p in sorted(pages, key=lambda p: (SOURCES.index(p.source), p.page_id)):
        by_split[site_split[p.site]].append(p)

    counts: dict = {s: {"pages": Counter(), "docs": Counter(), "docs_by_style": Counter(), "labels": Counter(),
                        "labels_by_kind": defaultdict(Counter), "sites": 0} for s in SPLITS}
    for split in SPLITS:
        sp = by_split[split]
        c = counts[split]
        c["sites"] = len({p.site for p in sp})
        ok = [p for p in sp if res[p.page_id]["ok"]]
        others = [{"page": p.page_id, "site": p.site, "title": p.gold_title, "styles": res[p.page_id]["styles"]}
                  for p in ok]
        converted = {p.page_id: _converted_lines(res[p.page_id]) for p in ok}
        by_converter = defaultdict(list)
        for o in others:
            for name, lines in converted[o["page"]]:
                by_converter[name].append({**o, "styles": {name: lines}})
        pool = sorted({t for o in others for ls in o["styles"].values() for t, lab, _ in ls
                       if lab in BOILER_POOL_LABELS and 1 <= len(t) <= 200})
        short_pool = [t for t in pool if len(t.split()) <= 6 and len(t) <= 60]
        pw = _JsonlGz(out / f"{split}-pages.jsonl.gz")
        dw = _JsonlGz(out / f"{split}.jsonl.gz")
        for p in sp:
            pw.write({"page": p.page_id, "source": p.source, "site": p.site, "lang": p.lang, "url": p.url,
                      "html": p.html, "gold": p.gold_text, "gold_title": p.gold_title,
                      "with": p.snippets_with, "without": p.snippets_without})
            c["pages"][p.source] += 1
            r = res[p.page_id]
            docs = []
            if r["ok"]:
                for style in STYLES:
                    lines = r["styles"][style]
                    extra = {"dom": r["dom"]} if style == "paragraphs" else None
                    docs.append(_doc(p, "page", style, to_text_lines(lines), [lab for _, lab, _ in lines], extra))
                mine = next(o for o in others if o["page"] == p.page_id)
                for variant in range(AGGREGATORS_PER_PAGE):
                    style, text, labels = aggregator_doc(mine, others, pool, short_pool, STYLES, SEED + variant)
                    docs.append(_doc(p, "aggregator", style, text, labels, variant=variant))
                for k, (name, lines) in enumerate(converted[p.page_id]):
                    docs += _converted_docs(p, name, lines, by_converter, pool, short_pool, aggregator=k == 0)
                lines = r["styles"]["paragraphs"]
                for variant in range(FRAGMENT_VARIANTS):
                    picked = fragment_doc(lines, p.page_id, variant, SEED)
                    if picked:
                        frag = [lines[i] for i in picked]
                        labels = [lab for _, lab, _ in frag]
                        # A fragment's gold is its own body lines (the page's title if it has
                        # the title line), so that it is scored like any other document.
                        gold = "\n\n".join(text for text, lab, _ in frag if lab == "body")
                        title = p.gold_title if "title" in labels else ""
                        docs.append(_doc(p, "fragment", "paragraphs", to_text_lines(frag), labels,
                                         {"dom": [r["dom"][i] for i in picked], "gold": gold, "gold_title": title},
                                         variant))
            if p.gold_text.strip():
                style, text, labels = clean_doc(p.gold_title, p.gold_text, p.page_id, SEED)
                docs.append(_doc(p, "clean", style, text, labels))
                interrupted = interrupted_doc(p.gold_title, p.gold_text, pool, p.page_id, SEED)
                if interrupted is not None:
                    docs.append(_doc(p, "interrupted", *interrupted))
            for d in docs:
                assert len(split_lines(d["text"])) == len(d["labels"]), d["id"]
                dw.write(d)
                c["docs"][d["kind"]] += 1
                c["docs_by_style"][f'{d["kind"]}/{d["style"]}'] += 1
                c["labels"].update(d["labels"])
                c["labels_by_kind"][d["kind"]].update(d["labels"])
        pw.close()
        dw.close()

    quality: dict[str, dict[str, Any]] = {}
    for source in SOURCES:
        rs = [res[p.page_id] for p in pages if p.source == source]
        graded = [r for r in rs if r["styles"] or r["recall"] is not None]
        q: dict[str, Any] = {
            "pages": len(rs), "with_full_gold": sum(1 for p in pages if p.source == source and p.gold_text.strip()),
            "labelled_ok": sum(r["ok"] for r in rs),
            "invariant_failures": sorted(f'{r["page"]}:{s}' for r in rs for s in r["invariant_fail"])}
        rec = [r["recall"] for r in graded if r["recall"] is not None]
        if rec:
            precision = [r["precision"] for r in graded if r["precision"] is not None]
            q.update(gold_recall_mean=round(statistics.mean(rec), 4),
                     gold_recall_median=round(statistics.median(rec), 4),
                     body_precision_mean=round(statistics.mean(precision), 4),
                     title_found_share=round(statistics.mean(r["title_found"] for r in graded), 4),
                     below_min_recall=sorted(r["page"] for r in graded if r["recall"] < MIN_RECALL))
        quality[source] = q
    converters: dict[str, dict[str, Any]] = {}
    for name in CONVERTERS:
        rs = [c for r in res.values() for c in r["converted"] if c["converter"] == name]
        graded = [c for c in rs if "recall" in c]
        converters[name] = {
            "pages": len(rs), "errors": sorted(r for r in (c.get("error") for c in rs) if r)[:5],
            "n_errors": sum("error" in c for c in rs), "labelled_ok": sum(bool(c.get("lines")) for c in rs),
            "gold_recall_mean": round(statistics.mean(c["recall"] for c in graded), 4) if graded else None,
            "body_precision_mean": round(statistics.mean(c["precision"] for c in graded), 4) if graded else None}
    manifest = {
        "build": {"command": "python -m boilerstrip.data build", "limit": limit, "seed": SEED,
                  "min_recall": MIN_RECALL, "styles": list(STYLES),
                  "converters": {name: c.family for name, c in CONVERTERS.items()},
                  "converter_versions": converter_versions(), "seconds": round(time.time() - t0, 1)},
        "sources": {s: {"archive": archive_path(corpora, s).name, "sha256": sha256(archive_path(corpora, s))}
                    for s in SOURCES},
        "alignment": quality,
        "converters": converters,
        "splits": {s: {"sites": c["sites"], "pages": dict(sorted(c["pages"].items())),
                       "docs": dict(sorted(c["docs"].items())),
                       "docs_by_style": dict(sorted(c["docs_by_style"].items())),
                       "labels": dict(sorted(c["labels"].items())),
                       "labels_by_kind": {k: dict(sorted(v.items())) for k, v in sorted(c["labels_by_kind"].items())}}
                   for s, c in counts.items()},
    }
    if manifest_path is not None:
        Path(manifest_path).write_text(json.dumps(manifest, indent=1, ensure_ascii=False) + "\n")
    log(f"built in {time.time() - t0:.0f}s")
    return manifest


def to_text_lines(lines: list[tuple[str, str, bool]]) -> str:
    """Text of labelled (text, label, para_break) lines, as ``html.to_text`` joins them."""
    out: list[str] = []
    for text, _, para in lines:
        if out:
            out.append("\n\n" if para else "\n")
        out.append(text)
    return "".join(out)
