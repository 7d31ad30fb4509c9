"""The command line: ``python -m boilerstrip`` / ``boilerstrip.cli.main``.

Most tests call ``main([...])`` in-process with the tiny test model given as
``--model FILE`` (``run``), so they check the CLI's plumbing, not model quality; the
expected output is :func:`clean` with the same file's model.  Subprocess tests run the
real ``python -m boilerstrip``, with ``--model`` too, or with the shipped model where
that is what they are about (``default_model``).
"""

from __future__ import annotations

import copy
import io
import json
import subprocess
import sys
import zipfile
from pathlib import Path

import numpy as np
import pytest
from conftest import LABELLED, read_labelled

from boilerstrip import __version__, classify, clean
from boilerstrip.cli import main
from boilerstrip.model import LineModel
from boilerstrip.text import join_lines, split_lines

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = (ROOT / "boilerstrip" / "examples" / "aggregator.txt").read_text(encoding="utf-8")
TEXTS = [read_labelled(p)[0] for p in sorted(LABELLED.glob("*.txt"))]

def expected_output(data, model, **kwargs) -> str:
    out = clean(data, model=model, **kwargs)
    return out + "\n" if out else ""


def with_headers(outputs) -> str:
    """Several documents on standard output: each after a ``==> NAME <==`` line, a blank
    line between documents, as head(1) prints several files."""
    return "\n".join(f"==> {name} <==\n{out}" for name, out in outputs)


@pytest.fixture
def tree(tmp_path):
    """An input tree: nested text files, an HTML page, an empty file."""
    src = tmp_path / "in"
    (src / "a" / "b").mkdir(parents=True)
    (src / "a" / "b" / "ferry.txt").write_text(TEXTS[0], encoding="utf-8")
    (src / "a" / "budget.txt").write_text(TEXTS[1], encoding="utf-8")
    (src / "top.txt").write_bytes(EXAMPLE.encode("utf-16"))
    (src / "page.html").write_text((ROOT / "tests" / "fixtures" / "stages" / "article.html").read_text(encoding="utf-8"),
                                   encoding="utf-8")
    (src / "empty.txt").write_text("", encoding="utf-8")
    return src


@pytest.fixture(scope="module")
def model_file(tiny_model_path) -> Path:
    return tiny_model_path


@pytest.fixture(scope="module")
def file_model(model_file) -> LineModel:
    """The model exactly as the command line sees it (after a save/load round trip)."""
    return LineModel.load(model_file)


@pytest.fixture
def run(model_file):
    """``main`` with the tiny model: ``run([...])`` is ``main([..., "--model", FILE])``."""
    return lambda args: main([*args, "--model", str(model_file)])


def run_module(model_file, args, **kwargs):
    """``python -m boilerstrip --model FILE ARGS`` in a subprocess."""
    return subprocess.run([sys.executable, "-m", "boilerstrip", "--model", str(model_file), *args], cwd=ROOT,
                          capture_output=True, timeout=120, **kwargs)


# ------------------------------------------------------------------ basic I/O


def test_file_to_stdout(run, file_model, tmp_path, capsys):
    f = tmp_path / "story.txt"
    f.write_text(EXAMPLE, encoding="utf-8")
    assert run([str(f)]) == 0
    out, err = capsys.readouterr()
    assert out == expected_output(EXAMPLE, file_model)
    assert out.strip()
    assert err == ""


def test_several_files_in_argument_order(run, file_model, tmp_path, capsys):
    paths = []
    for k, text in enumerate(TEXTS):
        p = tmp_path / f"doc{k}.txt"
        p.write_text(text, encoding="utf-8")
        paths.append(str(p))
    assert run(list(reversed(paths)) + ["--threshold", "0.3"]) == 0
    out = capsys.readouterr().out
    assert out == with_headers([(p, expected_output(t, file_model, threshold=0.3))
                                for p, t in zip(reversed(paths), reversed(TEXTS))])


def test_stdin_dash(run, file_model, monkeypatch, capsys):
    data = EXAMPLE.encode("utf-8")
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(data)))
    assert run(["-"]) == 0
    assert capsys.readouterr().out == expected_output(data, file_model)


