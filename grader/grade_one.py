"""Grade one submission: rebuild it on the lab's cells (hidden tests restored from nbgrader's
gradebook), run it on a fresh, sandboxed kernel in fast mode, score it, look for tampering.

This module pulls in the heavy stack (nbgrader, papermill, nbclient); ``grader.grade`` imports it
only when a batch has something to grade.
"""
from __future__ import annotations

import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from nbformat import NotebookNode

from grader import gradebook, tamper
from grader.assemble import assemble
from grader.errors import SubmissionError
from grader.execute import execute, inject
from grader.fsutil import scratch_dir
from grader.layout import read_master
from grader.nbsteps import Part, parts, release_notebook
from grader.options import Options
from grader.results import ERROR, GRADED, NOT_RUN, REVIEW, PartResult, SubmissionResult
from grader.sandbox import Sandbox, default_keep, next_uid
from grader.sandbox import available as sandbox_available
from grader.scoring import WITHHELD, hidden_code, score
from grader.submission import find_notebook, read_cells


@dataclass(frozen=True)
class Lab:
    """Everything about a lab that grading one submission needs (read once per batch)."""

    name: str
    template: NotebookNode
    sources: dict[str, str]
    parts: list[Part]
    secret: str
    """The hidden tests' code without string literals, to keep it out of messages (scoring.redact)."""


def load_lab(lab: str, db_path: Path, master: NotebookNode | None = None) -> Lab:
    """Read the lab once per batch and record it in the gradebook (``master`` defaults to solutions/)."""
    master = master if master is not None else read_master(lab)
    sources = gradebook.prepare(db_path, lab, master)
    return Lab(lab, release_notebook(master), sources, parts(master), hidden_code(master))


def _scratch_base() -> str:
    """Where working folders go: the temporary folder, unless its path is too long for the sandboxed
    kernel's unix sockets (108 bytes at most, ``<base>/grade-XXXXXXXX/work/.kernel/ipc-NNNNN``)."""
    base = tempfile.gettempdir()
    return base if len(base) <= 60 else "/tmp"


def _zero(lab: Lab, why: str) -> list[PartResult]:
    return [PartResult(p.grade_id, 0.0, p.points, NOT_RUN, why) for p in lab.parts]


def grade_one(lab: Lab, folder: Path, options: Options, hide: tuple[Path, ...] = (),
              threads: int | None = None) -> tuple[SubmissionResult, NotebookNode | None]:
    """Grade one student's folder; never raises. An internal error (e.g. a kernel that failed to
    start) is retried once.

    ``hide``: folders the student's kernel must not see besides the defaults (output, submissions);
    ``threads``: the kernel's share of the cores (grader.execute.execute).
    """
    result, executed = _grade_once(lab, folder, options, hide, threads)
    if result.transient:
        result, executed = _grade_once(lab, folder, options, hide, threads)
    return result, executed


def _grade_once(lab: Lab, folder: Path, options: Options, hide: tuple[Path, ...],
                threads: int | None) -> tuple[SubmissionResult, NotebookNode | None]:
    student = folder.name
    started = time.monotonic()
    result = SubmissionResult(student=student, lab=lab.name, status=GRADED, parts=[])
    try:
        path, notes = find_notebook(folder, lab.name)
        result.notebook = path.name
        cells, read_notes = read_cells(path, student)
        nb, repair_notes = assemble(lab.template, cells, lab.sources)
        result.notes = notes + read_notes + repair_notes
        nb = inject(nb, {"FAST": options.fast})
        with scratch_dir(prefix="grade-", dir=_scratch_base()) as tmp:
            workdir = Path(tmp) / "work"
            workdir.mkdir()
            box = Sandbox(workdir, next_uid(), hide=hide, keep=default_keep()) \
                if options.sandbox and sandbox_available() else None
            run = execute(nb, workdir, cell_timeout=options.cell_timeout,
                          notebook_timeout=options.notebook_timeout, memory_limit=options.memory_limit,
                          output_limit=options.output_limit, sandbox=box,
                          user_expressions={"grader_probe": tamper.PROBE}, threads=threads)
        if run.stopped:
            result.notes.append(f"{run.stopped} (cell {run.stopped_cell})")
        result.parts = score(run, lab.parts, lab.secret)
        answers = {c.metadata["nbgrader"]["grade_id"] for c in lab.template.cells
                   if c.metadata.get("nbgrader", {}).get("solution")}
        result.review = sorted(set(tamper.scan(cells, answers)).union(
            *(tamper.probe_findings(r.expressions) for r in run.replies.values())))
        if any(p.message == WITHHELD for p in result.parts):
            result.review.append("an error message quoted hidden test code")
        if result.review:
            result.status = REVIEW
        executed = run.nb
    except SubmissionError as exc:
        result.status, result.reason, result.parts, executed = ERROR, exc.reason, _zero(lab, exc.what), None
    except Exception as exc:  # a grader bug must not stop the batch or lose the other grades
        result.status, result.transient, executed = ERROR, True, None
        result.reason = (f"{student}: internal grader error ({type(exc).__name__}: {exc}); "
                         "the submission was not graded, report this to the course staff")
        result.parts = _zero(lab, "internal grader error")
    result.seconds = round(time.monotonic() - started, 2)
    return result, executed
