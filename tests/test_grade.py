"""Grading the tiny lab end to end: real gradebook, real kernels, real files."""
from __future__ import annotations

import csv
import subprocess
import sys

import nbformat

from conftest import SOLVED, TINY, tiny_master
from grader import gradebook
from grader.grade import grade
from grader.layout import ROOT


def run(subs, tmp_path, **kw):
    kw.setdefault("progress", None)
    return grade(TINY, subs.root, tmp_path / "out", master=tiny_master(), **kw)


def by_student(report):
    return {r.student: r for r in report.results}


def rows(report):
    with open(report.out / "grades.csv", newline="", encoding="utf-8") as fh:
        return {row["student"]: row for row in csv.DictReader(fh)}


def test_rerun_skips_unchanged_submissions_and_force_regrades_without_duplicates(subs, tmp_path):
    subs.write("alice")
    subs.write("bob", subs.notebook({"a1": SOLVED["a1"]}))
    first = run(subs, tmp_path)
    again = run(subs, tmp_path)
    assert (again.graded, again.skipped) == (0, 2)
    assert rows(again) == rows(first)
    (tmp_path / "out" / "gradebook.db").unlink()  # lost: the stored results put the scores back
    restored = run(subs, tmp_path)
    assert (restored.graded, restored.skipped) == (0, 2)
    assert gradebook.scores(tmp_path / "out" / "gradebook.db", TINY, "alice") == {"t1": 1, "t2": 2, "t3": 1}
    subs.write("bob")  # bob hands in a fixed version
    third = run(subs, tmp_path)
    assert (third.graded, third.skipped) == (1, 1)
    assert by_student(third)["bob"].total == 4
    forced = run(subs, tmp_path, force=True)
    assert forced.graded == 2
    assert gradebook.scores(tmp_path / "out" / "gradebook.db", TINY, "bob") == {"t1": 1, "t2": 2, "t3": 1}


def test_parallel_grading_gives_the_same_grades_as_serial(subs, tmp_path):
    subs.write("a")
    subs.write("b", subs.notebook({"a1": SOLVED["a1"]}))
    subs.write("c", subs.notebook({"a2": SOLVED["a2"]}))
    serial = run(subs, tmp_path / "serial", jobs=1)
    parallel = grade(TINY, subs.root, tmp_path / "parallel" / "out", master=tiny_master(), jobs=2, progress=None)
    assert (serial.out / "grades.csv").read_text() == (parallel.out / "grades.csv").read_text()


def test_unchanged_rerun_loads_neither_nbgrader_nor_a_kernel(subs, tmp_path):
    subs.write("alice")
    run(subs, tmp_path)
    nbformat.write(tiny_master(), tmp_path / "master.ipynb")
    code = ("import sys; from pathlib import Path; import nbformat; from grader.grade import grade;"
            f"r = grade({TINY!r}, Path({str(subs.root)!r}), Path({str(tmp_path / 'out')!r}), progress=None,"
            f" master=nbformat.read({str(tmp_path / 'master.ipynb')!r}, as_version=4));"
            "print(r.graded, r.skipped, sorted(m for m in ('nbgrader', 'papermill', 'nbclient') if m in sys.modules))")
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert done.stdout.split("\n")[-2] == "0 1 []"


def test_kernels_side_by_side_get_their_share_of_the_cores(tmp_path, monkeypatch):
    from nbformat.v4 import new_code_cell, new_notebook

    from grader.execute import execute, thread_env

    show = "import os; print(os.environ.get('OMP_NUM_THREADS'), os.environ.get('OPENBLAS_NUM_THREADS'))"
    nb = new_notebook(cells=[new_code_cell(show)])
    for name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS"):
        monkeypatch.delenv(name, raising=False)
    ran = execute(nb, tmp_path, threads=1)
    assert ran.nb.cells[0].outputs[0]["text"].strip() == "1 1"
    assert thread_env(None) == {}
    monkeypatch.setenv("OMP_NUM_THREADS", "3")  # the instructor's own setting wins
    assert "OMP_NUM_THREADS" not in thread_env(1) and thread_env(1)["OPENBLAS_NUM_THREADS"] == "1"