def test_stdin_subprocess(model_file, file_model):
    data = TEXTS[2].encode("cp1252", errors="replace")
    proc = run_module(model_file, ["-"], input=data)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.decode("utf-8") == expected_output(data, file_model)


def test_empty_file_gives_no_output(run, file_model, tmp_path, capsys):
    f = tmp_path / "empty.txt"
    f.write_text("\n\n  \n")
    assert run([str(f)]) == 0
    assert capsys.readouterr().out == ""


def test_version_and_help(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["--version"])
    assert exc.value.code == 0
    assert __version__ in capsys.readouterr().out
    with pytest.raises(SystemExit) as exc:
        main(["--help"])
    assert exc.value.code == 0
    help_text = capsys.readouterr().out
    assert "--jsonl" in help_text and "--model FILE" in help_text


# ------------------------------------------------------------------ output files and directories


def test_directory_recursion_mirrors_paths(run, file_model, tree, tmp_path, capsys):
    out = tmp_path / "out"
    assert run([str(tree), "-o", str(out)]) == 0
    assert capsys.readouterr().out == ""
    produced = sorted(str(p.relative_to(out)) for p in out.rglob("*") if p.is_file())
    assert produced == ["a/b/ferry.txt", "a/budget.txt", "empty.txt", "page.txt", "top.txt"]
    for rel, src in [("a/b/ferry.txt", "a/b/ferry.txt"), ("a/budget.txt", "a/budget.txt"),
                     ("top.txt", "top.txt"), ("page.txt", "page.html"), ("empty.txt", "empty.txt")]:
        assert (out / rel).read_text(encoding="utf-8") == expected_output((tree / src).read_bytes(), file_model)
    assert "<" not in (out / "page.txt").read_text(encoding="utf-8")
    assert not list(out.rglob(".*"))  # no temporary files left behind


def test_directory_to_stdout_in_sorted_order(run, file_model, tree, capsys):
    assert run([str(tree)]) == 0
    files = sorted(p for p in tree.rglob("*") if p.is_file())
    assert capsys.readouterr().out == with_headers([(str(p), expected_output(p.read_bytes(), file_model))
                                                    for p in files])


def test_output_file_for_one_input(run, file_model, tmp_path, capsys):
    src = tmp_path / "story.txt"
    src.write_text(EXAMPLE, encoding="utf-8")
    target = tmp_path / "sub" / "cleaned.txt"
    assert run([str(src), "-o", str(target)]) == 0
    assert capsys.readouterr().out == ""
    assert target.read_text(encoding="utf-8") == expected_output(EXAMPLE, file_model)


def test_output_into_existing_directory_for_one_input(run, file_model, tmp_path):
    src = tmp_path / "page.html"
    src.write_text((ROOT / "tests" / "fixtures" / "stages" / "article.html").read_text(encoding="utf-8"))
    out = tmp_path / "out"
    out.mkdir()
    assert run([str(src), "-o", str(out)]) == 0
    assert (out / "page.txt").read_text(encoding="utf-8") == expected_output(src.read_bytes(), file_model)


def test_refuses_to_overwrite_input_file(run, file_model, tmp_path, capsys):
    src = tmp_path / "story.txt"
    src.write_text(EXAMPLE, encoding="utf-8")
    assert run([str(src), "-o", str(src)]) == 2
    assert "refusing to overwrite" in capsys.readouterr().err
    assert src.read_text(encoding="utf-8") == EXAMPLE


def test_refuses_to_clean_a_directory_in_place(run, file_model, tree, capsys):
    before = {p: p.read_bytes() for p in tree.rglob("*") if p.is_file()}
    assert run([str(tree), "-o", str(tree)]) == 2
    assert "refusing to overwrite" in capsys.readouterr().err
    assert {p: p.read_bytes() for p in tree.rglob("*") if p.is_file()} == before


