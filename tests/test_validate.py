"""``grader validate``: the student's self-check gives the right verdict and useful warnings."""
from __future__ import annotations

import json
import subprocess
import sys

import pytest

from grader.layout import EXAMPLES, ROOT, lab_names
from grader.validate import validate

pytestmark = pytest.mark.slow


@pytest.mark.parametrize("lab", lab_names())
def test_full_solution_passes_and_untouched_lab_fails(lab):
    full = validate(EXAMPLES / lab / "full" / f"{lab}.ipynb")
    assert full.ok and full.lab == lab, [(p.grade_id, p.status, p.message) for p in full.parts]
    untouched = validate(EXAMPLES / lab / "untouched" / f"{lab}.ipynb")
    assert not untouched.ok
    assert "not answered" in {p.status for p in untouched.parts}


def test_cli_exit_code_and_warnings_for_a_renamed_notebook_run_out_of_order(tmp_path):
    lab = "lab1-cv-svm-rf"
    nb = json.loads((EXAMPLES / lab / "partial" / f"{lab}.ipynb").read_text())
    counts = iter([5, 2, 9, 1])
    for cell in nb["cells"]:
        if cell["cell_type"] == "code" and cell["metadata"].get("nbgrader", {}).get("solution"):
            cell["execution_count"] = next(counts, None)
    path = tmp_path / f"Copy of {lab}.ipynb"
    path.write_text(json.dumps(nb))
    out = subprocess.run([sys.executable, "-m", "grader", "validate", str(path)], capture_output=True, text=True,
                         cwd=ROOT)
    assert out.returncode == 1
    assert f"hand it in as {lab}.ipynb" in out.stdout
    assert "out of order" in out.stdout
    assert "test-cv              not answered" in out.stdout and "4/6 visible tests passed" in out.stdout
