"""A batch killed midway (SIGKILL, or Ctrl-C) loses nothing, leaves nothing behind, and the same command resumes.

The grader runs as a real ``python -m grader grade`` process, on the tiny lab (tests/conftest.py), whose
master the command finds through a redirected ``solutions/`` folder.
"""
from __future__ import annotations

import csv
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import nbformat
import pytest

from conftest import SOLVED, TINY, Submissions, tiny_master
from grader.layout import ROOT
from grader.nbsteps import release_notebook

pytestmark = [pytest.mark.xdist_group("resume"),
              pytest.mark.skipif(sys.platform != "linux", reason="finds the batch's processes in /proc")]

# ``python -m grader`` with solutions/ moved to argv[1]
GRADER = ("import sys; from pathlib import Path; import grader.layout;"
          "grader.layout.SOLUTIONS = Path(sys.argv[1]);"
          "from grader.cli import main; sys.exit(main(sys.argv[2:]))")
STUDENTS = [f"s{i}" for i in range(1, 9)]
SLOW = "import time\ntime.sleep(4)\n"
"""In every answer but the first student's: when the first result is stored, a kernel is mid-cell."""
INTERRUPTED = "interrupted: finished submissions are saved; run the same command again to resume"


def expected_total(student: str) -> float:
    return 4 if int(student[1:]) % 2 else 3  # odd: solved; even: fails the hidden test of t1


class Batch:
    """One course folder and the command that grades it, with a marker in the environment of every
    process it starts (so kernels left behind can be found) and its own temporary folder."""

    def __init__(self, root: Path):
        self.root, self.out, self.mark = root, root / "out", f"resume-{uuid.uuid4().hex}"
        solutions = root / "solutions"
        (solutions / TINY).mkdir(parents=True)
        nbformat.write(tiny_master(), solutions / TINY / f"{TINY}.ipynb")
        subs = Submissions(root / "submissions", release_notebook(tiny_master()))
        for student in STUDENTS:
            a1 = SOLVED["a1"] if expected_total(student) == 4 else "def double(x):\n    return x + 2"
            subs.write(student, subs.notebook({"a1": a1, "a2": (SLOW if student != "s1" else "") + SOLVED["a2"]}))
        # the kernels' unix sockets live in their working folder under TMPDIR: keep its path short (AF_UNIX: 107 bytes)
        self.tmp = Path(tempfile.mkdtemp(prefix="resume-"))
        self.cmd = [sys.executable, "-c", GRADER, str(solutions), "grade", TINY, str(subs.root),
                    "--out", str(self.out), "--jobs", "2", "--cell-timeout", "60", "--notebook-timeout", "120"]
        self.env = {**os.environ, "TMPDIR": str(self.tmp), "GRADER_TEST_MARK": self.mark}
        self.results = self.out / TINY / "results"

    def start(self, log: str) -> subprocess.Popen:
        with open(self.root / f"{log}.out", "w") as out, open(self.root / f"{log}.err", "w") as err:
            # Ctrl-C reaches it as in a terminal even when this test runs in a background job (whose
            # children inherit SIGINT ignored, and Python then leaves it ignored)
            return subprocess.Popen(self.cmd, cwd=ROOT, env=self.env, stdout=out, stderr=err, start_new_session=True,
                                    preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))

    def log(self, name: str) -> str:
        return (self.root / name).read_text(encoding="utf-8")

    def done(self) -> dict[str, int]:
        """Students with a stored result, and the result file's modification time."""
        return {p.stem: p.stat().st_mtime_ns for p in self.results.glob("*.json")} if self.results.is_dir() else {}

    def processes(self) -> list[str]:
        """Processes still alive that this batch started (grader, sandboxes, kernels)."""
        found = []
        for pid in filter(str.isdigit, os.listdir("/proc")):
            try:
                if f"GRADER_TEST_MARK={self.mark}".encode() in Path(f"/proc/{pid}/environ").read_bytes():
                    cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
                    found.append(f"{pid}: {cmdline[:200]}")
            except OSError:
                pass  # gone meanwhile, or a process we may not inspect
        return found

    def no_processes_left(self, grace: float = 15) -> list[str]:
        deadline = time.monotonic() + grace
        while (left := self.processes()) and time.monotonic() < deadline:
            time.sleep(0.2)
        return left


@pytest.fixture
def batch(tmp_path):
    made = Batch(tmp_path)
    yield made
    for line in made.processes():  # only after a failure: never leave a kernel behind on the machine
        try:
            os.kill(int(line.split(":", 1)[0]), signal.SIGKILL)
        except OSError:
            pass
    shutil.rmtree(made.tmp, ignore_errors=True)