@pytest.mark.parametrize("layout", ["html-and-txt", "same-basename"])
def test_output_name_collisions_are_not_silent(run, file_model, tmp_path, capsys, layout):
    src = tmp_path / "in"
    if layout == "html-and-txt":
        src.mkdir()
        (src / "page.html").write_text("<html><body><h1>Ferry</h1><p>" + TEXTS[0].replace("\n", "</p><p>") + "</p></body></html>")
        (src / "page.txt").write_text(TEXTS[1])
        args = [str(src)]
    else:
        (src / "a").mkdir(parents=True)
        (src / "b").mkdir()
        (src / "a" / "x.txt").write_text(TEXTS[0])
        (src / "b" / "x.txt").write_text(TEXTS[1])
        args = [str(src / "a" / "x.txt"), str(src / "b" / "x.txt")]
    out = tmp_path / "out"
    code = run(args + ["-o", str(out) + "/", "--threshold", "0.05"])
    err = capsys.readouterr().err
    produced = [p for p in out.rglob("*") if p.is_file()] if out.exists() else []
    # either both results are kept, or the user is told
    assert len(produced) == 2 or (code != 0 and err.strip())


# ------------------------------------------------------------------ --jsonl and --explain


def test_jsonl_records(run, file_model, tree, capsys):
    assert run(["--jsonl", str(tree)]) == 0
    rows = capsys.readouterr().out.splitlines()
    files = sorted(p for p in tree.rglob("*") if p.is_file())
    assert len(rows) == len(files)
    for row, path in zip(rows, files):
        rec = json.loads(row)
        assert set(rec) == {"path", "text", "kept", "dropped", "scores"}
        assert rec["path"] == str(path)
        lines = classify(path.read_bytes(), model=file_model)
        assert rec["text"] == clean(path.read_bytes(), model=file_model)
        assert rec["kept"] == sum(l.kept for l in lines)
        assert rec["kept"] + rec["dropped"] == len(lines) == len(rec["scores"])
        assert rec["scores"] == pytest.approx([l.score for l in lines], abs=1e-4)


def test_jsonl_to_output_file(run, file_model, tree, tmp_path):
    target = tmp_path / "all.jsonl"
    assert run(["--jsonl", str(tree), "-o", str(target)]) == 0
    rows = [json.loads(r) for r in target.read_text(encoding="utf-8").splitlines()]
    assert [r["path"] for r in rows] == [str(p) for p in sorted(p for p in tree.rglob("*") if p.is_file())]


def test_explain_shows_every_line(run, file_model, tmp_path, capsys):
    f = tmp_path / "story.txt"
    f.write_text(EXAMPLE, encoding="utf-8")
    assert run(["--explain", str(f)]) == 0
    rows = capsys.readouterr().out.splitlines()
    lines = classify(EXAMPLE, model=file_model)
    assert len(rows) == len(lines)
    for row, line in zip(rows, lines):
        assert row.endswith(line.text)
        fields = row.split()
        assert int(fields[0]) == line.index
        assert fields[1] == ("+" if line.kept else "-")
        assert float(fields[2]) == pytest.approx(line.score, abs=0.006)
        assert fields[3] == line.label
        assert "\x1b[" not in row  # no colour when not a terminal


def test_jsonl_and_explain_are_exclusive(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["--jsonl", "--explain", "x.txt"])
    assert exc.value.code == 2


def test_format_text_keeps_markup_lines(run, file_model, tmp_path, capsys):
    f = tmp_path / "page.html"
    f.write_text((ROOT / "tests" / "fixtures" / "stages" / "article.html").read_text(encoding="utf-8"))
    assert run(["--explain", "--format", "text", str(f)]) == 0
    assert "<p>" in capsys.readouterr().out
    assert run(["--explain", "--format", "html", str(f)]) == 0
    assert "<p>" not in capsys.readouterr().out


# ------------------------------------------------------------------ errors and exit codes


def test_missing_file_reported_others_processed(run, file_model, tmp_path, capsys):
    good = tmp_path / "good.txt"
    good.write_text(EXAMPLE, encoding="utf-8")
    missing = tmp_path / "nope.txt"
    assert run([str(missing), str(good)]) == 1
    out, err = capsys.readouterr()
    assert out == expected_output(EXAMPLE, file_model)
    assert len(err.strip().splitlines()) == 1
    assert str(missing) in err and "Traceback" not in err


