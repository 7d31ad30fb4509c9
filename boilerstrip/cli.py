"""Command line: ``python -m boilerstrip [OPTIONS] PATH...``.

Each PATH is a file, a directory (its files, recursively, in sorted order) or ``-`` for
standard input.  Cleaned text goes to standard output, each document after a
``==> PATH <==`` line when there are several (as head(1) separates files; ``--jsonl``
is the form for programs), or with ``-o`` to a file (one input, or ``--jsonl``) or a
directory mirroring the inputs.  Binary files are reported and skipped; inputs in
which no article is found are named on standard error.  Exit status: 0 all went well,
1 some input could not be read, was not text or could not be written, 2 usage error.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
from collections import deque
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator, Optional, Sequence, Union

from . import __version__
from .batch import label_many
from .html import looks_like_html
from .pipeline import FORMATS, MODES, Formatted, Line, Options, resolve_model, text_of
from .text import BinaryInputError, decode

PROG = "boilerstrip"
MARKDOWN_SUFFIXES = (".md", ".markdown")   # read as Markdown under --format auto


@dataclass
class Source:
    """One input: where it came from and where its output goes (relative path)."""

    name: str            # as shown to the user
    path: Optional[Path]  # None for stdin
    relative: Path       # output path relative to -o DIR


def _parser() -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(
        prog=PROG, description="Keep the article, drop the boilerplate, in scraped text or HTML.",
        epilog="Examples:\n  python -m boilerstrip page.txt\n  cat page.html | python -m boilerstrip -\n"
               "  python -m boilerstrip crawl/ -o cleaned/ -j 2\n  python -m boilerstrip --jsonl crawl/ > out.jsonl",
        formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("paths", nargs="+", metavar="PATH", help="file, directory, or - for stdin")
    ap.add_argument("-o", "--output", metavar="OUT",
                    help="output file (one input) or directory (mirrors the inputs); default stdout")
    mode = ap.add_mutually_exclusive_group()
    mode.add_argument("--jsonl", action="store_true",
                      help="one JSON record per input: path, text, kept/dropped line counts, scores")
    mode.add_argument("--explain", action="store_true", help="print every line with its label and score")
    ap.add_argument("--threshold", type=float, default=0.5, metavar="T",
                    help="body probability above which a line is kept, strictly between 0 and 1 "
                         "(default 0.5; lower keeps more)")
    ap.add_argument("--include-title", action="store_true", help="keep the headline too")
    ap.add_argument("--format", choices=FORMATS, default="auto",
                    help="input format (default: detect HTML, then Markdown; .md files are Markdown)")
    ap.add_argument("--mode", choices=MODES, default="page",
                    help="page: decide every line (default); article: the input is one article, perhaps with "
                         "boilerplate before and other stories after it: keep its one best block whole")
    ap.add_argument("--model", metavar="FILE", help="model file to use instead of the shipped one")
    ap.add_argument("-j", "--jobs", type=int, default=1, metavar="N", help="worker processes (-1: all cores)")
    ap.add_argument("-q", "--quiet", action="store_true", help="no progress bar")
    ap.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    return ap


def _collect(paths: Sequence[str], errors: list[str]) -> list[Source]:
    sources: list[Source] = []
    for raw in paths:
        if raw == "-":
            sources.append(Source("<stdin>", None, Path("stdin.txt")))
            continue
        path = Path(raw)
        if path.is_dir():
            before = len(sources)
            for f in sorted(path.rglob("*")):
                if f.is_file():
                    sources.append(Source(str(f), f, f.relative_to(path)))
                elif not f.is_dir():  # dangling symlink, socket, device: say so
                    errors.append(f"{PROG}: {f}: not a readable regular file")
            if len(sources) == before:
                errors.append(f"{PROG}: {raw}: no files in this directory")
        elif path.exists():
            sources.append(Source(str(path), path, Path(path.name)))
        else:
            errors.append(f"{PROG}: {raw}: no such file or directory")
    return sources


def _read(source: Source, errors: list[str]) -> Optional[bytes]:
    try:
        if source.path is None:
            return sys.stdin.buffer.read()
        return source.path.read_bytes()
    except OSError as exc:
        errors.append(f"{PROG}: {source.name}: {exc.strerror or exc}")
        return None


def _write_atomic(target: Path, data: str) -> None:
    """Write via a temporary file in the same directory, then rename over the target."""
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(data)
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)  # mkstemp creates 0600; give the usual permissions
        os.replace(tmp, target)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def _record(source: Source, lines: list[Line]) -> str:
    kept = sum(l.kept for l in lines)
    return json.dumps({"path": source.name, "text": text_of(lines), "kept": kept,
                       "dropped": len(lines) - kept, "scores": [round(l.score, 4) for l in lines]},
                      ensure_ascii=False)


def _explain(lines: list[Line], colour: bool) -> str:
    out = []
    for l in lines:
        row = f"{l.index:5d} {'+' if l.kept else '-'} {l.score:.2f} {l.label:<11} {l.text}"
        if colour:
            row = f"\x1b[32m{row}\x1b[0m" if l.kept else f"\x1b[2;31m{row}\x1b[0m"
        out.append(row)
    return "\n".join(out)


class _Progress:
    """A one-line progress bar on stderr, only for long batches on a terminal."""

    def __init__(self, total: int, enabled: bool):
        self.total, self.done, self.shown = total, 0, False
        self.enabled = enabled and total >= 20 and sys.stderr.isatty()

    def step(self) -> None:
        self.done += 1
        if self.enabled and (self.done == self.total or self.done % max(1, self.total // 200) == 0):
            width = 30
            filled = width * self.done // self.total
            sys.stderr.write(f"\r[{'#' * filled}{'.' * (width - filled)}] {self.done}/{self.total}")
            self.shown = self.done < self.total
            if not self.shown:
                sys.stderr.write("\n")
            sys.stderr.flush()

    def clear(self) -> None:
        """Erase the bar, so that a message (or output on the same terminal) starts a clean line."""
        if self.enabled and self.shown:
            sys.stderr.write("\r\x1b[K")
            self.shown = False


def _output_target(args: argparse.Namespace) -> tuple[Optional[Path], Optional[Path], str]:
    """Where ``-o`` sends the output: ``(directory, file, usage error)``.  A directory
    input, or a target that is a directory or ends in ``/``, mirrors the inputs into a
    directory; several inputs into one file only make sense as JSON lines."""
    out = Path(args.output)
    as_dir = out.is_dir() or args.output.endswith(("/", os.sep))
    from_dir = any(Path(p).is_dir() for p in args.paths)
    if args.jsonl:
        return None, (out / "cleaned.jsonl" if as_dir else out), ""
    if as_dir or from_dir:
        if out.exists() and not out.is_dir():
            return None, None, f"-o {args.output}: the inputs include a directory, so the output must be one"
        return out, None, ""
    if len(args.paths) > 1:
        return None, None, (f"-o {args.output}: {len(args.paths)} inputs cannot go to one file; give a directory "
                            f"(end it with '/') or use --jsonl")
    return None, out, ""


def _run(args: argparse.Namespace, options: Options) -> int:
    errors: list[str] = []
    sources = _collect(args.paths, errors)
    out_dir: Optional[Path] = None
    out_file: Optional[Path] = None
    if args.output:
        out_dir, out_file, usage = _output_target(args)
        if usage:
            _parser().error(usage)
        inputs = {s.path.resolve() for s in sources if s.path is not None}
        targets = [out_file] if out_file is not None else [out_dir / _output_name(s) for s in sources]  # type: ignore
        clash = next((t for t in targets if t is not None and t.resolve() in inputs), None)
        if clash is not None:
            print(f"{PROG}: refusing to overwrite input file {clash}", file=sys.stderr)
            return 2
    if out_dir is not None:
        # Two inputs that map to one output name (a/x.txt and b/x.txt, or page.html and
        # page.txt): the first keeps it, the others are reported and skipped.
        claimed: dict[Path, str] = {}
        unique = []
        for s in sources:
            target = out_dir / _output_name(s)
            if target in claimed:
                errors.append(f"{PROG}: {s.name}: skipped, its output {target} is already the output of "
                              f"{claimed[target]}")
            else:
                claimed[target] = s.name
                unique.append(s)
        sources = unique
    for message in errors:
        print(message, file=sys.stderr)
    if not sources:
        return 1
    try:
        resolve_model(args.model)  # fail early, once, with a clear message
    except (OSError, ValueError) as exc:
        print(f"{PROG}: cannot load the model: {exc}", file=sys.stderr)
        return 1
    to_stdout = out_file is None and out_dir is None
    # Progress shares the terminal with nothing: not when the output is going there too.
    progress = _Progress(len(sources), not args.quiet and not (to_stdout and sys.stdout.isatty()))
    # Files are read lazily, as the batches need them, so that a crawl of a million
    # files is never held in memory at once; ``pending`` pairs results with sources.
    pending: deque[tuple[Source, str]] = deque()
    failed = bool(errors)

    def texts() -> Iterator[Union[str, Formatted]]:
        nonlocal failed
        for source in sources:
            read_errors: list[str] = []
            data = _read(source, read_errors)
            try:
                text = decode(data) if data is not None else None
            except BinaryInputError as exc:
                read_errors.append(f"{PROG}: {source.name}: skipped, {exc}")
                text = None
            if text is None:
                progress.clear()
                print(read_errors[0], file=sys.stderr)
                failed = True
                progress.step()
                continue
            pending.append((source, text))
            markdown = options.format == "auto" and source.path is not None and \
                source.path.suffix.lower() in MARKDOWN_SUFFIXES
            yield Formatted(text, "markdown") if markdown else text

    colour = args.explain and to_stdout and sys.stdout.isatty()
    headers = to_stdout and not args.jsonl and len(sources) > 1
    # Plain output needs only the cleaned text, which the pipeline joins directly.
    results = label_many(texts(), options, not (args.jsonl or args.explain), n_jobs=args.jobs)
    collected: list[str] = []
    empty: list[Source] = []        # inputs with text in which no article was found
    not_html: list[Source] = []     # inputs read as HTML (--format html) that have no markup
    for number, result in enumerate(results):
        source, text = pending.popleft()
        if args.jsonl:
            chunk = _record(source, result)
        elif args.explain:
            chunk = _explain(result, colour)
        else:
            chunk = result
        if (not any(l.kept for l in result) if not isinstance(result, str) else not result) and text.strip():
            empty.append(source)
        if options.format == "html" and text.strip() and not looks_like_html(text):
            not_html.append(source)
        if out_dir is not None:
            try:
                _write_atomic(out_dir / _output_name(source), chunk + "\n" if chunk else "")
            except OSError as exc:
                print(f"{PROG}: cannot write output for {source.name}: {exc.strerror or exc}", file=sys.stderr)
                failed = True
        elif out_file is not None:
            collected.append(chunk)
        else:
            progress.clear()
            if headers:   # as head(1) and tail(1) separate files
                sys.stdout.write(f"{'' if number == 0 else chr(10)}==> {source.name} <==\n")
            sys.stdout.write(chunk + "\n" if chunk else "")
            sys.stdout.flush()
        progress.step()
    if out_file is not None:
        try:
            _write_atomic(out_file, "".join(c + "\n" for c in collected if c))
        except OSError as exc:
            print(f"{PROG}: cannot write {out_file}: {exc.strerror or exc}", file=sys.stderr)
            failed = True
    if not args.quiet:
        _report(empty, "no article found", len(sources))
        _report(not_html, "read as HTML (--format html) but has no markup; try --format auto or text",
                len(sources))
    return 1 if failed else 0


def _report(sources: list[Source], what: str, total: int) -> None:
    """Name on stderr the inputs of which ``what`` is true (the first few of a batch)."""
    if len(sources) == 1 and total == 1:
        print(f"{PROG}: {sources[0].name}: {what}", file=sys.stderr)
    elif sources:
        names = ", ".join(s.name for s in sources[:5]) + (", ..." if len(sources) > 5 else "")
        print(f"{PROG}: {len(sources)} of {total} inputs: {what}: {names}", file=sys.stderr)


def _output_name(source: Source) -> Path:
    rel = source.relative
    if rel.suffix.lower() in (".html", ".htm", ".xhtml"):
        rel = rel.with_suffix(".txt")
    return rel


def main(argv: Optional[Sequence[str]] = None) -> int:
    args = _parser().parse_args(argv)
    try:   # the options are checked where the API checks them
        options = Options(args.threshold, args.include_title, args.format, args.model, args.mode)
    except ValueError as exc:
        _parser().error(f"--{exc}")
    if args.jobs == 0:
        _parser().error("-j must be a positive number or -1")
    try:
        return _run(args, options)
    except BrokenPipeError:
        # The reader went away (e.g. `| head`): stop quietly, as Unix tools do.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 0
    except KeyboardInterrupt:
        return 130
