"""``grade``: auto-grade a folder of submissions (``SUBMISSIONS/<student>/<lab>.ipynb``).

Each submission is graded by :func:`grader.grade_one.grade_one`; a submission that cannot be
graded gets a reason and zero points, and the batch always goes on. Results are written per
student as soon as they exist, atomically, so an interrupted batch resumes where it stopped.
A submission whose stored result has the same fingerprint is skipped; when nothing needs
grading, the heavy stack (nbgrader, papermill, kernels) is not even imported.
"""
from __future__ import annotations

import sys
import time
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import nbformat
from nbformat import NotebookNode

from grader import feedback
from grader.errors import GraderError
from grader.fingerprint import fingerprint, lab_digest
from grader.fsutil import remove_stale, write_atomic
from grader.layout import ROOT, read_master
from grader.options import Options
from grader.results import ERROR, SubmissionResult, file_stem, grades_csv, read_results, write_result

__all__ = ["Options", "Report", "grade", "student_folders"]


def default_out() -> Path:
    return ROOT / "grades"


def student_folders(submissions: Path) -> list[Path]:
    if not submissions.is_dir():
        raise GraderError(f"{submissions} is not a folder: expected SUBMISSIONS/<student_id>/<lab>.ipynb")
    folders = sorted(p for p in submissions.iterdir() if p.is_dir() and not p.name.startswith("."))
    if not folders and any(submissions.glob("*.ipynb")):
        raise GraderError(f"{submissions} holds notebooks but no student folders: give the folder above it "
                          "(SUBMISSIONS/<student_id>/<lab>.ipynb)")
    return folders


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


def _unchanged(stored: Path, key: str) -> SubmissionResult | None:
    """The stored result if it is still valid: same fingerprint (submission, lab, grader, limits)."""
    if not stored.is_file():
        return None
    previous = SubmissionResult.from_json(stored.read_text(encoding="utf-8"))
    return None if previous.transient or previous.fingerprint != key else previous


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
    remove_stale(lab_dir)  # left by a batch killed while writing
    master = master if master is not None else read_master(lab_name)
    digest = lab_digest(master, options)
    folders = student_folders(submissions)
    keys = {folder.name: fingerprint(digest, folder) for folder in folders}  # taken before grading starts
    todo, kept = [], []
    for folder in folders:
        stored = lab_dir / "results" / f"{file_stem(folder.name)}.json"
        previous = None if force else _unchanged(stored, keys[folder.name])
        (kept if previous else todo).append(previous or folder)

    if todo or not kept or not db_path.is_file():
        part_ids = _grade_batch(lab_name, master, todo, kept, keys, lab_dir, db_path, submissions, jobs, options,
                                progress)
    else:  # nothing to grade: the stored results hold the lab's parts in order
        part_ids = [p.grade_id for p in kept[0].parts]

    names = {f.name for f in folders}
    results = [r for r in read_results(lab_dir / "results") if r.student in names]
    write_atomic(lab_dir / "grades.csv", grades_csv(results, part_ids))
    return Report(lab_name, lab_dir, results, graded=len(todo), skipped=len(kept))


def _grade_batch(lab_name: str, master: NotebookNode, todo: list[Path], kept: list[SubmissionResult],
                 keys: dict[str, str], lab_dir: Path, db_path: Path, submissions: Path, jobs: int,
                 options: Options, progress: Callable[..., None] | None) -> list[str]:
    """Grade ``todo`` (``jobs`` at a time, in worker threads, so that Ctrl-C reaches this thread and
    not a kernel's event loop) and store each result as it comes; returns the part ids."""
    from grader import gradebook
    from grader.execute import cores, kill_running
    from grader.grade_one import grade_one, load_lab

    fresh = not db_path.is_file()
    lab = load_lab(lab_name, db_path, master)
    if fresh:  # a deleted gradebook: put back the scores of the results that are kept
        for result in kept:
            gradebook.record(db_path, lab_name, result.student, {p.grade_id: p.points for p in result.parts})
    started, failures = time.monotonic(), 0

    def finish(done: int, result: SubmissionResult, executed: NotebookNode | None) -> None:
        nonlocal failures
        result.fingerprint = keys[result.student]
        stem = file_stem(result.student)
        if executed is not None:
            write_atomic(lab_dir / "executed" / f"{stem}.ipynb", nbformat.writes(executed))
        write_atomic(lab_dir / "feedback" / f"{stem}.html", feedback.render(result))
        gradebook.record(db_path, lab_name, result.student, {p.grade_id: p.points for p in result.parts})
        write_result(lab_dir / "results" / f"{stem}.json", result)  # last: marks it done
        failures += result.status == ERROR
        if progress:
            progress(done, len(todo), started, failures, result)

    hide = (ROOT, lab_dir.parent, submissions.resolve())
    threads = max(1, cores() // max(1, jobs))  # each kernel's share: side by side, they must not oversubscribe
    with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
        futures = [pool.submit(grade_one, lab, folder, options, hide, threads) for folder in todo]
        try:
            for i, future in enumerate(as_completed(futures), 1):
                finish(i, *future.result())
        except BaseException:  # Ctrl-C: start nothing more, stop the kernels now; unfinished work is not saved
            pool.shutdown(wait=False, cancel_futures=True)
            while not all(f.done() for f in futures):
                kill_running()
                time.sleep(0.2)
            raise
    return [p.grade_id for p in lab.parts]
