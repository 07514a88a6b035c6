"""Finding and reading one student's submission, tolerant of what editors and students do to notebooks.

Only what grading needs is read: each cell's type, source, nbgrader ``grade_id`` and cell id.
Outputs saved in the file are never read, so they can never claim a pass.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import nbformat

from grader.errors import SubmissionError


@dataclass(frozen=True)
class StudentCell:
    cell_type: str
    source: str
    grade_id: str | None
    cell_id: str | None
    execution_count: int | None = None
    """As saved in the file: only used to warn about out-of-order runs, never to score."""


def find_notebook(folder: Path, lab: str) -> tuple[Path, list[str]]:
    """The one notebook in a student's folder, and notes on what was tolerated (e.g. a renamed file)."""
    student = folder.name
    expected = f"{lab}.ipynb"
    links = sorted(p for p in folder.rglob("*") if p.is_symlink())
    if links:
        raise SubmissionError(f"{links[0].relative_to(folder)} is a symbolic link, which the grader does not follow",
                              student=student, notebook=f"{student}/", fix=f"Hand in the file {expected} itself")
    found = sorted(p for p in folder.rglob("*.ipynb")
                   if p.is_file() and ".ipynb_checkpoints" not in p.parts)
    exact = [p for p in found if p.name == expected]
    if len(exact) == 1:
        return exact[0], []
    if not found:
        raise SubmissionError("no notebook was submitted", student=student, notebook=f"{student}/",
                              fix=f"Hand in {expected}")
    if len(found) > 1:
        names = ", ".join(str(p.relative_to(folder)) for p in found)
        raise SubmissionError(f"more than one notebook ({names}) and none named {expected}",
                              student=student, notebook=f"{student}/",
                              fix=f"Keep only the notebook to be graded and name it {expected}")
    return found[0], [f"the notebook is named {found[0].name!r}, not {expected!r}; it was graded anyway"]


def _text(raw: bytes) -> tuple[str, list[str]]:
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    try:
        return raw.decode("utf-8"), []
    except UnicodeDecodeError as exc:
        utf8 = raw.decode("utf-8", errors="replace")
        if any(ord(ch) > 127 and ch != "\ufffd" for ch in utf8):  # UTF-8 with a few stray bytes
            return utf8, [f"the file is not valid UTF-8 (byte {exc.start}); the invalid bytes were replaced"]
        return raw.decode("cp1252", errors="replace"), [
            f"the file is not valid UTF-8 (byte {exc.start}); it was read as Windows-1252"]


def read_cells(path: Path, student: str) -> tuple[list[StudentCell], list[str]]:
    """The cells of a submitted notebook (any nbformat 4.x or 3) and notes on what was repaired."""
    where = {"student": student, "notebook": path.name}
    raw = path.read_bytes()
    if not raw.strip():
        raise SubmissionError("the file is empty", **where,
                              fix="Save the notebook in Jupyter (File > Save) and hand it in again")
    text, notes = _text(raw)
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        raise SubmissionError(f"the file is not a notebook: invalid JSON at line {exc.lineno}, "
                              f"column {exc.colno} ({exc.msg})", **where,
                              fix="Hand in the .ipynb file saved by Jupyter, not a copy edited by hand") from exc
    if isinstance(doc, dict) and "worksheets" in doc:  # nbformat 3
        doc = nbformat.reads(text, as_version=4)
        notes.append("the notebook is in the old nbformat 3; it was converted")
    if not isinstance(doc, dict) or not isinstance(doc.get("cells"), list):
        raise SubmissionError("the file is JSON but not a Jupyter notebook (no list of cells)", **where,
                              fix="Hand in the .ipynb file saved by Jupyter")
    cells = []
    for index, cell in enumerate(doc["cells"]):
        if not isinstance(cell, dict):
            notes.append(f"cell {index} is not a cell object; it was skipped")
            continue
        source = cell.get("source", "")
        if isinstance(source, list):
            source = "".join(str(s) for s in source)
        meta = cell.get("metadata") if isinstance(cell.get("metadata"), dict) else {}
        nbg = meta.get("nbgrader") if isinstance(meta.get("nbgrader"), dict) else {}
        grade_id = nbg.get("grade_id")
        cell_id = cell.get("id")
        cells.append(StudentCell(
            cell_type=str(cell.get("cell_type", "code")),
            source=str(source),
            grade_id=str(grade_id) if grade_id else None,
            cell_id=str(cell_id) if cell_id else None,
            execution_count=cell.get("execution_count") if isinstance(cell.get("execution_count"), int) else None,
        ))
    return cells, notes
