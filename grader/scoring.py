"""Scores from an executed notebook: a test counts as passed only if it ran and its cell finished without error.

The verdict comes from the kernel's execute replies (``Execution.replies``), not from outputs
saved in the file. Text on stderr (library warnings) does not fail a test, unlike nbgrader's
``determine_grade``.
"""
from __future__ import annotations

import io
import re
import tokenize

from nbformat import NotebookNode
from nbgrader import utils as nbutils

from grader.execute import Execution
from grader.nbsteps import HIDDEN_BEGIN, HIDDEN_END, Part
from grader.results import FAILED, NOT_ANSWERED, NOT_RUN, PASSED, PartResult

WITHHELD = "the error message was withheld because it quotes hidden test code"
WINDOW = 24


def _squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


def hidden_code(master: NotebookNode) -> str:
    """The code of all hidden tests with string literals removed and no white space.

    Our own assertion messages are string literals, so they may be shown; any other piece of
    hidden test code in a message can only come from code that captured it.
    """
    pieces = []
    for cell in master.cells:
        for region in re.findall(f"{re.escape(HIDDEN_BEGIN)}(.*?){re.escape(HIDDEN_END)}", cell.source, re.S):
            try:
                tokens = tokenize.generate_tokens(io.StringIO(region).readline)
                pieces.append("".join(t.string for t in tokens if t.type != tokenize.STRING))
            except (tokenize.TokenError, IndentationError, SyntaxError):
                pieces.append(region)
    return _squash("\n".join(pieces))


def redact(message: str, secret: str) -> str:
    """``message``, or WITHHELD when it contains a run of hidden test code."""
    text = _squash(message)
    if secret and any(text[i:i + WINDOW] in secret for i in range(0, max(1, len(text) - WINDOW + 1))
                      if len(text[i:i + WINDOW]) == WINDOW):
        return WITHHELD
    return message


def _short(text: str, limit: int = 300) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def score(execution: Execution, parts: list[Part], secret: str = "") -> list[PartResult]:
    """One result per graded part, in the lab's order; messages never quote ``secret`` code."""
    wanted = {p.grade_id: p for p in parts}
    results: dict[str, PartResult] = {}
    unanswered: list[str] = []
    crashed: list[str] = []
    for cell in execution.nb.cells:
        meta = cell.metadata.get("nbgrader", {})
        gid = meta.get("grade_id")
        reply = execution.replies.get(cell.get("id", ""))
        if nbutils.is_solution(cell) and cell.cell_type == "code":
            if reply is not None and reply.ename == "NotImplementedError":
                unanswered.append(gid)
            elif reply is not None and reply.status != "ok":
                crashed.append(f"answer cell {gid!r} failed first with {reply.ename or 'an error'}"
                               + (f": {reply.evalue}" if reply.evalue else ""))
            continue
        if gid not in wanted or gid in results or nbutils.is_solution(cell):
            continue
        part = wanted[gid]
        if reply is None:
            why = execution.stopped if execution.stopped else "the cell did not run"
            results[gid] = PartResult(gid, 0.0, part.points, NOT_RUN, why)
        elif reply.status == "ok":
            results[gid] = PartResult(gid, part.points, part.points, PASSED)
        elif unanswered or reply.ename == "NotImplementedError":
            where = f"answer cell {unanswered[-1]!r}" if unanswered else "a function of your answer"
            results[gid] = PartResult(gid, 0.0, part.points, NOT_ANSWERED,
                                      f"{where} still raises NotImplementedError")
        else:
            message = f"{reply.ename}: {reply.evalue}" if reply.evalue else reply.ename
            if reply.ename == "MemoryError":
                message = "MemoryError: the code needed more memory than the grader allows per notebook"
            if crashed:  # the test's own error (often a NameError) follows from the answer's
                message = f"{crashed[-1]}; then {message}"
            results[gid] = PartResult(gid, 0.0, part.points, FAILED,
                                      redact(_short(message or "the test failed"), secret))
        unanswered, crashed = [], []
    return [results.get(p.grade_id, PartResult(p.grade_id, 0.0, p.points, NOT_RUN, "the test cell is missing"))
            for p in parts]
