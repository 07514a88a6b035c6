"""Build the notebook that is actually run: the lab's own cells, with the student's answers in them.

Every cell the lab owns (instructions, the parameters cell, test cells with their hidden tests)
comes from the gradebook or the released lab, in the lab's order. From the submission only
the answer cells and any extra cells the student added are taken; extra cells stay right after
the lab cell they followed. Each repair is reported as a note the student can read.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import nbformat
from nbformat import NotebookNode
from nbgrader import utils as nbutils

from grader.submission import StudentCell

PREAMBLE = "<start>"


@dataclass
class _Matched:
    first: dict[str, StudentCell] = field(default_factory=dict)
    order: list[str] = field(default_factory=list)
    extras: dict[str, list[StudentCell]] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)


def _grade_id(cell: NotebookNode) -> str | None:
    return cell.metadata.get("nbgrader", {}).get("grade_id")


def _match(template: NotebookNode, cells: list[StudentCell]) -> _Matched:
    by_gid = {gid: c for c in template.cells if (gid := _grade_id(c))}
    by_cell_id = {c.get("id"): gid for c in template.cells if (gid := _grade_id(c)) and c.get("id")}
    m = _Matched()
    anchor = PREAMBLE
    for sc in cells:
        gid = sc.grade_id if sc.grade_id in by_gid else None
        if gid is None and sc.grade_id is None and sc.cell_id in by_cell_id:
            gid = by_cell_id[sc.cell_id]  # editors that drop cell metadata often keep the cell id
        if gid is not None and gid not in m.first:
            m.first[gid] = sc
            m.order.append(gid)
            anchor = gid
            continue
        if gid is not None:
            role = by_gid[gid]
            if nbutils.is_solution(role):
                m.notes.append(f"answer cell {gid!r} appears twice; the copy was run after the first one")
            else:
                m.notes.append(f"cell {gid!r} appears twice; the copy was ignored")
                continue
        m.extras.setdefault(anchor, []).append(sc)
    return m


def _new_cell(cell_type: str, source: str, cell_id: str) -> NotebookNode:
    make = {"markdown": nbformat.v4.new_markdown_cell, "raw": nbformat.v4.new_raw_cell}.get(
        cell_type, nbformat.v4.new_code_cell)
    cell = make(source)
    cell["id"] = cell_id
    return cell


def _norm(source: str) -> str:
    return "\n".join(line.rstrip() for line in source.strip().splitlines())


def assemble(template: NotebookNode, cells: list[StudentCell],
             sources: dict[str, str]) -> tuple[NotebookNode, list[str]]:
    """The notebook to execute and the notes on what was restored.

    ``template`` is the released lab; ``sources`` maps grade ids to the gradebook's
    sources (test cells with their hidden tests, locked cells, answer stubs).
    """
    m = _match(template, cells)
    notes = list(m.notes)
    if cells and not m.first:
        notes.append("none of the lab's cells were recognised (their metadata and ids were removed, e.g. by "
                     "another editor), so your cells ran before the lab's own cells: start again from the "
                     "released lab and copy your answers into its cells")
    out = nbformat.v4.new_notebook(metadata=template.metadata)
    n_extra = 0

    def extras(anchor: str) -> None:
        nonlocal n_extra
        for sc in m.extras.get(anchor, []):
            n_extra += 1
            out.cells.append(_new_cell(sc.cell_type, sc.source, f"student-extra-{n_extra}"))

    extras(PREAMBLE)
    for tc in template.cells:
        gid = _grade_id(tc)
        cell = _new_cell(tc.cell_type, tc.source, tc.get("id") or f"lab-{len(out.cells)}")
        cell.metadata = nbformat.from_dict(dict(tc.metadata))
        if gid is None:
            out.cells.append(cell)
            continue
        sc = m.first.get(gid)
        if nbutils.is_solution(tc):
            if sc is None:
                cell.source = sources.get(gid, tc.source)
                notes.append(f"answer cell {gid!r} is missing; it was graded as not answered")
            else:
                cell.source = sc.source
                if sc.cell_type != tc.cell_type:
                    notes.append(f"answer cell {gid!r} was a {sc.cell_type} cell; it was run as {tc.cell_type}")
        else:
            cell.source = sources.get(gid, tc.source)
            is_test = nbutils.is_grade(tc)
            kind = "test cell" if is_test else "read-only cell"
            if sc is None:
                if is_test or tc.cell_type == "code":
                    notes.append(f"{kind} {gid!r} was deleted; it was restored")
            elif sc.cell_type != tc.cell_type:
                notes.append(f"{kind} {gid!r} was turned into a {sc.cell_type} cell; it was restored")
            elif tc.cell_type == "code" and _norm(sc.source) != _norm(tc.source):
                notes.append(f"{kind} {gid!r} was edited; the original was restored")
        out.cells.append(cell)
        extras(gid)
    tests = [_grade_id(c) for c in template.cells if nbutils.is_grade(c) and not nbutils.is_solution(c)]
    seen = [g for g in m.order if g in tests]
    if seen != [g for g in tests if g in seen]:
        notes.append("test cells were moved; the lab's order was restored")
    return out, notes
