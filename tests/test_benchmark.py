"""The benchmark (benchmarks/run.py) runs end to end in its tiny configuration and writes every section.

Tiny: the first lab's solution in fast mode only, and N=2 copies of its ``untouched`` example graded by
``grader grade --jobs 1``, ``--jobs <cores>``, papermill alone and ``nbgrader autograde``, then once more
unchanged. It proves the benchmark works; the figures themselves are not checked against the targets.
"""
from __future__ import annotations

import json
import re
import subprocess
import sys

import pytest

from grader.layout import ROOT, lab_names

pytestmark = pytest.mark.slow

NUMBER = r"\d+(?:\.\d+)?"


def test_tiny_benchmark_writes_a_report_with_every_section(tmp_path):
    report = tmp_path / "report.md"
    run = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "run.py"), "--tiny", "--out", str(report),
                          "--work", str(tmp_path / "work")],
                         cwd=ROOT, capture_output=True, text=True, timeout=900)
    assert run.returncode == 0, run.stderr[-3000:]
    assert report.is_file()
    text = report.read_text()
    lab = lab_names()[0]

    # header: cores, CPU, versions, command line
    assert re.search(r"`nproc` = \d+", text)
    for package in ["nbgrader", "papermill", "nbclient", "scikit-learn", "torch", "autogluon.tabular", "optuna",
                    "wandb", "transformers", "peft"]:
        assert re.search(rf"{re.escape(package)} [\w.+]+", text), package
    assert "benchmarks/run.py --tiny" in text

    for heading in ["## 1. Labs", "## 2. Grading throughput", "## 3. Grader overhead", "## 4. Second run"]:
        assert heading in text, heading

    # 1: the lab in fast mode passed, with a wall time and a peak memory beside their targets
    row = next(line for line in text.splitlines() if line.startswith(f"| {lab} | fast |"))
    assert "passed" in row
    assert re.search(rf"\| {NUMBER} s \| ≤ 60 s \| (yes|\*\*no\*\*) \|", row)
    assert re.search(rf"\| {NUMBER} GiB \| {NUMBER} GiB \| ≤ 4 GiB \| (yes|\*\*no\*\*) \|", row)

    # 2: three runners with submissions per minute; the scores agree (untouched: 0 points everywhere)
    for runner in ["grader --jobs 1", "grader --jobs", "nbgrader autograde (serial)"]:
        assert re.search(rf"\| {re.escape(runner)}[^|]* \| `[^`]+` \| 2 \| {NUMBER} s \| {NUMBER} \|", text), runner
    assert re.search(rf"vs nbgrader serial autograde \| {NUMBER}x", text)
    assert "Scores agree across runners: **yes**" in text

    # 3: an overhead figure against its target
    assert re.search(rf"overhead per submission [^|]*\| [+-]{NUMBER} s \| ≤ 1.5 s \|", text)

    # 4: the second run graded nothing again and skipped both submissions
    assert re.search(rf"--jobs 1` \| {NUMBER} s \| 0 \| 2 \|", text)

    raw = json.loads(report.with_suffix(".json").read_text())
    assert raw["labs"][0]["status"] == "passed" and raw["labs"][0]["peak_tree_rss"] > 0
    assert "## 2. Grading throughput" in run.stdout  # the tables are printed too
