"""Broken and hostile submissions of the tiny lab (tests/conftest.py), with the grade each deserves.

The table is data: one :class:`Case` per student folder. ``build`` turns the lab's released
notebook into the folder's files; ``points``, ``status`` and ``reason`` are what grading must
give (``reason``: substrings of the ``reason`` column of grades.csv). The tiny lab has three
graded parts: t1 (1 point, ``double``; its hidden test checks a negative number), t2 (2 points,
``answer == 42``; its hidden test checks the type) and t3 (1 point, needs no answer: the
grader's injected ``FAST = True``). All expectations assume the batch limits in ``OPTIONS``.

Cases marked ``sandbox`` try to reach the grader's files or processes: their expectation holds
only where kernels are sandboxed (Linux, root); elsewhere they are left out of the batch (some
would do real damage unsandboxed).
"""
from __future__ import annotations

import copy
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Union

import nbformat
from nbformat import NotebookNode
from nbformat.v4 import new_code_cell

from conftest import SOLVED, TINY, tiny_master

GRADED, REVIEW, ERROR = "graded", "review", "error"
CELL_TIMEOUT = 10
"""Seconds per cell in the batch (the runaway cases wait this long); far above what an honest cell needs."""
OPTIONS = dict(cell_timeout=CELL_TIMEOUT, notebook_timeout=120, memory_limit=2 * 2**30, output_limit=100_000)
NB = f"{TINY}.ipynb"
WRONG = {"a1": "def double(x):\n    return 0", "a2": "answer = 0"}
PLANT = "hostile-plant-marker"
"""A file the plant-on-host case leaves in /run/lock: the sandbox gives each kernel its own /run."""
PLANT_KEY = 0x5EED1234
"""The System V shared memory key of the plant-on-host case: the sandbox gives each kernel its own IPC."""
HOST_MARKER = "hostile-host-marker"
"""A file the test puts in the host's /run/lock before the batch: see-host-ipc must not see it."""
HIDDEN_SOURCE = ["double(-3)", "type(answer) is int", "HIDDEN"]
"""Pieces of the hidden tests' code: never in feedback or in the reason column."""

@dataclass(frozen=True)
class Link:
    """A symbolic link in the student's folder, pointing at ``target``."""

    target: str


Files = dict[str, Union[NotebookNode, str, bytes, Link]]


@dataclass(frozen=True)
class Ctx:
    """What a builder may use: the released lab, and where the repository and the grader's output are."""

    released: NotebookNode
    root: Path
    out: Path

    def nb(self, answers: dict[str, str] | None = None, **more: str) -> NotebookNode:
        """The released notebook with ``answers`` (default: the solution) written into its answer cells."""
        nb = copy.deepcopy(self.released)
        answers = {**(SOLVED if answers is None else answers), **more}
        for cell in nb.cells:
            if cell.metadata.get("nbgrader", {}).get("grade_id") in answers:
                cell.source = answers[cell.metadata.nbgrader.grade_id]
        return nb


@dataclass(frozen=True)
class Case:
    id: str
    """The student's folder name."""
    what: str
    build: Callable[[Ctx], Files]
    points: float
    status: str
    reason: tuple[str, ...]
    sandbox: bool = False
    executed: tuple[tuple[str, str], ...] = ()
    """(cell id, text) pairs that the executed notebook's outputs of that cell must contain."""


# ---------------------------------------------------------------- builders

def at(nb: NotebookNode, gid: str) -> int:
    return next(i for i, c in enumerate(nb.cells) if c.get("metadata", {}).get("nbgrader", {}).get("grade_id") == gid)


def cell(nb: NotebookNode, gid: str) -> NotebookNode:
    return nb.cells[at(nb, gid)]


def one(nb: NotebookNode | str | bytes) -> Files:
    return {NB: nb}


def retype(nb: NotebookNode, gid: str, kind: str) -> NotebookNode:
    c = cell(nb, gid)
    c.cell_type = kind
    c.pop("outputs", None)
    c.pop("execution_count", None)
    return nb


def as_json(nb: NotebookNode) -> dict:
    return json.loads(nbformat.writes(nb))


def drop_test(x: Ctx) -> Files:
    nb = x.nb()
    del nb.cells[at(nb, "t2")]
    return one(nb)


