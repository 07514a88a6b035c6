"""The student side in a real browser: Debian's chromium drives JupyterLab with nbgrader's extension.

Run All on the released lab 1 stops at the stub of the first answer; the Validate button on a filled-in
copy reports success. Screenshots and the server log go to test-artifacts/browser/.

One test, so that one server and one browser serve both steps wherever pytest-xdist schedules it.
"""
from __future__ import annotations

import re
import shutil
from pathlib import Path

import nbformat
import pytest
from nbgrader.utils import compute_checksum

from browser import ARTIFACTS, CHROMIUM, CHROMIUM_ARGS, ROOT, LabServer, PageErrors, require

try:
    from playwright.sync_api import expect, sync_playwright
except ImportError:   # require() skips, or fails under CI, with the reason
    expect = sync_playwright = None

pytestmark = pytest.mark.slow

LAB = "lab1-cv-svm-rf"
RELEASED = f"released/{LAB}.ipynb"
FILLED = f"full/{LAB}.ipynb"   # the full-marks example submission, in fast mode
RUN_ALL_TIMEOUT_MS = 180_000
VALIDATE_TIMEOUT_MS = 300_000
NOTEBOOK = ".jp-NotebookPanel:visible"


def _fast(src: Path, dst: Path) -> None:
    """Copy a lab notebook with ``FAST = True`` in its parameters cell.

    The cell is locked, so its nbgrader checksum is updated too: Validate would otherwise report it changed.
    """
    nb = nbformat.read(src, as_version=4)
    cell = next(c for c in nb.cells if "parameters" in c.metadata.get("tags", []))
    assert re.search(r"^FAST = False\b", cell.source, re.M), cell.source
    cell.source = re.sub(r"^FAST = False\b", "FAST = True", cell.source, flags=re.M)
    cell.metadata.nbgrader.checksum = compute_checksum(cell)
    dst.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, dst)


@pytest.fixture
def lab(tmp_path):
    require()
    shutil.rmtree(ARTIFACTS, ignore_errors=True)
    ARTIFACTS.mkdir(parents=True)
    root = tmp_path / "notebooks"
    (root / "released").mkdir(parents=True)
    shutil.copy(ROOT / "labs" / LAB / f"{LAB}.ipynb", root / RELEASED)
    _fast(ROOT / "examples" / "submissions" / LAB / "full" / f"{LAB}.ipynb", root / FILLED)
    server = LabServer(tmp_path / "jupyter", root, log=ARTIFACTS / "jupyter-server.log")
    try:
        server.start()
        yield server
    finally:
        server.stop()
        print(f"browser test artefacts (screenshots, server log): {ARTIFACTS}")


@pytest.fixture
def chromium(lab):
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
        try:
            yield browser
        finally:
            browser.close()


class Ui:
    """A fresh page in a browser context of its own, with its errors collected; closes it and the kernels."""

    def __init__(self, chromium, lab: LabServer, name: str):
        self.chromium, self.lab, self.name = chromium, lab, name
        self.finished = False

    def __enter__(self) -> Ui:
        self.context = self.chromium.new_context(viewport={"width": 1400, "height": 1000})
        self.page = self.context.new_page()
        self.page.set_default_timeout(60_000)
        self.errors = PageErrors(self.page)
        return self

    def open(self, path: str):
        """Open a notebook (in a fresh workspace), wait for its kernel; return its cells."""
        self.page.goto(self.lab.url(path, workspace=self.name))
        expect(self.page.locator(f"{NOTEBOOK} .jp-Cell").first).to_be_visible(timeout=120_000)
        self.wait_idle(120_000)
        return self.page.locator(f"{NOTEBOOK} .jp-Cell")

    def wait_idle(self, timeout_ms: int) -> None:
        """Until the notebook's kernel is connected and idle, as the status bar says ("Python 3 | Idle").

        Not the toolbar's execution indicator: it says idle before there is a kernel, and a Run All
        clicked then does nothing.
        """
        expect(self.page.locator('.jp-StatusBar-TextItem[title^="Change kernel for"]')).to_have_text(
            re.compile(r"\| Idle$"), timeout=timeout_ms)

    def screenshot(self, label: str) -> None:
        path = ARTIFACTS / f"{self.name}-{label}.png"
        self.page.screenshot(path=path)
        print(f"screenshot: {path}")

    def finish(self) -> None:
        assert not self.errors.errors, f"errors in the page ({self.name}):\n" + "\n".join(self.errors.errors)
        self.finished = True

    def __exit__(self, *exc) -> None:
        try:
            if not self.finished:   # something failed: keep what the page looked like
                print(f"errors in the page ({self.name}):\n" + "\n".join(self.errors.errors or ["none"]))
                self.screenshot("at-failure")
        finally:
            self.context.close()
            self.lab.shutdown_kernels()


def test_student_runs_the_released_lab_and_validates_a_filled_in_copy(lab, chromium):
    # Run All on the released lab: the cells above the first answer run, its stub raises, the run stops.
    nb = nbformat.read(ROOT / "labs" / LAB / f"{LAB}.ipynb", as_version=4)
    first = next(i for i, c in enumerate(nb.cells) if c.metadata.get("nbgrader", {}).get("solution"))
    setup = next(i for i, c in enumerate(nb.cells) if c.metadata.get("nbgrader", {}).get("grade_id") == "setup")
    with Ui(chromium, lab, "released") as ui:
        cells = ui.open(RELEASED)
        expect(cells).to_have_count(len(nb.cells))
        ui.page.locator(".lm-MenuBar-item", has_text=re.compile(r"^Run$")).click()
        ui.page.locator(".lm-Menu-itemLabel", has_text=re.compile(r"^Run All Cells$")).click()

        answer = cells.nth(first)
        expect(answer.locator(".jp-InputArea")).to_contain_text("# YOUR CODE HERE")
        expect(answer.locator(".jp-OutputArea")).to_contain_text("NotImplementedError", timeout=RUN_ALL_TIMEOUT_MS)
        ui.wait_idle(RUN_ALL_TIMEOUT_MS)
        answer.scroll_into_view_if_needed()
        ui.screenshot("after-run-all")

        expect(cells.nth(setup).locator(".jp-OutputArea")).to_contain_text("train: (")   # the data loaded
        for i, cell in enumerate(nb.cells[:first]):
            if cell.cell_type == "code":
                expect(cells.nth(i).locator(".jp-InputPrompt")).to_have_text(re.compile(r"^\[\d+\]:$"))
                expect(cells.nth(i).locator(".jp-OutputArea")).not_to_contain_text("Traceback")
        expect(cells.nth(first + 1).locator(".jp-InputPrompt")).to_have_text(re.compile(r"^\[ \]:$"))
        ui.finish()

    # Validate (nbgrader's toolbar button) on the full-marks example: saves, runs it server-side, reports.
    with Ui(chromium, lab, "filled") as ui:
        ui.open(FILLED)
        ui.page.locator(f"{NOTEBOOK} .jp-Toolbar .validate-button").click()
        message = ui.page.locator(".jp-Dialog #validation-message")
        expect(message).to_be_visible(timeout=VALIDATE_TIMEOUT_MS)
        ui.screenshot("after-validate")
        expect(ui.page.locator(".jp-Dialog-header")).to_have_text("Validation Results")
        expect(message).to_have_text("Success! Your notebook passes all the tests.")
        expect(message).to_have_class(re.compile(r"\bvalidation-success\b"))
        ui.page.locator(".jp-Dialog").get_by_role("button", name="Ok").click()
        expect(ui.page.locator(".jp-Dialog")).to_have_count(0)
        ui.finish()
