"""Release: labs/ is generated from solutions/, in sync, and holds no solution or hidden-test text."""
from __future__ import annotations

import json
from pathlib import Path

import nbformat
import pytest

from grader import release as rel
from grader.layout import LABS, ROOT, SOLUTIONS, lab_names, released_path
from grader.nbsteps import dumps, parts, release_notebook

LABS_FOUND = lab_names()


def test_there_are_labs():
    assert "lab1-cv-svm-rf" in LABS_FOUND


@pytest.mark.parametrize("lab", LABS_FOUND)
def test_released_lab_is_in_sync_and_leaks_nothing(lab):
    assert rel.problems(lab) == []


@pytest.mark.parametrize("lab", LABS_FOUND)
def test_lab_follows_the_conventions(lab):
    master = rel.read_master(lab)
    graded = parts(master)
    assert len(graded) >= 5 and sum(p.points for p in graded) >= 10
    tagged = [c for c in master.cells if "parameters" in c.metadata.get("tags", [])]
    assert len(tagged) == 1, "exactly one cell tagged parameters"
    assert "SEED" in tagged[0].source and "FAST" in tagged[0].source
    for cell in master.cells:
        nbg = cell.metadata.get("nbgrader", {})
        if nbg.get("grade") and not nbg.get("solution"):
            visible = cell.source.split("### BEGIN HIDDEN TESTS")[0]
            assert "assert" in visible, f"{lab}/{nbg['grade_id']}: every part needs a visible test"
            assert "### BEGIN HIDDEN TESTS" in cell.source, f"{lab}/{nbg['grade_id']}: and hidden tests"


def test_no_outputs_or_checkpoints_are_committed():
    for root in (SOLUTIONS, LABS):
        for path in root.rglob("*.ipynb"):
            assert ".ipynb_checkpoints" not in path.parts, path
            nb = json.loads(path.read_text(encoding="utf-8"))
            for cell in nb["cells"]:
                if cell["cell_type"] == "code":
                    assert cell["outputs"] == [] and cell["execution_count"] is None, path


def test_labs_has_exactly_the_released_labs():
    assert sorted(p.name for p in LABS.iterdir() if p.is_dir()) == LABS_FOUND


def test_release_strips_solutions_and_hidden_tests_and_keeps_visible_tests(master):
    text = dumps(release_notebook(master))
    assert "return 2 * x" not in text and "double(-3)" not in text and "answer = 42" not in text
    assert "BEGIN" not in text and "raise NotImplementedError()" in text
    assert "assert double(2) == 4" in text
    assert dumps(release_notebook(master)) == text, "release must be deterministic"


def test_a_planted_leak_is_found(tmp_path, monkeypatch):
    lab = "lab1-cv-svm-rf"
    master = rel.read_master(lab)
    hidden = next(c for c in master.cells if "### BEGIN HIDDEN TESTS" in c.source)
    secret = hidden.source.split("### BEGIN HIDDEN TESTS")[1].splitlines()[1]
    released = nbformat.reads(released_path(lab).read_text(), as_version=4)
    released.cells[-1].source += "\n" + secret
    fake = tmp_path / lab / f"{lab}.ipynb"
    fake.parent.mkdir()
    fake.write_text(dumps(released))
    monkeypatch.setattr(rel, "released_path", lambda name: fake)
    found = rel.problems(lab)
    assert any("stale" in p for p in found) and any("line(s) of solution or hidden-test code" in p for p in found)


def test_release_command_writes_labs(tmp_path, monkeypatch):
    target = tmp_path / "out.ipynb"
    monkeypatch.setattr(rel, "released_path", lambda name: target)
    rel.release("lab1-cv-svm-rf")
    assert target.read_text() == Path(released_path("lab1-cv-svm-rf")).read_text()
    assert ROOT in released_path("lab1-cv-svm-rf").parents
