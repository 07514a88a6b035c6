"""Limits and switches for running a student's notebook (light: imported by the CLI for its defaults)."""
from __future__ import annotations

from dataclasses import dataclass

CELL_TIMEOUT = 300.0
NOTEBOOK_TIMEOUT = 900.0
MEMORY_LIMIT = 8 * 2**30
OUTPUT_LIMIT = 2 * 10**6


@dataclass
class Options:
    cell_timeout: float = CELL_TIMEOUT
    notebook_timeout: float = NOTEBOOK_TIMEOUT
    memory_limit: int = MEMORY_LIMIT
    output_limit: int = OUTPUT_LIMIT
    fast: bool = True
    sandbox: bool = True
    """Isolate each kernel where this machine allows it (Linux, root); see grader/sandbox.py."""
