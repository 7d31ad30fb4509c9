"""Readers: every source archive in /work/shared/corpora becomes a stream of ``Page``.

Archives are read in place with ``tarfile`` (one sequential pass each), so the build
never needs an unpacked copy.  Each reader knows its source's layout and gold format
(see the corpora README); everything downstream only sees ``Page``.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import re
import tarfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator
from urllib.parse import urlsplit

from ..html import render_html, to_text
from ..text import decode
from .align import tokens

__all__ = ["Page", "SOURCES", "read_source", "read_all", "site_of", "archive_path", "sha256"]

SOURCES = ("l3s-gn1", "wcxb", "msv-big5", "msv-chaos", "readability-test-pages", "trafilatura-eval")
_ARCHIVES = {"wcxb": "wcxb-articles.tar.gz"}

# Readability's hand-written feature fixtures (lorem ipsum or a few lines of markup made
# up to test one rule).  Feature-named cases that are captures of real pages
# (article-author-tag, keep-images, lazy-image-1/2, clean-links, links-in-tables,
# schema-org-context-object, toc-missing, data-url-image, mathjax, bug-1255978, ...) stay.
READABILITY_SYNTHETIC = frozenset("""
003-metadata-preferred 004-metadata-space-separated-properties 005-unescape-html-entities
base-url base-url-base-element base-url-base-element-relative basic-tags-cleaning
comment-inside-script-parsing dev418 embedded-videos hidden-nodes invalid-attributes
js-link-replacement lazy-image-3 metadata-content-missing missing-paragraphs normalize-spaces
ol parsely-metadata remove-aria-hidden remove-extra-brs remove-extra-paragraphs
remove-script-tags reordering-paragraphs replace-brs replace-font-tags rtl-1 rtl-2 rtl-3 rtl-4
social-buttons style-tags-removal svg-parsing title-and-h1-discrepancy title-en-dash
visibility-hidden""".split())

# Second-level public suffixes seen in these corpora (a small public-suffix-ish rule).
_SLD = frozenset("""co.uk org.uk ac.uk gov.uk me.uk ltd.uk plc.uk net.uk com.au net.au org.au
edu.au gov.au co.za org.za co.in net.in org.in co.nz org.nz net.nz co.jp ne.jp or.jp ac.jp
com.br net.br org.br gov.br com.ar com.mx com.cn com.hk com.sg com.tr com.pl net.pl org.pl
co.kr com.tw co.il com.my com.ph com.pk com.ng co.ke com.es com.ua""".split())
_WAYBACK = re.compile(r"^https?://(?:web(?:-beta)?\.)?archive\.org/web/\d+[a-z_]*/+(.*)$", re.I)


@dataclass
class Page:
    """One page of one source, with whatever gold the source has."""

    source: str
    page_id: str
    url: str
    site: str
    lang: str
    html: str
    gold_text: str = ""           # main text without the title ("" = no full gold)
    gold_title: str = ""
    snippets_with: list = field(default_factory=list)
    snippets_without: list = field(default_factory=list)
    annotated: str = ""           # l3s only: markup that still carries the x-nc labels


def archive_path(corpora: Path, source: str) -> Path:
    return Path(corpora) / source / _ARCHIVES.get(source, source + ".tar.gz")


def sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def site_of(url: str) -> str:
    """Registrable domain of ``url`` (web.archive.org captures count as the original site)."""
    url = (url or "").strip()
    m = _WAYBACK.match(url)
    if m:
        url = m.group(1)
        if not re.match(r"^[a-z]+:", url, re.I):
            url = "http://" + url
    if url.startswith("//"):
        url = "http:" + url
    elif "://" not in url:
        url = "http://" + url
    try:
        host = (urlsplit(url).hostname or "").lower().rstrip(".")
    except ValueError:
        return ""
    labels = [x for x in host.split(".") if x]
    if len(labels) < 2 or re.fullmatch(r"[\d.]+", host):
        return host
    n = 3 if ".".join(labels[-2:]) in _SLD and len(labels) >= 3 else 2
    site = ".".join(labels[-n:])
    return SITE_ALIASES.get(site, site)


_CANON = re.compile(
    r"""<link[^>]*rel=["']?canonical["']?[^>]*href=["']([^"'>]+)|<link[^>]*href=["']([^"'>]+)["'][^>]*rel=["']?canonical"""
    r"""|<meta[^>]*property=["']og:url["'][^>]*content=["']([^"'>]+)|<meta[^>]*content=["']([^"'>]+)["'][^>]*property=["']og:url""",
    re.I)
