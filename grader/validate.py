"""``validate``: a student's self-check. Runs their notebook top to bottom on a fresh kernel in fast
mode with the lab's visible tests, and says per graded part: passed, failed (with the message), or
not answered. Hidden tests are not known here: passing every visible test is not full marks.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import nbformat

from grader.assemble import assemble
from grader.errors import GraderError, SubmissionError
from grader.execute import execute, inject
from grader.fsutil import scratch_dir
from grader.layout import lab_names, released_path
from grader.nbsteps import parts
from grader.results import PASSED, PartResult
from grader.scoring import score
from grader.submission import StudentCell, read_cells


@dataclass
class Validation:
    lab: str
    parts: list[PartResult]
    warnings: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return all(p.status == PASSED for p in self.parts)


def _which_lab(path: Path, cells: list[StudentCell]) -> str:
    labs = lab_names()
    if path.stem in labs:
        return path.stem
    ids = {c.grade_id for c in cells if c.grade_id}
    overlap = {lab: len(ids & {c.metadata.get("nbgrader", {}).get("grade_id") for c in
                               nbformat.read(released_path(lab), as_version=4).cells}) for lab in labs}
    best = max(overlap, key=overlap.get, default=None)
    if not best or not overlap[best]:
        raise GraderError(f"{path}: cannot tell which lab this is (no cell of any released lab found)")
    return best


def _out_of_order(cells: list[StudentCell]) -> bool:
    counts = [c.execution_count for c in cells if c.cell_type == "code" and c.execution_count is not None]
    return counts != sorted(counts)


def validate(path: Path, *, fast: bool = True) -> Validation:
    """Run ``path`` against its lab's visible tests; raise GraderError if the file cannot be read."""
    if not path.is_file():
        raise GraderError(f"{path}: no such notebook file")
    try:
        cells, notes = read_cells(path, student="you")
    except SubmissionError as exc:
        raise GraderError(exc.reason) from exc
    lab = _which_lab(path, cells)
    template = nbformat.read(released_path(lab), as_version=4)
    warnings = list(notes)
    if path.name != f"{lab}.ipynb":
        warnings.append(f"the file is named {path.name!r}: hand it in as {lab}.ipynb")
    if _out_of_order(cells):
        warnings.append("the saved outputs come from cells run out of order: "
                        "run Kernel > Restart & Run All before you hand in")
    sources = {c.metadata["nbgrader"]["grade_id"]: c.source for c in template.cells
               if c.metadata.get("nbgrader", {}).get("grade_id")}
    nb, repairs = assemble(template, cells, sources)
    warnings += [f"{note} (the grader will do the same)" for note in repairs]
    with scratch_dir(prefix="validate-") as tmp:
        run = execute(inject(nb, {"FAST": fast}), Path(tmp))
    if run.stopped:
        warnings.append(f"{run.stopped} (cell {run.stopped_cell})")
    return Validation(lab, score(run, parts(template)), warnings)