def test_missing_file_subprocess_has_no_traceback(model_file, file_model, tmp_path):
    good = tmp_path / "good.txt"
    good.write_text(EXAMPLE, encoding="utf-8")
    proc = run_module(model_file, [str(tmp_path / "missing.txt"), str(good)])
    assert proc.returncode == 1
    err = proc.stderr.decode()
    assert len(err.strip().splitlines()) == 1 and "missing.txt" in err
    assert "Traceback" not in err
    assert proc.stdout.decode("utf-8") == expected_output(EXAMPLE, file_model)


@pytest.mark.parametrize("args", [["--no-such-option", "x"], [], ["--threshold", "1.5", "x"], ["--threshold", "0", "x"],
                                  ["--threshold", "nan", "x"], ["--threshold", "abc", "x"], ["-j", "0", "x"],
                                  ["--format", "pdf", "x"], ["x", "--model"]])
def test_usage_errors_exit_2(args, capsys):
    with pytest.raises(SystemExit) as exc:
        main(args)
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert "usage:" in err and "Traceback" not in err


def test_usage_error_subprocess():
    proc = subprocess.run([sys.executable, "-m", "boilerstrip", "--threshold", "7", "x.txt"], cwd=ROOT,
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 2
    assert "threshold" in proc.stderr and "Traceback" not in proc.stderr


# ------------------------------------------------------------------ jobs and pipes


def test_two_jobs_equal_one_job(default_model, tree, capsys):
    # with -j N the workers load the shipped model, so this uses it on both sides
    assert main(["-j", "1", "--jsonl", str(tree)]) == 0
    one = capsys.readouterr().out
    assert main(["-j", "2", "--jsonl", str(tree)]) == 0
    two = capsys.readouterr().out
    assert one == two and one.count("\n") == 5


def test_two_jobs_equal_one_job_directory_output(default_model, tree, tmp_path):
    for jobs in ("1", "2"):
        assert main(["-j", jobs, str(tree), "-o", str(tmp_path / f"out{jobs}")]) == 0
    files1 = {p.relative_to(tmp_path / "out1"): p.read_bytes() for p in (tmp_path / "out1").rglob("*") if p.is_file()}
    files2 = {p.relative_to(tmp_path / "out2"): p.read_bytes() for p in (tmp_path / "out2").rglob("*") if p.is_file()}
    assert files1 == files2 and len(files1) == 5


def test_two_jobs_with_model_file_equal_one_job_and_clean(run, file_model, tree, tmp_path, capsys):
    # with --model the workers load that file: no shipped model involved
    assert run(["-j", "1", "--jsonl", str(tree)]) == 0
    one = capsys.readouterr().out
    assert run(["-j", "2", "--jsonl", str(tree)]) == 0
    two = capsys.readouterr().out
    assert one == two and one.count("\n") == 5
    files = sorted(p for p in tree.rglob("*") if p.is_file())
    assert [json.loads(r)["text"] for r in two.splitlines()] == [clean(p.read_bytes(), model=file_model) for p in files]
    assert run(["-j", "2", str(tree), "-o", str(tmp_path / "out")]) == 0
    for p in files:
        target = tmp_path / "out" / p.relative_to(tree)
        target = target.with_suffix(".txt") if target.suffix == ".html" else target
        assert target.read_text(encoding="utf-8") == expected_output(p.read_bytes(), file_model)


@pytest.fixture(scope="module")
def bigdir(tmp_path_factory):
    d = tmp_path_factory.mktemp("big")
    for k in range(150):
        (d / f"doc{k:03d}.txt").write_text(TEXTS[k % len(TEXTS)] + f"\nFooter line {k}\n", encoding="utf-8")
    return d


@pytest.mark.parametrize("mode", [[], ["--explain"], ["--jsonl"]])
def test_closed_pipe_exits_quietly(model_file, bigdir, tmp_path, mode):
    err_file = tmp_path / "err.txt"
    cmd = (f"{sys.executable} -m boilerstrip --model {model_file} --threshold 0.05 {' '.join(mode)} {bigdir} "
           f"2>{err_file} | head -1; "
           f"echo \"status=${{PIPESTATUS[0]}}\"")
    proc = subprocess.run(["bash", "-c", cmd], cwd=ROOT, capture_output=True, text=True, timeout=120)
    stdout_lines = proc.stdout.splitlines()
    assert len(stdout_lines) == 2 and stdout_lines[0].strip()
    status = int(stdout_lines[1].split("=")[1])
    err = err_file.read_text()
    assert "Traceback" not in err and "BrokenPipe" not in err and "Exception ignored" not in err, err
    assert status in (0, 141)  # quiet success, or killed by SIGPIPE like other Unix tools


def test_closed_pipe_real_module(default_model, bigdir, tmp_path):
    err_file = tmp_path / "err.txt"
    cmd = f"{sys.executable} -m boilerstrip --explain {bigdir} 2>{err_file} | head -1"
    proc = subprocess.run(["bash", "-c", cmd], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert proc.stdout.strip()
    assert "Traceback" not in err_file.read_text()


# ------------------------------------------------------------------ --model FILE


def _forced(model: LineModel, label: int) -> LineModel:
    """``model`` with its last pass made certain that every line is of class ``label``."""
    forced = copy.deepcopy(model)
    for coefs, intercepts in forced.networks[-1].members:
        coefs[-1][:] = 0.0
        intercepts[-1][:] = -50.0
        intercepts[-1][label] = 50.0
    return forced


@pytest.fixture(scope="module")
def forced_files(tiny_model, tmp_path_factory) -> dict[str, Path]:
    """Model files that keep every line ("body") or none ("boilerplate")."""
    d = tmp_path_factory.mktemp("forced")
    files = {}
    for name, label in (("body", 0), ("boilerplate", 2)):
        files[name] = d / f"{name}.npz"
        _forced(tiny_model, label).save(files[name])
    return files


def test_model_option_gives_the_output_of_clean_with_that_model(model_file, tiny_model, tmp_path, capsys):
    paths = []
    for k, text in enumerate([EXAMPLE, *TEXTS]):
        p = tmp_path / f"doc{k}.txt"
        p.write_text(text, encoding="utf-8")
        paths.append(p)
    html = tmp_path / "page.html"
    html.write_text((ROOT / "tests" / "fixtures" / "stages" / "article.html").read_text(encoding="utf-8"))
    paths.append(html)
    for threshold in ("0.5", "0.2"):
        assert main(["--model", str(model_file), "--threshold", threshold, *map(str, paths)]) == 0
        out, err = capsys.readouterr()
        outputs = [(str(p), expected_output(p.read_bytes(), tiny_model, threshold=float(threshold))) for p in paths]
        assert out == with_headers(outputs)
        assert out.strip()
        # the inputs that gave nothing (the tiny model finds no article in the page) are named
        empty = [name for name, text in outputs if not text]
        assert (err == "") == (not empty) and all(name in err for name in empty)
        assert not empty or "no article found" in err


def test_model_option_is_the_model_used(forced_files, tmp_path, capsys):
    """A model that calls every line body keeps every line; one that calls every line
    boilerplate keeps none: the output is the given file's, not the shipped model's."""
    f = tmp_path / "story.txt"
    f.write_text(EXAMPLE, encoding="utf-8")
    assert main(["--model", str(forced_files["body"]), str(f)]) == 0
    every_line = split_lines(EXAMPLE)
    assert capsys.readouterr().out == join_lines(every_line, range(len(every_line))) + "\n"
    assert main(["--model", str(forced_files["body"]), "--explain", str(f)]) == 0
    rows = capsys.readouterr().out.splitlines()
    assert rows and all(row.split()[1] == "+" for row in rows)
    assert main(["--model", str(forced_files["boilerplate"]), str(f)]) == 0
    assert capsys.readouterr().out == ""
    assert main(["--model", str(forced_files["boilerplate"]), "--explain", str(f)]) == 0
    rows = capsys.readouterr().out.splitlines()
    assert rows and all(row.split()[1] == "-" for row in rows)
    # and in worker processes (-j 2), which load the file themselves
    assert main(["--model", str(forced_files["body"]), "-j", "2", "--jsonl", str(f), str(f)]) == 0
    recs = [json.loads(r) for r in capsys.readouterr().out.splitlines()]
    assert len(recs) == 2 and all(r["dropped"] == 0 and r["kept"] > 0 for r in recs)


def _damaged_models(model_file: Path, tmp_path: Path) -> dict[str, Path]:
    out = {}
    out["missing"] = tmp_path / "no-such-model.npz"
    out["directory"] = tmp_path / "a-directory.npz"
    out["directory"].mkdir()
    garbage = out["garbage"] = tmp_path / "garbage.npz"
    garbage.write_bytes(b"not a model\n" * 10)
    empty = out["empty"] = tmp_path / "empty.npz"
    empty.write_bytes(b"")
    truncated = out["truncated"] = tmp_path / "truncated.npz"
    data = model_file.read_bytes()
    truncated.write_bytes(data[: len(data) // 2])
    with np.load(model_file, allow_pickle=False) as z:
        arrays = {k: z[k] for k in z.files}
    meta = json.loads(bytes(arrays["meta"]).decode())
    for name, change in (("old-format", {"format": 1}), ("other-schema", {"schema": "0-000000000000"})):
        path = out[name] = tmp_path / f"{name}.npz"
        np.savez(path, **{**arrays, "meta": np.frombuffer(json.dumps({**meta, **change}).encode(), dtype=np.uint8)})
    incomplete = out["missing-array"] = tmp_path / "incomplete.npz"
    np.savez(incomplete, **{k: v for k, v in arrays.items() if k != "bias"})
    not_npz = out["zip-of-text"] = tmp_path / "text.npz"
    with zipfile.ZipFile(not_npz, "w") as zf:
        zf.writestr("meta.npy", "hello")
    return out


DAMAGED = ["missing", "directory", "garbage", "empty", "truncated", "old-format", "other-schema", "missing-array",
           "zip-of-text"]


@pytest.mark.parametrize("kind", DAMAGED)
def test_missing_or_damaged_model_file_exits_1_with_one_line(model_file, tmp_path, capsys, kind):
    bad = _damaged_models(model_file, tmp_path)[kind]
    f = tmp_path / "story.txt"
    f.write_text(EXAMPLE, encoding="utf-8")
    for extra in ([], ["--jsonl"], ["-j", "2"]):
        assert main(["--model", str(bad), *extra, str(f)]) == 1
        out, err = capsys.readouterr()
        assert out == ""
        assert len(err.strip().splitlines()) == 1, err
        assert err.startswith("boilerstrip: cannot load the model") and str(bad) in err
        assert "Traceback" not in err


@pytest.mark.parametrize("kind", ["missing", "garbage", "old-format"])
def test_damaged_model_file_subprocess_has_no_traceback(model_file, tmp_path, kind):
    bad = _damaged_models(model_file, tmp_path)[kind]
    f = tmp_path / "story.txt"
    f.write_text(EXAMPLE, encoding="utf-8")
    proc = run_module(bad, [str(f)])
    assert proc.returncode == 1
    assert proc.stdout == b""
    err = proc.stderr.decode()
    assert len(err.strip().splitlines()) == 1 and "cannot load the model" in err and "Traceback" not in err
    proc = run_module(bad, ["-"], input=EXAMPLE.encode("utf-8"))
    assert proc.returncode == 1 and proc.stdout == b"" and len(proc.stderr.decode().strip().splitlines()) == 1


# ------------------------------------------------------------------ inputs that are not what they claim


def test_binary_file_is_reported_skipped_and_exit_1(run, file_model, tree, tmp_path, capsys):
    (tree / "image.png").write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 8)
    out = tmp_path / "out"
    assert run([str(tree), "-o", str(out)]) == 1
    err = capsys.readouterr().err
    assert "image.png" in err and "not text" in err and "Traceback" not in err
    assert not (out / "image.png").exists() and not (out / "image.txt").exists()
    assert (out / "top.txt").read_text(encoding="utf-8") == expected_output((tree / "top.txt").read_bytes(), file_model)


def test_binary_stdin_is_refused(model_file):
    proc = run_module(model_file, ["-"], input=bytes(range(256)) * 16)
    assert proc.returncode == 1 and proc.stdout == b""
    assert b"<stdin>" in proc.stderr and b"not text" in proc.stderr and b"Traceback" not in proc.stderr


def test_output_file_with_several_inputs_is_a_usage_error(run, tmp_path, capsys):
    a, b = tmp_path / "a.txt", tmp_path / "b.txt"
    a.write_text(TEXTS[0]), b.write_text(TEXTS[1])
    with pytest.raises(SystemExit) as exc:
        run([str(a), str(b), "-o", str(tmp_path / "two.txt")])
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert "usage:" in err and "--jsonl" in err and "directory" in err
    assert not (tmp_path / "two.txt").exists()
    # ... a directory (existing, or named with a trailing slash) or --jsonl is fine
    assert run([str(a), str(b), "-o", str(tmp_path / "two") + "/"]) == 0
    assert sorted(p.name for p in (tmp_path / "two").iterdir()) == ["a.txt", "b.txt"]
    assert run([str(a), str(b), "--jsonl", "-o", str(tmp_path / "two.jsonl")]) == 0
    assert len((tmp_path / "two.jsonl").read_text(encoding="utf-8").splitlines()) == 2


def test_forced_html_format_on_text_says_so(run, tmp_path, capsys):
    f = tmp_path / "story.txt"
    f.write_text(EXAMPLE, encoding="utf-8")
    assert run(["--format", "html", str(f)]) == 0
    err = capsys.readouterr().err
    assert "story.txt: read as HTML (--format html) but has no markup" in err and "--format auto" in err
    assert run(["--format", "html", "-q", str(f)]) == 0     # -q: quiet
    assert capsys.readouterr().err == ""


def test_empty_directory_says_so_and_exits_1(run, tmp_path, capsys):
    empty = tmp_path / "empty"
    empty.mkdir()
    assert run([str(empty)]) == 1
    assert capsys.readouterr().err.strip() == f"boilerstrip: {empty}: no files in this directory"


@pytest.mark.parametrize("to_file", [False, True])
def test_progress_never_shares_the_terminal_with_output(run, bigdir, tmp_path, capsys, monkeypatch, to_file):
    monkeypatch.setattr(sys.stdout, "isatty", lambda: True)
    monkeypatch.setattr(sys.stderr, "isatty", lambda: True)
    args = [str(bigdir), "--threshold", "0.05"] + (["-o", str(tmp_path / "out")] if to_file else [])
    assert run(args) == 0
    out, err = capsys.readouterr()
    if to_file:   # output in files: the bar is shown on the terminal, and ends its line
        assert "150/150" in err and err.endswith("\n")
    else:         # output on the terminal: no bar to run into it
        assert "/150" not in err and "[" not in err
        assert out.startswith("==> ")


def test_article_mode_option_is_the_api_mode(run, file_model, tmp_path, capsys):
    f = tmp_path / "story.txt"
    f.write_text(EXAMPLE, encoding="utf-8")
    assert run(["--mode", "article", str(f)]) == 0
    assert capsys.readouterr().out == expected_output(EXAMPLE, file_model, mode="article")
    with pytest.raises(SystemExit) as exc:
        main(["--mode", "story", str(f)])
    assert exc.value.code == 2


def test_md_files_are_markdown_under_auto(run, file_model, tmp_path, capsys):
    md = "* [Home](/)\n* [World](/world)\n\n" + EXAMPLE
    (tmp_path / "page.md").write_text(md, encoding="utf-8")
    (tmp_path / "page.txt").write_text(md, encoding="utf-8")
    assert run([str(tmp_path / "page.md")]) == 0
    assert capsys.readouterr().out == expected_output(md, file_model, format="markdown")
    assert run(["--format", "markdown", str(tmp_path / "page.txt")]) == 0
    assert capsys.readouterr().out == expected_output(md, file_model, format="markdown")
