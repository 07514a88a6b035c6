"""Fingerprints that decide whether a stored result is still valid (the key for skipping a regrade)."""
from __future__ import annotations

import hashlib
import json
import os
from dataclasses import asdict
from pathlib import Path

import nbformat
from nbformat import NotebookNode

from grader.options import Options

GRADER_VERSION = "2"
"""Bump when a grader change alters scores: every stored result becomes stale."""


def lab_digest(master: NotebookNode, options: Options) -> str:
    """Of the lab, the grader and the limits: a result obtained under other limits is not reused."""
    key = GRADER_VERSION + json.dumps(asdict(options), sort_keys=True) + nbformat.writes(master)
    return hashlib.sha256(key.encode()).hexdigest()


def fingerprint(lab_digest: str, folder: Path) -> str:
    """Changes when the submission folder, the lab or the grader changes."""
    h = hashlib.sha256(lab_digest.encode())
    for path in sorted(folder.rglob("*")):
        if path.is_symlink():  # never followed (a link may point anywhere, even at a file that blocks)
            h.update(f"{path.relative_to(folder)} -> {os.readlink(path)}".encode())
        elif path.is_file():
            h.update(str(path.relative_to(folder)).encode())
            h.update(path.read_bytes())
    return h.hexdigest()
