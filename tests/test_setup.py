"""Set-up: one place for the pins, environment.yml agrees, README and CI run the same commands."""
from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _pins(lines):
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
