"""kapdir's performance benchmark (issue 8): store, index, search, HTTP, a Datasette peer, crawling, memory.

    python -m bench.run                      # 1k, 10k and 100k records; writes bench/results.json
    python -m bench.run --records 100000     # one size
    python -m bench.run --quick              # a small sanity run (1k; short loads); writes no file
    python -m bench.run --json               # the results as JSON on stdout (progress goes to stderr)

Every figure is measured on this machine: synthetic practitioners are seeded through the real store, merge
and index code (bench.seed), searches run in-process and over HTTP against `kapdir serve` (waitress) in a
subprocess, a Datasette serving the same records is the peer, and `kapdir crawl` walks a loopback site
(bench.crawlsite) beside `scrapy bench`. All traffic stays on 127.0.0.1. A full default run writes the
figures table into docs/performance.md (between the `bench:results` markers). See docs/performance.md.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import platform
import random
import re
import shutil
import signal
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlencode

from bench import loadgen

ROOT = Path(__file__).resolve().parent.parent
VENV_BIN = Path(sys.executable).parent
RESULTS = ROOT / "bench" / "results.json"
DOC = ROOT / "docs" / "performance.md"
BEGIN, END = "<!-- bench:results:begin -->", "<!-- bench:results:end -->"
DEFAULT_SIZES = (1_000, 10_000, 100_000)
SECTIONS = ("store", "search", "http", "gunicorn", "peer", "crawl", "extract")

# Query shapes: each a list of variants (lists of (param, value) pairs), cycled so no single query dominates.
CITIES = ("Los Angeles", "New York City", "Chicago", "Houston", "Phoenix", "San Diego")
SHAPES: dict[str, list[list[tuple[str, str]]]] = {
    "city": [[("city", c)] for c in CITIES],
    "near_zip": [[("near", z), ("radius_mi", "25")] for z in ("90012", "10001", "60601", "77002", "85004")],
    "near_city": [[("near", c), ("radius_mi", "25")]
                  for c in ("Los Angeles, CA", "Chicago, IL", "Houston, TX", "Denver, CO", "Seattle, WA")],
    "route_setting": [[("route", r), ("setting", s)] for r, s in
                      (("iv", "in_clinic"), ("oral", "at_home"), ("im", "in_clinic"), ("intranasal", "in_clinic"),
                       ("subcutaneous", "at_home"))],
    "certification": [[("certification", c)] for c in ("polaris", "fluence", "ciis", "maps", "spravato-rems")],
    "q": [[("q", q)] for q in ("infusion", "lozenges", "nasal spray", "Nakamura", "intramuscular office")],
    "combined": [[("city", c), ("near", f"{c}, {st}"), ("radius_mi", "50"), ("route", r), ("setting", "in_clinic"),
                  ("certification", cert), ("q", q)] for c, st, r, cert, q in
                 (("Los Angeles", "CA", "iv", "polaris", "infusion"),
                  ("Chicago", "IL", "im", "fluence", "intramuscular"),
                  ("Houston", "TX", "intranasal", "ciis", "esketamine"), ("Phoenix", "AZ", "oral", "maps", "lozenges"))],
}
# The Datasette peer has no radius search: its mix (and kapdir's twin of it) leaves `near` out.
PEER_SHAPES = {
    **{k: v for k, v in SHAPES.items() if k in ("city", "route_setting", "certification", "q")},
    "combined": [[(k, v) for k, v in variant if k not in ("near", "radius_mi")] for variant in SHAPES["combined"]],
}


# Words of the directory's service texts, names and places: pairs of them make texts nobody searched before.
VOCAB = ("infusion", "lozenges", "nasal", "spray", "intramuscular", "office", "esketamine", "troches", "anxiety",
         "depression", "integration", "assessment", "clinic", "home", "telehealth", "injections", "sublingual",
         "nurse", "monitoring", "therapist", "psychiatrist", "session", "preparation", "Spravato", "ketamine",
         "PTSD", "Marsh", "Okafor", "Lindqvist", "Nakamura")


def new_texts(k: int, salt: int) -> list[str]:
    """k distinct two-word texts from VOCAB, in a fixed shuffled order (one order per salt)."""
    pairs = [f"{a} {b}" for a, b in itertools.combinations(VOCAB, 2)]
    random.Random(salt).shuffle(pairs)
    if k > len(pairs):
        raise ValueError(f"only {len(pairs)} distinct texts")
    return pairs[:k]


def uncached(variants: list[list[tuple[str, str]]], n: int, salt: int = 1) -> list[list[tuple[str, str]]]:
    """n versions of text-query variants, round-robin, each with a `q` no other version has."""
    texts = new_texts(n, salt)
    return [[(key, texts[m] if key == "q" else val) for key, val in variants[m % len(variants)]] for m in range(n)]


TEXT_SHAPES = ("q", "combined")
# The shapes of q/combined with a text no earlier run used (the words were met before: a directory's
# vocabulary is small, and index.textrank keeps each word's postings), and, in-process only, `q_cold`: the
# q texts with every cache emptied before each run, as right after a process start or a full rebuild.
UNCACHED_SHAPES = {f"{k}_uncached": uncached(SHAPES[k], 420, salt) for salt, k in enumerate(TEXT_SHAPES)}
COLD_SHAPES = {"q_cold": SHAPES["q"]}


def uncached_mix(shapes: dict[str, list[list[tuple[str, str]]]], cycles: int = 60) -> list[str]:
    """The mix with a new text in every text query (q, combined) of each cycle through it."""
    base = [v for k, vs in shapes.items() if k not in TEXT_SHAPES for v in vs]
    texts = [vs for k, vs in shapes.items() if k in TEXT_SHAPES]
    fresh = [uncached(vs, cycles * len(vs), salt) for salt, vs in enumerate(texts)]
    out = []
    for c in range(cycles):
        cycle = base + [f[c * len(vs) + j] for f, vs in zip(fresh, texts, strict=True) for j in range(len(vs))]
        out += ["/api/v1/search?" + urlencode(v) for v in cycle]
    return out


DATASETTE_FACETS = [("_facet", "city"), ("_facet_array", "routes"), ("_facet_array", "settings"),
                    ("_facet_array", "route_settings"), ("_facet_array", "certifications"), ("_size", "20")]

TARGETS = {
    "search_p99_ms": 20.0, "http_rps": 500.0, "vs_datasette": 1.0, "rebuild_rps": 3000.0, "changed_100_s": 1.0,
    "crawl_vs_scrapy": 0.5, "extract_cpu_ms": 5.0, "serve_rss_mb": 1024.0,
}


# -- small helpers ----------------------------------------------------------------------------------------
def log(msg: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


def pct(values: list[float], p: float) -> float:
    s = sorted(values)
    if not s:
        return float("nan")
    k = (len(s) - 1) * p / 100
    lo, hi = int(k), min(int(k) + 1, len(s) - 1)
    return s[lo] + (s[hi] - s[lo]) * (k - lo)


def r2(x: float) -> float:
    return round(x, 2)


def mark(ok: bool | None) -> str:
    return "" if ok is None else ("PASS" if ok else "MISS")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def machine() -> dict:
    cpu = ""
    try:
        cpu = next((ln.split(":", 1)[1].strip() for ln in Path("/proc/cpuinfo").read_text().splitlines()
                    if ln.startswith("model name")), "")
    except OSError:
        pass
    mem_kb = 0
    try:
        mem_kb = int(re.search(r"MemTotal:\s+(\d+)", Path("/proc/meminfo").read_text()).group(1))
    except (OSError, AttributeError):
        pass
    try:
        nproc = len(os.sched_getaffinity(0))
    except AttributeError:
        nproc = os.cpu_count() or 0
    return {"nproc": nproc, "cpu": cpu or platform.processor(), "ram_gb": round(mem_kb / 1024 / 1024, 1),
            "python": platform.python_version(), "kernel": platform.release(), "loadavg_start": os.getloadavg()}


def git_commit() -> dict:
    def git(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True, check=False)

    head = git("rev-parse", "HEAD").stdout.strip()
    modified = git("diff-index", "--name-only", "HEAD", "--").stdout.split()
    untracked = git("ls-files", "--others", "--exclude-standard").stdout.split()
    return {"commit": head, "dirty": bool(modified), "modified": modified, "untracked": untracked}


def proc_status(pid: int) -> dict:
    """VmHWM / VmRSS (MB) of a live process."""
    out = {}
    try:
        for ln in Path(f"/proc/{pid}/status").read_text().splitlines():
            if ln.startswith(("VmHWM:", "VmRSS:")):
                k, v = ln.split(":", 1)
                out[k] = round(int(v.split()[0]) / 1024, 1)
    except OSError:
        pass
    return out


def proc_cpu_s(pid: int) -> float:
    """utime + stime (s) of a live process, from /proc/<pid>/stat."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, IndexError, ValueError):
        return 0.0


