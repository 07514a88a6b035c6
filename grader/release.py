"""``release``: solutions/<lab> -> labs/<lab>, and the checks that labs/ is in sync and leaks nothing."""
from __future__ import annotations

import re
from pathlib import Path

import nbformat
from nbformat import NotebookNode

from grader.fsutil import write_atomic
from grader.layout import read_master, released_path
from grader.nbsteps import (HIDDEN_BEGIN, HIDDEN_END, SOLUTION_BEGIN, SOLUTION_END, dumps,
                            release_notebook)

MARKERS = re.compile(r"BEGIN SOLUTION|END SOLUTION|BEGIN HIDDEN TESTS|END HIDDEN TESTS")


def render(lab: str) -> str:
    """The committed text of ``labs/<lab>/<lab>.ipynb`` as the master makes it now."""
    return dumps(release_notebook(read_master(lab)))


def release(lab: str) -> Path:
    target = released_path(lab)
    write_atomic(target, render(lab))
    return target


def _secret_lines(master: NotebookNode) -> set[str]:
    """Lines that only appear inside solution or hidden-test regions of the master."""
    secret, public = set(), set()
    for cell in master.cells:
        inside = False
        for line in cell.source.splitlines():
            text = line.strip()
            if SOLUTION_BEGIN in text or HIDDEN_BEGIN in text:
                inside = True
            elif SOLUTION_END in text or HIDDEN_END in text:
                inside = False
            elif len(text) >= 12 and not text.startswith("#"):
                (secret if inside else public).add(text)
    return secret - public


def problems(lab: str) -> list[str]:
    """What is wrong with the committed release of ``lab`` (empty when it is in sync and clean)."""
    path = released_path(lab)
    if not path.is_file():
        return [f"{path} is missing: run `python -m grader release {lab}`"]
    text = path.read_text(encoding="utf-8")
    found = []
    if text != render(lab):
        found.append(f"{path} is stale: run `python -m grader release {lab}` and commit the result")
    if MARKERS.search(text):
        found.append(f"{path} contains solution or hidden-test markers")
    released = {line.strip() for cell in nbformat.reads(text, as_version=4).cells
                for line in cell.source.splitlines()}
    leaked = sorted(_secret_lines(read_master(lab)) & released)
    if leaked:
        found.append(f"{path} contains {len(leaked)} line(s) of solution or hidden-test code, e.g. {leaked[0]!r}")
    return found
