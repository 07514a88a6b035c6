"""Every lab: the solution passes its own tests under papermill, and the examples get their expected grades."""
from __future__ import annotations

import csv
import importlib.util

import pytest

from grader.check import check_solution
from grader.grade import grade
from grader.layout import EXAMPLES, ROOT, lab_names

LABS = lab_names()
pytestmark = pytest.mark.slow


def _build_module():
    spec = importlib.util.spec_from_file_location("examples_build", ROOT / "examples" / "build.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("lab", LABS)
def test_solution_passes_every_test_in_fast_mode(lab):
    result = check_solution(lab)
    assert result.passed


@pytest.mark.parametrize("lab", LABS)
def test_examples_are_built_from_the_current_lab(lab, tmp_path, monkeypatch):
    build = _build_module()
    monkeypatch.setattr(build, "EXAMPLES", tmp_path)
    for path in build.build(lab):
        committed = EXAMPLES / lab / path.parent.name / path.name
        assert committed.read_text() == path.read_text(), f"{committed} is stale: run python examples/build.py {lab}"


@pytest.mark.parametrize("lab", LABS)
def test_examples_get_exactly_their_expected_grades(lab, tmp_path):
    with open(EXAMPLES / lab / "expected_grades.csv", newline="") as fh:
        expected = {row["student"]: row for row in csv.DictReader(fh)}
    assert {"full", "untouched"} <= set(expected) and len(expected) >= 4
    report = grade(lab, EXAMPLES / lab, tmp_path, progress=None)
    with open(report.out / "grades.csv", newline="") as fh:
        got = {row["student"]: row for row in csv.DictReader(fh)}
    assert set(got) == set(expected)
    for student, want in expected.items():
        for column, value in want.items():
            assert float(got[student][column]) == float(value) if column not in {"student", "status"} \
                else got[student][column] == value, (student, column, got[student]["reason"])
    assert float(got["full"]["total"]) == float(got["full"]["max"]), "the full solution must get every point"
    for student in expected:
        html = (report.out / "feedback" / f"{student}.html").read_text()
        assert "BEGIN HIDDEN TESTS" not in html
