"""Shared fixtures: a tiny lab built in code, and helpers that write submissions of it."""
from __future__ import annotations

import copy
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from grader.nbsteps import release_notebook

TINY = "tiny-lab"


def _cell(kind, gid, source, *, grade=False, solution=False, locked=False, points=None, tags=None):
    cell = {"code": new_code_cell, "markdown": new_markdown_cell}[kind](source)
    meta = {"grade": grade, "grade_id": gid, "locked": locked, "schema_version": 3,
            "solution": solution, "task": False}
    if points is not None:
        meta["points"] = points
    cell.metadata = {"nbgrader": meta}
    if tags:
        cell.metadata["tags"] = tags
    cell["id"] = gid
    return cell


def tiny_master() -> nbformat.NotebookNode:
    """A lab with three graded parts (4 points): hidden tests, a stderr warning, the FAST parameter."""
    cells = [
        _cell("markdown", "intro", "# Tiny lab\nDouble a number, then answer 42.", locked=True),
        _cell("code", "parameters", "SEED = 0\nFAST = False", locked=True, tags=["parameters"]),
        _cell("code", "a1", "def double(x):\n    ### BEGIN SOLUTION\n    return 2 * x\n    ### END SOLUTION",
              solution=True),
        _cell("code", "t1", "assert double(2) == 4, 'double(2) should be 4'\n"
              "### BEGIN HIDDEN TESTS\nassert double(-3) == -6, 'double should work for negative numbers too'\n"
              "### END HIDDEN TESTS", grade=True, locked=True, points=1),
        _cell("code", "a2", "### BEGIN SOLUTION\nanswer = 42\n### END SOLUTION", solution=True),
        _cell("code", "t2", "assert answer == 42, 'answer should be 42'\n### BEGIN HIDDEN TESTS\n"
              "assert type(answer) is int, 'answer should be an int'\n### END HIDDEN TESTS",
              grade=True, locked=True, points=2),
        _cell("code", "t3", "import sys, warnings\nprint('a library warning', file=sys.stderr)\n"
              "assert FAST is True, 'the grader runs in fast mode'", grade=True, locked=True, points=1),
    ]
    return new_notebook(cells=cells, metadata={
        "kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
        "language_info": {"name": "python"}})


SOLVED = {"a1": "def double(x):\n    return 2 * x", "a2": "answer = 42"}


@pytest.fixture
def master():
    return tiny_master()


@pytest.fixture
def released(master):
    return release_notebook(master)


class Submissions:
    """Writes student folders of the tiny lab under a temporary folder."""

    def __init__(self, root: Path, released: nbformat.NotebookNode):
        self.root, self.released = root, released

    def notebook(self, answers: dict[str, str] | None = None) -> nbformat.NotebookNode:
        nb = copy.deepcopy(self.released)
        for cell in nb.cells:
            gid = cell.metadata.get("nbgrader", {}).get("grade_id")
            if answers and gid in answers:
                cell.source = answers[gid]
        return nb

    def write(self, student: str, nb: nbformat.NotebookNode | str | bytes | None = None,
              name: str = f"{TINY}.ipynb") -> Path:
        folder = self.root / student
        folder.mkdir(parents=True, exist_ok=True)
        nb = self.notebook(SOLVED) if nb is None else nb
        path = folder / name
        if isinstance(nb, bytes):
            path.write_bytes(nb)
        else:
            path.write_text(nb if isinstance(nb, str) else nbformat.writes(nb), encoding="utf-8")
        return path


@pytest.fixture
def subs(tmp_path, released):
    return Submissions(tmp_path / "submissions", released)
