#!/usr/bin/env python3
"""Everyday commands. Creates the virtual environment .venv on first use; needs only Python 3.11.

    python3 tasks.py examples   grade the bundled example submissions of every lab, print the score tables
    python3 tasks.py test       run the test suite (what CI runs); extra arguments go to pytest
    python3 tasks.py lab        JupyterLab on labs/, with nbgrader's extension (its Validate button runs the visible tests)
    python3 tasks.py setup      create or update .venv only (and install Debian's chromium for the browser test, as root)
"""
from __future__ import annotations

import csv
import hashlib
import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
PY = VENV / "bin" / "python"
STAMP = VENV / ".installed-from"
# tests/test_browser.py drives Debian's chromium (never a browser downloaded by the test tool).
CHROMIUM = Path("/usr/bin/chromium")


def _wanted() -> str:
    h = hashlib.sha256()
    for name in ("requirements.txt", "pyproject.toml"):
        h.update((ROOT / name).read_bytes())
    return h.hexdigest()


def _run(*cmd: str | Path) -> None:
    print("+", " ".join(str(c) for c in cmd), flush=True)
    subprocess.run([str(c) for c in cmd], check=True, cwd=ROOT)


def browser() -> None:
    """Install Debian's chromium for the browser test when it is missing and we may (root, apt-get).

    Instant when it is there. Otherwise a message says why tests/test_browser.py will be skipped (it fails
    instead when the environment variable CI is set).
    """
    if CHROMIUM.exists():
        return
    why = f"tests/test_browser.py will be skipped (it fails when CI is set): {CHROMIUM} is missing"
    if sys.platform != "linux" or os.geteuid() != 0 or not shutil.which("apt-get"):
        print(f"tasks.py: {why}, and only root with apt-get can install it (apt-get install chromium)", flush=True)
        return
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    install = ["apt-get", "install", "-y", "-qq", "--no-install-recommends", "chromium"]

    def ok(cmd: list[str]) -> bool:
        print("+", " ".join(cmd), flush=True)
        return subprocess.run(cmd, env=env).returncode == 0

    # apt-get update only when the package lists lack chromium or are too old to fetch it.
    listed = subprocess.run(["apt-cache", "show", "chromium"], capture_output=True, env=env).returncode == 0
    if not (listed and ok(install)) and not (ok(["apt-get", "update", "-qq"]) and ok(install)):
        print(f"tasks.py: {why}, and apt-get could not install it", flush=True)


def setup() -> None:
    """Create .venv and install the pinned stack and this project (skipped when nothing changed), and chromium."""
    if sys.version_info[:2] != (3, 11):
        sys.exit(f"Python 3.11 is required (this is {sys.version.split()[0]}): run tasks.py with python3.11")
    browser()
    if STAMP.is_file() and STAMP.read_text() == _wanted():
        return
    if not PY.exists():
        _run(sys.executable, "-m", "venv", VENV)
    _run(PY, "-m", "pip", "install", "--quiet", "--upgrade", "pip")
    _run(PY, "-m", "pip", "install", "--quiet", "-r", "requirements.txt")
    _run(PY, "-m", "pip", "install", "--quiet", "--no-deps", "-e", ".")
    STAMP.write_text(_wanted())


def _differences(got_csv: Path, expected_csv: Path) -> list[str]:
    """Where grades.csv differs from the hand-written expected_grades.csv (its columns only)."""
    def rows(path: Path) -> dict[str, dict[str, str]]:
        with open(path, newline="", encoding="utf-8") as fh:
            return {row["student"]: row for row in csv.DictReader(fh)}

    def same(a: str | None, b: str) -> bool:
        try:
            return a is not None and float(a) == float(b)
        except ValueError:
            return a == b

    got, expected = rows(got_csv), rows(expected_csv)
    return [f"{student} {column}: expected {value}, got {got.get(student, {}).get(column, 'nothing')}"
            for student, row in expected.items() for column, value in row.items()
            if column != "student" and not same(got.get(student, {}).get(column), value)]


def examples(args: list[str]) -> int:
    """Grade every lab's example submissions (extra arguments go to `grader grade`, e.g. --jobs 1 or
    --out DIR) and compare the scores with examples/submissions/<lab>/expected_grades.csv."""
    labs = sorted(p.name for p in (ROOT / "examples" / "submissions").iterdir() if p.is_dir())
    out = Path(args[args.index("--out") + 1]) if "--out" in args[:-1] else ROOT / "grades"
    status = 0
    for lab in labs:
        cmd = [PY, "-m", "grader", "grade", lab, f"examples/submissions/{lab}", "--jobs", str(os.cpu_count() or 1), *args]
        print("+", " ".join(map(str, cmd)), flush=True)
        status |= subprocess.run([str(c) for c in cmd], cwd=ROOT).returncode
        expected = ROOT / "examples" / "submissions" / lab / "expected_grades.csv"
        wrong = _differences(out / lab / "grades.csv", expected)
        print(f"{lab}: " + ("every score as in expected_grades.csv" if not wrong else
                            "DIFFERS from expected_grades.csv:\n  " + "\n  ".join(wrong)), flush=True)
        status |= bool(wrong)
    return status


def test(args: list[str]) -> int:
    workers = str(min(os.cpu_count() or 1, 4))
    return subprocess.run([str(PY), "-m", "pytest", "-n", workers, "--dist", "loadgroup", *args],
                          cwd=ROOT).returncode


def lab(args: list[str]) -> int:
    return subprocess.run([str(VENV / "bin" / "jupyter"), "lab", f"--ServerApp.root_dir={ROOT / 'labs'}", *args],
                          cwd=ROOT).returncode


def main() -> int:
    if len(sys.argv) < 2 or sys.argv[1] not in {"setup", "examples", "test", "lab"}:
        print(__doc__)
        return 2
    verb, args = sys.argv[1], sys.argv[2:]
    setup()
    if verb == "setup":
        return 0
    return {"examples": examples, "test": test, "lab": lab}[verb](args)


if __name__ == "__main__":
    raise SystemExit(main())
