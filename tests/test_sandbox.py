"""The sandbox: a student's kernel cannot see the course's secrets, other students, or the network."""
from __future__ import annotations

import json
import socket
import subprocess

import nbformat
import pytest

from conftest import SOLVED, TINY, tiny_master
from grader import sandbox
from grader.grade import Options, grade
from grader.layout import ROOT

pytestmark = pytest.mark.skipif(not sandbox.available(), reason="needs Linux, root and util-linux namespaces")

SNOOP = '''
import json, os, socket, subprocess
found = {{
    "uid": os.getuid(),
    "solutions": os.path.exists({root!r} + "/solutions"),
    "grader_code": os.path.exists({root!r} + "/grader"),
    "gradebook": os.path.exists({out!r} + "/gradebook.db"),
    "other_student": os.path.exists({subs!r} + "/victim"),
    "datasets": os.path.exists({root!r} + "/datasets/credit_data.csv"),
}}
try:
    socket.create_connection(("127.0.0.1", {port}), timeout=3)
    found["network"] = True
except OSError:
    found["network"] = False
try:
    open({root!r} + "/datasets/credit_data.csv", "a").close()
    found["datasets_writable"] = True
except OSError:
    found["datasets_writable"] = False
subprocess.Popen(["sleep", "987654"], start_new_session=True)
print("FOUND" + json.dumps(found))
answer = 42
'''


def test_kernel_is_isolated(subs, tmp_path):
    out = tmp_path / "out"
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen()
    port = server.getsockname()[1]
    try:
        subs.write("victim")
        code = SNOOP.format(root=str(ROOT), out=str(out), subs=str(subs.root), port=port)
        subs.write("snoop", subs.notebook({"a1": SOLVED["a1"], "a2": code}))
        report = grade(TINY, subs.root, out, master=tiny_master(), options=Options(sandbox=True), progress=None)
    finally:
        server.close()
    snoop = {r.student: r for r in report.results}["snoop"]
    assert snoop.total == 4, snoop.summary()
    executed = nbformat.read(out / TINY / "executed" / "snoop.ipynb", as_version=4)
    text = "".join(o.get("text", "") for c in executed.cells for o in c.get("outputs", []))
    found = json.loads(text.split("FOUND", 1)[1].splitlines()[0])
    assert found == {"uid": found["uid"], "solutions": False, "grader_code": False, "gradebook": False,
                     "other_student": False, "datasets": True, "network": False, "datasets_writable": False}
    assert found["uid"] >= sandbox.FIRST_UID
    left = subprocess.run(["pgrep", "-f", "sleep 987654"], capture_output=True, text=True).stdout.split()
    assert left == [], "a process the student started outlived the kernel"
