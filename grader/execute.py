"""Running a notebook headless on a fresh kernel: papermill's parameter injection, nbclient's executor.

``execute`` never raises for what the notebook does: errors, a dead kernel or a time limit
end up in the returned :class:`Execution`, with the cell where it happened.
"""
from __future__ import annotations

import atexit
import copy
import json
import os
import shutil
import signal
import time
from dataclasses import dataclass, field
from pathlib import Path

import papermill
from jupyter_client.manager import AsyncKernelManager
from nbclient import NotebookClient
from nbclient.exceptions import CellTimeoutError, DeadKernelError
import nbformat
from nbformat import NotebookNode
from papermill.parameterize import parameterize_notebook

from grader.options import CELL_TIMEOUT, MEMORY_LIMIT, NOTEBOOK_TIMEOUT, OUTPUT_LIMIT
from grader.sandbox import Sandbox


KERNEL_ENV = {
    "MPLBACKEND": "Agg",
    "HF_HUB_OFFLINE": "1",
    "TRANSFORMERS_OFFLINE": "1",
    "HF_DATASETS_OFFLINE": "1",
    "TOKENIZERS_PARALLELISM": "false",
    "PYDEVD_DISABLE_FILE_VALIDATION": "1",
}
"""Set for every kernel: headless plots, offline Hugging Face, quiet debugger. W&B's mode is left to
the notebook: setting it offline is part of what lab 4 teaches and grades."""

THREAD_VARS = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "NUMEXPR_NUM_THREADS",
               "VECLIB_MAXIMUM_THREADS")
"""Thread pools of numpy's BLAS, OpenMP (scikit-learn, torch) and numexpr: sized to a kernel's share of
the cores, so that kernels running side by side do not spin on each other's cores."""


def thread_env(threads: int | None) -> dict[str, str]:
    """The thread variables for a kernel allowed ``threads`` cores; variables already set win."""
    if not threads:
        return {}
    return {name: str(threads) for name in THREAD_VARS if name not in os.environ}


def cores() -> int:
    """Cores this process may run on."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)


@dataclass(frozen=True)
class Reply:
    """What the kernel answered for one executed cell."""

    status: str
    ename: str = ""
    evalue: str = ""
    expressions: dict = field(default_factory=dict)
    """Results of the ``user_expressions`` sent with the cell (see grader/tamper.py)."""


@dataclass
class Execution:
    nb: NotebookNode
    replies: dict[str, Reply] = field(default_factory=dict)
    stopped: str = ""
    """Why execution stopped before the end ('' when every cell ran)."""
    stopped_cell: str = ""
    seconds: float = 0.0


_RUNNING: set[AsyncKernelManager] = set()
"""The kernels of the executions in progress in this process (see :func:`kill_running`)."""


def kill_running() -> None:
    """SIGKILL every kernel that :func:`execute` is running now: each execution ends as if its kernel
    had died (within a second). For an interrupted batch; a sandboxed kernel's namespace dies with it."""
    for km in list(_RUNNING):
        process = getattr(km.provisioner, "process", None)
        if process is not None and process.poll() is None:
            try:
                os.killpg(process.pid, signal.SIGKILL)  # jupyter_client starts each kernel in its own session
            except OSError:
                pass


class _CappedKernelManager(AsyncKernelManager):
    """Starts the kernel under ``prlimit --as`` (past the cap, allocations raise MemoryError in the
    cell) and, when given a :class:`Sandbox`, inside it."""

    memory_limit: int = 0
    sandbox: Sandbox | None = None

    def format_kernel_cmd(self, extra_arguments=None):
        cmd = super().format_kernel_cmd(extra_arguments)
        prlimit = shutil.which("prlimit")
        if self.memory_limit and prlimit:
            cmd = [prlimit, f"--as={self.memory_limit}", "--", *cmd]
        if self.sandbox is not None:  # the connection file exists now: hand it to the kernel's user
            os.chown(self.connection_file, self.sandbox.uid, self.sandbox.uid)
            cmd = self.sandbox.wrap(cmd)
        return cmd


class _CappedClient(NotebookClient):
    """nbclient's executor that keeps at most ``output_limit`` bytes of output per cell, then a marker,
    and sends ``user_expressions`` with every cell."""

    output_limit: int = 0
    user_expressions: dict | None = None

    async def async_start_new_kernel_client(self):
        kc = await super().async_start_new_kernel_client()
        if self.user_expressions:
            send, expressions = kc.execute, self.user_expressions

            def execute(code, **kwargs):
                return send(code, user_expressions=expressions, **kwargs)

            kc.execute = execute
        return kc

    def output(self, outs, msg, display_id, cell_index):
        if not self.output_limit or msg["msg_type"] not in {"stream", "display_data", "execute_result", "error"}:
            return super().output(outs, msg, display_id, cell_index)
        used = self.__dict__.setdefault("_used", {})
        size = len(json.dumps(msg["content"], default=str))
        if used.get(cell_index, 0) + size > self.output_limit and msg["msg_type"] != "error":
            if used.get(cell_index, 0) <= self.output_limit:
                outs.append(nbformat.v4.new_output(
                    "stream", name="stderr",
                    text=f"\n[output cut by the grader: more than {self.output_limit // 1000} kB in this cell]\n"))
                used[cell_index] = self.output_limit + 1
            return None
        used[cell_index] = used.get(cell_index, 0) + size
        return super().output(outs, msg, display_id, cell_index)


