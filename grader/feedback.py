"""Per-student feedback as one HTML page: each graded part, pass or fail, and the message.

Built only from a :class:`SubmissionResult`, which holds messages and never test source,
so the hidden tests cannot leak through feedback.
"""
from __future__ import annotations

from html import escape

from grader.results import PASSED, SubmissionResult

STYLE = """body{font-family:system-ui,sans-serif;max-width:52rem;margin:2rem auto;color:#222}
table{border-collapse:collapse;width:100%}td,th{border:1px solid #ccc;padding:.4rem;text-align:left;vertical-align:top}
.passed{color:#176b2c;font-weight:600}.failed,.not-run,.not-answered{color:#a3161a;font-weight:600}
.note{background:#fff7e0;padding:.5rem 1rem;border-left:4px solid #e0a800}"""


def render(result: SubmissionResult) -> str:
    rows = "\n".join(
        f"<tr><td>{escape(p.grade_id)}</td><td>{p.points:g} / {p.max_points:g}</td>"
        f"<td class=\"{escape(p.status.replace(' ', '-'))}\">{escape(p.status)}</td>"
        f"<td>{escape(p.message) if p.status != PASSED else ''}</td></tr>"
        for p in result.parts)
    notes = "".join(f"<li>{escape(n)}</li>" for n in result.notes)
    reason = f"<p class=\"note\"><strong>Could not be graded:</strong> {escape(result.reason)}</p>" \
        if result.reason else ""
    if result.review:
        reason += ("<p class=\"note\"><strong>Flagged for review by the course staff:</strong> "
                   + escape("; ".join(result.review)) + "</p>")
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{escape(result.lab)}: feedback for {escape(result.student)}</title>
<style>{STYLE}</style></head><body>
<h1>{escape(result.lab)}</h1>
<p>Student: <strong>{escape(result.student)}</strong> &middot; notebook: {escape(result.notebook or '-')}
&middot; score: <strong>{result.total:g} / {result.max:g}</strong></p>
{reason}
{f'<div class="note"><p>Notes from the grader (what it repaired in your file, and where the run stopped):</p><ul>{notes}</ul></div>' if notes else ''}
<table><thead><tr><th>part</th><th>points</th><th>result</th><th>message</th></tr></thead>
<tbody>
{rows}
</tbody></table>
<p>Your notebook was run from top to bottom on a fresh kernel in fast mode, with the lab's own test
cells (including hidden tests) in place. Outputs saved in your file were not used.</p>
</body></html>
"""
