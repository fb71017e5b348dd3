"""``python -m demo.cases --out corpus/court_acts.jsonl [--n 3200] [--seed 7]``."""

from __future__ import annotations

import argparse
import time
from collections import Counter

from demo.cases.generator import generate_cases, write_cases_jsonl


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Generate synthetic court acts as JSONL.")
    parser.add_argument("--out", required=True, help="JSONL file to write")
    parser.add_argument("--n", type=int, default=3200, help="number of acts (default 3200)")
    parser.add_argument("--seed", type=int, default=7, help="random seed (default 7)")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    acts = generate_cases(args.n, args.seed)
    write_cases_jsonl(args.out, acts)
    elapsed = time.perf_counter() - started
    print(f"{len(acts)} acts → {args.out} in {elapsed:.1f} s")
    for name, key in (
        ("category", lambda a: a.category),
        ("lang", lambda a: a.lang),
        ("instance", lambda a: a.instance),
        ("outcome", lambda a: a.outcome),
    ):
        counts = Counter(str(key(a)) for a in acts)
        print(f"{name}: " + ", ".join(f"{k} {v}" for k, v in sorted(counts.items())))
    deviations = sum(bool(a.features.get("deviation")) for a in acts)
    print(f"planted deviations: {deviations}")


if __name__ == "__main__":
    main()
