"""Server time to draw the results map for a search page of 100 results (target: <= 20 ms, issue 15).

    .venv/bin/python -m bench.map_speed [--records 2000] [--runs 200]

Seeds synthetic practitioners (bench/seed.py) into a temporary data directory, runs one real search for
100 results through the app, then times `webapp.usmap.render_map` on that page of results (projection,
served-state shading and the Jinja template, escaping included) and, for context, the whole /search page
with its map. A benchmark, not a test: it prints and never fails the build.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

from bench.seed import seed


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--records", type=int, default=2000)
    ap.add_argument("--runs", type=int, default=200)
    args = ap.parse_args(argv)

    from webapp import create_app
    from webapp.api import run_search
    from webapp.usmap import render_map

    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp)
        seed(data, args.records, quiet=True)
        app = create_app({"DATA_DIR": str(data), "INDEX_DIR": str(data / "index"),
                          "KAPDIR_RATE_LIMIT": "1000000000 per minute"})
        query = "/search?per_page=100"
        with app.test_request_context(query):
            from flask import request

            _p, result = run_search(request.args)
            records = result["results"]
            located = sum(1 for r in records if r.get("location"))
            served = {s["region"] for r in records for s in r.get("serves") or []}
            svg = render_map(records, map_id="results-map")  # warm: geometry file, template compile
            times = []
            for _ in range(args.runs):
                t0 = time.perf_counter()
                render_map(records, map_id="results-map")
                times.append((time.perf_counter() - t0) * 1000)
        client = app.test_client()
        client.get(query)
        page = []
        for _ in range(max(20, args.runs // 10)):
            t0 = time.perf_counter()
            r = client.get(query)
            page.append((time.perf_counter() - t0) * 1000)
            assert r.status_code == 200
    times.sort()
    print(f"map for {len(records)} results ({located} located, {str(svg).count('<circle')} dots, "
          f"{len(served)} served states shaded), {len(str(svg)) / 1024:.0f} KiB of SVG")
    print(f"render_map: median {statistics.median(times):.2f} ms, p95 {times[int(len(times) * 0.95)]:.2f} ms, "
          f"min {times[0]:.2f} ms over {len(times)} runs (target <= 20 ms)")
    print(f"whole /search page with the map (test client): median {statistics.median(page):.1f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