def children_of(pid: int) -> list[int]:
    try:
        return [int(x) for x in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []


def run_child(cmd: list[str], **kw) -> tuple[int, float, dict]:
    """Run a command to completion; (exit code, wall seconds, {cpu_s, vmhwm_mb}).

    CPU is the child's own rusage. Peak memory is the child's VmHWM polled from /proc: getrusage's ru_maxrss
    of a child (and RUSAGE_CHILDREN) also counts the *parent's* resident size at fork time, which in this
    benchmark is hundreds of MB.
    """
    t0 = time.perf_counter()
    p = subprocess.Popen(cmd, **kw)
    hwm = 0.0
    while True:
        pid, status, ru = os.wait4(p.pid, os.WNOHANG)
        if pid:
            break
        hwm = max(hwm, proc_status(p.pid).get("VmHWM", 0.0))
        time.sleep(0.1)
    p.returncode = os.waitstatus_to_exitcode(status)
    wall = time.perf_counter() - t0
    return p.returncode, wall, {"cpu_s": ru.ru_utime + ru.ru_stime, "vmhwm_mb": hwm}


class Server:
    """A server subprocess on loopback; stopped (SIGTERM, then SIGKILL) on exit."""

    def __init__(self, cmd: list[str], port: int, *, env: dict | None = None, cwd: Path = ROOT, log_path: Path):
        self.port = port
        self.base = f"http://127.0.0.1:{port}"
        self.log = open(log_path, "ab")  # noqa: SIM115 - closed in stop()
        self.proc = subprocess.Popen(cmd, cwd=cwd, env={**os.environ, **(env or {})}, stdout=self.log,
                                     stderr=subprocess.STDOUT, start_new_session=True)

    def wait_ready(self, path: str = "/", timeout: float = 120) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"server exited with {self.proc.returncode}; see {self.log.name}")
            try:
                with urllib.request.urlopen(self.base + path, timeout=5):
                    return
            except urllib.error.HTTPError:
                return
            except OSError:
                time.sleep(0.2)
        raise RuntimeError(f"server at {self.base} not ready after {timeout}s")

    def wait_idle(self, timeout: float = 180, quiet_s: float = 1.0, busy_cpu_s: float = 0.05) -> float:
        """Wait until the server's own warm-up (a background thread per process) has finished, i.e. it uses
        less than ``busy_cpu_s`` of CPU over ``quiet_s``: a load started earlier would measure the warm-up.
        Returns the seconds waited."""
        t0 = time.monotonic()
        last = self.cpu_s()
        while time.monotonic() - t0 < timeout:
            time.sleep(quiet_s)
            now = self.cpu_s()
            if now - last < busy_cpu_s:
                break
            last = now
        return round(time.monotonic() - t0, 1)

    def pids(self) -> list[int]:
        return [self.proc.pid, *children_of(self.proc.pid)]

    def cpu_s(self) -> float:
        return sum(proc_cpu_s(p) for p in self.pids())

    def memory(self) -> dict:
        """VmHWM/VmRSS summed over the process and its children (gunicorn workers), MB."""
        tot: dict[str, float] = {}
        for p in self.pids():
            for k, v in proc_status(p).items():
                tot[k] = round(tot.get(k, 0) + v, 1)
        return tot

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.close()

    def __enter__(self) -> Server:
        return self

    def __exit__(self, *exc) -> None:
        self.stop()


def fetch_json(url: str, timeout: float = 300) -> dict:
    with urllib.request.urlopen(url, timeout=timeout) as resp:
        return json.loads(resp.read())


def warm_up(base: str, paths: list[str], parallel: int = 8, timeout: float = 600) -> float:
    """Hit every path twice, 8 at a time (so every server thread/worker builds its per-generation arrays
    and searchers before the measured run); returns the seconds it took. Raises if an answer is not 200."""
    t0 = time.perf_counter()

    def one(path: str) -> None:
        with urllib.request.urlopen(base + path, timeout=timeout) as resp:
            resp.read()
            if resp.status != 200:
                raise RuntimeError(f"{path}: HTTP {resp.status}")

    with ThreadPoolExecutor(parallel) as pool:
        list(pool.map(one, paths * 2))
    return round(time.perf_counter() - t0, 2)


def urls(shapes: dict[str, list[list[tuple[str, str]]]], prefix: str = "/api/v1/search?") -> list[str]:
    return [prefix + urlencode(v) for variants in shapes.values() for v in variants]


def datasette_paths(db_name: str) -> list[str]:
    out = []
    for variants in PEER_SHAPES.values():
        for v in variants:
            d = dict(v)
            pairs = []
            if "city" in d:
                pairs.append(("city__exact", d["city"]))
            if "route" in d:
                pairs.append(("route_settings__arraycontains", f"{d['route']}:{d['setting']}"))
            if "certification" in d:
                pairs.append(("certifications__arraycontains", d["certification"]))
            if "q" in d:
                pairs.append(("_search", d["q"]))
            out.append(f"/{db_name}/records.json?" + urlencode(pairs + DATASETTE_FACETS))
    return out


