"""Kernel isolation on Linux (as root): the student's code runs in its own namespaces as its own user.

Inside, the kernel
- has no network (``unshare --net``: not even loopback to the grader; it talks over unix sockets),
- has its own System V IPC (``--ipc``: shared memory, semaphores and message queues of its own),
- sees a private file system view (``unshare --mount``): empty tmpfs over the repository, the
  course output folder (gradebook, grades), the submissions folder, /tmp, /run, /root, /home and /work;
  only the Python installation, the virtual environment and ``datasets/`` come back, read-only,
  plus its own working folder, writable,
- runs as an unprivileged uid of its own (``setpriv``), so it cannot undo the mounts, and
  concurrent kernels cannot read each other's folders,
- lives in its own pid namespace with its own /proc (``--pid --fork --kill-child --mount-proc``): it
  sees no other process (nor, through /proc, another kernel's files), every process it starts dies
  with it, and it dies with the grader (``setpriv --pdeathsig``), even when the grader is killed,
- is capped in address space by the executor (``prlimit``).
"""
from __future__ import annotations

import itertools
import os
import shlex
import shutil
import subprocess
import sys
import threading
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

HIDDEN = ("/work", "/root", "/home", "/tmp", "/var/tmp", "/srv", "/media", "/dev/shm", "/run")
SCRATCH = ("/tmp", "/var/tmp", "/dev/shm", "/run")
"""Hidden like the rest, but the fresh tmpfs is world-writable with the sticky bit, as usual."""
FIRST_UID = 61000
_uids = itertools.cycle(range(FIRST_UID, FIRST_UID + 4000))
_lock = threading.Lock()


def next_uid() -> int:
    """A uid no other kernel of this process uses (4,000 are handed out in turn). Two grader processes
    may hand out the same uid; their kernels still cannot reach each other (own pid namespace and /proc,
    working folders hidden under the fresh /tmp)."""
    with _lock:
        return next(_uids)


@lru_cache(maxsize=1)
def available() -> bool:
    """True when kernels can be sandboxed here: Linux, root, and the util-linux tools work."""
    if sys.platform != "linux" or os.geteuid() != 0:
        return False
    if not all(shutil.which(tool) for tool in ("unshare", "setpriv", "mount")):
        return False
    probe = subprocess.run(["unshare", "--net", "--ipc", "--mount", "--pid", "--fork", "--", "true"],
                           capture_output=True)
    return probe.returncode == 0


@dataclass(frozen=True)
class Sandbox:
    workdir: Path
    """The kernel's working folder (writable); everything else the kernel writes is lost."""
    uid: int
    hide: tuple[Path, ...] = ()
    """Extra folders to hide besides HIDDEN (the repository, the output and submissions folders)."""
    keep: tuple[Path, ...] = ()
    """Folders to bring back read-only (the Python installation, the venv, datasets)."""

    def prepare(self) -> None:
        self.workdir.mkdir(parents=True, exist_ok=True)
        os.chown(self.workdir, self.uid, self.uid)
        os.chmod(self.workdir, 0o700)

    def wrap(self, cmd: list[str]) -> list[str]:
        """``cmd`` run inside the sandbox."""
        keep = [str(p) for p in self.keep] + [str(self.workdir)]
        hide = sorted({*HIDDEN, *(str(p) for p in self.hide)}, key=len)
        lines = ["set -e", "mount -t tmpfs -o mode=700 tmpfs /mnt"]
        for i, path in enumerate(keep):
            lines.append(f"mkdir /mnt/{i} && mount --rbind {shlex.quote(path)} /mnt/{i}")
        for path in hide:
            q = shlex.quote(path)
            mode = "1777" if path in SCRATCH else "755"
            lines.append(f"if [ -d {q} ]; then mount -t tmpfs -o mode={mode},size=512m tmpfs {q}; fi")
        lines.append("if [ -d /run ]; then mkdir -m 1777 /run/lock; fi")  # as usual, but its own
        for i, path in enumerate(keep):
            q = shlex.quote(path)
            lines.append(f"mkdir -p {q} && mount --rbind /mnt/{i} {q}")
            if path != str(self.workdir):
                lines.append(f"mount -o remount,bind,ro {q}")
        lines += ["umount -l /mnt", f"cd {shlex.quote(str(self.workdir))}",
                  f'exec setpriv --reuid={self.uid} --regid={self.uid} --clear-groups --pdeathsig KILL -- "$@"']
        # pdeathsig: if the grader dies (kill -9), unshare gets SIGKILL, and --kill-child takes the kernel along;
        # changing the uid clears --kill-child's death signal, so the inner setpriv sets it again after the change
        return ["setpriv", "--pdeathsig", "KILL", "--",
                "unshare", "--net", "--ipc", "--mount", "--propagation", "private", "--pid", "--fork", "--kill-child",
                "--mount-proc",
                "--", "/bin/sh", "-c", "\n".join(lines), "sandbox", *cmd]


def default_keep() -> tuple[Path, ...]:
    """What a kernel needs to run: the base Python, the venv, and the datasets."""
    import labdata

    paths = {Path(sys.base_prefix).resolve(), Path(sys.prefix), labdata.data_dir().resolve()}
    return tuple(sorted(paths))