def inject(nb: NotebookNode, parameters: dict) -> NotebookNode:
    """Papermill's injection: a cell right after the cell tagged ``parameters``."""
    nb = copy.deepcopy(nb)
    # what papermill's own loader (iorw.load_notebook_node) adds before it parameterizes
    nb.metadata.setdefault("papermill", {"default_parameters": {}, "parameters": {},
                                         "environment_variables": {}, "version": papermill.__version__})
    for cell in nb.cells:
        cell.metadata.setdefault("tags", [])
    return parameterize_notebook(nb, parameters)


def execute(nb: NotebookNode, workdir: Path, *, cell_timeout: float = CELL_TIMEOUT,
            notebook_timeout: float = NOTEBOOK_TIMEOUT, memory_limit: int = MEMORY_LIMIT,
            output_limit: int = OUTPUT_LIMIT, sandbox: Sandbox | None = None,
            user_expressions: dict[str, str] | None = None, threads: int | None = None) -> Execution:
    """Run every cell of ``nb`` (a copy) on a fresh python3 kernel with ``workdir`` as its cwd.

    Limits: seconds per cell and per notebook, the kernel's address space in bytes, and bytes of
    output kept per cell (0 disables a limit); ``threads``: the cores the kernel's thread pools may
    use (default: theirs, usually every core). With ``sandbox`` (whose workdir must be ``workdir``)
    the kernel runs isolated and talks to us over unix sockets in ``workdir/.kernel``.
    """
    nb = copy.deepcopy(nb)
    result = Execution(nb=nb)
    deadline = time.monotonic() + notebook_timeout
    current: dict[str, str] = {}

    def on_start(cell, cell_index, **_):
        current["id"] = cell.get("id", str(cell_index))

    def on_executed(cell, cell_index, execute_reply, **_):
        content = (execute_reply or {}).get("content", {})
        result.replies[cell.get("id", str(cell_index))] = Reply(
            status=str(content.get("status", "error")),
            ename=str(content.get("ename", "")), evalue=str(content.get("evalue", "")),
            expressions=dict(content.get("user_expressions") or {}))

    def timeout_func(cell) -> int:
        return max(1, int(min(cell_timeout, deadline - time.monotonic())))

    env = {**os.environ, **KERNEL_ENV, **thread_env(threads)}
    if sandbox is None:
        km = _CappedKernelManager(kernel_name="python3")
    else:
        sandbox.prepare()
        private = workdir / ".kernel"
        for folder in (private, workdir / ".tmp", workdir / ".cache"):
            folder.mkdir(exist_ok=True)
            os.chown(folder, sandbox.uid, sandbox.uid)
        km = _CappedKernelManager(kernel_name="python3", transport="ipc", ip=str(private / "ipc"),
                                  connection_file=str(private / "kernel.json"))
        km.sandbox = sandbox
        env.update(HOME=str(workdir), TMPDIR=str(workdir / ".tmp"), XDG_CACHE_HOME=str(workdir / ".cache"),
                   MPLCONFIGDIR=str(workdir / ".cache" / "matplotlib"))
    km.memory_limit = memory_limit
    client = _CappedClient(
        nb, km=km, kernel_name="python3", allow_errors=True, timeout_func=timeout_func,
        interrupt_on_timeout=False, record_timing=False, startup_timeout=120,
        resources={"metadata": {"path": str(workdir)}},
        on_cell_start=on_start, on_cell_executed=on_executed,
    )
    client.output_limit = output_limit
    client.user_expressions = user_expressions
    client.owns_km = True  # so nbclient shuts the kernel down at the end, as it does for its own managers
    started = time.monotonic()
    _RUNNING.add(km)
    try:
        client.execute(env=env)
    except CellTimeoutError:
        total = time.monotonic() >= deadline - 1
        result.stopped = (f"the notebook ran past its time limit of {notebook_timeout:.0f} s" if total
                          else f"a cell ran past its time limit of {cell_timeout:.0f} s")
        result.stopped_cell = current.get("id", "")
    except DeadKernelError:
        result.stopped = "the kernel died (killed, out of memory, or the code called os._exit)"
        result.stopped_cell = current.get("id", "")
    except Exception as exc:  # e.g. code that broke the kernel's own machinery (patched builtins)
        if not current:
            raise  # the kernel never started: not the notebook's doing
        result.stopped = f"the kernel stopped responding ({type(exc).__name__}: {str(exc)[:120]})"
        result.stopped_cell = current.get("id", "")
    finally:
        _RUNNING.discard(km)
        atexit.unregister(client._cleanup_kernel)  # nbclient leaves it registered when the kernel failed to start
        result.seconds = time.monotonic() - started
    return result
