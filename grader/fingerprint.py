"""Fingerprints that decide whether a stored result is still valid (the key for skipping a regrade)."""
from __future__ import annotations

import hashlib
from pathlib import Path

import nbformat
from nbformat import NotebookNode

GRADER_VERSION = "1"
"""Bump when a grader change alters scores: every stored result becomes stale."""


def lab_digest(master: NotebookNode) -> str:
    return hashlib.sha256((GRADER_VERSION + nbformat.writes(master)).encode()).hexdigest()


def fingerprint(lab_digest: str, folder: Path) -> str:
    """Changes when the submission folder, the lab or the grader changes."""
    h = hashlib.sha256(lab_digest.encode())
    for path in sorted(folder.rglob("*")):
        if path.is_file():
            h.update(str(path.relative_to(folder)).encode())
            h.update(path.read_bytes())
    return h.hexdigest()
