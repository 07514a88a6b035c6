#!/usr/bin/env python3
"""Benchmark the labs and the grader side by side, in one run, and write a Markdown report.

    .venv/bin/python benchmarks/run.py                       # every lab fast+full, grading lab 1 with N=20
    .venv/bin/python benchmarks/run.py --labs lab1-cv-svm-rf --n 20 --modes fast,full
    .venv/bin/python benchmarks/run.py --tiny --out /tmp/report.md   # smoke run (what the test suite does)

Sections of the report (each figure beside its target, with a met/not-met column):

1. Labs: each lab's solution (``solutions/<lab>/<lab>.ipynb``) run by ``grader.check.check_solution``
   in fast and full mode: wall time (kernel start included) and the kernel's peak memory.
2. Grading throughput on the same N submissions (copies of ``examples/submissions/<lab>/*``):
   ``grader grade --jobs 1``, ``grader grade --jobs <cores>`` and plain ``nbgrader autograde`` on an
   equivalent nbgrader course folder; submissions per minute, ratios, and whether the scores agree.
3. The grader's overhead per submission over running the same assembled notebook with papermill
   alone (kernel start included in both).
4. Grading the same submissions a second time with nothing changed (no ``--force``).

The report goes to ``benchmarks/reports/report.md`` (git-ignored) unless ``--out`` says otherwise;
the tables are printed to stdout as well.
"""
from __future__ import annotations

import argparse
import csv
import datetime as _dt
import importlib.metadata
import json
import os
import platform
import re
import resource
import shlex
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))

import nbformat  # noqa: E402

from grader.execute import KERNEL_ENV, cores  # noqa: E402
from grader.layout import EXAMPLES, lab_names, master_path  # noqa: E402

DEFAULT_OUT = HERE / "reports" / "report.md"
GiB = 1024 ** 3

# Targets from the issue. Figures, not pass/fail tests: the report says met / not met.
TARGET_FAST_S = 60.0
TARGET_FULL_S = 600.0
TARGET_PEAK_BYTES = 4 * GiB
TARGET_SPEEDUP = 1.8          # --jobs 2 over nbgrader's serial autograde, with 2 cores
TARGET_OVERHEAD_S = 1.5       # grader per submission minus bare papermill per submission
TARGET_RERUN_S = 5.0          # "near-instant": the whole unchanged second run, N submissions
POLL_S = 0.2

VERSIONS = ["nbgrader", "papermill", "nbclient", "jupyter_client", "ipykernel", "nbformat", "scikit-learn",
            "torch", "autogluon.tabular", "optuna", "wandb", "transformers", "peft", "psutil"]

MEMORY_METHOD = (
    "peak of the summed RSS of the kernel process and all its descendants, polled with psutil every "
    f"{POLL_S:g} s from a separate benchmark worker process whose only child is the kernel (an upper bound: "
    "pages shared between processes count once per process); cross-check: ru_maxrss of "
    "getrusage(RUSAGE_CHILDREN) in that worker after the kernel exited (largest single waited-for process, "
    "exact peak, no polling gaps)")


# --------------------------------------------------------------------------------------------- helpers

def venv_env() -> dict[str, str]:
    """The environment for everything we start: the venv's bin first on PATH (nbgrader needs `alembic`)
    and the grader's kernel variables (headless plots, offline Hugging Face), so every runner gets the same."""
    env = dict(os.environ)
    bindir = str(Path(sys.executable).parent)
    env["PATH"] = bindir + os.pathsep + env.get("PATH", "")
    env.update(KERNEL_ENV)
    return env


@contextmanager
def environ(values: dict[str, str]):
    saved = dict(os.environ)
    os.environ.update(values)
    try:
        yield
    finally:
        os.environ.clear()
        os.environ.update(saved)


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.lower().startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def mem_total() -> str:
    try:
        import psutil
        return f"{psutil.virtual_memory().total / GiB:.1f} GiB"
    except Exception:
        return "?"


def load() -> str:
    try:
        return "/".join(f"{x:.2f}" for x in os.getloadavg())
    except OSError:
        return "?"


def version(dist: str) -> str:
    try:
        return importlib.metadata.version(dist)
    except importlib.metadata.PackageNotFoundError:
        return "not installed"


def git_rev() -> str:
    try:
        rev = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True,
                             text=True, timeout=10).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain"], cwd=ROOT, capture_output=True,
                               text=True, timeout=30).stdout.strip()
        return rev + (" (working tree has uncommitted changes)" if dirty else "") if rev else "?"
    except Exception:
        return "?"


def grader_source() -> str:
    """A digest of the grader's source: the report warns when it changed while the benchmark ran."""
    import hashlib

    h = hashlib.sha256()
    for path in sorted((ROOT / "grader").glob("*.py")):
        h.update(path.name.encode() + path.read_bytes())
    return h.hexdigest()[:12]


