"""A private JupyterLab server and Debian's chromium (driven by playwright) for tests/test_browser.py."""
from __future__ import annotations

import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = ROOT / "test-artifacts" / "browser"
# Debian's package, installed by `python3 tasks.py setup`; the test tool never downloads a browser.
CHROMIUM = Path("/usr/bin/chromium")
# Headless as root, and quiet offline: no sandbox (root), no GPU, no calls home.
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]

# Console messages of level 'error' that are not a fault of what we test, by exact text: none so far.
IGNORED_CONSOLE_ERRORS: set[str] = set()


def unavailable() -> str | None:
    """Why the browser test cannot run here, or None."""
    if not CHROMIUM.exists():
        return (f"{CHROMIUM} is missing: `python3 tasks.py setup` installs Debian's chromium when run as root "
                "with apt-get (or: apt-get install chromium)")
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "the python package playwright is missing: run `python3 tasks.py setup`"
    return None


def require() -> None:
    """Skip when the browser test cannot run, but fail under CI, which must run it."""
    reason = unavailable()
    if reason and os.environ.get("CI", "").lower() not in {"", "0", "false"}:
        pytest.fail(f"CI is set and the browser test cannot run: {reason}", pytrace=False)
    if reason:
        pytest.skip(reason)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class LabServer:
    """``jupyter lab`` from this venv on 127.0.0.1, a free port and a random token, isolated under ``home``.

    Its config, data and runtime folders, user settings and workspaces are fresh folders in ``home``, so none
    of the user's Jupyter set-up leaks in; the venv's own config (which enables nbgrader's server extension)
    and its lab extensions (nbgrader's Validate button) still load.
    """

    def __init__(self, home: Path, root_dir: Path, log: Path):
        self.home, self.root_dir, self.log = home, root_dir, log
        self.port, self.token = _free_port(), secrets.token_hex(24)
        self.base = f"http://127.0.0.1:{self.port}"
        self.runtime = home / "runtime"
        self.proc: subprocess.Popen | None = None

    def _env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("JUPYTER", "IPYTHON"))}
        dirs = {"JUPYTER_CONFIG_DIR": "config", "JUPYTER_DATA_DIR": "data", "JUPYTER_RUNTIME_DIR": "runtime",
                "IPYTHONDIR": "ipython"}
        for var, name in dirs.items():
            (self.home / name).mkdir(parents=True, exist_ok=True)
            env[var] = str(self.home / name)
        return env

    def _settings(self) -> Path:
        """User settings: every cell in the DOM (no windowing), no news toast."""
        settings = self.home / "lab-settings"
        for plugin, values in {"notebook-extension/tracker": {"windowingMode": "none"},
                               "apputils-extension/notification": {"fetchNews": "false", "checkForUpdates": False}
                               }.items():
            path = settings / "@jupyterlab" / f"{plugin}.jupyterlab-settings"
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(json.dumps(values))
        return settings

    def start(self, timeout: float = 180) -> None:
        env = self._env()
        # Validate runs the notebook with nbgrader's Execute preprocessor: 30 s per cell by default, too
        # tight for a slow, shared CI machine. nbgrader reads its config from the private config folder too.
        (self.home / "config" / "nbgrader_config.py").write_text("c = get_config()  # noqa\nc.Execute.timeout = 600\n")
        cmd = [sys.executable, "-m", "jupyterlab", "--no-browser",
               "--ServerApp.ip=127.0.0.1", f"--ServerApp.port={self.port}", "--ServerApp.port_retries=0",
               f"--IdentityProvider.token={self.token}", f"--ServerApp.root_dir={self.root_dir}",
               # offline: no news feed, no update check, no PyPI listing of extensions
               "--LabApp.news_url=None",
               "--LabApp.check_for_updates_class=jupyterlab.handlers.announcements.NeverCheckForUpdate",
               "--LabApp.extension_manager=readonly",
               f"--LabApp.user_settings_dir={self._settings()}",
               f"--LabApp.workspaces_dir={self.home / 'lab-workspaces'}"]
        if hasattr(os, "geteuid") and os.geteuid() == 0:
            cmd.append("--allow-root")   # CI runs as root
        self.log.parent.mkdir(parents=True, exist_ok=True)
        with open(self.log, "wb") as log:
            # cwd is nbgrader's course folder, which it wants inside the server's root
            self.proc = subprocess.Popen(cmd, cwd=self.root_dir, env=env, stdout=log, stderr=subprocess.STDOUT,
                                         stdin=subprocess.DEVNULL, start_new_session=True)
        deadline = time.monotonic() + timeout
        while True:
            if self.proc.poll() is not None:
                raise RuntimeError(f"jupyter lab exited with {self.proc.returncode}:\n{self.log_tail()}")
            try:
                self.api("GET", "/api/status")
                return
            except (OSError, urllib.error.URLError):
                if time.monotonic() > deadline:
                    raise RuntimeError(f"jupyter lab did not answer within {timeout} s:\n{self.log_tail()}")
                time.sleep(0.5)

    def log_tail(self, n: int = 40) -> str:
        return "\n".join(self.log.read_text(errors="replace").splitlines()[-n:])

    def api(self, method: str, path: str, timeout: float = 10):
        req = urllib.request.Request(self.base + path, method=method,
                                     headers={"Authorization": f"token {self.token}"})
        with urllib.request.urlopen(req, timeout=timeout) as resp:
            body = resp.read()
        return json.loads(body) if body else None

    def url(self, path: str, workspace: str) -> str:
        """Open ``path`` (relative to root_dir) in a fresh workspace of its own; the token logs the page in."""
        return f"{self.base}/lab/workspaces/{workspace}/tree/{path}?reset&token={self.token}"

    def shutdown_kernels(self) -> None:
        for kernel in self.api("GET", "/api/kernels") or []:
            try:
                self.api("DELETE", f"/api/kernels/{kernel['id']}", timeout=30)
            except (OSError, urllib.error.URLError):
                pass

    def stop(self) -> None:
        """Shut the kernels and the server down, then kill whatever of theirs is left."""
        if self.proc is None:
            return
        if self.proc.poll() is None:
            try:
                self.shutdown_kernels()
            except (OSError, urllib.error.URLError, ValueError):
                pass
            self.proc.terminate()
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(10)
        # Kernels run in sessions of their own: find the ones started by this server by their connection
        # file in its private runtime folder.
        for pid in _pids_mentioning(str(self.runtime)):
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        self.proc = None


def _pids_mentioning(text: str) -> list[int]:
    found = []
    for proc in Path("/proc").glob("[0-9]*"):
        try:
            if text in (proc / "cmdline").read_bytes().decode(errors="replace").replace("\0", " "):
                found.append(int(proc.name))
        except OSError:
            pass
    return [pid for pid in found if pid != os.getpid()]


class PageErrors:
    """Collects uncaught exceptions and console errors of a page."""

    def __init__(self, page):
        self.errors: list[str] = []
        page.on("pageerror", lambda exc: self.errors.append(f"uncaught: {exc}"))
        page.on("console", self._console)

    def _console(self, msg) -> None:
        if msg.type == "error" and msg.text not in IGNORED_CONSOLE_ERRORS:
            where = msg.location.get("url", "") if msg.location else ""
            self.errors.append(f"console.error: {msg.text} ({where})")
