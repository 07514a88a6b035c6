"""``grade``: auto-grade a folder of submissions (``SUBMISSIONS/<student>/<lab>.ipynb``).

Each submission is rebuilt on the lab's cells (hidden tests restored from nbgrader's gradebook),
run on a fresh kernel in fast mode, and scored. A submission that cannot be graded gets a
reason and zero points; the batch always goes on. Results are written per student as soon
as they exist, atomically, so an interrupted batch resumes where it stopped.
"""
from __future__ import annotations

import hashlib
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import nbformat
from nbformat import NotebookNode

from grader import feedback, gradebook, tamper
from grader.assemble import assemble
from grader.errors import GraderError, SubmissionError
from grader.execute import CELL_TIMEOUT, MEMORY_LIMIT, NOTEBOOK_TIMEOUT, OUTPUT_LIMIT, execute, inject
from grader.fsutil import write_atomic
from grader.layout import ROOT
from grader.nbsteps import Part, parts, release_notebook
from grader.release import read_master
from grader.sandbox import Sandbox, default_keep, next_uid
from grader.sandbox import available as sandbox_available
from grader.results import ERROR, GRADED, REVIEW, SubmissionResult, grades_csv, read_results, write_result
from grader.scoring import NOT_RUN, WITHHELD, PartResult, hidden_code, score

GRADER_VERSION = "1"


@dataclass(frozen=True)
class Lab:
    """Everything about a lab that grading one submission needs (read once per batch)."""

    name: str
    template: NotebookNode
    sources: dict[str, str]
    parts: list[Part]
    fingerprint: str
    secret: str
    """The hidden tests' code without string literals, to keep it out of messages (scoring.redact)."""


@dataclass
class Options:
    cell_timeout: float = CELL_TIMEOUT
    notebook_timeout: float = NOTEBOOK_TIMEOUT
    memory_limit: int = MEMORY_LIMIT
    output_limit: int = OUTPUT_LIMIT
    fast: bool = True
    sandbox: bool = True
    """Isolate each kernel where this machine allows it (Linux, root); see grader/sandbox.py."""


def default_out() -> Path:
    return ROOT / "grades"


def load_lab(lab: str, db_path: Path, master: NotebookNode | None = None) -> Lab:
    """Read the lab once per batch and record it in the gradebook (``master`` defaults to solutions/)."""
    master = master if master is not None else read_master(lab)
    sources = gradebook.prepare(db_path, lab, master)
    digest = hashlib.sha256((GRADER_VERSION + nbformat.writes(master)).encode()).hexdigest()
    return Lab(lab, release_notebook(master), sources, parts(master), digest, hidden_code(master))


def student_folders(submissions: Path) -> list[Path]:
    if not submissions.is_dir():
        raise GraderError(f"{submissions} is not a folder: expected SUBMISSIONS/<student_id>/<lab>.ipynb")
    return sorted(p for p in submissions.iterdir() if p.is_dir() and not p.name.startswith("."))


def fingerprint(lab: Lab, folder: Path) -> str:
    """Changes when the submission, the lab or the grader changes: the key for skipping a regrade."""
    h = hashlib.sha256(lab.fingerprint.encode())
    for path in sorted(folder.rglob("*")):
        if path.is_file():
            h.update(str(path.relative_to(folder)).encode())
            h.update(path.read_bytes())
    return h.hexdigest()


def _zero(lab: Lab, why: str) -> list[PartResult]:
    return [PartResult(p.grade_id, 0.0, p.points, NOT_RUN, why) for p in lab.parts]


def grade_one(lab: Lab, folder: Path, options: Options,
              hide: tuple[Path, ...] = ()) -> tuple[SubmissionResult, NotebookNode | None]:
    """Grade one student's folder; never raises. An internal error (e.g. a kernel that failed to
    start) is retried once.

    ``hide``: folders the student's kernel must not see besides the defaults (output, submissions).
    """
    result, executed = _grade_once(lab, folder, options, hide)
    if result.transient:
        result, executed = _grade_once(lab, folder, options, hide)
    return result, executed