# -- 1. store load, rebuild, incremental ------------------------------------------------------------------
def measure_store(n: int, d: Path, quick: bool) -> dict:
    from bench.seed import seed

    marker = d / "bench-seed.json"
    if marker.exists():
        seeded = json.loads(marker.read_text())
        log(f"{n}: reusing seeded store in {d}")
    else:
        log(f"{n}: seeding {n} practitioners into {d}")
        seeded = seed(d, n, 1, quiet=True)
        marker.write_text(json.dumps(seeded))
    load_s = seeded["listings_s"] + seeded["records_s"]
    out = {"records": seeded["records"], "listings": seeded["listings"],
           "store_load_s": r2(load_s), "store_load_rps": round(seeded["records"] / max(load_s, 1e-9)),
           "listings_s": seeded["listings_s"], "merge_records_s": seeded["records_s"],
           "seed_index_s": seeded["index_s"]}

    log(f"{n}: full rebuild in a subprocess")
    result = d / "bench-rebuild.json"
    rc, wall, ru = run_child([sys.executable, "-m", "bench.run", "--_rebuild", str(d), str(result)], cwd=ROOT)
    if rc != 0:
        raise RuntimeError(f"rebuild child failed with {rc}")
    rb = json.loads(result.read_text())
    out.update({"rebuild_s": r2(rb["seconds"]), "rebuild_rps": round(rb["documents"] / rb["seconds"]),
                "rebuild_documents": rb["documents"], "rebuild_peak_rss_mb": rb["vmhwm_mb"],
                "rebuild_worker_peak_rss_mb": rb.get("workers_mb"),
                "rebuild_cpu_s": r2(ru["cpu_s"]), "rebuild_process_wall_s": r2(wall)})

    log(f"{n}: 100 changed records")
    for _attempt in range(2):
        # In a fresh process (like the rebuild), so both run the code on disk now; a first attempt that had to
        # rebuild (an index from other code) is repeated so the figure is the incremental update.
        rc, _wall, _ru = run_child([sys.executable, "-m", "bench.run", "--_change100", str(d), str(result)], cwd=ROOT)
        if rc != 0:
            raise RuntimeError(f"change child failed with {rc}")
        ch = json.loads(result.read_text())
        if not ch["changed_index_rebuilt"]:
            break
    out.update(ch)
    return out


def _rebuild_child(d: Path, result: Path) -> int:
    from index.build import update_index
    from kapdir.store import Store

    with Store(d / "kapdir.sqlite3") as store:
        t0 = time.perf_counter()
        res = update_index(store, d / "index", rebuild=True)
        secs = time.perf_counter() - t0
    import resource

    # The rebuild forks a worker per core: its peak (ru_maxrss of reaped children, KB) adds to the parent's.
    workers_mb = round(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024, 1)
    result.write_text(json.dumps({"seconds": secs, "documents": res["documents"], "workers_mb": workers_mb,
                                  "vmhwm_mb": proc_status(os.getpid()).get("VmHWM")}))
    return 0


