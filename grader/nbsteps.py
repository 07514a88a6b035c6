"""nbgrader's own preprocessors, run in nbgrader's order, for releasing a lab and filling the gradebook.

The order follows nbgrader's ``generate_assignment``: the gradebook records the cells
*after* solutions are stubbed but *before* hidden tests are stripped, so the gradebook
keeps the hidden tests that the student version never sees.
"""
from __future__ import annotations

import copy
from dataclasses import dataclass

import nbformat
from nbconvert.preprocessors import ClearOutputPreprocessor
from nbformat import NotebookNode
from nbgrader import utils as nbutils
from nbgrader.preprocessors import (
    CheckCellMetadata,
    ClearHiddenTests,
    ClearMarkScheme,
    ClearSolutions,
    ComputeChecksums,
    LockCells,
    SaveCells,
)

from grader.errors import GradebookError, LabDefinitionError

HIDDEN_BEGIN, HIDDEN_END = "### BEGIN HIDDEN TESTS", "### END HIDDEN TESTS"
SOLUTION_BEGIN, SOLUTION_END = "### BEGIN SOLUTION", "### END SOLUTION"


@dataclass(frozen=True)
class Part:
    """One graded part: a test cell and its points."""

    grade_id: str
    points: float


def _run(nb: NotebookNode, steps: list, resources: dict | None = None) -> NotebookNode:
    resources = resources if resources is not None else {}
    for step in steps:
        try:
            nb, resources = step.preprocess(nb, resources)
        except Exception as exc:  # nbgrader raises bare RuntimeError/ValueError on bad metadata
            raise LabDefinitionError(f"nbgrader {type(step).__name__} failed on the master: {exc}") from exc
    return nb


def _stub(master: NotebookNode) -> NotebookNode:
    """Master -> solutions stubbed, outputs cleared, checksums computed (hidden tests still in)."""
    nb = copy.deepcopy(master)
    return _run(nb, [LockCells(), ClearSolutions(), ClearOutputPreprocessor(), CheckCellMetadata(),
                     ComputeChecksums()])


def release_notebook(master: NotebookNode) -> NotebookNode:
    """The student version of a master notebook, as nbgrader's generate_assignment makes it."""
    nb = _run(_stub(master), [ClearHiddenTests(), ClearMarkScheme(), ComputeChecksums(), CheckCellMetadata()])
    nb.metadata.pop("papermill", None)
    for cell in nb.cells:
        cell.metadata.pop("papermill", None)
        cell.metadata.pop("execution", None)
    return nb


def dumps(nb: NotebookNode) -> str:
    """Canonical text of a notebook, as committed."""
    return nbformat.writes(nb) + "\n"


def parts(master: NotebookNode) -> list[Part]:
    """The graded test cells of a master, in notebook order."""
    found = [Part(c.metadata.nbgrader["grade_id"], float(c.metadata.nbgrader["points"]))
             for c in master.cells if nbutils.is_grade(c)]
    ids = [p.grade_id for p in found]
    if len(set(ids)) != len(ids):
        raise LabDefinitionError(f"duplicate grade_id in the master: {sorted(ids)}")
    return found


def save_to_gradebook(master: NotebookNode, db_url: str, lab: str) -> None:
    """Record the lab's cells (hidden tests included) in nbgrader's gradebook with nbgrader's SaveCells."""
    resources = {"nbgrader": {"db_url": db_url, "assignment": lab, "notebook": lab}}
    try:
        SaveCells().preprocess(_stub(master), resources)
    except RuntimeError as exc:
        raise GradebookError(
            f"{exc}. The master of {lab} changed its graded cells after submissions were graded; "
            "grade into a fresh output folder (--out) or delete its gradebook.db") from exc
