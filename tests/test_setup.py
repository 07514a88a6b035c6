"""Set-up: one place for the pins, environment.yml agrees, README and CI run the same commands."""
from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _pins(lines):
    lines = [ln.split("#")[0] for ln in lines]
    return {ln.strip().lstrip("- ").strip() for ln in lines
            if re.match(r"^\s*-?\s*[A-Za-z0-9_.\-\[\],]+==", ln)}


def test_environment_yml_lists_the_same_pins_as_requirements():
    req = _pins((ROOT / "requirements.txt").read_text().splitlines())
    env = _pins((ROOT / "environment.yml").read_text().splitlines())
    assert req and req == env
    assert "torch==2.13.0" in req
    assert "autogluon.tabular[lightgbm,catboost,xgboost]==1.6.3" in req


def test_every_requirement_is_pinned():
    for line in (ROOT / "requirements.txt").read_text().splitlines():
        if line.strip() and not line.startswith("#"):
            assert "==" in line, line


def test_ci_runs_the_readme_test_command():
    readme = (ROOT / "README.md").read_text()
    assert "python3 tasks.py test" in readme and "python3 tasks.py examples" in readme
    assert "python3 tasks.py test" in (ROOT / ".ci" / "run").read_text()


def test_xdist_groups_keep_a_group_on_one_worker(tmp_path):
    """The suite relies on ``--dist loadgroup`` (e.g. one tamper batch per run); some pytest and
    pytest-xdist pairs silently ignore the groups."""
    (tmp_path / "test_grouped.py").write_text(
        "import os, pytest\n"
        + "".join(f"@pytest.mark.xdist_group('g')\ndef test_{i}():\n"
                  f"    open('worker-{i}', 'w').write(os.environ['PYTEST_XDIST_WORKER'])\n" for i in range(4)))
    subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-n", "2",
                    "--dist", "loadgroup", "test_grouped.py"], cwd=tmp_path, check=True, capture_output=True)
    assert len({(tmp_path / f"worker-{i}").read_text() for i in range(4)}) == 1
