"""Grading the tiny lab end to end: real gradebook, real kernels, real files."""
from __future__ import annotations

import csv
import json
import subprocess
import sys

import nbformat
import pytest

from conftest import SOLVED, TINY, tiny_master
from grader import gradebook
from grader.grade import Options, grade
from grader.layout import ROOT


def run(subs, tmp_path, **kw):
    kw.setdefault("progress", None)
    return grade(TINY, subs.root, tmp_path / "out", master=tiny_master(), **kw)


def by_student(report):
    return {r.student: r for r in report.results}


def rows(report):
    with open(report.out / "grades.csv", newline="", encoding="utf-8") as fh:
        return {row["student"]: row for row in csv.DictReader(fh)}


def test_solved_submission_gets_full_marks_and_is_in_the_gradebook(subs, tmp_path):
    subs.write("alice")
    report = run(subs, tmp_path)
    alice = by_student(report)["alice"]
    assert (alice.total, alice.max, alice.status) == (4, 4, "graded")
    # t3 prints to stderr and checks that FAST=True was injected: both must be fine
    assert [p.status for p in alice.parts] == ["passed", "passed", "passed"]
    assert gradebook.scores(tmp_path / "out" / "gradebook.db", TINY, "alice") == {"t1": 1, "t2": 2, "t3": 1}
    row = rows(report)["alice"]
    assert (row["t1"], row["t2"], row["t3"], row["total"], row["max"]) == ("1", "2", "1", "4", "4")


def test_hidden_test_fails_a_plausible_wrong_answer_without_leaking_its_source(subs, tmp_path):
    subs.write("bob", subs.notebook({**SOLVED, "a1": "def double(x):\n    return x + 2"}))  # right for 2 only
    report = run(subs, tmp_path)
    bob = by_student(report)["bob"]
    assert bob.total == 3
    t1 = bob.parts[0]
    assert t1.status == "failed" and "negative numbers" in t1.message
    html = (report.out / "feedback" / "bob.html").read_text()
    assert "negative numbers too" in html
    assert "double(-3)" not in html and "HIDDEN" not in html


def test_untouched_lab_is_graded_zero_as_not_answered(subs, tmp_path, released):
    subs.write("carol", released)
    carol = by_student(run(subs, tmp_path))["carol"]
    assert carol.status == "graded"
    assert [p.status for p in carol.parts] == ["not answered", "not answered", "passed"]  # t3 needs no answer


def test_restored_test_cells_are_the_masters_and_each_repair_is_noted(subs, tmp_path):
    nb = subs.notebook(SOLVED)
    t1 = next(c for c in nb.cells if c.id == "t1")
    t1.source = "pass  # I made the test pass"
    nb.cells = [c for c in nb.cells if c.id != "t2"]                     # deleted
    t3 = next(c for c in nb.cells if c.id == "t3")
    t3.cell_type = "markdown"                                            # turned into markdown
    t3.pop("outputs", None)
    t3.pop("execution_count", None)
    nb.cells.insert(0, nbformat.from_dict(dict(t1)))                    # duplicated, at the top
    subs.write("dave", nb)
    dave = by_student(run(subs, tmp_path))["dave"]
    assert dave.total == 4
    text = " | ".join(dave.notes)
    for expected in ["'t1' appears twice", "'t1' was edited", "'t2' was deleted", "'t3' was turned into a markdown"]:
        assert expected in text, text


def test_student_extra_cells_run_where_the_student_put_them(subs, tmp_path):
    nb = subs.notebook({"a1": "def double(x):\n    return helper(x)", "a2": "answer = 42"})
    at = next(i for i, c in enumerate(nb.cells) if c.id == "parameters")
    nb.cells.insert(at + 1, nbformat.v4.new_code_cell("def helper(x):\n    return x * 2"))
    subs.write("erin", nb)
    assert by_student(run(subs, tmp_path))["erin"].total == 4


def test_saved_outputs_claiming_success_are_not_trusted(subs, tmp_path):
    nb = subs.notebook({"a1": "def double(x):\n    return 0", "a2": "answer = 42"})
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.execution_count = 1
            cell.outputs = [nbformat.v4.new_output("stream", name="stdout", text="All tests passed!\n")]
    subs.write("frank", nb)
    assert by_student(run(subs, tmp_path))["frank"].total == 3


@pytest.mark.parametrize("content, reason", [
    (b"", "the file is empty"),
    (b"{not json", "invalid JSON at line 1"),
    (b'{"just": "json"}', "not a Jupyter notebook"),
])
def test_unreadable_files_get_a_reason_naming_student_and_file_and_the_batch_goes_on(subs, tmp_path, content, reason):
    subs.write("broken", content)
    subs.write("good")
    report = run(subs, tmp_path)
    broken, good = by_student(report)["broken"], by_student(report)["good"]
    assert broken.status == "error" and broken.total == 0 and broken.max == 4
    assert reason in broken.reason and f"{TINY}.ipynb" in broken.reason
    assert good.total == 4
    assert rows(report)["broken"]["status"] == "error"
    assert "Could not be graded" in (report.out / "feedback" / "broken.html").read_text()


