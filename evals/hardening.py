"""``make hardening``: the hardening tests (abuse, faults, personal data, bad input, including
the slow ones) and the loopback load test, summed up in one table.

Each test adds its figures to a JSON-lines file (``tests/hardening/conftest.py``); this reads
them back. Exits 1 when a test fails, a count that must be zero is not, or the sustained load
misses the p95 target.

    python -m evals.hardening [--minutes 1] [--store var/store] [--skip-load]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from collections import defaultdict
from collections.abc import Sequence
from pathlib import Path

from rich.console import Console
from rich.table import Table

from evals import load

REPO = Path(__file__).resolve().parents[1]
# The tests append their figures to the file this names (tests/hardening/conftest.py).
FIGURES_ENV = "ALQABI_HARDENING_FIGURES"
# Wide enough for the table when the output is a log file, not a terminal.
console = Console(width=None if sys.stdout.isatty() else 140)


def run_tests(figures: Path, pytest_args: Sequence[str]) -> int:
    """The hardening suite with every test (slow ones too); returns pytest's exit code."""
    command = [sys.executable, "-m", "pytest", "tests/hardening", "-m", "", "-q", *pytest_args]
    return subprocess.run(
        command, cwd=REPO, env={**os.environ, FIGURES_ENV: str(figures)}
    ).returncode


def totals(figures: Path) -> dict[str, dict[str, float]]:
    """Figures summed per suite."""
    sums: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    if figures.exists():
        for line in figures.read_text(encoding="utf-8").splitlines():
            row = json.loads(line)
            suite = row.pop("suite")
            for key, value in row.items():
                sums[suite][key] += value
    return sums


def _n(value: float) -> str:
    return f"{value:,.0f}"


def summary(
    sums: dict[str, dict[str, float]], report: load.LoadReport | None
) -> tuple[Table, bool]:
    """The one table, and whether every must-be-zero count is zero and the load target held."""
    bad, inj, faults = sums["bad-input"], sums["injection"], sums["faults"]
    pii = sums["pii"]
    # (check, how many were tried, what they were, what must stay zero, how many were found)
    rows = [
        (
            "bad inputs (hypothesis, schemathesis, broken bodies)",
            bad["inputs"],
            f"{_n(bad['inputs'])} tried",
            "server errors",
            bad["server_errors"],
        ),
        (
            "prompt injections (questions, an indexed document)",
            inj["inputs"],
            f"{_n(inj['inputs'])} tried",
            "refusals changed + secrets shown",
            inj["changed"] + inj["leaks"],
        ),
        (
            "faults (SIGKILL, damaged snapshots, live re-index/delete, bot outages)",
            faults["injected"],
            f"{_n(faults['injected'])} injected, {_n(faults['requests'])} requests during swaps",
            "data lost + failed requests",
            faults["lost"] + faults["failed_requests"],
        ),
        (
            "personal data (API, bot, eval harness)",
            pii["inputs"],
            f"{_n(pii['inputs'])} inputs, {_n(pii['files'])} files read",
            "leaks found",
            pii["leaks"] + sums["pii-unit"]["leaks"],
        ),
        (
            "staff auth attacks (missing/forged/expired cookies, fixation, escalation, paths, "
            "brute force)",
            sums["auth"]["attacks"],
            f"{_n(sums['auth']['attacks'])} attacks, {_n(sums['auth']['log_checks'])} secrets "
            "looked for in logs",
            "successes + secrets in logs",
            sums["auth"]["successes"] + sums["auth"]["leaks"],
        ),
    ]
    table = Table(title="hardening")
    for column in ("check", "tried", "must be 0", "found", ""):
        table.add_column(column)
    ok = True
    for check, count, tried, what, found in rows:
        passed = found == 0 and count > 0
        ok &= passed
        table.add_row(check, tried, what, _n(found), "[green]ok" if passed else "[red]FAIL")
    if report is not None:
        s = report.sustained
        passed = s.p95_ms < report.p95_target_ms and s.errors == 0
        ok &= passed
        table.add_row(
            f"load: /v1/ask + /v1/search, {report.documents} documents, {s.concurrency} clients",
            f"{s.rps:.1f} req/s sustained {s.seconds / 60:.1f} min, p95 {s.p95_ms:.0f} ms",
            f"errors (p95 < {report.p95_target_ms:.0f} ms)",
            f"{s.errors} ({report.error_rate:.2%})",
            "[green]ok" if passed else "[red]FAIL",
        )
        table.caption = (
            f"server RSS {report.rss_mb_start:.0f} → {report.rss_mb_end:.0f} MB "
            f"({report.rss_growth_mb_per_min:+.2f} MB/min); {report.cores} cores"
        )
    return table, ok


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--minutes", type=float, default=1.0, help="sustained load length")
    parser.add_argument("--store", type=Path, default=REPO / "var" / "store")
    parser.add_argument("--skip-load", action="store_true")
    parser.add_argument("--out", type=Path, help="also write the figures (JSON) here")
    parser.add_argument("pytest_args", nargs="*", help="extra pytest arguments (after --)")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="alqabi-hardening-") as tmp:
        figures = Path(tmp) / "figures.jsonl"
        code = run_tests(figures, args.pytest_args)
        sums = totals(figures)
    report = None
    if not args.skip_load:
        if (args.store / "CURRENT").exists():
            report = load.run(args.store, args.minutes, 1_000_000, 200.0, (1, 2, 4, 8), 15.0)
        else:
            console.print(f"[yellow]no store at {args.store}: load test skipped (make index)")
    table, ok = summary(sums, report)
    console.print(table)
    if args.out:
        data = {"figures": sums, "load": report.model_dump() if report else None}
        args.out.write_text(json.dumps(data, indent=2), encoding="utf-8")
    if code != 0:
        console.print(f"[red]hardening tests failed (pytest exit {code})")
    return 0 if code == 0 and ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
