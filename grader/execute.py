"""Running a notebook headless on a fresh kernel: papermill's parameter injection, nbclient's executor.

``execute`` never raises for what the notebook does: errors, a dead kernel or a time limit
end up in the returned :class:`Execution`, with the cell where it happened.
"""
from __future__ import annotations

import copy
import os
import time
from dataclasses import dataclass, field
from pathlib import Path

import papermill
from nbclient import NotebookClient
from nbclient.exceptions import CellTimeoutError, DeadKernelError
from nbformat import NotebookNode
from papermill.parameterize import parameterize_notebook

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


@dataclass(frozen=True)
class Reply:
    """What the kernel answered for one executed cell."""

    status: str
    ename: str = ""
    evalue: str = ""


@dataclass
class Execution:
    nb: NotebookNode
    replies: dict[str, Reply] = field(default_factory=dict)
    stopped: str = ""
    """Why execution stopped before the end ('' when every cell ran)."""
    stopped_cell: str = ""
    seconds: float = 0.0


def inject(nb: NotebookNode, parameters: dict) -> NotebookNode:
    """Papermill's injection: a cell right after the cell tagged ``parameters``."""
    nb = copy.deepcopy(nb)
    # what papermill's own loader (iorw.load_notebook_node) adds before it parameterizes
    nb.metadata.setdefault("papermill", {"default_parameters": {}, "parameters": {},
                                         "environment_variables": {}, "version": papermill.__version__})
    for cell in nb.cells:
        cell.metadata.setdefault("tags", [])
    return parameterize_notebook(nb, parameters)


def execute(nb: NotebookNode, workdir: Path, *, cell_timeout: float = 300,
            notebook_timeout: float = 900) -> Execution:
    """Run every cell of ``nb`` (a copy) on a fresh python3 kernel with ``workdir`` as its cwd."""
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
            ename=str(content.get("ename", "")), evalue=str(content.get("evalue", "")))

    def timeout_func(cell) -> int:
        return max(1, int(min(cell_timeout, deadline - time.monotonic())))

    client = NotebookClient(
        nb, kernel_name="python3", allow_errors=True, timeout_func=timeout_func,
        interrupt_on_timeout=False, record_timing=False, startup_timeout=120,
        resources={"metadata": {"path": str(workdir)}},
        on_cell_start=on_start, on_cell_executed=on_executed,
    )
    started = time.monotonic()
    try:
        client.execute(env={**os.environ, **KERNEL_ENV})
    except CellTimeoutError:
        total = time.monotonic() >= deadline - 1
        result.stopped = (f"the notebook ran past its time limit of {notebook_timeout:.0f} s" if total
                          else f"a cell ran past its time limit of {cell_timeout:.0f} s")
        result.stopped_cell = current.get("id", "")
    except DeadKernelError:
        result.stopped = "the kernel died (killed, out of memory, or the code called os._exit)"
        result.stopped_cell = current.get("id", "")
    finally:
        result.seconds = time.monotonic() - started
    return result
