"""Every query shape's first use, in-process, before and after the warm-up (issue 16).

    python -m bench.first_use                    # 100,000 synthetic records (seeded once, in $TMPDIR/kapdir-first-use)
    python -m bench.first_use --n 5000           # a quick run
    python -m bench.first_use --rebuild          # also a full rebuild swapped in (minutes at 100k)
    python -m bench.first_use --json             # the figures as JSON

Each scenario runs in a fresh Python process (the once-per-process costs — query parser, place gazetteers —
count, as they do in a web process just started):

- `start`: open the index, then ask every variant of every shape once (each its first use: a word, a city,
  a ZIP… never asked before in this process), then again `--runs` times (steady state).
- `commit`: a process that has answered every variant sees an incremental commit of 100 new records (a
  crawl), then asks every variant again: each first use in the new generation.
- `rebuild` (with --rebuild): the same after a full rebuild is swapped in.

Each scenario runs twice: `cold`, as a process without warm-up (what a request paid before issue 16), and
`warm`, with the process's warm-up thread (index.reader.IndexReader.start_warming, what `kapdir serve` runs)
given time to finish first. Target (issue 16): every shape's p99 <= 20 ms, first uses included.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TARGET_MS = 20.0

WORDS = ("infusion", "lozenges", "nasal", "spray", "intramuscular", "office", "esketamine", "troches", "anxiety",
         "depression", "integration", "assessment", "clinic", "home", "telehealth", "injections", "sublingual",
         "nurse", "monitoring", "therapist", "psychiatrist", "session", "preparation", "Spravato", "ketamine",
         "PTSD", "Marsh", "Okafor", "Lindqvist", "Nakamura", "Grace", "Omar", "suite", "shipped", "compounded",
         "guided", "medical", "coordinate", "experience", "treatment")
CITIES = ("Los Angeles", "New York City", "Chicago", "Houston", "Phoenix", "San Diego", "Denver", "Seattle",
          "Portland", "Austin", "Boston", "Miami", "Atlanta", "Dallas", "San Jose", "Columbus", "Charlotte",
          "Detroit", "Memphis", "Baltimore")
NEAR = ("90012", "10001", "60601", "77002", "85004", "98101", "80202", "33130", "30303", "02108",
        "Los Angeles, CA", "Chicago, IL", "Houston, TX", "Denver, CO", "Seattle, WA", "Austin, TX")
ROUTES = ("iv", "im", "intranasal", "oral", "subcutaneous")
SETTINGS = ("in_clinic", "at_home", "unspecified")
SERVES = ("CA", "CO", "NM", "UT", "NY", "TX", "FL", "WA", "IL", "AZ")
PROGRAMS = ("polaris", "fluence", "ciis", "ipi", "prati", "ktc", "askp3", "maps", "spravato-rems")

SHAPES: dict[str, list[list[tuple[str, str]]]] = {
    "text word": [[("q", w)] for w in WORDS],
    "two words": [[("q", f"{a} {b}")] for a, b in zip(WORDS[::2], WORDS[1::2], strict=True)],
    "city": [[("city", c)] for c in CITIES],
    "near + radius": [[("near", z), ("radius_mi", "25")] for z in NEAR],
    "route/setting": [[("route", r), ("setting", s)] for r in ROUTES for s in SETTINGS],
    "certification": [[("certification", c)] for c in PROGRAMS],
    "serves": [[("serves", s)] for s in SERVES],
    "at home near": [[("near", z), ("setting", "at_home"), ("radius_mi", "50")] for z in NEAR[:8]],
    "facets (all)": [[], [("region", "CA")], [("region", "TX")], [("region", "NY")], [("region", "FL")]],
    "combined": [[("city", c), ("route", r), ("setting", "in_clinic"), ("certification", p), ("q", w)]
                 for c, r, p, w in zip(CITIES, ROUTES * 4, PROGRAMS * 3, WORDS[20:], strict=False)],
    "CSV export page": [[("city", c)] for c in CITIES[:8]],
}


def pct(values: list[float], p: float) -> float:
    v = sorted(values)
    if not v:
        return float("nan")
    k = (len(v) - 1) * p / 100
    lo, hi = int(k), min(int(k) + 1, len(v) - 1)
    return v[lo] + (v[hi] - v[lo]) * (k - lo)


# -- the child: one scenario in a fresh process ---------------------------------------------------------
def child(data: Path, scenario: str, warm: bool, runs: int) -> dict:
    from werkzeug.datastructures import MultiDict

    from index.reader import IndexReader
    from index.search import export_csv, parse_params, search

    def ask(variant) -> float:
        t = time.perf_counter()
        p = parse_params(MultiDict(variant[1]))
        if variant[0] == "CSV export page":
            export_csv(s, p, io.StringIO())
        else:
            search(s, p, raw=True)
        return (time.perf_counter() - t) * 1000

    variants = [(shape, v) for shape, vs in SHAPES.items() for v in vs]
    reader = IndexReader(data / "index")
    out: dict = {"scenario": scenario, "warm": warm}
    t0 = time.perf_counter()
    if warm:
        reader.start_warming()
    if scenario != "start":
        # A process that has answered everything already (warm or not), then a new generation arrives.
        if warm:
            _wait(reader, 1)
        s = reader.searcher()
        for v in variants:
            ask(v)
        t0 = time.perf_counter()
        out["change_s"] = _change(data, scenario)
    if warm:
        _wait(reader, 1 if scenario == "start" else 2)
        out["warm_s"] = round(time.perf_counter() - t0, 2)
        out["warm"] = reader.last_warm
    s = reader.searcher()
    first: dict[str, list[float]] = {}
    t = time.perf_counter()
    for v in variants:
        first.setdefault(v[0], []).append(ask(v))
    out["first_pass_s"] = round(time.perf_counter() - t, 2)
    out["first_query_ms"] = round(first[variants[0][0]][0], 1)
    steady: dict[str, list[float]] = {}
    for _ in range(runs):
        for v in variants:
            steady.setdefault(v[0], []).append(ask(v))
    out["shapes"] = {k: {"first_p50": pct(first[k], 50), "first_p99": pct(first[k], 99), "first_max": max(first[k]),
                         "n_first": len(first[k]), "p50": pct(steady[k], 50), "p99": pct(steady[k], 99),
                         "n": len(steady[k])} for k in first}
    reader.stop_warming()
    return out


def _wait(reader, count: int, timeout: float = 900) -> None:
    deadline = time.time() + timeout
    while reader.warmed < count:
        if time.time() > deadline:
            raise SystemExit("warm-up did not finish")
        time.sleep(0.01)


def _change(data: Path, scenario: str) -> float:
    """A new index generation, written as a crawl (or `kapdir index --rebuild`) would, from this process."""
    from bench.seed import practitioners
    from index.build import update_index
    from kapdir.records import assign_records, refresh_records
    from kapdir.store import Store

    t = time.perf_counter()
    with Store(data / "kapdir.sqlite3") as store:
        if scenario == "rebuild":
            update_index(store, data / "index", rebuild=True)
        else:
            job = store.start_job("bench-first-use")
            salt = time.time_ns()
            lids = [store.upsert_listing(source="bench-first-use", url=f"{url}?{salt}", key="", data=d,
                                         status="published", job_id=job)[0]
                    for _s, url, d in practitioners(100, salt % 1000 + 7)]
            refresh_records(store, assign_records(store, lids))
            store.finish_job(job, "ok", {"pages": 100, "items": 100})
            update_index(store, data / "index")
    return round(time.perf_counter() - t, 2)


# -- the parent ---------------------------------------------------------------------------------------------
def ensure_data(data: Path, n: int) -> None:
    """Seed `n` practitioners once (merging leaves a few fewer records); an existing data dir is reused."""
    if (data / "kapdir.sqlite3").exists():
        return
    from bench.seed import seed

    print(f"seeding {n} records into {data} …", file=sys.stderr, flush=True)
    seed(data, n, quiet=True)


def run_child(data: Path, scenario: str, warm: bool, runs: int) -> dict:
    cmd = [sys.executable, "-m", "bench.first_use", "--child", scenario, "--data-dir", str(data), "--runs",
           str(runs)] + (["--warm"] if warm else [])
    r = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, check=False,
                       env={**os.environ, "PYTHONHASHSEED": "0"})
    if r.returncode:
        raise SystemExit(f"{' '.join(cmd)} failed:\n{r.stderr}")
    return json.loads(r.stdout.strip().splitlines()[-1])


def table(results: list[dict]) -> str:
    shapes = list(SHAPES)
    cols = [(r["scenario"], r["warm"]) for r in results]
    head = "| shape | " + " | ".join(f"{s} {'warm' if w else 'cold'}: first p50 / p99 / max" for s, w in cols) + \
        " | steady p50 / p99 |"
    lines = [head, "|---" * (len(cols) + 2) + "|"]
    for shape in shapes:
        cells = []
        for r in results:
            x = r["shapes"][shape]
            cells.append(f"{x['first_p50']:.1f} / {x['first_p99']:.1f} / {x['first_max']:.1f}")
        steady = results[-1]["shapes"][shape]
        lines.append(f"| {shape} (n={results[0]['shapes'][shape]['n_first']}) | " + " | ".join(cells) +
                     f" | {steady['p50']:.2f} / {steady['p99']:.2f} |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=100_000, help="synthetic records (default 100000)")
    ap.add_argument("--data-dir", type=Path, help="default $TMPDIR/kapdir-first-use/N (seeded on first use, then reused)")
    ap.add_argument("--runs", type=int, default=5, help="steady-state repetitions of every variant")
    ap.add_argument("--rebuild", action="store_true", help="also time first uses after a full rebuild")
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--child", choices=["start", "commit", "rebuild"], help=argparse.SUPPRESS)
    ap.add_argument("--warm", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    data = args.data_dir or Path(tempfile.gettempdir()) / "kapdir-first-use" / str(args.n)
    if args.child:
        print(json.dumps(child(data, args.child, args.warm, args.runs)))
        return 0
    ensure_data(data, args.n)
    results = []
    for scenario in ("start", "commit") + (("rebuild",) if args.rebuild else ()):
        for warm in (False, True):
            print(f"{scenario} {'warm' if warm else 'cold'} …", file=sys.stderr, flush=True)
            results.append(run_child(data, scenario, warm, args.runs))
    load = os.getloadavg()
    from whoosh import index as whoosh_index

    from index.build import INDEX_NAME

    docs = whoosh_index.open_dir(str(data / "index"), indexname=INDEX_NAME, readonly=True).doc_count()
    out = {"n": args.n, "documents": docs, "cores": os.cpu_count(), "load_before_after": [round(x, 2) for x in load],
           "results": results}
    if args.json:
        print(json.dumps(out, indent=1))
        return 0
    print(f"{docs} records indexed (seeded {args.n}), {os.cpu_count()} cores, load average now {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")
    for r in results:
        extra = {k: r[k] for k in ("first_query_ms", "first_pass_s", "change_s", "warm_s") if k in r}
        print(f"  {r['scenario']} {'warm' if r['warm'] else 'cold'}: {extra}")
    print(table(results))
    worst = {f"{r['scenario']} {'warm' if r['warm'] else 'cold'}":
             max(x["first_p99"] for x in r["shapes"].values()) for r in results}
    print("worst first-use p99 per scenario (ms):", {k: round(v, 1) for k, v in worst.items()},
          f"target <= {TARGET_MS:g}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