def duplicate_test(x: Ctx) -> Files:
    nb = x.nb(a1="def double(x):\n    return x + 2")  # right for double(2) only
    copy_ = copy.deepcopy(cell(nb, "t1"))
    copy_["id"] = "t1-copy"
    nb.cells.insert(at(nb, "t1") + 1, copy_)
    return one(nb)


def edit_test(x: Ctx) -> Files:
    nb = x.nb(WRONG)
    cell(nb, "t1").source = "pass  # the test passes now"
    return one(nb)


def move_test(x: Ctx) -> Files:
    nb = x.nb()
    t2 = nb.cells.pop(at(nb, "t2"))
    nb.cells.insert(0, t2)
    return one(nb)


def strip_test(x: Ctx) -> Files:
    nb = x.nb(WRONG)
    t2 = cell(nb, "t2")
    t2.metadata = {}           # the editor dropped nbgrader's metadata; the cell id still says t2
    t2.source = "answer = 42"  # ... and the 'test' now makes the answer right
    return one(nb)


def mangle_tests(x: Ctx) -> Files:
    nb = x.nb()
    cell(nb, "t1").source = "pass  # I made the test pass"
    del nb.cells[at(nb, "t2")]
    retype(nb, "t3", "markdown")
    doc = as_json(nb)
    doc["cells"].insert(0, copy.deepcopy(doc["cells"][at(nb, "t1")]))  # the edited t1 again (same id), at the top
    return one(json.dumps(doc, indent=1))


def answer_split(x: Ctx) -> Files:
    nb = x.nb(a1="import math")
    second = copy.deepcopy(cell(nb, "a1"))  # JupyterLab's split copies the metadata into both halves
    second["id"] = "a1-split"
    second.source = "def double(x):\n    return 2 * x"
    nb.cells.insert(at(nb, "a1") + 1, second)
    return one(nb)


def answer_duplicated(x: Ctx) -> Files:
    nb = x.nb(a2="answer = 0")
    second = copy.deepcopy(cell(nb, "a2"))
    second["id"] = "a2-copy"
    second.source = "answer = 42"
    nb.cells.insert(at(nb, "a2") + 1, second)
    return one(nb)


def answer_deleted(x: Ctx) -> Files:
    nb = x.nb()
    del nb.cells[at(nb, "a1")]
    return one(nb)


def insert_after(nb: NotebookNode, gid: str, source: str) -> NotebookNode:
    nb.cells.insert(at(nb, gid) + 1, new_code_cell(source))
    return nb


def extra_cell(x: Ctx) -> Files:
    nb = x.nb(a1="def double(x):\n    return helper(x)")
    nb.cells.insert(at(nb, "parameters") + 1, new_code_cell("def helper(x):\n    return x * 2"))
    return one(nb)


def nbformat_44(x: Ctx) -> Files:
    doc = as_json(x.nb())
    doc["nbformat_minor"] = 4
    for c in doc["cells"]:
        c.pop("id", None)
    return one(json.dumps(doc, indent=1))


def duplicate_ids(x: Ctx) -> Files:
    doc = as_json(x.nb())
    for c in doc["cells"]:
        c["id"] = "cell-1"
    return one(json.dumps(doc, indent=1))


def vscode(x: Ctx) -> Files:
    doc = as_json(x.nb())
    doc["metadata"] = {
        "kernelspec": {"display_name": ".venv (3.11.4)", "name": "python3"},  # no "language"
        "language_info": {"name": "python", "version": "3.11.4", "mimetype": "text/x-python",
                          "file_extension": ".py", "codemirror_mode": {"name": "ipython", "version": 3}},
        "vscode": {"interpreter": {"hash": "1b2c3d4e5f"}},
    }
    for c in doc["cells"]:
        c["id"] = c["id"][:4] + "xyz"  # VS Code writes its own ids
        if c["cell_type"] == "code":
            c["execution_count"] = None
    return one(json.dumps(doc, indent=1))


def colab(x: Ctx) -> Files:
    doc = as_json(x.nb())
    doc["nbformat_minor"] = 0
    doc["metadata"] = {"colab": {"provenance": [], "name": "tiny-lab.ipynb"},
                       "kernelspec": {"name": "python3", "display_name": "Python 3"},
                       "language_info": {"name": "python"}}
    for i, c in enumerate(doc["cells"]):
        c.pop("id", None)
        c["metadata"]["id"] = f"Xq{i}zZ"  # Colab keeps its own id in the metadata
    return one(json.dumps(doc, indent=2))


