"""The class's grades in nbgrader's gradebook (SQLite): lab cells, students, per-part scores."""
from __future__ import annotations

import os
import warnings
from pathlib import Path

from alembic.script import ScriptDirectory
from nbformat import NotebookNode
from nbgrader.api import Base, Gradebook, MissingEntry
from nbgrader.dbutil import ALEMBIC_DIR
from sqlalchemy import create_engine, text
from sqlalchemy.exc import SAWarning

from grader.nbsteps import save_to_gradebook


def db_url(path: Path) -> str:
    return f"sqlite:///{path.resolve()}"


def create(path: Path) -> None:
    """A new, empty gradebook, as nbgrader's ``Gradebook`` makes one (its tables and the alembic
    version row), but with alembic's head read in-process where nbgrader runs the ``alembic heads``
    command (seconds per new gradebook). Built beside ``path`` and renamed: never half made."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.new")
    tmp.unlink(missing_ok=True)
    engine = create_engine(db_url(tmp))
    try:
        Base.metadata.create_all(engine)
        with engine.begin() as conn:
            conn.execute(text("CREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL)"))
            conn.execute(text("INSERT INTO alembic_version (version_num) VALUES (:head)"),
                         {"head": ScriptDirectory(ALEMBIC_DIR).get_current_head()})
    finally:
        engine.dispose()
    os.replace(tmp, path)


def prepare(path: Path, lab: str, master: NotebookNode) -> dict[str, str]:
    """Create or update the lab in the gradebook; return the grade and locked cells' sources it holds."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if not path.is_file():
        create(path)
    url = db_url(path)
    with Gradebook(url) as gb:
        gb.update_or_create_assignment(lab)
    save_to_gradebook(master, url, lab)
    with Gradebook(url) as gb:
        notebook = gb.find_notebook(lab, lab)
        return {cell.name: cell.source for cell in notebook.source_cells}


def record(path: Path, lab: str, student: str, scores: dict[str, float]) -> None:
    """Store one student's auto-scores; a regrade replaces the previous scores, never duplicates them."""
    with warnings.catch_warnings(), Gradebook(db_url(path)) as gb:
        # nbgrader's add_submission trips SQLAlchemy 2's autoflush warning; the rows are written all the same
        warnings.simplefilter("ignore", SAWarning)
        gb.update_or_create_student(student)
        try:
            gb.find_submission(lab, student)
        except MissingEntry:
            gb.add_submission(lab, student)
        for grade_id, score in scores.items():
            grade = gb.find_grade(grade_id, lab, lab, student)
            grade.auto_score = score
        gb.db.commit()


def scores(path: Path, lab: str, student: str) -> dict[str, float]:
    """What the gradebook holds for one student (for tests and export)."""
    with Gradebook(db_url(path)) as gb:
        sub = gb.find_submission_notebook(lab, lab, student)
        return {g.name: g.score for g in sub.grades}
