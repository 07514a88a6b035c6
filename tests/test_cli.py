"""The command line: clear errors and exit codes."""
from __future__ import annotations

import subprocess
import sys

from grader.layout import ROOT


def grader(*args, cwd=ROOT):
    return subprocess.run([sys.executable, "-m", "grader", *args], capture_output=True, text=True, cwd=cwd)


def test_unknown_lab_names_the_known_ones():
    out = grader("release", "lab9-nope")
    assert out.returncode == 2
    assert "no lab 'lab9-nope'" in out.stderr and "lab1-cv-svm-rf" in out.stderr


def test_missing_submissions_folder(tmp_path):
    out = grader("grade", "lab1-cv-svm-rf", str(tmp_path / "missing"), "--out", str(tmp_path / "out"))
    assert out.returncode == 2 and "is not a folder" in out.stderr


def test_ungradable_submission_exits_1_and_prints_the_table(tmp_path):
    (tmp_path / "subs" / "zoe").mkdir(parents=True)
    (tmp_path / "subs" / "zoe" / "lab1-cv-svm-rf.ipynb").write_text("")
    out = grader("grade", "lab1-cv-svm-rf", str(tmp_path / "subs"), "--out", str(tmp_path / "out"))
    assert out.returncode == 1
    assert "zoe" in out.stdout and "the file is empty" in out.stdout
    assert "could not be graded" in out.stderr


def test_check_release_only():
    out = grader("check", "lab1-cv-svm-rf", "--release-only")
    assert out.returncode == 0 and "in sync" in out.stdout