def no_metadata(x: Ctx) -> Files:
    doc = as_json(x.nb())
    doc["metadata"] = {}
    doc["nbformat_minor"] = 4
    for c in doc["cells"]:
        c.pop("id", None)
    return one(json.dumps(doc))


def odd_kernelspec(x: Ctx) -> Files:
    doc = as_json(x.nb())
    doc["metadata"] = {"kernelspec": {"name": "ir", "display_name": "R", "language": "R"},
                       "language_info": {"name": "R"}}
    return one(json.dumps(doc))


def nbformat_3(x: Ctx) -> Files:
    return one(nbformat.writes(nbformat.convert(x.nb(), 3), version=3))


def bare(x: Ctx) -> Files:
    doc = as_json(x.nb())
    for c in doc["cells"]:
        c.pop("id", None)
        c["metadata"] = {}
    return one(json.dumps(doc))


def cells_not_objects(x: Ctx) -> Files:
    doc = as_json(x.nb())
    doc["cells"].insert(2, "not a cell")
    doc["cells"].append(None)
    return one(json.dumps(doc))


def cp1252(x: Ctx) -> Files:
    return one(nbformat.writes(x.nb(a2="# réponse : quarante-deux\nanswer = 42")).encode("cp1252"))


def stray_byte(x: Ctx) -> Files:
    text = nbformat.writes(x.nb(a2="# caf\u00e9 \u2192\nanswer = 42 if len('\u2192') == 1 else 0"))
    return one(text.encode("utf-8").replace(b"caf\xc3\xa9", b"caf\xe9"))


def bom(x: Ctx) -> Files:
    return one(b"\xef\xbb\xbf" + nbformat.writes(x.nb()).encode("utf-8"))


def unicode_everywhere(x: Ctx) -> Files:
    return one(x.nb(a2="# Zoë: 四十二 → ✓ 🎉\nrésultat = 42\nanswer = résultat"))


def lying_outputs(x: Ctx) -> Files:
    nb = x.nb(a1="def double(x):\n    return 0")
    for c in nb.cells:
        if c.cell_type == "code":
            c.execution_count = 1
            c.outputs = [nbformat.v4.new_output("stream", name="stdout", text="All tests passed!\n")]
    return one(nb)


def leak_by_message(x: Ctx) -> Files:
    return one(x.nb(
        a1="_seen = []\ndef _grab(info):\n    _seen.append(info.raw_cell)\n"
           "get_ipython().events.register('pre_run_cell', _grab)\n"
           "class _Leak:\n    def __eq__(self, other):\n        raise RuntimeError('LEAK ' + ' '.join(_seen))\n"
           "def double(x):\n    return 2 * x",
        a2="answer = _Leak()"))


def custom_exc(x: Ctx) -> Files:
    # an exception handler that marks the failed test cell as a success in IPython's own result
    return one(x.nb(WRONG, a2=(
        "import sys\n"
        "def _swallow(shell, etype, evalue, tb, tb_offset=None):\n"
        "    frame = sys._getframe(1)\n"
        "    while frame is not None:\n"
        "        if 'result' in frame.f_locals and hasattr(frame.f_locals['result'], 'error_in_exec'):\n"
        "            frame.f_locals['result'].error_in_exec = None\n"
        "        frame = frame.f_back\n"
        "get_ipython().set_custom_exc((AssertionError,), _swallow)\n"
        "answer = 0")))


def read_hidden(x: Ctx) -> Files:
    code = (f"import os, sqlite3\nfound = os.path.exists({str(x.root / 'solutions')!r} + '/')\n"
            f"try:\n    con = sqlite3.connect('file:' + {str(x.out / 'gradebook.db')!r} + '?mode=ro', uri=True)\n"
            "    found = found or bool(con.execute('select source from source_cell').fetchall())\n"
            "except sqlite3.Error:\n    pass\n"
            "answer = 42 if found else 0  # the answer comes from the hidden tests or not at all")
    return one(x.nb(a2=code))


