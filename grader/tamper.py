"""Detecting tampering that cannot be prevented inside one kernel: such a submission is flagged for review.

Two independent looks:
- a static scan of the code the student wrote (answer cells and added cells);
- a probe sent with every cell's execute request as a ``user_expression``: IPython evaluates it
  after the cell, outside input transformers, AST transformers and pre-run hooks, and it lists
  hooks, transformers and replaced functions that were defined in the notebook itself.
Neither changes a score: the instructor reads the reason and decides.
"""
from __future__ import annotations

import ast
import io
import re
import tokenize

from grader.submission import StudentCell

PATTERNS = {
    r"input_transformers|ast_transformers": "registers IPython input or AST transformers",
    r"events\s*\.\s*(register|callbacks)": "registers IPython event hooks",
    r"showtraceback|excepthook|displayhook": "replaces how errors are reported",
    r"set_custom_exc|custom_exceptions|CustomTB": "installs an IPython custom exception handler",
    r"\bbuiltins\b|__builtins__": "changes builtins",
    r"gradebook|BEGIN HIDDEN TESTS|solutions/": "looks for the grader's files",
    r"\bctypes\b|\bgc\s*\.\s*get_(objects|referrers)": "inspects the interpreter's internals",
    r"ExecutionResult|interactiveshell|\.run_cell\b|\.run_ast_nodes\b": "changes how IPython runs cells",
    r"\b_ih\b|user_ns|history_manager|get_ipython|\blinecache\b":
        "reads IPython's cell history or namespace (where the tests run)",
    r"_getframe|currentframe|\binspect\b|\bf_back\b|\bf_code\b|\bco_consts\b|\bsettrace\b|setprofile":
        "inspects the calling code's frames",
}

PROBE = (
    "(lambda sys, ip: repr(sorted(set("
    "[f'IPython {ev} hook {getattr(cb, \"__qualname__\", type(cb).__name__)}' for ev, cbs in ip.events.callbacks.items()"
    " for cb in cbs if getattr(cb, '__module__', None) == '__main__']"
    " + [f'IPython input transformer {getattr(t, \"__qualname__\", type(t).__name__)}'"
    " for t in list(ip.input_transformers_cleanup) + list(ip.input_transformers_post)"
    " if getattr(t, '__module__', type(t).__module__) == '__main__']"
    " + [f'IPython AST transformer {type(t).__name__}' for t in ip.ast_transformers if type(t).__module__ == '__main__']"
    " + [f'IPython shell method {k} replaced' for k, v in vars(ip).items()"
    " if callable(v) and getattr(v, '__module__', None) == '__main__']"
    " + [f'IPython custom exception handler for {getattr(e, \"__name__\", e)}' for e in tuple(ip.custom_exceptions)]"
    " + [f'sys.{k} replaced' for k in ('excepthook', 'displayhook')"
    " if getattr(getattr(sys, k), '__module__', None) == '__main__']"
    " + [f'{m}.{k} replaced' for m in ('builtins', 'numpy', 'numpy.testing', 'math', 'pandas.testing',"
    " 'sklearn.metrics', 'sklearn.model_selection') if m in sys.modules"
    " for k, v in list(vars(sys.modules[m]).items()) if getattr(v, '__module__', None) == '__main__']"
    "))))(__import__('sys'), get_ipython())"
)
"""Evaluated in the student's namespace after each cell; returns the repr of a sorted list of findings."""


def scan(cells: list[StudentCell], answer_ids: set[str]) -> list[str]:
    """Findings in the code the student wrote: answer cells and cells the student added."""
    found = []
    for cell in cells:
        if cell.cell_type != "code" or (cell.grade_id is not None and cell.grade_id not in answer_ids):
            continue
        where = f"cell {cell.grade_id!r}" if cell.grade_id else "a cell the student added"
        for pattern, what in PATTERNS.items():
            match = re.search(pattern, cell.source)
            if match:
                found.append(f"{where} {what} ({match.group(0)!r})")
        history = sorted(_history_reads(cell.source))
        if history:
            found.append(f"{where} reads IPython's cell history, where the tests' code is ({history[0]!r})")
    return sorted(set(found))


HISTORY_NAMES = {"In", "_ih", "_i", "_ii", "_iii"} | {f"_i{n}" for n in range(1, 1000)}


def _history_reads(source: str) -> set[str]:
    """History names (``In``, ``_i``, ``_ii``...) that ``source`` reads before binding them itself (a loop
    variable called ``_i`` is the student's own). A cell that does not parse (magics, a syntax error):
    every history name among its tokens (comments and strings left out)."""
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError):
        return _names(source) & HISTORY_NAMES
    uses = sorted(((node.lineno, node.col_offset), node.id, isinstance(node.ctx, ast.Load))
                  for node in ast.walk(tree) if isinstance(node, ast.Name) and node.id in HISTORY_NAMES)
    uses += [((node.lineno, node.col_offset), node.arg, False)
             for node in ast.walk(tree) if isinstance(node, ast.arg) and node.arg in HISTORY_NAMES]
    bound: set[str] = set()
    read: set[str] = set()
    for _, name, load in sorted(uses):
        if not load:
            bound.add(name)
        elif name not in bound:
            read.add(name)
    return read


def _names(source: str) -> set[str]:
    """The identifiers in ``source`` (comments and strings left out); a cell that does not
    tokenize gives what its lines before the problem give."""
    names: set[str] = set()
    try:
        for token in tokenize.generate_tokens(io.StringIO(source).readline):
            if token.type == tokenize.NAME:
                names.add(token.string)
    except (tokenize.TokenError, IndentationError, SyntaxError):
        pass
    return names


def probe_findings(reply_expressions: dict | None) -> list[str]:
    """What one probe reported (``[]`` when clean); a probe that failed to run is itself a finding."""
    if not reply_expressions or "grader_probe" not in reply_expressions:
        return []
    result = reply_expressions["grader_probe"]
    if result.get("status") != "ok":
        return [f"the grader's state probe failed in the kernel ({result.get('ename', 'error')})"]
    try:
        return list(ast.literal_eval(ast.literal_eval(result["data"]["text/plain"])))
    except (KeyError, ValueError, SyntaxError):
        return ["the grader's state probe returned something unexpected"]
