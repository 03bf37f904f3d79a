"""How long the reader takes per page (target: median <= 5 ms), on the real development pages.

    .venv/bin/python -m bench.reading_speed

Each page is classified 7 times and its best time kept (the machine is shared); the figures are
over pages.  A benchmark, not a test: it prints and never fails the build.
"""

from __future__ import annotations

import statistics
import time

from kapdir.reading import classify
from kapdir.reading.corpus import REAL_DIR, load


def main() -> int:
    rows = load(REAL_DIR / "dev.jsonl")
    classify("warm up: IV ketamine in our office.")
    best = []
    for r in rows:
        t = r["text"]
        runs = []
        for _ in range(7):
            t0 = time.perf_counter()
            classify(t)
            runs.append(time.perf_counter() - t0)
        best.append((min(runs) * 1000, len(t)))
    ms = sorted(b for b, _ in best)
    chars = [c for _, c in best]
    print(f"{len(rows)} real pages, {statistics.median(chars):.0f} characters median ({max(chars)} max)")
    print(f"per page: median {statistics.median(ms):.2f} ms, p90 {ms[int(len(ms) * 0.9)]:.2f} ms, "
          f"max {ms[-1]:.2f} ms")
    per_kb = statistics.median(b / (c / 1000) for b, c in best)
    print(f"median {per_kb:.2f} ms per 1,000 characters")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
