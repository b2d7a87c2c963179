"""A newcomer's first `make run`: a fresh clone, dependencies installed, then the clock.

    python -m bench.first_start [--keep]

Clones the committed HEAD into a temporary folder, installs its virtualenv (`make venv`,
not timed: pip's cache decides it), then times `make run` with none of the machine's
DATABASE_URL / REDIS_URL until the login page answers, phase by phase (the stack's `==>`
lines), then Ctrl-C until every process has exited; then a second start on the same
folder (database and demo data reused). Goals (issue 11): first start ≤ 90 s on a quiet
2-core machine, Ctrl-C ≤ 10 s.
"""

import argparse
import itertools
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

from bench._setup import report
from tests.makerun import ROOT, MakeRun

FIRST_START_GOAL_SECONDS = 90
STOP_GOAL_SECONDS = 10


def phases(run: MakeRun) -> list[tuple[str, float]]:
    """(phase, seconds) between consecutive `==>` lines, up to the first page served."""
    marks = [(at, line[4:]) for at, line in run.lines if line.startswith("==> ")]
    return [
        (title, later - at)
        for (at, title), (later, _next) in itertools.pairwise(marks)
        if not title.startswith(("web pid", "Serving"))
    ]


def timed_start(checkout: Path, var_dir: Path, label: str) -> float:
    """Seconds until the login page answered (after printing every phase and the stop)."""
    run = MakeRun(checkout=checkout, var_dir=var_dir)
    run.start()
    try:
        served = run.wait_until_serving(timeout=900)
    finally:
        stopped = run.stop()
    for title, seconds in phases(run):
        print(f"{label} · {title}: {seconds:.1f} s")
    verdict = "met" if served <= FIRST_START_GOAL_SECONDS else "NOT met"
    print(
        f"{label} · login page served: {served:.1f} s (goal ≤ {FIRST_START_GOAL_SECONDS} s: {verdict})"
    )
    verdict = "met" if stopped <= STOP_GOAL_SECONDS else "NOT met"
    print(
        f"{label} · Ctrl-C to every process stopped: {stopped:.1f} s (goal ≤ {STOP_GOAL_SECONDS} s: {verdict})"
    )
    return served


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--keep", action="store_true", help="keep the clone for a look")
    args = parser.parse_args()

    folder = Path(tempfile.mkdtemp(prefix="goalpost-first-start-"))
    checkout = folder / "goalpost"
    try:
        subprocess.run(["git", "clone", "--quiet", str(ROOT), str(checkout)], check=True)  # noqa: S603, S607
        began = time.monotonic()
        install = ["make", "--no-print-directory", "venv"]
        subprocess.run(install, cwd=checkout, check=True, capture_output=True)  # noqa: S603
        print(f"install (make venv, not counted): {time.monotonic() - began:.1f} s")
        var_dir = checkout / "var"
        served = timed_start(checkout, var_dir, "first start")
        report(
            "first make run, after install",
            figure=f"{served:.1f} s to the login page",
            floor="before: ~350 s of seeding (issue 20)",
            ratio=f"{350 / served:.1f}x faster",
            goal="≤ 90 s",
            met=served <= FIRST_START_GOAL_SECONDS,
        )
        timed_start(checkout, var_dir, "second start")
    finally:
        if args.keep:
            print(f"clone kept in {checkout}")
        else:
            shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
