"""Files written so that an interrupted run never leaves half a file behind."""
from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator


def write_atomic(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` through a temporary file in the same folder and an atomic rename."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.{os.getpid()}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def remove_stale(folder: Path, older_than: float = 600.0) -> None:
    """Delete the temporary files under ``folder`` that :func:`write_atomic` left when its process was
    killed mid-write: those whose process is gone (files without a pid: those older than ``older_than``)."""
    now = time.time()
    for path in folder.rglob(".*.tmp") if folder.is_dir() else ():
        pid = path.name.rsplit(".", 3)[-3]  # .<name>.<pid>.<random>.tmp
        try:
            if pid.isdigit() and int(pid) != os.getpid():
                try:
                    os.kill(int(pid), 0)
                    continue  # its writer still runs
                except ProcessLookupError:
                    pass
            elif now - path.stat().st_mtime <= older_than:
                continue
            path.unlink()
        except OSError:
            pass


@contextmanager
def scratch_dir(prefix: str, dir: Path | None = None) -> Iterator[str]:
    """A temporary folder, removed afterwards whatever a notebook left in it: also a tree too deep for
    :func:`shutil.rmtree` (RecursionError), which ``rm -rf`` removes instead."""
    path = tempfile.mkdtemp(prefix=prefix, dir=dir)
    try:
        yield path
    finally:
        try:
            shutil.rmtree(path)
        except (OSError, RecursionError):
            subprocess.run(["rm", "-rf", "--one-file-system", path], check=False)
