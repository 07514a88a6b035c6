"""Our fast creation of a gradebook gives what nbgrader's own Gradebook creates."""
from __future__ import annotations

import os
import sqlite3
import sys
from pathlib import Path

from nbgrader.api import Gradebook

from grader import gradebook


def _schema(path: Path) -> tuple[set[str], list[tuple[str]]]:
    with sqlite3.connect(path) as db:
        tables = {row[0] for row in db.execute("SELECT sql FROM sqlite_master WHERE sql IS NOT NULL")}
        return tables, db.execute("SELECT version_num FROM alembic_version").fetchall()


def test_created_gradebook_matches_nbgraders(tmp_path, monkeypatch):
    ours, theirs = tmp_path / "ours.db", tmp_path / "theirs.db"
    gradebook.create(ours)
    monkeypatch.setenv("PATH", str(Path(sys.executable).parent) + os.pathsep + os.environ["PATH"])  # its `alembic`
    with Gradebook(gradebook.db_url(theirs)):
        pass
    assert _schema(ours) == _schema(theirs)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ours.db", "theirs.db"]  # no temporary file left
    with Gradebook(gradebook.db_url(ours)) as gb:  # and nbgrader opens it as its own
        gb.add_student("alice")
        assert [s.id for s in gb.students] == ["alice"]