def change_100(d: Path, k: int = 100) -> dict:
    from werkzeug.datastructures import MultiDict

    from index.build import update_index
    from index.reader import IndexReader
    from index.search import parse_params, search
    from kapdir.records import refresh_records
    from kapdir.store import Store

    stamp = time.strftime("%H%M%S")
    reader = IndexReader(d / "index")  # a web process that has answered before the commit
    query = parse_params(MultiDict(SHAPES["city"][0]))
    search(reader.searcher(), query)
    with Store(d / "kapdir.sqlite3") as store:
        n = store.count_records()
        step = max(1, n // k)
        t0 = time.perf_counter()
        rids = set()
        for j in range(k):
            i = j * step
            url = f"https://directory.example.org/p/{i}/"
            lid = Store.listing_id("seed-directory", url, "")
            row = store.listing(lid)
            if row is None:
                continue
            data = dict(row["data"], practice=f"Bench Practice {stamp} {j}")
            store.upsert_listing(source="seed-directory", url=url, key="", data=data, status="published")
            if row.get("record_id"):
                rids.add(row["record_id"])
        changed = refresh_records(store, rids)
        t1 = time.perf_counter()
        res = update_index(store, d / "index")
        t2 = time.perf_counter()
    searcher = reader.searcher()
    after = search(searcher, query)
    t3 = time.perf_counter()
    return {"changed_records": changed, "changed_store_s": round(t1 - t0, 3), "changed_index_s": round(t2 - t1, 3),
            "changed_index_rebuilt": res["rebuilt"], "first_query_after_commit_s": round(t3 - t2, 3),
            "segments_after_commit": len(searcher.reader().leaf_readers()), "total_after_commit": after["total"]}


# -- 2. in-process search -----------------------------------------------------------------------------------
def measure_search(n: int, d: Path, runs: int, ref_runs: int) -> dict:
    from werkzeug.datastructures import MultiDict

    from index import search as search_module
    from index import textrank
    from index.reader import IndexReader
    from index.search import parse_params, search, search_reference

    def forget():
        textrank.clear_caches()
        search_module._TEXT_CACHE.clear()
        search_module._FACETS.clear()

    reader = IndexReader(d / "index")
    s = reader.searcher()
    params = {k: [MultiDict(v) for v in variants]
              for k, variants in {**SHAPES, **UNCACHED_SHAPES, **COLD_SHAPES}.items()}
    for variants in params.values():  # load the place gazetteers first: the cold figure is the index's own
        for v in variants:
            parse_params(v)
    t0 = time.perf_counter()
    search(s, parse_params(params["city"][0]))  # builds this generation's arrays
    cold = time.perf_counter() - t0
    out: dict = {"cold_first_query_s": r2(cold), "shapes": {}}
    for shape, variants in params.items():
        for j in range(20):
            search(s, parse_params(variants[-1 - j if shape in UNCACHED_SHAPES else j % len(variants)]))
        times = []
        totals = set()
        for j in range(runs):
            v = variants[j % len(variants)]
            if shape in COLD_SHAPES:
                forget()
            t = time.perf_counter()
            res = search(s, parse_params(v))
            times.append((time.perf_counter() - t) * 1000)
            totals.add(res["total"])
        row = {"p50_ms": r2(pct(times, 50)), "p95_ms": r2(pct(times, 95)), "p99_ms": r2(pct(times, 99)),
               "runs": runs, "hits_min": min(totals), "hits_max": max(totals)}
        if shape in UNCACHED_SHAPES or shape in COLD_SHAPES:  # the reference has no cache: see the twin
            out["shapes"][shape] = row
            log(f"{n}: search {shape}: p50 {row['p50_ms']} p99 {row['p99_ms']} ms")
            continue
        # The Whoosh-only path, for comparison; skipped when one query takes more than 2 s.
        t = time.perf_counter()
        search_reference(s, parse_params(variants[0]))
        first = time.perf_counter() - t
        if first > 2.0:
            row["ref_p50_ms"] = None
            row["ref_note"] = f"skipped: one query took {first:.1f} s"
        else:
            reps = max(3, min(ref_runs, int(8 / max(first, 1e-3))))
            rt = []
            for j in range(reps):
                t = time.perf_counter()
                search_reference(s, parse_params(variants[j % len(variants)]))
                rt.append((time.perf_counter() - t) * 1000)
            row["ref_p50_ms"] = r2(pct(rt, 50))
            row["ref_runs"] = reps
            row["speedup"] = round(row["ref_p50_ms"] / max(row["p50_ms"], 1e-6), 1)
        out["shapes"][shape] = row
        log(f"{n}: search {shape}: p50 {row['p50_ms']} p99 {row['p99_ms']} ms (reference p50 {row['ref_p50_ms']})")
    s.close()
    return out


# -- 3./4. HTTP: kapdir (waitress, gunicorn) and Datasette ----------------------------------------------------
# Every load below comes from one address (127.0.0.1): under the site's default KAPDIR_RATE_LIMIT nearly all of
# it would be answered 429. The served site gets a limit it never reaches instead, so the limiter still counts
# every request and the figures include its cost, as for a real visitor.
SERVE_ENV = {"KAPDIR_RATE_LIMIT": "1000000000 per minute;1000000000 per hour"}


def http_run(server: Server, mixes: dict[str, list[str]], seconds: float, connections: int) -> dict:
    warm = warm_up(server.base, sorted({p for k, ps in mixes.items() if "uncached" not in k for p in ps}))
    out: dict = {"warm_up_s": warm}
    for name, paths in mixes.items():
        serial = []
        for path in paths[:40]:  # unloaded latency: each query once, one at a time
            t = time.perf_counter()
            with urllib.request.urlopen(server.base + path, timeout=600) as resp:
                resp.read()
            serial.append((time.perf_counter() - t) * 1000)
        cpu0 = server.cpu_s()
        res = loadgen.run(server.base, paths, seconds, connections)
        cpu = server.cpu_s() - cpu0
        res["server_cpu_ms_per_req"] = round(cpu * 1000 / res["requests"], 2) if res["requests"] else None
        res["serial_p50_ms"], res["serial_max_ms"] = r2(pct(serial, 50)), r2(max(serial))
        out[name] = res
    out["memory_mb"] = server.memory()
    return out


def measure_http(n: int, d: Path, work: Path, sections: set[str], seconds: float, connections: int,
                 threads: tuple[int, ...]) -> dict:
    mixes = {"mix": urls(SHAPES), "peer_mix": urls(PEER_SHAPES), "mix_uncached": uncached_mix(SHAPES),
             "peer_mix_uncached": uncached_mix(PEER_SHAPES)}
    out: dict = {"connections": connections, "seconds": seconds, "mix_urls": len(mixes["mix"]),
                 "peer_mix_urls": len(mixes["peer_mix"]), "waitress": {}}
    if "http" in sections:
        for t in threads:
            port = free_port()
            log(f"{n}: kapdir serve --threads {t} on :{port}")
            cmd = [str(VENV_BIN / "kapdir"), "--data-dir", str(d), "serve", "--port", str(port), "--workers", "1",
                   "--threads", str(t)]
            with Server(cmd, port, env=SERVE_ENV, log_path=work / f"serve-{n}-{t}.log") as srv:
                srv.wait_ready("/api/v1/openapi.json")
                idle = srv.wait_idle()
                out["waitress"][str(t)] = http_run(srv, mixes, seconds, connections)
                out["waitress"][str(t)]["server_warm_s"] = idle
            w = out["waitress"][str(t)]
            log(f"{n}: waitress x{t}: mix {w['mix']['rps']} req/s p99 {w['mix']['p99_ms']} ms "
                f"(uncached texts {w['mix_uncached']['rps']} req/s p99 {w['mix_uncached']['p99_ms']} ms); "
                f"peer mix {w['peer_mix']['rps']} req/s; VmHWM {w['memory_mb'].get('VmHWM')} MB")
        best = max(out["waitress"], key=lambda t: out["waitress"][t]["mix"]["rps"])
        out["best_threads"] = int(best)
        out["best"] = out["waitress"][best]
    if "gunicorn" in sections:
        port = free_port()
        log(f"{n}: kapdir serve --workers 2 --threads 4 (gunicorn) on :{port}")
        cmd = [sys.executable, "-m", "kapdir", "--data-dir", str(d), "serve", "--port", str(port), "--workers", "2",
               "--threads", "4"]
        with Server(cmd, port, env=SERVE_ENV, log_path=work / f"gunicorn-{n}.log") as srv:
            srv.wait_ready("/api/v1/openapi.json")
            idle = srv.wait_idle()
            out["gunicorn"] = http_run(srv, mixes, seconds, connections)
            out["gunicorn"]["server_warm_s"] = idle
        g = out["gunicorn"]
        log(f"{n}: gunicorn 2x4: mix {g['mix']['rps']} req/s p99 {g['mix']['p99_ms']} ms; "
            f"VmHWM (sum) {g['memory_mb'].get('VmHWM')} MB")
    if "peer" in sections and shutil.which("datasette", path=str(VENV_BIN)):
        out["datasette"] = measure_datasette(n, d, work, seconds, connections, mixes["peer_mix"])
        if "best" in out and out["datasette"]["rps"]:
            out["vs_datasette"] = round(out["best"]["peer_mix"]["rps"] / out["datasette"]["rps"], 2)
            out["vs_datasette_uncached"] = round(out["best"]["peer_mix_uncached"]["rps"] / out["datasette"]["rps"], 2)
    return out


def export_sqlite(d: Path, db: Path) -> dict:
    """One row per published record, JSON-array columns for the facets, FTS5 over name and text."""
    from index.schema import to_document
    from kapdir.records import public
    from kapdir.store import Store

    t0 = time.perf_counter()
    if db.exists():
        db.unlink()
    con = sqlite3.connect(db)
    con.executescript("""
        CREATE TABLE records (rowid INTEGER PRIMARY KEY, id TEXT UNIQUE, name TEXT, city TEXT, region TEXT,
            lat REAL, lon REAL, routes TEXT, settings TEXT, route_settings TEXT, certifications TEXT, text TEXT);
        CREATE INDEX records_city ON records(city);
        CREATE INDEX records_region ON records(region);
    """)
    rows = []
    with Store(d / "kapdir.sqlite3", readonly=True) as store:
        for rec in store.records(published_only=True):
            rec = public(rec)
            routes = rec.get("routes") or []
            loc = rec.get("location") or {}
            addr = rec.get("address") or {}
            rows.append((rec["id"], rec.get("name", ""), addr.get("city", ""), addr.get("region", ""),
                         loc.get("lat"), loc.get("lon"),
                         json.dumps(sorted({r["route"] for r in routes})),
                         json.dumps(sorted({r["setting"] for r in routes})),
                         json.dumps(sorted({f"{r['route']}:{r['setting']}" for r in routes})),
                         json.dumps(sorted({c["program"] for c in rec.get("certifications") or []})),
                         to_document(rec)["body"]))
    con.executemany("INSERT INTO records(id, name, city, region, lat, lon, routes, settings, route_settings,"
                    " certifications, text) VALUES (?,?,?,?,?,?,?,?,?,?,?)", rows)
    con.executescript("""
        CREATE VIRTUAL TABLE records_fts USING fts5(name, text, content='records', content_rowid='rowid');
        INSERT INTO records_fts(records_fts) VALUES('rebuild');
        ANALYZE;
    """)
    con.commit()
    con.execute("VACUUM")
    con.close()
    return {"rows": len(rows), "export_s": r2(time.perf_counter() - t0), "db_mb": round(db.stat().st_size / 2**20, 1)}


def measure_datasette(n: int, d: Path, work: Path, seconds: float, connections: int, kapdir_paths: list[str]) -> dict:
    db = work / f"peer{n}.db"
    log(f"{n}: exporting {db.name} for Datasette")
    info = export_sqlite(d, db)
    meta = work / f"peer{n}-metadata.json"
    name = db.stem
    meta.write_text(json.dumps({"databases": {name: {"tables": {"records": {"fts_table": "records_fts",
                                                                              "fts_pk": "rowid"}}}}}))
    port = free_port()
    cmd = [str(VENV_BIN / "datasette"), "serve", "-i", str(db), "--port", str(port), "--host", "127.0.0.1",
           "--metadata", str(meta), "--setting", "sql_time_limit_ms", "30000",
           "--setting", "facet_time_limit_ms", "30000", "--setting", "suggest_facets", "off",
           "--setting", "default_facet_size", "50"]
    paths = datasette_paths(name)
    log(f"{n}: datasette on :{port}")
    with Server(cmd, port, log_path=work / f"datasette-{n}.log") as srv:
        srv.wait_ready(f"/{name}.json")
        # Same answers? Compare totals query by query (kapdir's city also matches aliases; FTS does not stem).
        timed_out = 0
        for dp in paths:
            j = fetch_json(srv.base + dp)
            timed_out += len(j.get("facets_timed_out") or [])
        info["facets_timed_out"] = timed_out
        info["paths"] = len(paths)
        res = http_run(srv, {"peer_mix": paths}, seconds, connections)
        totals = [fetch_json(srv.base + dp).get("filtered_table_rows_count") for dp in paths]
    info["totals"] = totals
    info.update(res["peer_mix"])
    info["warm_up_s"] = res["warm_up_s"]
    info["memory_mb"] = res["memory_mb"]
    log(f"{n}: datasette: {info['rps']} req/s p99 {info['p99_ms']} ms")
    return info


def compare_totals(n: int, d: Path, peer: dict) -> list[str]:
    """Queries of the peer mix whose Datasette total differs from kapdir's (in-process)."""
    from werkzeug.datastructures import MultiDict

    from index.reader import IndexReader
    from index.search import parse_params, search

    s = IndexReader(d / "index").searcher()
    variants = [v for vs in PEER_SHAPES.values() for v in vs]
    out = []
    for v, theirs in zip(variants, peer.get("totals") or [], strict=False):
        ours = search(s, parse_params(MultiDict(v)))["total"]
        if ours != theirs:
            out.append(f"{urlencode(v)}: kapdir {ours}, datasette {theirs}")
    s.close()
    return out


# -- 5. crawling --------------------------------------------------------------------------------------------
def measure_crawl(work: Path, pages: int, scrapy_seconds: int) -> dict:
    from bench.crawlsite import generate, write_source
    from kapdir.store import Store

    site = work / "crawl" / "site"
    if not (site / "robots.txt").exists() or len(list((site / "provider").iterdir())) != pages:
        shutil.rmtree(site, ignore_errors=True)
        log(f"crawl: generating a {pages}-page site")
        gen = generate(site, pages)
    else:
        gen = {"detail": pages, "listing": len(list((site / "directory" / "page").iterdir())) + 1}
    data = work / "crawl" / "data"
    shutil.rmtree(data, ignore_errors=True)
    port = free_port()
    out: dict = {"detail_pages": gen["detail"], "listing_pages": gen["listing"]}
    with Server([sys.executable, "-m", "bench.crawlsite", "serve", str(site), "--port", str(port)], port,
                log_path=work / "crawlsite.log") as srv:
        srv.wait_ready("/robots.txt")
        write_source(work / "crawl" / "sources", srv.base, pages)
        log(f"crawl: kapdir crawl benchsite ({pages} detail pages) from {srv.base}")
        cpu0 = srv.cpu_s()
        with open(work / "crawl" / "kapdir-crawl.out", "wb") as fh:
            rc, wall, ru = run_child([str(VENV_BIN / "kapdir"), "--data-dir", str(data), "--sources",
                                      str(work / "crawl" / "sources"), "crawl", "benchsite"], cwd=ROOT,
                                     stdout=fh, stderr=subprocess.STDOUT)
        site_cpu = srv.cpu_s() - cpu0
    with Store(data / "kapdir.sqlite3", readonly=True) as store:
        job = store.last_job("benchsite") or {}
    stats = job.get("stats") or {}
    logs = sorted((data / "logs").glob("crawl-*.log"))
    text = logs[-1].read_text(errors="replace") if logs else ""
    elapsed = _stat(text, "elapsed_time_seconds")
    responses = _stat(text, "response_received_count")
    page_count = stats.get("pages", 0)
    out.update({
        "exit": rc, "status": job.get("status"), "pages": page_count, "items": stats.get("items"),
        "published": stats.get("published"), "errors": stats.get("errors"), "responses": int(responses or 0),
        "crawl_phase_s": r2(elapsed or 0), "wall_s": r2(wall),
        "pages_per_s": r2((responses or page_count) / elapsed) if elapsed else None,
        "pages_per_s_end_to_end": r2(page_count / wall) if wall else None,
        "cpu_s": r2(ru["cpu_s"]), "cpu_ms_per_page": r2(ru["cpu_s"] * 1000 / max(page_count, 1)),
        "vmhwm_mb": ru["vmhwm_mb"], "site_server_cpu_ms_per_page": r2(site_cpu * 1000 / max(page_count, 1)),
    })
    log(f"crawl: {page_count} pages in {elapsed} s crawl phase ({out['pages_per_s']} pages/s), "
        f"{out['cpu_ms_per_page']} CPU ms/page")

    log(f"crawl: scrapy bench -s CLOSESPIDER_TIMEOUT={scrapy_seconds}")
    bench_dir = work / "scrapy-bench"
    bench_dir.mkdir(parents=True, exist_ok=True)
    env = {k: v for k, v in os.environ.items() if not k.startswith("SCRAPY_")}
    logf = bench_dir / "scrapy-bench.log"
    with open(logf, "wb") as fh:
        rc2, wall2, _ru2 = run_child([str(VENV_BIN / "scrapy"), "bench", "-s", f"CLOSESPIDER_TIMEOUT={scrapy_seconds}"],
                                     cwd=bench_dir, env=env, stdout=fh, stderr=subprocess.STDOUT)
    btext = logf.read_text(errors="replace")
    b_elapsed = _stat(btext, "elapsed_time_seconds")
    b_resp = _stat(btext, "response_received_count")
    rates = [int(x) for x in re.findall(r"Crawled \d+ pages \(at (\d+) pages/min\)", btext)]
    out["scrapy_bench"] = {"exit": rc2, "responses": int(b_resp or 0), "elapsed_s": r2(b_elapsed or 0),
                           "pages_per_s": r2(b_resp / b_elapsed) if b_elapsed and b_resp else None,
                           "pages_per_min_log": rates, "wall_s": r2(wall2)}
    if out["pages_per_s"] and out["scrapy_bench"]["pages_per_s"]:
        out["vs_scrapy_bench"] = round(out["pages_per_s"] / out["scrapy_bench"]["pages_per_s"], 2)
    log(f"crawl: scrapy bench {out['scrapy_bench']['pages_per_s']} pages/s; ratio {out.get('vs_scrapy_bench')}")
    return out


def _stat(text: str, key: str) -> float | None:
    m = re.findall(rf"'{re.escape(key)}': ([0-9.]+)", text)
    return float(m[-1]) if m else None


# -- extraction CPU per page ------------------------------------------------------------------------------------
def measure_extract(work: Path, pages: int) -> dict:
    from scrapy.http import HtmlResponse

    from bench.crawlsite import detail_page, people, write_source
    from crawler import structured
    from crawler.pipelines.classify import apply_verdict
    from crawler.pipelines.normalise import normalise
    from crawler.spiders.source import SourceSpider

    warm = 50
    everyone = people(pages + warm, seed=11)
    responses = [HtmlResponse(f"http://127.0.0.1/provider/{p['slug']}/", body=detail_page(p).encode(),
                              encoding="utf-8") for p in everyone]

    def core(resp) -> tuple[str, str]:
        objects, _bad = structured.load_structured(resp.selector.root, resp.url)
        primary = structured.pick_primary(structured.practitioners(objects), "") or {}
        listing = normalise(dict(primary, kind="directory", via="json-ld"))
        return apply_verdict(listing)

    sources = work / "extract-sources"
    write_source(sources, "http://127.0.0.1", pages)
    spider = SourceSpider(name="benchsite", sources_dir=str(sources), data_dir=str(work / "extract-data"))

    def full(resp) -> tuple[str, str]:
        item = next(iter(spider.parse_detail(resp)))
        listing = normalise(dict(item))
        return apply_verdict(listing)

    out = {"pages": pages}
    for name, fn in (("core", core), ("spider", full)):
        fresh = [r.replace() for r in responses]  # no cached selector from a previous pass
        for r in fresh[:warm]:
            fn(r)
        verdicts = []
        times = []
        for r in fresh[warm:]:
            t = time.process_time()
            verdicts.append(fn(r)[0])
            times.append((time.process_time() - t) * 1000)
        out[name] = {"cpu_ms_mean": round(statistics.fmean(times), 3), "cpu_ms_p50": round(pct(times, 50), 3),
                     "cpu_ms_p95": round(pct(times, 95), 3), "published": verdicts.count("published")}
        log(f"extract ({name}): {out[name]['cpu_ms_mean']} CPU ms/page mean; {out[name]['published']} published")
    return out


# -- targets and report -------------------------------------------------------------------------------------------
def evaluate(res: dict) -> list[dict]:
    """PASS/MISS per target, at the largest size measured (and the crawl/extraction figures)."""
    out = []
    sizes = sorted(res["sizes"], key=int)
    if sizes:
        big = sizes[-1]
        r = res["sizes"][big]
        label = f"{int(big):,}"
        sr = (r.get("search") or {}).get("shapes") or {}
        if sr:
            worst = max((k for k in sr if k not in COLD_SHAPES), key=lambda k: sr[k]["p99_ms"])
            hot = [k for k in sr if k not in UNCACHED_SHAPES and k not in COLD_SHAPES]
            worst_hot = max(hot, key=lambda k: sr[k]["p99_ms"])
            out.append({"target": f"search p99 <= 20 ms, every shape, texts repeated ({label})",
                        "value": sr[worst_hot]["p99_ms"], "unit": f"ms (worst: {worst_hot})",
                        "pass": sr[worst_hot]["p99_ms"] <= TARGETS["search_p99_ms"]})
            out.append({"target": f"search p99 <= 20 ms, every shape incl. new texts ({label})", "value": sr[worst]["p99_ms"],
                        "unit": f"ms (worst: {worst})", "pass": sr[worst]["p99_ms"] <= TARGETS["search_p99_ms"]})
            for k in COLD_SHAPES:
                if k in sr:
                    out.append({"target": f"search p99 <= 20 ms, first use of each word since start or rebuild ({label})",
                                "value": sr[k]["p99_ms"], "unit": f"ms ({k})",
                                "pass": sr[k]["p99_ms"] <= TARGETS["search_p99_ms"]})
        h = r.get("http") or {}
        if "best" in h:
            v = h["best"]["mix"]["rps"]
            out.append({"target": f"HTTP >= 500 req/s on the mix ({label})", "value": v,
                        "unit": f"req/s (waitress --threads {h['best_threads']})", "pass": v >= TARGETS["http_rps"]})
            v = h["best"]["mix_uncached"]["rps"]
            out.append({"target": f"HTTP >= 500 req/s on the mix, every text new ({label})", "value": v,
                        "unit": f"req/s (waitress --threads {h['best_threads']})", "pass": v >= TARGETS["http_rps"]})
        g = h.get("gunicorn")
        if g:
            for mix, what in (("mix", "the mix"), ("mix_uncached", "the mix, every text new")):
                v = g[mix]["rps"]
                out.append({"target": f"HTTP >= 500 req/s on {what} ({label})", "value": v,
                            "unit": "req/s (kapdir serve --workers 2 --threads 4)", "pass": v >= TARGETS["http_rps"]})
        if "vs_datasette" in h:
            out.append({"target": f"HTTP >= 1.0x Datasette req/s ({label})", "value": h["vs_datasette"], "unit": "x",
                        "pass": h["vs_datasette"] >= TARGETS["vs_datasette"]})
        if "vs_datasette_uncached" in h:
            out.append({"target": f"HTTP >= 1.0x Datasette req/s, every kapdir text new ({label})",
                        "value": h["vs_datasette_uncached"], "unit": "x",
                        "pass": h["vs_datasette_uncached"] >= TARGETS["vs_datasette"]})
        st = r.get("store") or {}
        if st:
            out.append({"target": f"full rebuild >= 3,000 records/s ({label})", "value": st["rebuild_rps"],
                        "unit": "records/s", "pass": st["rebuild_rps"] >= TARGETS["rebuild_rps"]})
            out.append({"target": f"100 changed records <= 1 s ({label})", "value": st["changed_index_s"],
                        "unit": "s (update_index)", "pass": st["changed_index_s"] <= TARGETS["changed_100_s"]})
        if "best" in h:
            mem = h["best"]["memory_mb"].get("VmHWM", 0)
            out.append({"target": f"kapdir serve <= 1 GB resident ({label})", "value": mem,
                        "unit": f"MB VmHWM (--threads {h['best_threads']})", "pass": mem <= TARGETS["serve_rss_mb"]})
        if g:
            mem = g["memory_mb"].get("VmHWM", 0)
            out.append({"target": f"kapdir serve <= 1 GB resident ({label})", "value": mem,
                        "unit": "MB VmHWM, master + 2 workers (--workers 2)", "pass": mem <= TARGETS["serve_rss_mb"]})
    c = res.get("crawl") or {}
    if "vs_scrapy_bench" in c:
        out.append({"target": "crawl >= 0.5x scrapy bench pages/s", "value": c["vs_scrapy_bench"], "unit": "x",
                    "pass": c["vs_scrapy_bench"] >= TARGETS["crawl_vs_scrapy"]})
    e = res.get("extract") or {}
    if "core" in e:
        out.append({"target": "extraction <= 5 ms CPU per page", "value": e["core"]["cpu_ms_mean"],
                    "unit": "CPU ms/page", "pass": e["core"]["cpu_ms_mean"] <= TARGETS["extract_cpu_ms"]})
    return out


def render_markdown(res: dict) -> str:
    m, g = res["machine"], res["git"]
    lines = [f"Measured {res['date']} on {m['nproc']} CPU(s), {m['cpu']}, {m['ram_gb']} GB RAM, Python "
             f"{m['python']}, Linux {m['kernel']}; commit `{g['commit'][:12]}`"
             + (f" plus uncommitted changes to {', '.join(g['modified'])}" if g["dirty"] else "")
             + (f" (untracked: {', '.join(g['untracked'])})" if g.get("untracked") else "")
             + f"; load average at start {', '.join(f'{x:.2f}' for x in m['loadavg_start'])}; "
             f"full run {res['run_seconds'] / 60:.1f} min (`python -m bench.run {res['argv']}`)."
             + (f" Store and crawl figures: a second run, {res['store_and_crawl_run']['date']}, commit "
                f"`{res['store_and_crawl_run']['git']['commit'][:12]}` (`python -m bench.run "
                f"{res['store_and_crawl_run']['argv']}`), same product code." if "store_and_crawl_run" in res else ""),
             ""]
    sizes = sorted(res["sizes"], key=int)
    head = "| | " + " | ".join(f"{int(s):,}" for s in sizes) + " |"
    sep = "|---|" + "---:|" * len(sizes)

    def row(label: str, getter) -> str:
        vals = []
        for s in sizes:
            try:
                v = getter(res["sizes"][s])
            except (KeyError, TypeError, ZeroDivisionError):
                v = None
            vals.append("—" if v is None else (f"{v:,}" if isinstance(v, int) else str(v)))
        return f"| {label} | " + " | ".join(vals) + " |"

    lines += ["### Store and index", "", head, sep,
              row("records (listings)", lambda r: f"{r['store']['records']:,} ({r['store']['listings']:,})"),
              row("store load (listings + merge), s", lambda r: r["store"]["store_load_s"]),
              row("store load, records/s", lambda r: r["store"]["store_load_rps"]),
              row("full rebuild, s", lambda r: r["store"]["rebuild_s"]),
              row("full rebuild, records/s (target ≥ 3,000)", lambda r: r["store"]["rebuild_rps"]),
              row("full rebuild, peak resident memory, MB: parent VmHWM + forked worker's maxrss",
                  lambda r: f"{r['store']['rebuild_peak_rss_mb']} + {r['store'].get('rebuild_worker_peak_rss_mb')}"),
              row("100 changed records: store + refresh_records, s", lambda r: r["store"]["changed_store_s"]),
              row("100 changed records: update_index, s (target ≤ 1)", lambda r: r["store"]["changed_index_s"]),
              row("first query after a new index generation (array build), s",
                  lambda r: r["search"]["cold_first_query_s"]),
              row("first query after the 100-record commit, in a process that answered before it, s",
                  lambda r: r["store"]["first_query_after_commit_s"]),
              "", "### In-process search (parse_params + search, facets included), ms", "",
              head.replace("| |", "| shape: p50 / p95 / p99 (reference p50) |"), sep]
    for shape in {**SHAPES, **UNCACHED_SHAPES, **COLD_SHAPES}:
        lines.append(row(shape, lambda r, sh=shape: (
            f"{r['search']['shapes'][sh]['p50_ms']} / {r['search']['shapes'][sh]['p95_ms']} / "
            f"**{r['search']['shapes'][sh]['p99_ms']}** ({_ref(r['search']['shapes'][sh])})")))
    http_s = _first(res, lambda r: r["http"]["seconds"])
    conns = _first(res, lambda r: r["http"]["connections"])
    lines += ["", f"### HTTP (closed loop, {conns} connections, {http_s} s per run)", "", head, sep]
    for t in ("4", "8"):
        for mix, label in (("mix", "mix"), ("mix_uncached", "mix, every text new")):
            lines.append(row(f"kapdir waitress --threads {t}: {label}, req/s (p99 ms)", lambda r, t=t, mix=mix: (
                f"{r['http']['waitress'][t][mix]['rps']} ({r['http']['waitress'][t][mix]['p99_ms']})")))
    lines += [row("kapdir best: peer mix (no near) req/s (p99 ms)", lambda r: (
                  f"{r['http']['best']['peer_mix']['rps']} ({r['http']['best']['peer_mix']['p99_ms']})")),
              row("kapdir best: peer mix, every text new, req/s (p99 ms)", lambda r: (
                  f"{r['http']['best']['peer_mix_uncached']['rps']} "
                  f"({r['http']['best']['peer_mix_uncached']['p99_ms']})")),
              row("kapdir serve --workers 2 --threads 4 (gunicorn): mix req/s (p99 ms)", lambda r: (
                  f"{r['http']['gunicorn']['mix']['rps']} ({r['http']['gunicorn']['mix']['p99_ms']})")),
              row("kapdir serve --workers 2: mix, every text new, req/s (p99 ms)", lambda r: (
                  f"{r['http']['gunicorn']['mix_uncached']['rps']} ({r['http']['gunicorn']['mix_uncached']['p99_ms']})")),
              row("kapdir serve --workers 2: peer mix req/s (p99 ms)", lambda r: (
                  f"{r['http']['gunicorn']['peer_mix']['rps']} ({r['http']['gunicorn']['peer_mix']['p99_ms']})")),
              row("Datasette 0.65: peer mix req/s (p99 ms)", lambda r: (
                  f"{r['http']['datasette']['rps']} ({r['http']['datasette']['p99_ms']})")),
              row("kapdir (waitress best) / Datasette, req/s", lambda r: f"{r['http']['vs_datasette']}×"),
              row("the same, every kapdir text new", lambda r: f"{r['http']['vs_datasette_uncached']}×"),
              row("unloaded latency p50 / max, ms: kapdir peer mix", lambda r: (
                  f"{r['http']['best']['peer_mix']['serial_p50_ms']} / {r['http']['best']['peer_mix']['serial_max_ms']}")),
              row("unloaded latency p50 / max, ms: Datasette peer mix", lambda r: (
                  f"{r['http']['datasette']['serial_p50_ms']} / {r['http']['datasette']['serial_max_ms']}")),
              row("server CPU ms per request: kapdir mix / Datasette", lambda r: (
                  f"{r['http']['best']['mix']['server_cpu_ms_per_req']} / "
                  f"{r['http']['datasette']['server_cpu_ms_per_req']}")),
              row("kapdir serve VmHWM after the runs, MB (target ≤ 1024)",
                  lambda r: r["http"]["best"]["memory_mb"].get("VmHWM")),
              row("kapdir serve --workers 2: VmHWM, master + 2 workers, MB", lambda r: r["http"]["gunicorn"]["memory_mb"].get("VmHWM")),
              row("Datasette VmHWM, MB", lambda r: r["http"]["datasette"]["memory_mb"].get("VmHWM")),
              ""]
    c, e = res.get("crawl") or {}, res.get("extract") or {}
    if c:
        sb = c.get("scrapy_bench") or {}
        lines += ["### Crawling and extraction", "", "| | |", "|---|---:|",
                  f"| `kapdir crawl`: {c['pages']:,} pages ({c['detail_pages']:,} detail + {c['listing_pages']} listing), "
                  f"crawl phase s | {c['crawl_phase_s']} |",
                  f"| `kapdir crawl` pages/s (crawl phase) | {c['pages_per_s']} |",
                  f"| `kapdir crawl` pages/s end to end (start-up, merge, index update included) | "
                  f"{c['pages_per_s_end_to_end']} |",
                  f"| `kapdir crawl` CPU ms per page (whole process) | {c['cpu_ms_per_page']} |",
                  f"| `kapdir crawl` peak resident memory (VmHWM), MB | {c.get('vmhwm_mb', '—')} |",
                  f"| `scrapy bench` pages/s ({sb.get('responses')} pages in {sb.get('elapsed_s')} s) | "
                  f"{sb.get('pages_per_s')} |",
                  f"| kapdir / scrapy bench (target ≥ 0.5) | {c.get('vs_scrapy_bench')}× |"]
    if e:
        lines += [f"| extraction CPU ms/page: structured + normalise + apply_verdict ({e['pages']} pages; target ≤ 5) "
                  f"| {e['core']['cpu_ms_mean']} |",
                  f"| extraction CPU ms/page: whole `parse_detail` + normalise + apply_verdict | "
                  f"{e['spider']['cpu_ms_mean']} |"]
    growth = growth_line(res)
    if growth:
        lines += ["", "### Growth", "", growth]
    lines += ["", "### Targets", "", "| target | measured | |", "|---|---:|---|"]
    for t in res["targets"]:
        lines.append(f"| {t['target']} | {t['value']} {t['unit']} | {mark(t['pass'])} |")
    return "\n".join(lines) + "\n"


def _ref(row: dict) -> str:
    if "ref_p50_ms" not in row:
        return "no cache in the reference"
    return str(row["ref_p50_ms"]) if row["ref_p50_ms"] is not None else "skipped"


def growth_line(res: dict) -> str:
    """How cost grows from the smallest to the largest size measured, as ratios."""
    sizes = sorted(res["sizes"], key=int)
    if len(sizes) < 2:
        return ""
    a, b = res["sizes"][sizes[0]], res["sizes"][sizes[-1]]
    k = int(sizes[-1]) // int(sizes[0])
    parts = []
    try:
        parts.append(f"store load ×{b['store']['store_load_s'] / a['store']['store_load_s']:.0f}")
        parts.append(f"full rebuild ×{b['store']['rebuild_s'] / a['store']['rebuild_s']:.0f}")
        parts.append(f"100-record update ×{b['store']['changed_index_s'] / a['store']['changed_index_s']:.1f}")
    except (KeyError, ZeroDivisionError):
        pass
    try:
        sa, sb = a["search"]["shapes"], b["search"]["shapes"]
        parts.append("search p50 " + ", ".join(f"{sh} ×{sb[sh]['p50_ms'] / sa[sh]['p50_ms']:.0f}"
                                               for sh in {**SHAPES, **UNCACHED_SHAPES, **COLD_SHAPES} if sh in sa and sh in sb))
        parts.append(f"first query after a commit ×{b['search']['cold_first_query_s'] / a['search']['cold_first_query_s']:.0f}")
    except (KeyError, ZeroDivisionError):
        pass
    try:
        parts.append(f"HTTP mix req/s ×{b['http']['best']['mix']['rps'] / a['http']['best']['mix']['rps']:.2f}")
        parts.append("HTTP mix with new texts req/s "
                     f"×{b['http']['best']['mix_uncached']['rps'] / a['http']['best']['mix_uncached']['rps']:.2f}")
        parts.append(f"serve VmHWM ×{b['http']['best']['memory_mb']['VmHWM'] / a['http']['best']['memory_mb']['VmHWM']:.1f}")
    except (KeyError, ZeroDivisionError):
        pass
    return f"From {int(sizes[0]):,} to {int(sizes[-1]):,} records (×{k}): " + "; ".join(parts) + "."


def _first(res: dict, getter):
    for s in res["sizes"].values():
        try:
            return getter(s)
        except (KeyError, TypeError):
            continue
    return "—"


def print_report(res: dict, out=sys.stdout) -> None:
    print(render_markdown(res), file=out)


def update_doc(res: dict) -> None:
    block = f"{BEGIN}\n{render_markdown(res)}{END}"
    if DOC.exists():
        text = DOC.read_text()
        if BEGIN in text and END in text:
            text = text[:text.index(BEGIN)] + block + text[text.index(END) + len(END):]
        else:
            text = text.rstrip() + "\n\n" + block + "\n"
    else:
        DOC.parent.mkdir(parents=True, exist_ok=True)
        text = f"# Performance\n\n{block}\n"
    DOC.write_text(text)


# -- main -----------------------------------------------------------------------------------------------------
def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["--_rebuild"]:
        return _rebuild_child(Path(argv[1]), Path(argv[2]))
    if argv[:1] == ["--_render"]:  # rewrite the docs table from a results file
        update_doc(json.loads(Path(argv[1]).read_text()))
        return 0
    if argv[:1] == ["--_change100"]:
        Path(argv[2]).write_text(json.dumps(change_100(Path(argv[1]))))
        return 0
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--records", type=int, action="append", help="a size to measure (repeatable); "
                    "default 1000, 10000 and 100000")
    ap.add_argument("--json", action="store_true", help="print the results as JSON instead of tables")
    ap.add_argument("--quick", action="store_true", help="a short sanity run: 1k records, 3 s loads, "
                    "500-page crawl; writes no file unless --out is given")
    ap.add_argument("--skip", default="", help=f"comma-separated sections to leave out: {','.join(SECTIONS)}")
    ap.add_argument("--seconds", type=float, help="load duration per HTTP run (default 15; quick 3)")
    ap.add_argument("--connections", type=int, default=16)
    ap.add_argument("--threads", default="4,8", help="waitress thread counts to try (default 4,8)")
    ap.add_argument("--crawl-pages", type=int, help="detail pages of the crawl site (default 5000; quick 500)")
    ap.add_argument("--workdir", type=Path, help="keep data here (and reuse seeded stores) instead of a temp dir")
    ap.add_argument("--out", type=Path, help=f"results file (default {RESULTS.relative_to(ROOT)})")
    ap.add_argument("--no-doc", action="store_true", help="do not rewrite the table in docs/performance.md")
    args = ap.parse_args(argv)
    quick = args.quick
    sizes = args.records or ([1_000] if quick else list(DEFAULT_SIZES))
    sections = set(SECTIONS) - {s.strip() for s in args.skip.split(",") if s.strip()}
    if quick:
        sections.discard("gunicorn")
    seconds = args.seconds or (3 if quick else 15)
    crawl_pages = args.crawl_pages or (500 if quick else 5000)
    threads = tuple(int(t) for t in args.threads.split(",") if t.strip())
    started = time.perf_counter()
    work = args.workdir or Path(tempfile.mkdtemp(prefix="kapdir-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    log(f"work dir {work}; sizes {sizes}; sections {sorted(sections)}")
    res: dict = {"date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"), "machine": machine(), "git": git_commit(),
                 "argv": " ".join(argv), "quick": quick, "sizes": {}, "targets": []}
    try:
        for n in sizes:
            d = work / f"n{n}"
            r: dict = {}
            res["sizes"][str(n)] = r
            if "store" in sections or not (d / "index").exists():
                r["store"] = measure_store(n, d, quick)
            if "search" in sections:
                runs = 50 if quick else 300
                r["search"] = measure_search(n, d, runs, 10 if quick else 30)
            if sections & {"http", "gunicorn", "peer"}:
                r["http"] = measure_http(n, d, work, sections, seconds, args.connections, threads)
                if "datasette" in r["http"]:
                    r["http"]["datasette"]["total_mismatches"] = compare_totals(n, d, r["http"]["datasette"])
            r["loadavg_after"] = os.getloadavg()
        if "crawl" in sections:
            res["crawl"] = measure_crawl(work, crawl_pages, 5 if quick else 15)
        if "extract" in sections:
            res["extract"] = measure_extract(work, 200 if quick else 1000)
    finally:
        if not args.workdir:
            shutil.rmtree(work, ignore_errors=True)
    res["targets"] = evaluate(res)
    res["run_seconds"] = round(time.perf_counter() - started, 1)
    res["machine"]["loadavg_end"] = os.getloadavg()
    if args.json:
        print(json.dumps(res, indent=1))
    else:
        print_report(res)
    out = args.out or (None if quick else RESULTS)
    if out:
        out.write_text(json.dumps(res, indent=1) + "\n")
        log(f"wrote {out}")
    if not quick and not args.no_doc and not args.records and sections == set(SECTIONS):
        update_doc(res)
        log(f"updated {DOC}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
