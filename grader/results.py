"""One student's grading result, stored as JSON beside the grades, and the class table built from them."""
from __future__ import annotations

import csv
import hashlib
import io
import json
from dataclasses import asdict, dataclass, field
from pathlib import Path

from grader.fsutil import write_atomic

GRADED, REVIEW, ERROR = "graded", "review", "error"
PASSED, FAILED, NOT_ANSWERED, NOT_RUN = "passed", "failed", "not answered", "not run"
STEM_BYTES = 150
"""Longest student id used as it is in file names (a name may hold 255 bytes, with room for suffixes)."""


def file_stem(student: str) -> str:
    """The name of a student's files (results, feedback, executed notebook): the id itself, or for a very
    long id its first bytes and a hash of the whole."""
    raw = student.encode("utf-8", "surrogateescape")
    if len(raw) <= STEM_BYTES:
        return student
    head = raw[:STEM_BYTES - 13].decode("utf-8", "ignore")
    return f"{head}~{hashlib.sha256(raw).hexdigest()[:12]}"


@dataclass(frozen=True)
class PartResult:
    """One graded part of one submission: points and why (status: PASSED ... NOT_RUN)."""

    grade_id: str
    points: float
    max_points: float
    status: str
    message: str = ""


@dataclass
class SubmissionResult:
    student: str
    lab: str
    status: str
    """``graded`` when the notebook ran, ``review`` when it ran but looks tampered with (see
    ``review``), ``error`` when it could not be graded at all."""
    parts: list[PartResult]
    reason: str = ""
    notes: list[str] = field(default_factory=list)
    review: list[str] = field(default_factory=list)
    transient: bool = False
    """An internal error that may not happen again: never skipped as unchanged on a rerun."""
    notebook: str = ""
    fingerprint: str = ""
    seconds: float = 0.0

    @property
    def total(self) -> float:
        return sum(p.points for p in self.parts)

    @property
    def max(self) -> float:
        return sum(p.max_points for p in self.parts)

    def summary(self) -> str:
        """A one-line reason for grades.csv."""
        if self.reason:
            return self.reason
        lost = [f"{p.grade_id}: {p.status}" + (f" ({p.message})" if p.message else "")
                for p in self.parts if p.points < p.max_points]
        flagged = ["flagged for review: " + ", ".join(self.review)] if self.review else []
        return "; ".join(flagged + self.notes + lost) or "all tests passed"

    def to_json(self) -> str:
        return json.dumps(asdict(self), indent=1, ensure_ascii=False) + "\n"

    @classmethod
    def from_json(cls, text: str) -> "SubmissionResult":
        data = json.loads(text)
        data["parts"] = [PartResult(**p) for p in data["parts"]]
        return cls(**data)


def _fmt(x: float) -> str:
    return f"{x:g}"


def grades_csv(results: list[SubmissionResult], part_ids: list[str]) -> str:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(["student", *part_ids, "total", "max", "status", "reason"])
    for r in sorted(results, key=lambda r: r.student):
        points = {p.grade_id: p.points for p in r.parts}
        writer.writerow([r.student, *(_fmt(points.get(g, 0.0)) for g in part_ids),
                         _fmt(r.total), _fmt(r.max), r.status, r.summary()])
    return buf.getvalue()


def write_result(path: Path, result: SubmissionResult) -> None:
    write_atomic(path, result.to_json())


def read_results(folder: Path) -> list[SubmissionResult]:
    return [SubmissionResult.from_json(p.read_text(encoding="utf-8")) for p in sorted(folder.glob("*.json"))]
