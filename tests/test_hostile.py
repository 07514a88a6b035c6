"""Broken and hostile submissions, graded as one batch: each gets the grade and reason its case expects.

The cases are data (tests/hostile/cases.py). The whole table is graded once, in parallel, as in real
use (sandboxed kernels, short limits); then every case is checked in grades.csv, its stored result,
the gradebook and its feedback page.
"""
from __future__ import annotations

import csv
import json
import subprocess
from html import escape
from pathlib import Path

import nbformat
import pytest

from conftest import TINY, tiny_master
from grader import gradebook, sandbox
from grader.grade import Options, grade
from grader.layout import ROOT
from grader.nbsteps import release_notebook
from grader.results import file_stem
from hostile.cases import (CASES, ERROR, HIDDEN_SOURCE, HOST_MARKER, OPTIONS, PLANT, PLANT_KEY, REVIEW, Case, Ctx,
                           write)

# one worker grades the batch once for the whole module (tasks.py runs pytest with --dist loadgroup)
pytestmark = pytest.mark.xdist_group("hostile")

SANDBOXED = sandbox.available()
BATCH = [c for c in CASES if SANDBOXED or not c.sandbox]
PARTS = ["t1", "t2", "t3"]


def case_param(case: Case):
    skip = pytest.mark.skipif(case.sandbox and not SANDBOXED, reason="tries to reach the grader: sandbox only")
    return pytest.param(case, id=case.id, marks=skip)


@pytest.fixture(scope="module")
def batch(tmp_path_factory):
    root = tmp_path_factory.mktemp("hostile")
    out = (root / "out").resolve()
    ctx = Ctx(release_notebook(tiny_master()), ROOT, out)
    for case in BATCH:
        write(case, ctx, root / "submissions")
    host_ipc = plant_on_host() if SANDBOXED else None  # what see-host-ipc must not see
    try:
        report = grade(TINY, root / "submissions", out, master=tiny_master(), jobs=2, progress=None,
                       options=Options(**OPTIONS))
    finally:
        if host_ipc is not None:
            (RUN_LOCK / HOST_MARKER).unlink(missing_ok=True)
            subprocess.run(["ipcrm", "-m", host_ipc], check=False)
    with open(report.out / "grades.csv", newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    return report, rows


RUN_LOCK = Path("/run/lock")


def plant_on_host() -> str:
    """A file in the host's /run/lock and a System V shared memory segment; returns the segment's id."""
    (RUN_LOCK / HOST_MARKER).write_text("the host's", encoding="utf-8")
    made = subprocess.run(["ipcmk", "-M", "4096"], capture_output=True, text=True, check=True).stdout
    return made.split()[-1]


def host_segment_keys() -> set[int]:
    lines = Path("/proc/sysvipc/shm").read_text().splitlines()[1:]
    return {int(line.split()[0]) for line in lines}


@pytest.fixture(scope="module")
def rows(batch):
    return {row["student"]: row for row in batch[1]}


def test_the_table_covers_the_issue():
    assert len(CASES) >= 30 and len({c.id for c in CASES}) == len(CASES)


def test_the_batch_finished_with_one_row_per_student_and_the_same_max(batch):
    report, table = batch
    assert sorted(r["student"] for r in table) == sorted(c.id for c in BATCH)
    assert {r["max"] for r in table} == {"4"}
    assert sorted(r.student for r in report.results) == sorted(c.id for c in BATCH)
    assert (report.graded, report.skipped) == (len(BATCH), 0)
    assert sorted(r.student for r in report.errors) == sorted(c.id for c in BATCH if c.status == ERROR)


@pytest.mark.skipif(not SANDBOXED, reason="the plant-on-host case runs sandboxed only")
def test_nothing_a_kernel_planted_stays_on_the_host(batch):
    planted = [(RUN_LOCK / PLANT).exists(), PLANT_KEY in host_segment_keys()]
    (RUN_LOCK / PLANT).unlink(missing_ok=True)  # so that a failure here does not outlive this run
    subprocess.run(["ipcrm", "-M", hex(PLANT_KEY)], capture_output=True, check=False)
    assert planted == [False, False], "a kernel left a file in /run/lock or a shared memory segment on the host"


def test_no_cell_kept_more_output_than_the_cap(batch):
    report, _ = batch
    for path in (report.out / "executed").glob("*.ipynb"):
        for cell in nbformat.read(path, as_version=4).cells:
            text = "".join(o.get("text", "") for o in cell.get("outputs", []))
            assert len(text) < 2 * OPTIONS["output_limit"], (path.name, cell.get("id"))


@pytest.mark.parametrize("case", [case_param(c) for c in CASES])
def test_each_case_gets_its_grade_and_reason(case, batch, rows):
    report, _ = batch
    row = rows[case.id]
    got = (float(row["total"]), row["max"], row["status"])
    assert got == (case.points, "4", case.status), f"{case.what}: {row['reason']}"
    for text in case.reason:
        assert text in row["reason"], f"{case.what}: {text!r} not in {row['reason']!r}"
    assert not [s for s in HIDDEN_SOURCE if s in row["reason"]]

    # the stored result, the class table and nbgrader's gradebook agree, part by part
    stored = json.loads((report.out / "results" / f"{file_stem(case.id)}.json").read_text(encoding="utf-8"))
    points = {p["grade_id"]: p["points"] for p in stored["parts"]}
    assert list(points) == PARTS and stored["status"] == case.status
    assert {g: float(row[g]) for g in PARTS} == points
    assert sum(points.values()) == case.points
    assert gradebook.scores(report.out.parent / "gradebook.db", TINY, case.id) == points

    html = (report.out / "feedback" / f"{file_stem(case.id)}.html").read_text(encoding="utf-8")
    assert escape(case.id) in html
    assert not [s for s in HIDDEN_SOURCE if s in html], "the feedback quotes hidden test code"
    for part in stored["parts"]:
        if part["points"] < part["max_points"] and part["message"]:
            assert escape(part["message"]) in html, part
    if case.status == ERROR:
        assert "Could not be graded" in html and not (report.out / "executed" / f"{file_stem(case.id)}.ipynb").exists()
    if case.status == REVIEW:
        assert "Flagged for review" in html

    if case.executed:
        nb = nbformat.read(report.out / "executed" / f"{file_stem(case.id)}.ipynb", as_version=4)
        for cell_id, text in case.executed:
            outputs = next(c for c in nb.cells if c.get("id") == cell_id).get("outputs", [])
            shown = "".join(o.get("text", "") + o.get("ename", "") + o.get("evalue", "") for o in outputs)
            assert text in shown, (cell_id, shown[-500:])