_ABS = re.compile(r"""(?:href|src)=["']?(https?://[^"'\s>/]+)""", re.I)
_LANG = re.compile(r"""<html[^>]*\blang=["']?([A-Za-z]{2,3})""", re.I)
_WAYBACK_LINK = re.compile(r"""/web/\d+[a-z_]*/(https?://[^"'\s>/]+)""", re.I)
# The nine MSV Big5 sites; their pages are Wayback captures whose own URL is often gone.
BIG5_SITES = ("arstechnica.com", "bbc.co.uk", "bbc.com", "cnn.com", "forbes.com", "foxnews.com", "latimes.com",
              "nymag.com", "nypost.com", "yahoo.com")
# One site under two registrable domains: grouped so that it never straddles splits.
SITE_ALIASES = {"bbc.co.uk": "bbc.com", "guardian.co.uk": "theguardian.com", "wikia.com": "fandom.com"}
_SKIP_HOSTS = ("archive.org", "google", "facebook", "twitter", "doubleclick", "w3.org", "gstatic",
               "addthis", "youtube", "adobe", "macromedia", "cloudfront", "akamai", "yimg", "fbcdn", "alexa.com",
               "wikipedia.org", "turner.com", "wikimedia")


def guess_url(html: str) -> str:
    """URL of a page that did not come with one: canonical / og:url, else the most
    linked-to absolute host (good enough to group pages by site)."""
    for m in _CANON.finditer(html):
        url = next(g for g in m.groups() if g)
        if re.match(r"(?:https?:)?//", url, re.I):
            return "http:" + url if url.startswith("//") else url
    counts: dict[str, int] = {}
    for host in _ABS.findall(html) + _WAYBACK_LINK.findall(html):
        site = site_of(host)
        if site and not any(s in site for s in _SKIP_HOSTS):
            counts[site] = counts.get(site, 0) + 1
    return "http://" + max(counts, key=lambda s: counts[s]) + "/" if counts else ""


def html_lang(html: str, default: str = "") -> str:
    m = _LANG.search(html[:50000])
    return m.group(1).lower() if m else default


def _members(path: Path, want=lambda name: True) -> Iterator[tuple[str, bytes]]:
    with tarfile.open(path, "r:gz") as tar:
        for info in tar:
            if info.isfile() and want(info.name):
                member = tar.extractfile(info)
                if member is not None:
                    yield info.name, member.read()


def _title_and_body(text: str) -> tuple[str, str]:
    lines = text.strip().splitlines()
    return (lines[0].strip() if lines else ""), "\n".join(lines[1:]).strip()


def drop_title(body: str, title: str) -> str:
    """Gold bodies that repeat the title as their first line lose that line."""
    head, rest = _title_and_body(body)
    return rest if title and head and tokens(head) == tokens(title) else body


# --------------------------------------------------------------------------- readers
_XNC_STYLE = re.compile(r"<style[^>]*>(?:(?!</style>).)*?\.x-nc-sel0(?:(?!</style>).)*</style>", re.I | re.S)
_XNC_CLASS = re.compile(r"\s*\bx-nc-[a-z0-9-]+", re.I)
_EMPTY_CLASS = re.compile(r"""\s+class=(?:""|'')""", re.I)
L3S_LABELS = {"x-nc-sel0": "boilerplate", "x-nc-sel1": "title", "x-nc-sel2": "body",
              "x-nc-sel3": "supplemental", "x-nc-sel4": "related", "x-nc-sel5": "comments"}


def strip_l3s_annotations(markup: str) -> str:
    """The annotated page minus its labels: the injected style and every x-nc-* class."""
    markup = _XNC_STYLE.sub("", markup)
    markup = re.sub(r"""class=(["'])([^"']*)\1""",
                    lambda m: "class=" + m.group(1) + _XNC_CLASS.sub("", m.group(2)).strip() + m.group(1), markup)
    return _EMPTY_CLASS.sub("", markup)


def l3s_mark(el) -> str | None:
    for word in (el.get("class") or "").split():
        if word in L3S_LABELS:
            return L3S_LABELS[word]
    return None


def _read_l3s(path: Path) -> Iterator[Page]:
    urls, files = {}, {}
    for name, data in _members(path, lambda n: n.endswith("url-mapping.txt") or "/annotated/" in n):
        if name.endswith("url-mapping.txt"):
            for line in decode(data, detect=False).splitlines():
                if "\t" in line:
                    key, url = line.split("\t", 1)
                    urls[key.strip().strip("<>").split(":")[-1]] = url.strip()
        else:
            files[Path(name).stem] = decode(data, detect=False)
    for uid in sorted(files):
        annotated = files[uid]
        lines = render_html(annotated, "paragraphs", mark=l3s_mark)
        title = next((l.text for l in lines if l.mark == "title"), "")
        gold = to_text([l for l in lines if l.mark == "body"])
        url = urls.get(uid, "")
        yield Page("l3s-gn1", "l3s-gn1/" + uid, url, site_of(url), "en", strip_l3s_annotations(annotated),
                   gold, title, annotated=annotated)