def sandbox_state() -> str:
    try:
        from grader.sandbox import available
    except ImportError:
        return "none (no grader.sandbox)"
    try:
        return "on (grader.sandbox.available())" if available() else "off (not available on this machine)"
    except Exception as exc:
        return f"unknown ({type(exc).__name__})"


def gib(n: float | None) -> str:
    return "?" if n is None else f"{n / GiB:.2f} GiB"


def met(ok: bool | None) -> str:
    return "n/a" if ok is None else ("yes" if ok else "**no**")


def table(header: list[str], rows: list[list[object]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(str(c).replace("|", "\\|").replace("\n", " ") for c in row) + " |" for row in rows]
    return "\n".join(lines)


def log(msg: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')} load {load()}] {msg}", file=sys.stderr, flush=True)


def set_fast(nb: nbformat.NotebookNode) -> bool:
    """Write ``FAST = True`` into the cell tagged ``parameters`` (what papermill's injection does for us)."""
    for cell in nb.cells:
        if cell.cell_type == "code" and "parameters" in cell.metadata.get("tags", []):
            new, n = re.subn(r"(?m)^FAST\s*=\s*[^#\n]*", "FAST = True ", cell.source)
            if n == 0:
                new = cell.source.rstrip("\n") + "\nFAST = True"
            cell.source = new
            return True
    return False


# ------------------------------------------------------------------------------- 1. labs: worker side

class TreePeak(threading.Thread):
    """Polls the summed RSS of every descendant of ``pid`` and keeps the peak."""

    def __init__(self, pid: int, interval: float = POLL_S):
        super().__init__(daemon=True)
        self.pid, self.interval = pid, interval
        self.peak, self.peak_procs, self.samples = 0, 0, 0
        self._stop_event = threading.Event()

    def sample(self) -> None:
        import psutil
        total, procs = 0, 0
        try:
            children = psutil.Process(self.pid).children(recursive=True)
        except psutil.Error:
            return
        for proc in children:
            try:
                total += proc.memory_info().rss
                procs += 1
            except psutil.Error:
                pass
        self.samples += 1
        if total > self.peak:
            self.peak, self.peak_procs = total, procs

    def run(self) -> None:
        self.sample()
        while not self._stop_event.wait(self.interval):
            self.sample()

    def stop(self) -> None:
        self._stop_event.set()
        self.join()


def worker(lab: str, mode: str, out_json: Path) -> int:
    """Run one lab's solution in one mode in this (fresh) process; write the figures as JSON."""
    from grader.check import check_solution
    from grader.errors import CheckFailed

    poll = TreePeak(os.getpid())
    poll.start()
    started = time.monotonic()
    status, message, seconds = "passed", "", None
    try:
        result = check_solution(lab, fast=(mode == "fast"))
        seconds = result.seconds
        message = f"{len(result.passed)} test cells passed"
    except CheckFailed as exc:
        status, message = "failed", str(exc)
    except Exception as exc:  # report, do not hide
        status, message = "error", f"{type(exc).__name__}: {exc}"
    wall = time.monotonic() - started
    poll.stop()
    maxrss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * 1024  # KiB on Linux
    out_json.write_text(json.dumps({
        "lab": lab, "mode": mode, "status": status, "message": message,
        "seconds": seconds if seconds is not None else wall, "wall": wall,
        "peak_tree_rss": poll.peak, "peak_procs": poll.peak_procs, "samples": poll.samples,
        "ru_maxrss_children": maxrss}))
    return 0


# ------------------------------------------------------------------------------- 1. labs: driver side

@dataclass
class LabRun:
    lab: str
    mode: str
    status: str
    message: str
    seconds: float
    peak_tree_rss: int | None
    ru_maxrss_children: int | None
    peak_procs: int = 0
    samples: int = 0
    load_before: str = ""
    load_after: str = ""


def run_lab(lab: str, mode: str, work: Path, timeout: float) -> LabRun:
    out_json = work / f"lab-{lab}-{mode}.json"
    before = load()
    cmd = [sys.executable, str(Path(__file__).resolve()), "--worker", lab, mode, str(out_json)]
    log(f"lab {lab} in {mode} mode ...")
    proc = subprocess.Popen(cmd, env=venv_env(), cwd=ROOT, start_new_session=True,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        output, _ = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)  # the worker and the kernel it started
        proc.communicate()
        return LabRun(lab, mode, "timeout", f"stopped after {timeout:.0f} s", timeout, None, None,
                      load_before=before, load_after=load())
    if proc.returncode != 0 or not out_json.is_file():
        tail = " ".join(output.strip().splitlines()[-3:])
        return LabRun(lab, mode, "error", f"worker exited with {proc.returncode}: {tail}", float("nan"),
                      None, None, load_before=before, load_after=load())
    data = json.loads(out_json.read_text())
    run = LabRun(lab, mode, data["status"], data["message"], data["seconds"], data["peak_tree_rss"],
                 data["ru_maxrss_children"], data["peak_procs"], data["samples"], before, load())
    log(f"lab {lab} {mode}: {run.seconds:.1f} s, peak {gib(run.peak_tree_rss)} ({run.status})")
    return run


# --------------------------------------------------------------------------- 2.-4. grading: helpers

@dataclass
class Batch:
    name: str
    command: str
    seconds: float
    n: int
    scores: dict[str, dict[str, float]] = field(default_factory=dict)
    per_sub: list[float] = field(default_factory=list)
    graded: int | None = None
    skipped: int | None = None
    note: str = ""
    load_before: str = ""
    load_after: str = ""

    @property
    def per_minute(self) -> float:
        return self.n / self.seconds * 60 if self.seconds > 0 else float("inf")


def make_submissions(lab: str, n: int, pool: list[str] | None, dest: Path) -> dict[str, str]:
    """N student folders, copies of the lab's example submissions in turn; returns copy -> example."""
    examples = sorted(p.name for p in (EXAMPLES / lab).iterdir()
                      if p.is_dir() and (p / f"{lab}.ipynb").is_file())
    if pool:
        missing = sorted(set(pool) - set(examples))
        if missing:
            raise SystemExit(f"no example submission(s) {missing} for {lab} (have {examples})")
        examples = [e for e in examples if e in pool]
    if not examples:
        raise SystemExit(f"{lab} has no example submissions under {EXAMPLES / lab}")
    origin = {}
    for i in range(n):
        example = examples[i % len(examples)]
        student = f"s{i + 1:03d}-{example}"
        (dest / student).mkdir(parents=True)
        shutil.copy2(EXAMPLES / lab / example / f"{lab}.ipynb", dest / student / f"{lab}.ipynb")
        origin[student] = example
    return origin


def expected_scores(lab: str, origin: dict[str, str]) -> dict[str, dict[str, float]] | None:
    path = EXAMPLES / lab / "expected_grades.csv"
    if not path.is_file():
        return None
    with open(path, newline="") as fh:
        rows = {row["student"]: row for row in csv.DictReader(fh)}
    skip = {"student", "total", "max", "status", "reason"}
    out = {}
    for student, example in origin.items():
        if example not in rows:
            return None
        out[student] = {k: float(v) for k, v in rows[example].items() if k not in skip and v != ""}
    return out


def grader_batch(name: str, lab: str, subs: Path, out: Path, jobs: int, force: bool, cell_timeout: float) -> Batch:
    """Time the grader's command, ``python -m grader grade`` (interpreter start included, like
    ``nbgrader autograde``); read its results back with the grader's API."""
    from grader.results import read_results

    cmd = [sys.executable, "-m", "grader", "grade", lab, str(subs), "--out", str(out), "--jobs", str(jobs),
           "--cell-timeout", f"{cell_timeout:g}"] + (["--force"] if force else [])
    before = load()
    log(f"{name}: grader grade {lab} --jobs {jobs}{' --force' if force else ''} ...")
    logfile = out.parent / f"{out.name}{'-force' if force else '-again'}.log"
    out.parent.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    with open(logfile, "w") as fh:
        rc = subprocess.run(cmd, cwd=ROOT, env=venv_env(), stdout=fh, stderr=subprocess.STDOUT).returncode
    seconds = time.monotonic() - started
    text = logfile.read_text(errors="replace")
    m = re.search(r"\((\d+) graded now, (\d+) unchanged and skipped\)", text)
    graded, skipped = (int(m.group(1)), int(m.group(2))) if m else (None, None)
    students = {p.name for p in subs.iterdir() if p.is_dir()}
    results = [r for r in read_results(out / lab / "results") if r.student in students]
    scores = {r.student: {p.grade_id: p.points for p in r.parts} for r in results}
    note = "" if rc in (0, 1) and m else f"exited with {rc}; see {logfile}"
    errors = [f"{r.student}: {r.reason}" for r in results if r.status != "graded"]
    if errors:
        note = "; ".join([note] * bool(note) + [f"{len(errors)} not graded: {errors[0]}"])
    shown = f"python -m grader grade {lab} SUBMISSIONS --out OUT --jobs {jobs}" + (" --force" if force else "")
    batch = Batch(name, shown, seconds, len(results), scores,
                  [r.seconds for r in results] if graded else [], graded, skipped, note, before, load())
    log(f"{name}: {seconds:.1f} s ({batch.per_minute:.1f} submissions/min)")
    return batch


def rerun_api_seconds(lab: str, subs: Path, out: Path) -> tuple[float, int, int]:
    """The unchanged second run once more, in-process through ``grader.grade.grade`` (no interpreter start)."""
    from grader.grade import grade

    started = time.monotonic()
    report = grade(lab, subs, out, jobs=1, force=False, progress=None)
    return time.monotonic() - started, report.graded, report.skipped


def papermill_batch(lab: str, subs: Path, work: Path) -> tuple[Batch, float]:
    """The same assembled notebooks (lab cells + student answers, hidden tests in), run one by one
    with papermill.execute_notebook and FAST=True: a fresh kernel each, errors allowed so every cell runs."""
    import papermill
    from papermill.exceptions import PapermillExecutionError

    from grader.assemble import assemble
    from grader.grade import student_folders
    from grader.grade_one import load_lab
    from grader.submission import find_notebook, read_cells

    t0 = time.monotonic()
    lab_obj = load_lab(lab, work / "papermill-gradebook.db")  # a fresh gradebook: what `grade` pays once per batch
    fresh_db = time.monotonic() - t0
    inputs = []
    for folder in student_folders(subs):
        path, _ = find_notebook(folder, lab)
        cells, _ = read_cells(path, folder.name)
        nb, _ = assemble(lab_obj.template, cells, lab_obj.sources)
        target = work / "papermill" / "in" / f"{folder.name}.ipynb"
        target.parent.mkdir(parents=True, exist_ok=True)
        nbformat.write(nb, target)
        inputs.append(target)
    (work / "papermill" / "out").mkdir(parents=True, exist_ok=True)
    before = load()
    log(f"papermill alone: {len(inputs)} notebooks ...")
    times = []
    started = time.monotonic()
    with environ(venv_env()):
        for path in inputs:
            t0 = time.monotonic()
            with tempfile.TemporaryDirectory(prefix="bench-pm-") as cwd:
                try:
                    papermill.execute_notebook(str(path), str(work / "papermill" / "out" / path.name),
                                               parameters={"FAST": True}, kernel_name="python3", cwd=cwd,
                                               progress_bar=False, log_output=False, allow_errors=True)
                except PapermillExecutionError:
                    pass  # the notebook has failing cells (an unanswered submission): it still ran to the end
            times.append(time.monotonic() - t0)
    seconds = time.monotonic() - started
    batch = Batch("papermill alone", "papermill.execute_notebook(assembled, out, parameters={'FAST': True}, "
                  "allow_errors=True), one after another", seconds, len(inputs), per_sub=times,
                  load_before=before, load_after=load())
    log(f"papermill alone: {seconds:.1f} s")
    return batch, fresh_db


def nbgrader_course(lab: str, subs: Path, course: Path, env: dict[str, str], cell_timeout: float) -> tuple[float, str]:
    """An nbgrader course folder equivalent to what the grader does: source = the master with FAST = True,
    submitted/<student>/<lab>/<lab>.ipynb = the same submissions with FAST = True; returns the seconds
    generate_assignment took and the log path."""
    src = course / "source" / lab
    shutil.copytree(master_path(lab).parent, src, ignore=shutil.ignore_patterns(".ipynb_checkpoints"))
    master = nbformat.read(master_path(lab), as_version=4)
    set_fast(master)
    nbformat.write(master, src / f"{lab}.ipynb")
    (course / "nbgrader_config.py").write_text(
        "c = get_config()\n"
        f"c.CourseDirectory.root = {str(course)!r}\n"
        "c.CourseDirectory.course_id = 'benchmark'\n"
        f"c.Execute.timeout = {int(cell_timeout)}  # the grader's per-cell limit (nbgrader's default is 30 s)\n")
    seconds, rc, logfile = run_nbgrader("generate_assignment", lab, course, env)
    if rc != 0:
        raise RuntimeError(f"nbgrader generate_assignment failed ({rc}); see {logfile}")
    for folder in sorted(p for p in subs.iterdir() if p.is_dir()):
        nb = nbformat.read(folder / f"{lab}.ipynb", as_version=4)
        set_fast(nb)
        dest = course / "submitted" / folder.name / lab
        dest.mkdir(parents=True)
        nbformat.write(nb, dest / f"{lab}.ipynb")
    return seconds, str(logfile)


def run_nbgrader(verb: str, lab: str, course: Path, env: dict[str, str]) -> tuple[float, int, Path]:
    """``nbgrader <verb> <lab> --force`` in the course folder: seconds, exit status, log file."""
    exe = Path(sys.executable).parent / "nbgrader"
    cmd = [str(exe) if exe.exists() else shutil.which("nbgrader") or "nbgrader", verb, lab, "--force"]
    logfile = course / f"{verb}.log"
    started = time.monotonic()
    with open(logfile, "w") as fh:
        rc = subprocess.run(cmd, cwd=course, env=env, stdout=fh, stderr=subprocess.STDOUT, check=False).returncode
    return time.monotonic() - started, rc, logfile


def nbgrader_batch(lab: str, subs: Path, work: Path, cell_timeout: float) -> tuple[Batch, Path]:
    from nbgrader.api import Gradebook, MissingEntry

    course = work / "nbgrader-course"
    course.mkdir(parents=True)
    env = venv_env()
    gen_s, _ = nbgrader_course(lab, subs, course, env, cell_timeout)
    students = sorted(p.name for p in subs.iterdir() if p.is_dir())
    before = load()
    log(f"nbgrader autograde: {len(students)} submissions ...")
    seconds, rc, logfile = run_nbgrader("autograde", lab, course, env)
    scores: dict[str, dict[str, float]] = {}
    with environ({"PATH": env["PATH"]}), Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gb:
        for student in students:
            try:
                nb = gb.find_submission_notebook(lab, lab, student)
            except MissingEntry:
                continue
            scores[student] = {g.name: float(g.auto_score or 0.0) for g in nb.grades}
    note = f"generate_assignment (once per course, not timed above): {gen_s:.1f} s"
    if rc != 0:
        note += f"; autograde exited with {rc} (see {logfile})"
    missing = sorted(set(students) - set(scores))
    if missing:
        note += f"; no grades for {len(missing)} submission(s): {', '.join(missing[:5])}"
    cmd = f"nbgrader autograde {lab} --force   (course folder with FAST = True, c.Execute.timeout = {int(cell_timeout)})"
    batch = Batch("nbgrader autograde (serial)", cmd, seconds, len(students), scores, note=note,
                  load_before=before, load_after=load())
    log(f"nbgrader autograde: {seconds:.1f} s")
    return batch, course


def nbgrader_reason(course: Path, lab: str, student: str, grade_id: str) -> str:
    """Why nbgrader scored a test cell as it did, from its autograded notebook."""
    path = course / "autograded" / student / lab / f"{lab}.ipynb"
    if not path.is_file():
        return "nbgrader wrote no autograded notebook"
    nb = nbformat.read(path, as_version=4)
    for cell in nb.cells:
        if cell.metadata.get("nbgrader", {}).get("grade_id") != grade_id:
            continue
        errors = [o for o in cell.get("outputs", []) if o.get("output_type") == "error"]
        if errors:
            return f"nbgrader: the cell raised {errors[0].get('ename')}: {str(errors[0].get('evalue'))[:120]}"
        stderr = [o for o in cell.get("outputs", []) if o.get("output_type") == "stream" and o.get("name") == "stderr"]
        if stderr:
            first = next((ln for ln in "".join(stderr[0].get("text", "")).splitlines() if ln.strip()), "")
            return f"nbgrader gives 0 to a test cell with stderr output: {first.strip()[:140]}"
        if not cell.get("execution_count"):
            return "nbgrader: the cell did not run"
        return "nbgrader: the cell passed"
    return "nbgrader: cell not found"


def compare(reference: dict[str, dict[str, float]], other: dict[str, dict[str, float]]) -> list[tuple[str, str, float | None, float | None]]:
    """(student, grade_id, reference, other) for every part where the two disagree."""
    diffs = []
    for student in sorted(set(reference) | set(other)):
        a, b = reference.get(student, {}), other.get(student, {})
        for gid in sorted(set(a) | set(b)):
            if a.get(gid) is None or b.get(gid) is None or abs(a[gid] - b[gid]) > 1e-9:
                diffs.append((student, gid, a.get(gid), b.get(gid)))
    return diffs


# ----------------------------------------------------------------------------------------- report

def fmt_s(x: float | None) -> str:
    return "?" if x is None or x != x else f"{x:.1f} s"


def lab_table(runs: list[LabRun]) -> str:
    rows = []
    for r in runs:
        target = TARGET_FAST_S if r.mode == "fast" else TARGET_FULL_S
        ok_t = None if r.status in ("error",) else (r.status == "passed" and r.seconds <= target)
        ok_m = None if r.peak_tree_rss is None else max(r.peak_tree_rss, r.ru_maxrss_children or 0) <= TARGET_PEAK_BYTES
        rows.append([r.lab, r.mode, f"{r.status}: {r.message}", fmt_s(r.seconds),
                     f"≤ {target:.0f} s", met(ok_t), gib(r.peak_tree_rss), gib(r.ru_maxrss_children),
                     f"≤ {TARGET_PEAK_BYTES / GiB:.0f} GiB", met(ok_m), f"{r.load_before} → {r.load_after}"])
    return table(["lab", "mode", "tests", "wall time", "target", "met", "peak RSS, kernel tree (psutil)",
                  "ru_maxrss (largest process)", "target", "met", "load avg 1/5/15 before → after"], rows)


def build_report(args, argv: list[str], started: str, load_start: str, labs: list[LabRun],
                 grading: list[dict], elapsed: float, source_start: str) -> tuple[str, str]:
    ncores = cores()
    source_end = grader_source()
    changed = "" if source_end == source_start else (
        f" **The grader's source changed while this ran ({source_start} → {source_end}): sections may have "
        "measured different versions.**")
    header = [
        "# ModelDev Labs benchmark",
        "",
        f"- date: {started} (took {elapsed / 60:.1f} min)",
        f"- command: `{' '.join(shlex.quote(a) for a in argv)}`",
        f"- machine: {platform.node()}, `nproc` = {ncores} (os.cpu_count() = {os.cpu_count()}), "
        f"CPU: {cpu_model()}, memory {mem_total()}, {platform.system()} {platform.release()}",
        f"- load average (1/5/15 min) at start: {load_start}; at end: {load()}"
        " (other work on the machine slows every figure below; compare figures from the same run)",
        f"- Python {platform.python_version()} ({sys.executable}); grader at git {git_rev()}, "
        f"source digest {source_start}; kernel sandbox in the grader: {sandbox_state()}" + changed,
        "- versions: " + ", ".join(f"{d} {version(d)}" for d in VERSIONS),
        "",
    ]
    body: list[str] = []

    body += ["## 1. Labs: each solution in fast and full mode", "",
             "Each run: `grader.check.check_solution(lab, fast=...)` (papermill, FAST injected, fresh kernel; "
             "kernel start included) in a fresh worker process. Targets are for 2 CPU cores.",
             f"Peak memory: {MEMORY_METHOD}.", ""]
    body += [lab_table(labs) if labs else "_no lab was run (--modes none)_", ""]

    for g in grading:
        lab, n = g["lab"], g["n"]
        j1, jn, pm, nbg, rerun = g["jobs1"], g["jobsN"], g["papermill"], g["nbgrader"], g["rerun"]
        pool = ", ".join(sorted(set(g["origin"].values())))
        body += [f"## 2. Grading throughput: {lab}, N = {n}", "",
                 f"The same {n} submissions (copies, in turn, of the example submissions {pool}) graded by each "
                 f"runner into a fresh output folder. `--jobs {g['jobs']}` = the cores available to this run.", ""]
        ref = nbg.seconds if nbg else None
        rows = []
        for b in [j1, jn, nbg]:
            if b is None:
                continue
            ratio = f"{ref / b.seconds:.2f}x" if ref and b.seconds > 0 else "n/a"
            per = statistics.median(b.per_sub) if b.per_sub else None
            rows.append([b.name, f"`{b.command}`", b.n, fmt_s(b.seconds), f"{b.per_minute:.2f}", ratio,
                         fmt_s(per) if per is not None else "", f"{b.load_before} → {b.load_after}"])
        body += [table(["runner", "command", "N", "wall time", "submissions / min", "speed vs nbgrader",
                        "median s per submission (inside the runner)", "load before → after"], rows), ""]

        # targets
        rows = []
        if nbg:
            speed = nbg.seconds / jn.seconds
            cond = "" if ncores == 2 else f" (target is stated for 2 cores; this run used {ncores})"
            agree_n = not compare(jn.scores, nbg.scores)
            rows.append([f"`--jobs {g['jobs']}` vs nbgrader serial autograde", f"{speed:.2f}x" + cond,
                         f"≥ {TARGET_SPEEDUP}x with identical scores", met(speed >= TARGET_SPEEDUP and agree_n)])
            rows.append(["`--jobs 1` vs nbgrader serial autograde", f"{nbg.seconds / j1.seconds:.2f}x", "", ""])
        rows.append([f"`--jobs {g['jobs']}` vs `--jobs 1`", f"{j1.seconds / jn.seconds:.2f}x", "", ""])
        body += [table(["ratio", "figure", "target", "met"], rows), ""]

        # score agreement
        expected = g["expected"]
        pairs = [("grader --jobs 1", j1.scores), (f"grader --jobs {g['jobs']}", jn.scores)]
        if nbg:
            pairs.append(("nbgrader autograde", nbg.scores))
        rows, details = [], []
        for name, scores in pairs:
            total = sum(sum(v.values()) for v in scores.values())
            vs1 = compare(j1.scores, scores)
            vse = compare(expected, scores) if expected else None
            rows.append([name, f"{total:g}", "identical" if not vs1 else f"{len(vs1)} part(s) differ",
                         "n/a" if vse is None else ("identical" if not vse else f"{len(vse)} part(s) differ")])
            for student, gid, a, b in vs1[:12]:
                why = nbgrader_reason(g["course"], lab, student, gid) if name.startswith("nbgrader") else ""
                details.append([name, student, gid, a, b, why])
        body += ["Scores per submission and graded part (points):", "",
                 table(["runner", "sum of points", "vs grader --jobs 1", "vs examples/.../expected_grades.csv"], rows), ""]
        if details:
            body += ["Differences (first ones):", "",
                     table(["runner", "student", "part", "grader --jobs 1", "this runner", "why"], details), ""]
        agree = all(not compare(j1.scores, s) for _, s in pairs)
        body += [f"Scores agree across runners: **{'yes' if agree else 'no'}**.", ""]
        notes = [f"- {b.name}: {b.note}" for b in [j1, jn, nbg] if b and b.note]
        if nbg:
            notes.append("- nbgrader gets the same submissions with `FAST = True` written into the parameters cell "
                         "of the source master and of every submission (the grader injects FAST=True with papermill "
                         "instead); its per-cell time limit is set to the grader's. Both are timed as commands "
                         "(interpreter start included); the grader's timed runs also create their gradebook, "
                         "nbgrader's was created by generate_assignment beforehand.")
        notes.append("- The grader sizes each kernel's BLAS/OpenMP thread pools to its share of the cores (cores // "
                     "jobs; variables already set in the environment win); nbgrader and papermill leave the "
                     "libraries' defaults (every core per kernel).")
        body += notes + ([""] if notes else [])

        # 3. overhead
        grader_per = j1.seconds / j1.n
        pm_per = pm.seconds / pm.n
        overhead = grader_per - pm_per
        inside = sum(j1.per_sub)
        fixed = j1.seconds - inside
        body += [f"## 3. Grader overhead over papermill alone: {lab}, N = {n}", "",
                 "Both run the same assembled notebooks (lab cells with hidden tests + the student's answers, "
                 "FAST=True) one after another, a fresh kernel each (kernel start included). The grader is timed "
                 "as its command (`python -m grader grade --jobs 1`, interpreter start and a fresh gradebook "
                 "included); papermill as `papermill.execute_notebook` calls in one process, output written to a "
                 "file, errors allowed so every cell runs.", ""]
        rows = [
            ["grader grade --jobs 1: whole batch / N", fmt_s(grader_per), f"{j1.load_before} → {j1.load_after}"],
            ["papermill alone: whole batch / N", fmt_s(pm_per), f"{pm.load_before} → {pm.load_after}"],
            ["grader: mean time per submission inside grade_one (read, assemble, execute, score)",
             fmt_s(inside / j1.n) if j1.per_sub else "?", ""],
            ["median per notebook: grader grade_one / papermill",
             f"{statistics.median(j1.per_sub):.1f} s / {statistics.median(pm.per_sub):.1f} s" if j1.per_sub else "?", ""],
            ["grader outside grade_one, whole batch (interpreter start, imports, gradebook set-up, fingerprints, "
             "writing results, feedback, gradebook rows)", fmt_s(fixed) + f" ({fixed / j1.n:.2f} s per submission)", ""],
            ["of which: creating a fresh gradebook with the lab's cells (measured apart, in-process)",
             fmt_s(g["fresh_db"]), ""],
        ]
        body += [table(["measure", "seconds", "load before → after"], rows), "",
                 table(["figure", "value", "target", "met"],
                       [["overhead per submission (grader batch / N − papermill batch / N)", f"{overhead:+.2f} s",
                         f"≤ {TARGET_OVERHEAD_S} s", met(overhead <= TARGET_OVERHEAD_S)],
                        ["same, grade_one only (per-batch costs left out)", f"{inside / j1.n - pm_per:+.2f} s"
                         if j1.per_sub else "?", "", ""]]), "",
                 "The two batches run one after the other, so a change of load between them shows up here.", ""]

        # 4. rerun
        api_s, api_graded, api_skipped = g["rerun_api"]
        body += [f"## 4. Second run with nothing changed: {lab}, N = {n}", "",
                 "`grader grade` again on the `--jobs 1` output folder, without `--force`: as a command "
                 "(interpreter start and imports included) and as one `grader.grade.grade(...)` call.", "",
                 table(["runner", "wall time", "graded again", "skipped as unchanged", "target", "met"],
                       [[f"`{rerun.command}`", f"{rerun.seconds:.2f} s", rerun.graded, rerun.skipped,
                         f"≤ {TARGET_RERUN_S:g} s, nothing graded again",
                         met(rerun.seconds <= TARGET_RERUN_S and rerun.graded == 0)],
                        ["`grader.grade.grade(lab, subs, out, force=False)`", f"{api_s:.2f} s", api_graded,
                         api_skipped, "", ""]]), "",
                 f"Its scores equal the first run's: {'yes' if not compare(j1.scores, rerun.scores) else '**no**'}.", ""]

    if not grading:
        body += ["## 2.-4. Grading", "", "_skipped (--grade-labs none)_", ""]
    return "\n".join(header), "\n".join(body)


# ------------------------------------------------------------------------------------------- main

def parse_args(argv: list[str]) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="benchmarks/run.py", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--labs", default="all", help="labs whose solutions are timed, comma-separated, 'all' or 'none' "
                   "(default: all, discovered with grader.layout.lab_names())")
    p.add_argument("--modes", default="fast,full", help="fast, full or fast,full (default: fast,full)")
    p.add_argument("--grade-labs", default="first",
                   help="labs for the grading sections (2-4), comma-separated, 'first' (the first of --labs "
                        "with example submissions), 'all' or 'none' (default: first)")
    p.add_argument("--n", type=int, default=20, help="submissions graded by each runner (default: 20)")
    p.add_argument("--pool", default="", help="example students to copy, comma-separated (default: every example)")
    p.add_argument("--jobs", type=int, default=0, help="parallel jobs for the second grader run (default: cores)")
    p.add_argument("--cpus", type=int, default=0,
                   help="pin this run, and every kernel it starts, to the first CPUS cores (Linux; default: all)")
    p.add_argument("--no-nbgrader", action="store_true", help="skip the nbgrader autograde comparison")
    p.add_argument("--cell-timeout", type=float, default=300, help="per-cell limit for the grader and nbgrader")
    p.add_argument("--lab-timeout", type=float, default=3600, help="limit per lab run, seconds (default: 3600)")
    p.add_argument("--out", default=str(DEFAULT_OUT), help=f"report path (default: {DEFAULT_OUT.relative_to(ROOT)})")
    p.add_argument("--work", default="", help="keep the working files (submissions, outputs, nbgrader course) here")
    p.add_argument("--tiny", action="store_true",
                   help="smoke configuration for the test suite: first lab, fast mode only, N=2 copies of the "
                        "'untouched' example")
    p.add_argument("--worker", nargs=3, metavar=("LAB", "MODE", "JSON"), help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args.tiny:
        names = lab_names()
        args.labs = args.labs if args.labs not in ("all",) else names[0]
        args.modes, args.n = "fast", 2
        args.pool = args.pool or "untouched"
    return args


def main(argv: list[str] | None = None) -> int:
    argv_list = sys.argv[1:] if argv is None else argv
    args = parse_args(argv_list)
    if args.worker:
        lab, mode, out_json = args.worker
        return worker(lab, mode, Path(out_json))
    if args.cpus:
        os.sched_setaffinity(0, set(sorted(os.sched_getaffinity(0))[: args.cpus]))
    if args.n < 1:
        raise SystemExit("--n must be at least 1")

    all_labs = lab_names()
    labs = [] if args.labs == "none" else all_labs if args.labs == "all" else [x for x in args.labs.split(",") if x]
    for lab in labs:
        master_path(lab)  # raises LabNotFound with the list of labs
    modes = [m for m in args.modes.split(",") if m and m != "none"]
    if set(modes) - {"fast", "full"}:
        raise SystemExit(f"--modes: fast, full or fast,full, not {args.modes!r}")
    with_examples = [lab for lab in (labs or all_labs) if (EXAMPLES / lab).is_dir()]
    if args.grade_labs == "none":
        grade_labs = []
    elif args.grade_labs == "first":
        grade_labs = with_examples[:1]
    elif args.grade_labs == "all":
        grade_labs = with_examples
    else:
        grade_labs = [x for x in args.grade_labs.split(",") if x]
    jobs = args.jobs or cores()
    pool = [x for x in args.pool.split(",") if x] or None

    started_at = _dt.datetime.now().astimezone().strftime("%Y-%m-%d %H:%M:%S %Z")
    load_start = load()
    source_start = grader_source()
    t_start = time.monotonic()
    out = Path(args.out).resolve()
    out.parent.mkdir(parents=True, exist_ok=True)
    keep = Path(args.work).resolve() if args.work else None
    tmp = None if keep else tempfile.TemporaryDirectory(prefix="modeldev-bench-")
    work = keep or Path(tmp.name)
    work.mkdir(parents=True, exist_ok=True)
    log(f"cores {cores()}, labs {labs}, modes {modes}, grading {grade_labs} with N={args.n}, work {work}")

    try:
        lab_runs = [run_lab(lab, mode, work, args.lab_timeout) for lab in labs for mode in modes]

        grading = []
        for lab in grade_labs:
            lw = work / lab
            if lw.exists():
                shutil.rmtree(lw)
            subs = lw / "submissions"
            origin = make_submissions(lab, args.n, pool, subs)
            ct = args.cell_timeout
            j1 = grader_batch("grader --jobs 1", lab, subs, lw / "out-jobs1", 1, True, ct)
            pm, fresh_db = papermill_batch(lab, subs, lw)  # right after --jobs 1: the overhead compares these two
            rerun = grader_batch("grader, second run", lab, subs, lw / "out-jobs1", 1, False, ct)
            rerun_api = rerun_api_seconds(lab, subs, lw / "out-jobs1")
            jn = grader_batch(f"grader --jobs {jobs}", lab, subs, lw / "out-jobsN", jobs, True, ct)
            nbg, course = (None, None) if args.no_nbgrader else nbgrader_batch(lab, subs, lw, ct)
            grading.append({"lab": lab, "n": args.n, "jobs": jobs, "origin": origin, "jobs1": j1, "jobsN": jn,
                            "papermill": pm, "nbgrader": nbg, "course": course, "rerun": rerun,
                            "rerun_api": rerun_api, "fresh_db": fresh_db,
                            "expected": expected_scores(lab, origin)})

        header, body = build_report(args, [Path(sys.executable).name, "benchmarks/run.py", *argv_list],
                                    started_at, load_start, lab_runs, grading, time.monotonic() - t_start,
                                    source_start)
        text = header + "\n" + body
        out.write_text(text, encoding="utf-8")
        raw = {"labs": [asdict(r) for r in lab_runs],
               "grading": [{k: (asdict(v) if isinstance(v, Batch) else str(v) if isinstance(v, Path) else v)
                            for k, v in g.items()} for g in grading]}
        out.with_suffix(".json").write_text(json.dumps(raw, indent=1, default=str), encoding="utf-8")
        print(text)
        print(f"\nreport written to {out}", file=sys.stderr)
    finally:
        if tmp is not None:
            tmp.cleanup()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