def stop_midway(batch: Batch, sig: signal.Signals) -> tuple[subprocess.Popen, float]:
    """Start the batch, wait until some but not all results are stored, send ``sig`` to its process group."""
    proc = batch.start("first")
    deadline = time.monotonic() + 240
    while not batch.done():
        assert proc.poll() is None, f"the batch ended before any result: {batch.log('first.err')}"
        assert time.monotonic() < deadline, "no result within 240 s"
        time.sleep(0.05)
    # with --jobs 1 the next kernel starts a moment after the first result is stored: wait for it (its
    # answer sleeps 4 s, so it is still mid-cell when the signal arrives)
    deadline = time.monotonic() + 30
    while not (running := [p for p in batch.processes() if "ipykernel" in p]) and time.monotonic() < deadline:
        time.sleep(0.05)
    os.killpg(proc.pid, sig)
    assert running, "no kernel was running at the kill"
    return proc, time.monotonic()


def check_resumed(batch: Batch, before: dict[str, int]) -> None:
    assert 0 < len(before) < len(STUDENTS), before
    again = subprocess.run(batch.cmd, cwd=ROOT, env=batch.env, capture_output=True, text=True, timeout=400)
    assert again.returncode == 0, again.stderr[-3000:]
    graded, skipped = len(STUDENTS) - len(before), len(before)
    assert f"({graded} graded now, {skipped} unchanged and skipped)" in again.stdout, again.stdout
    after = batch.done()
    assert set(after) == set(STUDENTS)
    assert {s: after[s] for s in before} == before, "a result finished before the kill was graded again"

    with open(batch.out / TINY / "grades.csv", newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert sorted(r["student"] for r in rows) == STUDENTS  # exactly one row per student
    for row in rows:
        assert (float(row["total"]), row["max"], row["status"]) == (expected_total(row["student"]), "4", "graded"), row

    with sqlite3.connect(batch.out / "gradebook.db") as db:
        submissions = dict(db.execute(
            "select student_id, count(*) from submitted_assignment group by student_id").fetchall())
        notebooks = dict(db.execute(
            "select sa.student_id, count(*) from submitted_notebook sn "
            "join submitted_assignment sa on sn.assignment_id = sa.id group by sa.student_id").fetchall())
        grades = db.execute(
            "select sa.student_id, count(*), count(distinct g.cell_id), sum(g.auto_score) from grade g "
            "join submitted_notebook sn on g.notebook_id = sn.id "
            "join submitted_assignment sa on sn.assignment_id = sa.id group by sa.student_id").fetchall()
    assert submissions == {s: 1 for s in STUDENTS}
    assert notebooks == {s: 1 for s in STUDENTS}
    assert {s: (n, distinct, total) for s, n, distinct, total in grades} == \
        {s: (3, 3, expected_total(s)) for s in STUDENTS}

    leftovers = [str(p.relative_to(batch.out)) for p in batch.out.rglob("*")
                 if p.name.startswith(".") or p.suffix in {".tmp", ".new"} or p.name.endswith("-journal")]
    assert leftovers == [], "temporary files left in the output folder"
    assert batch.no_processes_left() == []


def test_sigkill_midway_then_the_same_command_resumes(batch):
    proc, _ = stop_midway(batch, signal.SIGKILL)
    assert proc.wait(timeout=30) == -signal.SIGKILL
    # the sandboxed kernels die with the grader (their death signal), not at the end of their cells
    assert batch.no_processes_left() == [], "kernels outlived the killed grader"
    # what a kill inside write_atomic leaves behind (too short a window to hit on purpose)
    (batch.results / f".{STUDENTS[-1]}.json.{proc.pid}.x1y2z3.tmp").write_text('{"parts": [', encoding="utf-8")
    check_resumed(batch, batch.done())


def test_ctrl_c_midway_stops_promptly_with_a_message_then_the_same_command_resumes(batch):
    batch.cmd[batch.cmd.index("--jobs") + 1] = "1"  # one at a time too: Ctrl-C must not land in a kernel's loop
    proc, sent = stop_midway(batch, signal.SIGINT)
    assert proc.wait(timeout=60) == 130
    waited = time.monotonic() - sent
    err = batch.log("first.err")
    assert INTERRUPTED in err and "Traceback" not in err, err
    # prompt: the running kernels are stopped and nothing queued starts (the rest of the batch needs about 20 s)
    assert waited < 12, f"Ctrl-C took {waited:.1f} s"
    assert batch.no_processes_left() == [], "kernels outlived the interrupted grader"
    assert list(batch.tmp.iterdir()) == [], "the interrupted grader left its temporary folders behind"
    check_resumed(batch, batch.done())
