"""Fuzz the loader: N mutated schema.yaml files (tests/fuzz.py), counted by how each ended.

    python bench/fuzz_load.py [--n 100000] [--seed 0] [--jobs 1]
    python bench/fuzz_load.py --seed 0 --show 4711      # print input 4711 of seed 0, and its outcome

Outcomes: ok (loaded), error (a SchemaError with a file and a line inside the text), and the
failures: unlocated (a SchemaError without them), crash (any other exception) and hang (still
loading after 10 s: it would not end), grouped by
where they were raised, each with the index of its first input to --show. Also: the inputs per
second, the slowest input, and the kinds of error (their first words), to see what the mutator
reaches. No database is needed: the loader never touches one. Exits 1 when anything failed.
"""
from __future__ import annotations

import argparse
import collections
import re
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.fuzz import mutant, run_one  # noqa: E402


def _chunk(args: tuple[int, int, int]) -> list[tuple[int, str, str, float]]:
    seed, start, stop = args
    out = []
    for i in range(start, stop):
        _name, text = mutant(seed, i)
        o = run_one(text)
        out.append((i, o.kind, o.detail, o.seconds))
    return out


def _error_kind(detail: str) -> str:
    """The error's message without its place and the names in it: what kind of check it was."""
    message = re.sub(r"^\S+:\d+: (\S+: )?", "", detail.splitlines()[0])
    return re.sub(r"('[^']*'|\"[^\"]*\"|\S*\d\S*)", "…", message)[:70]


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--n", type=int, default=100_000)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--jobs", type=int, default=1)
    p.add_argument("--show", type=int, help="print this input and its outcome, and stop")
    p.add_argument("--kinds", type=int, default=15, help="how many kinds of error to list")
    a = p.parse_args()
    if a.show is not None:
        name, text = mutant(a.seed, a.show)
        print(f"# from {name}\n{text}")
        print(run_one(text))
        return 0
    size = 500
    chunks = [(a.seed, s, min(s + size, a.n)) for s in range(0, a.n, size)]
    start = time.perf_counter()
    counts: collections.Counter[str] = collections.Counter()
    failures: dict[str, list[int]] = collections.defaultdict(list)
    kinds: collections.Counter[str] = collections.Counter()
    slowest = (0.0, -1)
    if a.jobs > 1:
        with ProcessPoolExecutor(a.jobs) as pool:
            results = [r for chunk in pool.map(_chunk, chunks) for r in chunk]
    else:
        results = [r for c in chunks for r in _chunk(c)]
    for i, kind, detail, seconds in results:
        counts[kind] += 1
        slowest = max(slowest, (seconds, i))
        if kind in ("unlocated", "crash", "hang"):  # grouped by cause: the exception and where, or the message
            key = f"{kind}: {detail.split(':')[0]} at {detail.rsplit(' at ', 1)[-1]}" if kind != "unlocated" \
                else f"{kind}: {_error_kind(detail.split(': ', 1)[-1])}"
            failures[key].append(i)
        elif kind == "error":
            kinds[_error_kind(detail)] += 1
    took = time.perf_counter() - start
    print(f"seed {a.seed}: {a.n} inputs in {took:.1f} s ({a.n / took:.0f}/s); "
          f"slowest {slowest[0] * 1000:.0f} ms (input {slowest[1]})")
    for kind in ("ok", "error", "unlocated", "crash", "hang"):
        print(f"  {kind:<10} {counts[kind]:>8}")
    if failures:
        print("failures (count, first input, cause):")
        ranked = sorted(failures.items(), key=lambda kv: -len(kv[1]))
        for key, idx in ranked[:40]:
            print(f"  {len(idx):>6}  {idx[0]:>7}  {key}")
        if len(ranked) > 40:
            print(f"  … and {len(ranked) - 40} causes more")
    print(f"kinds of error (the {a.kinds} most frequent of {len(kinds)}):")
    for kind, n in kinds.most_common(a.kinds):
        print(f"  {n:>6}  {kind}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