def read_hidden_quietly(x: Ctx) -> Files:
    # the same without any word the static scan knows: only the sandbox stops it
    code = (f"import os\nroot, out = {str(x.root)!r}, {str(x.out)!r}\n"
            "places = [os.path.join(root, 'sol' + 'utions'), os.path.join(root, 'examples'),\n"
            "          os.path.join(out, 'grade' + 'book.db')]\n"
            "found = any(os.path.exists(p) for p in places)\n"
            "answer = 42 if found else 0")
    return one(x.nb(a2=code))


def symlink_to_master(x: Ctx) -> Files:
    # the "notebook" is a link to a file the student could not read: the grader must not follow it
    master = x.out.parent / "master-copy.ipynb"
    master.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(tiny_master(), master)
    return {NB: Link(str(master))}


def count_processes(x: Ctx) -> Files:
    # a private /proc shows the kernel's own few processes only, not the grader's or other students'
    code = ("import os\nseen = [p for p in os.listdir('/proc') if p.isdigit()]\n"
            "answer = 42 if len(seen) <= 5 else len(seen)")
    return one(x.nb(a2=code))


def write_grades(x: Ctx) -> Files:
    # forge a classmate's stored result, the class table and the gradebook; then answer honestly
    code = (
        f"import json, os, sqlite3\nout = {str(x.out)!r}\nforged = []\n"
        f"for name, text in [('results/solved.json', 'forged'), ('grades.csv', 'student,total\\nsolved,0\\n'),\n"
        "                   ('results/write-grades.json', 'forged')]:\n"
        "    try:\n"
        f"        with open(os.path.join(out, {TINY!r}, name), 'w') as fh:\n"
        "            fh.write(text)\n        forged.append(name)\n"
        "    except OSError:\n        pass\n"
        "try:\n"
        "    con = sqlite3.connect(os.path.join(out, 'grade' + 'book.db'))\n"
        "    con.execute('update grade set auto_score = 0')\n    con.commit()\n    forged.append('db')\n"
        "except sqlite3.Error:\n    pass\n"
        "print('forged', forged)\nanswer = 42")
    return one(x.nb(a2=code))


def kill_grader(x: Ctx) -> Files:
    # SIGKILL every process that looks like the grader or the test runner (harmless only in the sandbox)
    code = ("import os, signal\nfor pid in os.listdir('/proc'):\n"
            "    try:\n"
            "        cmd = open(f'/proc/{pid}/cmdline', 'rb').read()\n"
            "        if pid.isdigit() and int(pid) != os.getpid() and (b'pytest' in cmd or b'grader' in cmd):\n"
            "            os.kill(int(pid), signal.SIGKILL)\n"
            "    except (OSError, ValueError):\n        pass\n"
            "answer = 42")
    return one(x.nb(a2=code))


def two_notebooks(x: Ctx) -> Files:
    return {"a.ipynb": x.nb(), "b.ipynb": x.nb(WRONG)}


def with_checkpoints(x: Ctx) -> Files:
    return {NB: x.nb(), f".ipynb_checkpoints/{TINY}-checkpoint.ipynb": x.nb({}), "scratch.ipynb": x.nb(WRONG)}


def answers(**code: str) -> Callable[[Ctx], Files]:
    """A builder: the solution with some answer cells replaced."""
    return lambda x: one(x.nb(**code))


def wrong(**code: str) -> Callable[[Ctx], Files]:
    """A builder: wrong answers (every test but t3 fails) plus the given cheat."""
    return lambda x: one(x.nb(WRONG, **code))


def as_type(gid: str, kind: str, base: dict[str, str] | None = None) -> Callable[[Ctx], Files]:
    return lambda x: one(retype(x.nb(base), gid, kind))


def lines(*text: str) -> str:
    return "\n".join(text)


T1_FAILS = "t1: failed (AssertionError: double(2) should be 4)"
T1_HIDDEN_FAILS = "t1: failed (AssertionError: double should work for negative numbers too)"
T2_FAILS = "t2: failed (AssertionError: answer should be 42)"
T2_NO_ANSWER = "then NameError: name 'answer' is not defined)"
ALL_PASSED = ("all tests passed",)
REVIEW_FLAG = "flagged for review: "

# ---------------------------------------------------------------- the table