def test_folder_problems_are_reported(subs, tmp_path):
    (subs.root / "nobody").mkdir(parents=True)
    (subs.root / "nobody" / "notes.txt").write_text("forgot the notebook")
    subs.write("twice", name="a.ipynb")
    subs.write("twice", name="b.ipynb")
    subs.write("renamed", name=f"Copy of {TINY} (1).ipynb")
    report = run(subs, tmp_path)
    got = by_student(report)
    assert got["nobody"].status == "error" and "no notebook was submitted" in got["nobody"].reason
    assert got["twice"].status == "error" and "a.ipynb, b.ipynb" in got["twice"].reason
    assert got["renamed"].total == 4 and "is named" in got["renamed"].notes[0]
    assert len(report.errors) == 2


def test_old_and_odd_notebook_files_are_graded(subs, tmp_path):
    nb = json.loads(nbformat.writes(subs.notebook(SOLVED)))
    nb["nbformat_minor"] = 4
    for cell in nb["cells"]:
        cell.pop("id", None)
    nb["metadata"] = {}  # no kernelspec, no language (some editors)
    subs.write("vscode", json.dumps(nb))
    latin = nbformat.writes(subs.notebook({**SOLVED, "a2": "# réponse\nanswer = 42"})).encode("cp1252")
    subs.write("latin1", latin)
    got = by_student(run(subs, tmp_path))
    assert got["vscode"].total == 4
    assert got["latin1"].total == 4 and "not valid UTF-8" in got["latin1"].notes[0]


def test_a_runaway_cell_or_a_dead_kernel_keeps_the_points_earned_before(subs, tmp_path):
    subs.write("loop", subs.notebook({"a1": SOLVED["a1"], "a2": "while True:\n    pass"}))
    subs.write("exit", subs.notebook({"a1": SOLVED["a1"], "a2": "import os\nos._exit(1)"}))
    got = by_student(run(subs, tmp_path, options=Options(cell_timeout=3, notebook_timeout=60)))
    for student in ["loop", "exit"]:
        assert got[student].status == "graded"
        assert [p.status for p in got[student].parts] == ["passed", "not run", "not run"], student
    assert "time limit" in " ".join(got["loop"].notes)
    assert "kernel died" in " ".join(got["exit"].notes)


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


def test_huge_output_is_cut_with_a_marker_and_memory_is_capped(subs, tmp_path):
    subs.write("chatty", subs.notebook({**SOLVED, "a2": "for i in range(200000):\n    print('x' * 100)\nanswer = 42"}))
    subs.write("greedy", subs.notebook({**SOLVED, "a2": "big = bytearray(3 * 2**30)\nanswer = 42"}))
    report = run(subs, tmp_path, options=Options(memory_limit=2 * 2**30, output_limit=100_000))
    got = by_student(report)
    assert got["chatty"].total == 4
    executed = nbformat.read(report.out / "executed" / "chatty.ipynb", as_version=4)
    a2 = next(c for c in executed.cells if c.get("id") == "a2")
    text = "".join(o.get("text", "") for o in a2.outputs)
    assert "output cut by the grader" in text and len(text) < 200_000
    t2 = got["greedy"].parts[1]
    assert t2.status == "failed" and got["greedy"].parts[0].status == "passed"
    executed = nbformat.read(report.out / "executed" / "greedy.ipynb", as_version=4)
    a2 = next(c for c in executed.cells if c.get("id") == "a2")
    assert any(o.get("ename") == "MemoryError" for o in a2.outputs)


def test_stray_byte_in_utf8_keeps_the_rest_and_stripped_metadata_is_explained(subs, tmp_path):
    text = nbformat.writes(subs.notebook({**SOLVED, "a2": "# caf\u00e9 \u2192\nanswer = 42 if len('\u2192') == 1 else 0"}))
    subs.write("stray", text.encode("utf-8").replace(b"caf\xc3\xa9", b"caf\xe9"))
    bare = json.loads(nbformat.writes(subs.notebook(SOLVED)))
    for cell in bare["cells"]:
        cell.pop("id", None)
        cell["metadata"] = {}
    subs.write("bare", json.dumps(bare))
    got = by_student(run(subs, tmp_path))
    assert got["stray"].total == 4 and "invalid bytes were replaced" in got["stray"].notes[0]
    assert any("none of the lab's cells were recognised" in n for n in got["bare"].notes)


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