def _grade_once(lab: Lab, folder: Path, options: Options,
                hide: tuple[Path, ...]) -> tuple[SubmissionResult, NotebookNode | None]:
    from grader.submission import find_notebook, read_cells

    student = folder.name
    started = time.monotonic()
    result = SubmissionResult(student=student, lab=lab.name, status=GRADED, parts=[],
                              fingerprint=fingerprint(lab, folder))
    try:
        path, notes = find_notebook(folder, lab.name)
        result.notebook = path.name
        cells, read_notes = read_cells(path, student)
        nb, repair_notes = assemble(lab.template, cells, lab.sources)
        result.notes = notes + read_notes + repair_notes
        nb = inject(nb, {"FAST": options.fast})
        with tempfile.TemporaryDirectory(prefix="grade-") as tmp:
            workdir = Path(tmp) / "work"
            workdir.mkdir()
            box = Sandbox(workdir, next_uid(), hide=hide, keep=default_keep()) \
                if options.sandbox and sandbox_available() else None
            run = execute(nb, workdir, cell_timeout=options.cell_timeout,
                          notebook_timeout=options.notebook_timeout, memory_limit=options.memory_limit,
                          output_limit=options.output_limit, sandbox=box,
                          user_expressions={"grader_probe": tamper.PROBE})
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


@dataclass
class Report:
    lab: str
    out: Path
    results: list[SubmissionResult]
    graded: int
    skipped: int

    @property
    def errors(self) -> list[SubmissionResult]:
        return [r for r in self.results if r.status == ERROR]


def _progress(done: int, total: int, started: float, failures: int, result: SubmissionResult) -> None:
    elapsed = time.monotonic() - started
    eta = elapsed / done * (total - done) if done else 0
    print(f"[{done}/{total}] {result.student}: {result.total:g}/{result.max:g} ({result.status}, "
          f"{result.seconds:.1f} s) | ETA {eta:.0f} s | failures {failures}", file=sys.stderr, flush=True)


def grade(lab_name: str, submissions: Path, out: Path | None = None, *, jobs: int = 1, force: bool = False,
          options: Options | None = None, master: NotebookNode | None = None,
          progress: Callable[..., None] | None = _progress) -> Report:
    """Grade every student folder in ``submissions`` into ``out/<lab>/`` and ``out/gradebook.db``.

    ``master`` replaces ``solutions/<lab>/<lab>.ipynb`` (for labs kept elsewhere, e.g. test fixtures).
    """
    options = options or Options()
    out = (out or default_out()).resolve()
    lab_dir = out / lab_name
    db_path = out / "gradebook.db"
    lab = load_lab(lab_name, db_path, master)
    folders = student_folders(submissions)
    todo, skipped = [], 0
    for folder in folders:
        stored = lab_dir / "results" / f"{folder.name}.json"
        if not force and stored.is_file():
            previous = SubmissionResult.from_json(stored.read_text())
            if previous.fingerprint == fingerprint(lab, folder) and not previous.transient:
                skipped += 1
                continue
        todo.append(folder)

    started, failures = time.monotonic(), 0

    def finish(done: int, result: SubmissionResult, executed: NotebookNode | None) -> None:
        nonlocal failures
        if executed is not None:
            write_atomic(lab_dir / "executed" / f"{result.student}.ipynb", nbformat.writes(executed))
        write_atomic(lab_dir / "feedback" / f"{result.student}.html", feedback.render(result))
        gradebook.record(db_path, lab_name, result.student, {p.grade_id: p.points for p in result.parts})
        write_result(lab_dir / "results" / f"{result.student}.json", result)  # last: marks it done
        failures += result.status == ERROR
        if progress:
            progress(done, len(todo), started, failures, result)

    hide = (ROOT, out, submissions.resolve())
    if jobs <= 1:
        for i, folder in enumerate(todo, 1):
            finish(i, *grade_one(lab, folder, options, hide))
    else:
        with ThreadPoolExecutor(max_workers=jobs) as pool:
            futures = [pool.submit(grade_one, lab, folder, options, hide) for folder in todo]
            for i, future in enumerate(as_completed(futures), 1):
                finish(i, *future.result())

    names = {f.name for f in folders}
    results = [r for r in read_results(lab_dir / "results") if r.student in names]
    write_atomic(lab_dir / "grades.csv", grades_csv(results, [p.grade_id for p in lab.parts]))
    return Report(lab_name, lab_dir, results, graded=len(todo), skipped=skipped)
