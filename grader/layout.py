"""Where things live in the repository: solutions (masters), released labs, examples."""
from __future__ import annotations

from pathlib import Path

import nbformat
from nbformat import NotebookNode

from grader.errors import LabNotFound

ROOT = Path(__file__).resolve().parent.parent
SOLUTIONS = ROOT / "solutions"
LABS = ROOT / "labs"
EXAMPLES = ROOT / "examples" / "submissions"


def lab_names() -> list[str]:
    """Every lab with a master notebook ``solutions/<lab>/<lab>.ipynb``, in order."""
    return sorted(p.parent.name for p in SOLUTIONS.glob("*/*.ipynb") if p.stem == p.parent.name)


def master_path(lab: str) -> Path:
    path = SOLUTIONS / lab / f"{lab}.ipynb"
    if not path.is_file():
        known = ", ".join(lab_names()) or "none"
        raise LabNotFound(f"no lab {lab!r}: {path} does not exist (labs: {known})")
    return path


def released_path(lab: str) -> Path:
    return LABS / lab / f"{lab}.ipynb"


def read_master(lab: str) -> NotebookNode:
    return nbformat.read(master_path(lab), as_version=4)
