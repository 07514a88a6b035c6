"""Cheating inside the kernel: what is defended, and what is detected and flagged for review."""
from __future__ import annotations

import pytest

from conftest import SOLVED, TINY, tiny_master
from grader.grade import Options, grade

# one worker grades the fixture batch once for the whole module (tasks.py runs pytest with --dist loadgroup)
pytestmark = pytest.mark.xdist_group("tamper")

WRONG = {"a1": "def double(x):\n    return 0", "a2": "answer = 0"}

CHEATS = {
    # defended by the tests themselves: the hidden test checks the type
    "always-equal": ({"a1": SOLVED["a1"], "a2": "class Anything:\n    def __eq__(self, other):\n        return True\n"
                      "answer = Anything()"}, None),
    "input-transformer": ({**WRONG, "a2": "get_ipython().input_transformers_post.append(\n"
                           "    lambda lines: ['pass\\n'] if any('assert' in l for l in lines) else lines)\nanswer = 0"},
                          "input transformer"),
    "ast-transformer": ({**WRONG, "a2": "import ast\nclass Drop(ast.NodeTransformer):\n"
                         "    def visit_Assert(self, node):\n        return None\n"
                         "get_ipython().ast_transformers.append(Drop())\nanswer = 0"}, "AST transformer"),
    "pre-run-hook": ({**WRONG, "a2": "def spy(info):\n    pass\nget_ipython().events.register('pre_run_cell', spy)\n"
                      "answer = 0"}, "pre_run_cell hook spy"),
    "patched-builtin": ({**WRONG, "a2": "import builtins\nbuiltins.isinstance = lambda *a: True\nanswer = 0"},
                        "builtins"),
    "hidden-traceback": ({**WRONG, "a2": "get_ipython().showtraceback = lambda *a, **k: None\nanswer = 0"},
                         "shell method showtraceback replaced"),
    "excepthook": ({**WRONG, "a2": "import sys\nsys.excepthook = lambda *a: None\nanswer = 0"}, "excepthook"),
    "numpy-patched": ({**WRONG, "a2": "import numpy as np\nnp.allclose = lambda *a, **k: True\nanswer = 0"},
                      "numpy.allclose replaced"),
    # a hook that captures the test cells' source and raises it as an error message
    "leak-by-message": ({"a1": "_seen = []\ndef _grab(info):\n    _seen.append(info.raw_cell)\n"
                         "get_ipython().events.register('pre_run_cell', _grab)\n"
                         "class _Leak:\n    def __eq__(self, other):\n        raise RuntimeError('LEAK ' + ' '.join(_seen))\n"
                         "def double(x):\n    return 2 * x", "a2": "answer = _Leak()"}, "pre_run_cell hook _grab"),
    # evades the static scan; the runtime probe still sees it
    "obfuscated": ({**WRONG, "a2": "import importlib\nm = importlib.import_module('num' + 'py')\n"
                    "setattr(m, 'all' + 'close', lambda *a, **k: True)\nanswer = 0"}, "numpy.allclose replaced"),
}


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    from conftest import Submissions
    from grader.nbsteps import release_notebook

    root = tmp_path_factory.mktemp("tamper")
    subs = Submissions(root / "submissions", release_notebook(tiny_master()))
    for student, (answers, _) in CHEATS.items():
        subs.write(student, subs.notebook(answers))
    subs.write("honest", subs.notebook(SOLVED))
    # patching builtins.isinstance breaks ipykernel itself: that kernel hangs until the cell time limit
    report = grade(TINY, subs.root, root / "out", master=tiny_master(), jobs=2, progress=None,
                   options=Options(cell_timeout=30))
    return {r.student: r for r in report.results}


def test_honest_work_is_not_flagged(graded):
    assert graded["honest"].status == "graded" and graded["honest"].review == [] and graded["honest"].total == 4


def test_an_object_equal_to_everything_fails_the_hidden_type_check(graded):
    result = graded["always-equal"]
    assert result.parts[1].status == "failed" and "should be an int" in result.parts[1].message


@pytest.mark.parametrize("student", [s for s, (_, flag) in CHEATS.items() if flag])
def test_tampering_is_flagged_for_review_with_the_reason(graded, student):
    result = graded[student]
    assert result.status == "review"
    assert any(CHEATS[student][1] in finding for finding in result.review), result.review
    assert "flagged for review" in result.summary()


def test_feedback_never_quotes_hidden_test_code(graded):
    leak = graded["leak-by-message"]
    assert "withheld" in leak.parts[1].message and "double(-3)" not in leak.summary()
    assert "an error message quoted hidden test code" in leak.review
