"""Write the example submissions of every lab from its master and released notebook.

Usage: python examples/build.py [LAB ...]

For each lab: ``full`` (every answer from the solution), ``untouched`` (the released lab as
handed out), and the variants listed in ``examples/variants/<lab>.py`` (``VARIANTS``: student
name -> {answer cell grade_id: source, or SOLUTION to use the master's answer}). Answer
cells a variant does not name keep the released stub. Expected scores are NOT generated:
they are kept by hand in ``submissions/<lab>/expected_grades.csv``.
"""
from __future__ import annotations

import copy
import importlib.util
import sys
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from grader.layout import EXAMPLES, lab_names, released_path  # noqa: E402
from grader.nbsteps import SOLUTION_BEGIN, SOLUTION_END  # noqa: E402
from grader.release import read_master  # noqa: E402

SOLUTION = object()


def solution_sources(lab: str) -> dict[str, str]:
    """Answer cells of the master with the solution markers removed."""
    out = {}
    for cell in read_master(lab).cells:
        nbg = cell.metadata.get("nbgrader", {})
        if nbg.get("solution"):
            lines = [ln for ln in cell.source.splitlines() if SOLUTION_BEGIN not in ln and SOLUTION_END not in ln]
            out[nbg["grade_id"]] = "\n".join(lines)
    return out


def variants(lab: str) -> dict[str, dict[str, object]]:
    path = Path(__file__).resolve().parent / "variants" / f"{lab.replace('-', '_')}.py"
    found: dict[str, dict[str, object]] = {}
    if path.is_file():
        spec = importlib.util.spec_from_file_location(path.stem, path)
        module = importlib.util.module_from_spec(spec)
        module.SOLUTION = SOLUTION
        spec.loader.exec_module(module)
        found.update(module.VARIANTS)
    return found


def build(lab: str) -> list[Path]:
    released = nbformat.read(released_path(lab), as_version=4)
    answers = solution_sources(lab)
    plans = {"full": {gid: SOLUTION for gid in answers}, "untouched": {}, **variants(lab)}
    written = []
    for student, plan in plans.items():
        nb = copy.deepcopy(released)
        for cell in nb.cells:
            gid = cell.metadata.get("nbgrader", {}).get("grade_id")
            if gid in plan:
                cell.source = answers[gid] if plan[gid] is SOLUTION else str(plan[gid]).strip("\n")
        target = EXAMPLES / lab / student / f"{lab}.ipynb"
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(nbformat.writes(nb) + "\n", encoding="utf-8")
        written.append(target)
    return written


if __name__ == "__main__":
    if {"-h", "--help"} & set(sys.argv[1:]):
        print(__doc__.strip())
        sys.exit(0)
    unknown = [lab for lab in sys.argv[1:] if lab not in lab_names()]
    if unknown:
        sys.exit(f"no such lab: {', '.join(unknown)} (labs: {', '.join(lab_names())})")
    for lab in sys.argv[1:] or lab_names():
        for path in build(lab):
            print(f"wrote {path.relative_to(ROOT)}")
