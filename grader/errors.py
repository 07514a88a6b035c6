"""The grader's own exceptions. The CLI prints their message and exits with status 2."""
from __future__ import annotations


class GraderError(Exception):
    """Base class: something the user can fix, described in the message."""


class LabNotFound(GraderError):
    """No master notebook for the lab name given."""


class LabDefinitionError(GraderError):
    """A master notebook breaks the lab conventions (metadata, parameters cell, markers)."""


class CheckFailed(GraderError):
    """A solution did not pass its own tests, or ``labs/`` is stale or leaks."""


class GradebookError(GraderError):
    """nbgrader's gradebook refused a change (e.g. the master changed after grading)."""


class SubmissionError(GraderError):
    """A submission that cannot be graded as it stands; names the student, notebook, cell and a fix."""

    def __init__(self, what: str, *, student: str = "", notebook: str = "", cell: str = "", fix: str = ""):
        self.what, self.student, self.notebook, self.cell, self.fix = what, student, notebook, cell, fix
        super().__init__(self.reason)

    @property
    def reason(self) -> str:
        where = ", ".join(p for p in (self.notebook, self.cell) if p)
        text = f"{where}: {self.what}" if where else self.what
        return f"{text}. {self.fix}" if self.fix else text
