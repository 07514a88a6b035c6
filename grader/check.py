"""``check``: run a lab's master headless with papermill in fast mode; every test cell must pass."""
from __future__ import annotations

import os
import tempfile
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import papermill
from papermill.exceptions import PapermillExecutionError

from grader.errors import CheckFailed
from grader.execute import KERNEL_ENV
from grader.layout import master_path
from grader.nbsteps import parts
from grader.release import problems, read_master


@dataclass(frozen=True)
class CheckResult:
    lab: str
    seconds: float
    passed: list[str]


@contextmanager
def _kernel_env():
    saved = {k: os.environ.get(k) for k in KERNEL_ENV}
    os.environ.update(KERNEL_ENV)
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def check_solution(lab: str, *, fast: bool = True, output: Path | None = None) -> CheckResult:
    """Execute the master with papermill (``FAST`` injected); raise CheckFailed unless all tests pass."""
    expected = [p.grade_id for p in parts(read_master(lab))]
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix=f"check-{lab}-") as tmp, _kernel_env():
        try:
            nb = papermill.execute_notebook(
                str(master_path(lab)), str(output) if output else None, parameters={"FAST": fast},
                kernel_name="python3", cwd=tmp, progress_bar=False, log_output=False)
        except PapermillExecutionError as exc:
            raise CheckFailed(f"{lab}: the solution failed in cell {exc.cell_index} "
                              f"({exc.ename}: {exc.evalue})") from exc
    ran = {c.metadata.get("nbgrader", {}).get("grade_id") for c in nb.cells
           if c.cell_type == "code" and c.get("execution_count")
           and not any(o.get("output_type") == "error" for o in c.outputs)}
    missing = [g for g in expected if g not in ran]
    if missing:
        raise CheckFailed(f"{lab}: test cells did not pass: {', '.join(missing)}")
    return CheckResult(lab, time.monotonic() - started, expected)


def check_release(lab: str) -> None:
    found = problems(lab)
    if found:
        raise CheckFailed("; ".join(found))