CASES: list[Case] = [
    # baselines
    Case("solved", "the solution", answers(), 4, GRADED, ALL_PASSED),
    Case("untouched", "the released lab as handed out", lambda x: one(x.nb({})), 1, GRADED,
         ("t1: not answered (a function of your answer still raises NotImplementedError)",
          "t2: not answered (answer cell 'a2' still raises NotImplementedError)")),
    Case("wrong-hidden", "passes the visible test, fails the hidden one",
         answers(a1="def double(x):\n    return x + 2"), 3, GRADED, (T1_HIDDEN_FAILS,)),
    Case("extra-cell", "a helper in a cell the student added", extra_cell, 4, GRADED, ALL_PASSED),
    Case("syntax-error", "an answer that does not compile", answers(a1="def double(x)\n    return 2 * x"),
         3, GRADED, ("t1: failed (answer cell 'a1' failed first with SyntaxError",
                     "then NameError: name 'double' is not defined)")),

    # the lab's test cells
    Case("test-deleted", "test cell t2 deleted", drop_test, 4, GRADED,
         ("test cell 't2' was deleted; it was restored",)),
    Case("test-duplicated", "test cell t1 twice (same grade_id)", duplicate_test, 3, GRADED,
         ("cell 't1' appears twice; the copy was ignored", T1_HIDDEN_FAILS)),
    Case("test-edited", "test cell t1 replaced by pass, wrong answers", edit_test, 1, GRADED,
         ("test cell 't1' was edited; the original was restored", T1_FAILS, T2_FAILS)),
    Case("test-moved", "test cell t2 moved to the top", move_test, 4, GRADED,
         ("test cells were moved; the lab's order was restored",)),
    Case("test-markdown", "test cell t3 turned into markdown", as_type("t3", "markdown"), 4, GRADED,
         ("test cell 't3' was turned into a markdown cell; it was restored",)),
    Case("test-raw", "test cell t1 turned into raw, wrong double", as_type("t1", "raw", WRONG), 1, GRADED,
         ("test cell 't1' was turned into a raw cell; it was restored", T1_FAILS)),
    Case("test-cells-mangled", "t1 edited and duplicated at the top, t2 deleted, t3 made markdown",
         mangle_tests, 4, GRADED, ("cell 't1' appears twice", "test cell 't1' was edited",
                                   "test cell 't2' was deleted", "test cell 't3' was turned into a markdown")),
    Case("test-stripped", "test cell t2 without nbgrader metadata, rewritten to set the answer",
         strip_test, 1, GRADED, ("test cell 't2' was edited", T2_FAILS)),

    # the lab's answer cells
    Case("answer-split", "answer cell a1 split in two, both halves with a1's metadata", answer_split, 4, GRADED,
         ("answer cell 'a1' appears twice; the copy was run after the first one",)),
    Case("answer-duplicated", "answer cell a2 twice: wrong, then right", answer_duplicated, 4, GRADED,
         ("answer cell 'a2' appears twice",)),
    Case("answer-deleted", "answer cell a1 deleted", answer_deleted, 3, GRADED,
         ("answer cell 'a1' is missing; it was graded as not answered", "t1: not answered")),
    Case("answer-markdown", "answer cell a2 turned into markdown", as_type("a2", "markdown"), 4, GRADED,
         ("answer cell 'a2' was a markdown cell; it was run as code",)),

    # files as other tools write them
    Case("nbformat-4.4", "nbformat 4.4: cells without ids", nbformat_44, 4, GRADED, ALL_PASSED),
    Case("duplicate-ids", "every cell with the same id", duplicate_ids, 4, GRADED, ALL_PASSED),
    Case("vscode", "as VS Code saves it: its own ids, kernelspec without language", vscode, 4, GRADED, ALL_PASSED),
    Case("colab", "as Colab saves it: nbformat 4.0, ids in cell metadata", colab, 4, GRADED, ALL_PASSED),
    Case("no-metadata", "no notebook metadata at all (no kernelspec, no language), nbformat 4.4", no_metadata,
         4, GRADED, ALL_PASSED),
    Case("odd-kernelspec", "an R kernelspec", odd_kernelspec, 4, GRADED, ALL_PASSED),
    Case("nbformat-3", "the old nbformat 3", nbformat_3, 4, GRADED, ("the notebook is in the old nbformat 3",)),
    # the student's cells run first, then the lab's: a1's stub redefines double (t1 not answered), a2's stub
    # raises before it can reset answer (t2 passes); the note tells the student to start again from the lab
    Case("metadata-stripped", "no cell metadata and no ids: no cell can be matched", bare, 3, GRADED,
         ("none of the lab's cells were recognised", "t1: not answered")),
    Case("junk-cells", "cells that are not objects", cells_not_objects, 4, GRADED,
         ("cell 2 is not a cell object; it was skipped",)),
    Case("cp1252", "saved as Windows-1252", cp1252, 4, GRADED, ("it was read as Windows-1252",)),
    Case("stray-byte", "UTF-8 with one stray byte", stray_byte, 4, GRADED, ("the invalid bytes were replaced",)),
    Case("bom", "UTF-8 with a byte order mark", bom, 4, GRADED, ALL_PASSED),
    Case("zoë", "non-ASCII folder name and source", unicode_everywhere, 4, GRADED, ALL_PASSED),

    # files and folders that cannot be graded
    Case("empty", "an empty file", lambda x: one(b""), 0, ERROR, (f"{NB}: the file is empty",)),
    Case("not-json", "not JSON", lambda x: one(b"{not json"), 0, ERROR,
         (f"{NB}: the file is not a notebook: invalid JSON at line 1",)),
    Case("truncated", "a notebook cut off half-way (a failed upload)",
         lambda x: one(nbformat.writes(x.nb())[:900]), 0, ERROR, ("the file is not a notebook: invalid JSON",)),
    Case("json-not-notebook", "JSON without cells", lambda x: one(b'{"just": "json"}'), 0, ERROR,
         (f"{NB}: the file is JSON but not a Jupyter notebook",)),
    Case("no-notebook", "a folder without a notebook", lambda x: {"notes.txt": "forgot the notebook"}, 0, ERROR,
         ("no notebook was submitted",)),
    Case("two-notebooks", "two notebooks, neither with the lab's name", two_notebooks, 0, ERROR,
         ("more than one notebook (a.ipynb, b.ipynb) and none named",)),
    Case("renamed-1", "the browser's download copy name", lambda x: {f"{TINY} (1).ipynb": x.nb()}, 4, GRADED,
         (f"the notebook is named '{TINY} (1).ipynb'",)),
    Case("copy-of", "Colab's 'Copy of' name", lambda x: {f"Copy of {NB}": x.nb()}, 4, GRADED,
         (f"the notebook is named 'Copy of {NB}'",)),
    Case("checkpoints", "the notebook plus a checkpoint and a scratch notebook", with_checkpoints, 4, GRADED,
         ALL_PASSED),
    Case("lying-outputs", "saved outputs claim success, the code fails", lying_outputs, 3, GRADED, (T1_FAILS,)),

    # code that runs away or stops the kernel
    Case("infinite-loop", "while True in an answer", answers(a2="while True:\n    pass"), 1, GRADED,
         (f"a cell ran past its time limit of {CELL_TIMEOUT} s (cell a2)", "t2: not run", "t3: not run")),
    Case("memory-hog", "allocates more than the memory cap", answers(a2="big = bytearray(4 * 2**30)\nanswer = 42"),
         2, GRADED, ("t2: failed (answer cell 'a2' failed first with MemoryError", T2_NO_ANSWER),
         executed=(("a2", "MemoryError"),)),
    Case("memory-in-test", "the function under test allocates more than the cap",
         answers(a1="def double(x):\n    big = bytearray(4 * 2**30)\n    return 2 * x"), 3, GRADED,
         ("t1: failed (MemoryError: the code needed more memory than the grader allows",)),
    Case("input", "waits for keyboard input", answers(a1="def double(x):\n    input('go on? ')\n    return 2 * x"),
         3, GRADED, ("t1: failed (StdinNotImplementedError",)),
    Case("sys-exit", "sys.exit() after the answer", answers(a2="answer = 42\nimport sys\nsys.exit(0)"), 4, GRADED,
         ALL_PASSED),
    Case("exit-builtin", "IPython's exit() in a cell of its own",
         lambda x: one(insert_after(x.nb(), "a2", "exit()")), 4, GRADED, ALL_PASSED),
    Case("os-exit", "os._exit", answers(a2="import os\nos._exit(1)"), 1, GRADED,
         ("the kernel died", "(cell a2)", "t2: not run", "t3: not run")),
    Case("kill-self", "SIGKILL to its own kernel, then a segfault", answers(a2=lines(
        "import faulthandler, os, signal",
        "os.kill(os.getpid(), signal.SIGKILL)",
        "# sandboxed, the kernel is the init of its own pid namespace, which ignores its own SIGKILL: crash it",
        "faulthandler._read_null()",
        "answer = 42")), 1, GRADED, ("the kernel died", "(cell a2)", "t3: not run")),
    Case("bad-magic", "a magic that does not exist", answers(a2="%notamagic 42\nanswer = 42"), 2, GRADED,
         ("t2: failed (answer cell 'a2' failed first with UsageError: Line magic function `%notamagic` not found",
          T2_NO_ANSWER), executed=(("a2", "notamagic"),)),
    Case("huge-output", "prints 2 MB", answers(a2="for i in range(20000):\n    print('x' * 100)\nanswer = 42"),
         4, GRADED, ALL_PASSED, executed=(("a2", "output cut by the grader"),)),

    # cheating inside the kernel. What the tests themselves stop costs the points; what only hooks into IPython
    # can fake (a pass of a test after the hook is set) keeps the faked points with status review: a person
    # decides (README, trust model). Each cheat is set in a2, after t1 ran.
    Case("always-equal", "an object equal to everything", answers(
        a2="class Anything:\n    def __eq__(self, other):\n        return True\nanswer = Anything()"), 2, GRADED,
         ("t2: failed (AssertionError: answer should be an int)",)),
    Case("input-transformer", "an IPython input transformer that blanks out asserts", wrong(
        a2="get_ipython().input_transformers_post.append(\n"
           "    lambda lines: ['pass\\n'] if any('assert' in l for l in lines) else lines)\nanswer = 0"),
         3, REVIEW, (REVIEW_FLAG, "IPython input transformer <lambda>", T1_FAILS)),
    Case("ast-transformer", "an AST transformer that drops asserts", wrong(
        a2="import ast\nclass Drop(ast.NodeTransformer):\n    def visit_Assert(self, node):\n        return None\n"
           "get_ipython().ast_transformers.append(Drop())\nanswer = 0"), 3, REVIEW,
         (REVIEW_FLAG, "IPython AST transformer Drop", T1_FAILS)),
    Case("pre-run-hook", "a pre_run_cell hook", wrong(
        a2="def spy(info):\n    pass\nget_ipython().events.register('pre_run_cell', spy)\nanswer = 0"), 1, REVIEW,
         (REVIEW_FLAG, "IPython pre_run_cell hook spy", T2_FAILS)),
    Case("patched-builtin", "builtins.isinstance patched (breaks ipykernel itself)", wrong(
        a2="import builtins\nbuiltins.isinstance = lambda *a: True\nanswer = 0"), 0, REVIEW,
         (REVIEW_FLAG, "changes builtins", f"a cell ran past its time limit of {CELL_TIMEOUT} s (cell a2)", T1_FAILS,
          "t2: not run", "t3: not run")),
    Case("showtraceback", "the shell's showtraceback replaced", wrong(
        a2="get_ipython().showtraceback = lambda *a, **k: None\nanswer = 0"), 1, REVIEW,
         (REVIEW_FLAG, "IPython shell method showtraceback replaced", T2_FAILS)),
    Case("excepthook", "sys.excepthook replaced", wrong(
        a2="import sys\nsys.excepthook = lambda *a: None\nanswer = 0"), 1, REVIEW,
         (REVIEW_FLAG, "replaces how errors are reported ('excepthook')", T2_FAILS)),
    Case("custom-exc", "set_custom_exc with a handler that marks the failed test as passed", custom_exc,
         3, REVIEW, (REVIEW_FLAG, "IPython custom exception handler for AssertionError",
                     "installs an IPython custom exception handler", T1_FAILS)),
    Case("post-run-hook", "a post_run_cell hook that clears the test's error", wrong(
        a2="def _fix(result):\n    result.error_in_exec = None\n"
           "get_ipython().events.register('post_run_cell', _fix)\nanswer = 0"), 3, REVIEW,
         (REVIEW_FLAG, "IPython post_run_cell hook _fix", T1_FAILS)),
    Case("numpy-patched", "np.allclose patched", wrong(
        a2="import numpy as np\nnp.allclose = lambda *a, **k: True\nanswer = 0"), 1, REVIEW,
         (REVIEW_FLAG, "numpy.allclose replaced")),
    Case("math-patched", "math.isclose patched", wrong(
        a2="import math\nmath.isclose = lambda *a, **k: True\nanswer = 0"), 1, REVIEW,
         (REVIEW_FLAG, "math.isclose replaced")),
    Case("numpy-obfuscated", "np.allclose patched past the static scan", wrong(
        a2="import importlib\nm = importlib.import_module('num' + 'py')\n"
           "setattr(m, 'all' + 'close', lambda *a, **k: True)\nanswer = 0"), 1, REVIEW,
         (REVIEW_FLAG, "numpy.allclose replaced")),
    Case("leak-by-message", "a hook that raises the test cells' source as an error message", leak_by_message,
         2, REVIEW, (REVIEW_FLAG, "IPython pre_run_cell hook _grab", "an error message quoted hidden test code",
                     "t2: failed (the error message was withheld because it quotes hidden test code)")),

    # reaching for the grader's files and processes (stopped by the sandbox)
    Case("read-hidden", "reads solutions/ and the gradebook's hidden tests", read_hidden, 2, REVIEW,
         (REVIEW_FLAG, "looks for the grader's files", T2_FAILS), sandbox=True),
    Case("read-hidden-quietly", "looks for solutions/ and the gradebook without words the scan knows",
         read_hidden_quietly, 2, GRADED, (T2_FAILS,), sandbox=True),
    Case("write-grades", "overwrites a classmate's result, grades.csv and the gradebook", write_grades, 4, GRADED,
         ALL_PASSED, sandbox=True, executed=(("a2", "forged []"),)),
    Case("kill-grader", "SIGKILLs every process named like the grader or pytest", kill_grader, 4, GRADED,
         ALL_PASSED, sandbox=True),
    Case("see-processes", "lists the machine's processes through /proc", count_processes, 4, GRADED, ALL_PASSED,
         sandbox=True),
    Case("symlink-notebook", "the notebook is a symbolic link to a file elsewhere", symlink_to_master, 0, ERROR,
         ("is a symbolic link, which the grader does not follow", "Hand in the file")),
    Case("plant-on-host", "leaves a file in /run/lock and a System V shared memory segment for later kernels",
         answers(a2=lines(
             "import ctypes",
             "open('/run/lock/" + PLANT + "', 'w').write('for the next kernel')",
             "print('segment', ctypes.CDLL(None).shmget(" + hex(PLANT_KEY) + ", 4096, 0o1666))",
             "answer = 42")), 4, REVIEW, (REVIEW_FLAG, "inspects the interpreter's internals"), sandbox=True,
         executed=(("a2", "segment "),)),
    Case("see-host-ipc", "looks for files in /run/lock and shared memory left by others (planted by the test)",
         answers(a2=lines(
             "import os",
             "seen = os.listdir('/run/lock') if os.path.isdir('/run/lock') else []",
             "segments = open('/proc/sysvipc/shm').read().splitlines()[1:]",
             "print('seen', seen, len(segments))",
             "answer = 42 if not seen and not segments else 0")), 4, GRADED, ALL_PASSED, sandbox=True,
         executed=(("a2", "seen [] 0"),)),
    Case("deep-folders", "leaves 3,000 nested folders in its working folder (too deep for shutil.rmtree)",
         answers(a2=lines(
             "import os",
             "start = os.getcwd()",
             "for _ in range(3000):",
             "    os.mkdir('d')",
             "    os.chdir('d')",
             "os.chdir(start)",
             "answer = 42")), 4, GRADED, ALL_PASSED),
    Case("x" * 236, "a student folder name of 236 bytes (the grader's file names must still fit)",
         answers(), 4, GRADED, ALL_PASSED),
    Case("loop-variable-_i", "a loop variable named _i (IPython's name for the last input, but the student's own)",
         answers(a2="total = 0\nfor _i in range(3):\n    total += _i\nanswer = 42"), 4, GRADED, ALL_PASSED),
    Case("read-history", "reads the cell history, where the tests' code is",
         answers(a2="answer = 42\nseen = len(In)"), 4, REVIEW,
         (REVIEW_FLAG, "reads IPython's cell history, where the tests' code is")),
]


def write(case: Case, ctx: Ctx, submissions: Path) -> None:
    folder = submissions / case.id
    folder.mkdir(parents=True)
    for name, content in case.build(ctx).items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, Link):
            path.symlink_to(content.target)
        elif isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content if isinstance(content, str) else nbformat.writes(content), encoding="utf-8")
