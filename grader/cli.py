"""``python -m grader <verb>``: a thin layer over the API; defaults live in the API functions."""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from grader.errors import GraderError
from grader.layout import lab_names


def _labs(given: list[str]) -> list[str]:
    return given or lab_names()


def cmd_release(args) -> int:
    from grader.release import release

    for lab in _labs(args.labs):
        print(f"released {release(lab)}")
    return 0


def cmd_check(args) -> int:
    from grader.check import check_release, check_solution

    for lab in _labs(args.labs):
        check_release(lab)
        if args.release_only:
            print(f"{lab}: labs/ in sync, nothing leaked")
            continue
        result = check_solution(lab, fast=not args.full)
        print(f"{lab}: {len(result.passed)} test cells passed in {result.seconds:.1f} s "
              f"({'full' if args.full else 'fast'} mode); labs/ in sync, nothing leaked")
    return 0


def print_table(report) -> None:
    def name(student: str) -> str:
        return student if len(student) <= 40 else student[:39] + "…"

    width = max([len(name(r.student)) for r in report.results] + [7])
    print(f"\n{report.lab}: {len(report.results)} submissions "
          f"({report.graded} graded now, {report.skipped} unchanged and skipped) -> {report.out}")
    print(f"{'student':<{width}}  {'score':>9}  {'status':<7}  reason")
    for r in sorted(report.results, key=lambda r: r.student):
        reason = r.summary()
        reason = reason if len(reason) <= 100 else reason[:99] + "…"
        print(f"{name(r.student):<{width}}  {r.total:>4g}/{r.max:<4g}  {r.status:<7}  {reason}")


def cmd_grade(args) -> int:
    from grader.grade import grade
    from grader.options import Options

    options = Options(cell_timeout=args.cell_timeout, notebook_timeout=args.notebook_timeout,
                      memory_limit=int(args.memory_limit * 2**30))
    report = grade(args.lab, Path(args.submissions), Path(args.out) if args.out else None,
                   jobs=args.jobs, force=args.force, options=options)
    print_table(report)
    if report.errors:
        print(f"\n{len(report.errors)} submission(s) could not be graded; see the reason column.", file=sys.stderr)
        return 1
    return 0


def cmd_validate(args) -> int:
    from grader.validate import validate

    result = validate(Path(args.notebook), fast=not args.full)
    print(f"{args.notebook}: {result.lab}, visible tests only (hidden tests run when it is graded)")
    for w in result.warnings:
        print(f"  warning: {w}")
    for p in result.parts:
        print(f"  {p.grade_id:<20} {p.status:<13} {p.message}")
    passed = sum(p.status == "passed" for p in result.parts)
    print(f"{passed}/{len(result.parts)} visible tests passed")
    return 0 if result.ok else 1


def build_parser() -> argparse.ArgumentParser:
    from grader.options import Options

    defaults = Options()
    parser = argparse.ArgumentParser(prog="python -m grader", description=__doc__)
    sub = parser.add_subparsers(dest="verb", required=True)

    p = sub.add_parser("release", help="solutions -> labs: strip solutions and hidden tests, clear outputs")
    p.add_argument("labs", nargs="*", help="lab names (default: all)")
    p.set_defaults(func=cmd_release)

    p = sub.add_parser("check", help="run solutions with papermill in fast mode; labs/ must be in sync")
    p.add_argument("labs", nargs="*", help="lab names (default: all)")
    p.add_argument("--full", action="store_true", help="run in full mode instead of fast mode")
    p.add_argument("--release-only", action="store_true", help="only check that labs/ is in sync and clean")
    p.set_defaults(func=cmd_check)

    p = sub.add_parser("validate", help="self-check: run a notebook with the lab's visible tests")
    p.add_argument("notebook")
    p.add_argument("--full", action="store_true", help="run in full mode instead of fast mode")
    p.set_defaults(func=cmd_validate)

    p = sub.add_parser("grade", help="auto-grade SUBMISSIONS/<student>/<lab>.ipynb")
    p.add_argument("lab")
    p.add_argument("submissions", help="folder with one sub-folder per student")
    p.add_argument("--out", help="course output folder (default: grades/): gradebook.db, <lab>/grades.csv, feedback")
    p.add_argument("--jobs", type=int, default=1, help="submissions graded in parallel (default: 1)")
    p.add_argument("--force", action="store_true", help="regrade submissions that are unchanged since the last run")
    p.add_argument("--cell-timeout", type=float, default=defaults.cell_timeout, help="seconds per cell (default: %(default)g)")
    p.add_argument("--notebook-timeout", type=float, default=defaults.notebook_timeout,
                   help="seconds per notebook (default: %(default)g)")
    p.add_argument("--memory-limit", type=float, default=defaults.memory_limit / 2**30,
                   help="GiB of address space per kernel (default: %(default)g)")
    p.set_defaults(func=cmd_grade)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except GraderError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted: finished submissions are saved; run the same command again to resume",
              file=sys.stderr)
        return 130