def _read_wcxb(path: Path) -> Iterator[Page]:
    html: dict[str, str] = {}
    gold: dict[str, Any] = {}
    for name, data in _members(path, lambda n: "/html/" in n or "/ground-truth/" in n):
        parts = name.split("/")
        key = parts[-3] + "/" + parts[-1].split(".")[0]
        if "/html/" in name:
            html[key] = decode(gzip.decompress(data) if name.endswith(".gz") else data, detect=False)
        else:
            gold[key] = json.loads(decode(data, detect=False))
    for key in sorted(html):
        g = gold.get(key, {})
        gt = g.get("ground_truth", {})
        url = g.get("url", "")
        title = (gt.get("title") or "").strip()
        body = (gt.get("main_content") or "").strip()
        yield Page("wcxb", "wcxb/" + key, url, site_of(url), html_lang(html[key], "en"), html[key],
                   drop_title(body, title), title, list(gt.get("with") or []), list(gt.get("without") or []))


def _read_msv(path: Path, source: str) -> Iterator[Page]:
    html: dict[str, str] = {}
    gold: dict[str, str] = {}
    for name, data in _members(path, lambda n: "/html/" in n or "/gold/" in n):
        stem = name.rsplit(".", 1)[0].replace("/html/", "/").replace("/gold/", "/")
        (html if "/html/" in name else gold)[stem] = decode(data, detect=False)
    for stem in sorted(html):
        title, body = _title_and_body(gold.get(stem, ""))
        url = guess_url(html[stem])
        if source == "msv-big5" and site_of(url) not in BIG5_SITES:
            counts = {s: html[stem].count(s) for s in BIG5_SITES}
            url = "http://www." + max(counts, key=lambda s: counts[s]) + "/"
        key = stem.split("/", 1)[1] if "/" in stem else stem
        yield Page(source, source + "/" + key, url, site_of(url), "en", html[stem], body, title)


def _read_readability(path: Path) -> Iterator[Page]:
    cases: dict[str, dict[str, bytes]] = {}
    for name, data in _members(path):
        parts = name.split("/")
        if len(parts) == 3:
            cases.setdefault(parts[1], {})[parts[2]] = data
    for case in sorted(cases):
        files = cases[case]
        if case in READABILITY_SYNTHETIC or "source.html" not in files or "expected.html" not in files:
            continue
        source_html = decode(files["source.html"], detect=False)
        meta = json.loads(decode(files.get("expected-metadata.json", b"{}"), detect=False))
        gold = to_text(render_html(decode(files["expected.html"], detect=False), "paragraphs"))
        url = guess_url(source_html)
        site = site_of(url) if url else "readability." + re.sub(r"-\d+$", "", case)
        lang = (meta.get("lang") or html_lang(source_html, "")).lower()[:2]
        yield Page("readability-test-pages", "readability-test-pages/" + case, url, site, lang, source_html,
                   drop_title(gold, meta.get("title") or ""), (meta.get("title") or "").strip())


def _read_trafilatura(path: Path) -> Iterator[Page]:
    meta, html = {}, {}
    for name, data in _members(path, lambda n: n.endswith("evaldata.json") or "/html/" in n):
        if name.endswith("evaldata.json"):
            meta = json.loads(decode(data, detect=False))
        else:
            html[name.split("/html/", 1)[1]] = decode(data, detect=False)
    for key in sorted(meta):
        info = meta[key]
        page_html = html.get(info.get("file", ""))
        if page_html is None:
            continue
        url = key if key.startswith("http") else guess_url(page_html)
        site = site_of(url) if url else "trafilatura." + info["file"]
        yield Page("trafilatura-eval", "trafilatura-eval/" + info["file"], url, site, html_lang(page_html, ""),
                   page_html, "", (info.get("title") or "").strip(),
                   list(info.get("with") or []), list(info.get("without") or []))


def read_source(corpora: Path, source: str) -> Iterator[Page]:
    path = archive_path(corpora, source)
    if source == "l3s-gn1":
        return _read_l3s(path)
    if source == "wcxb":
        return _read_wcxb(path)
    if source in ("msv-big5", "msv-chaos"):
        return _read_msv(path, source)
    if source == "readability-test-pages":
        return _read_readability(path)
    if source == "trafilatura-eval":
        return _read_trafilatura(path)
    raise ValueError(f"unknown source {source!r}")


def read_all(corpora: Path, limit: int | None = None) -> list[Page]:
    pages: list[Page] = []
    for source in SOURCES:
        for i, page in enumerate(read_source(corpora, source)):
            if limit is not None and i >= limit:
                break
            pages.append(page)
    return pages
