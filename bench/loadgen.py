"""Closed-loop HTTP load on loopback: `wrk` with a Lua script rotating a URL list when /usr/bin/wrk exists,
otherwise Python worker processes with keep-alive http.client connections.

    python -m bench.loadgen http://127.0.0.1:8000 urls.txt [--seconds 15] [--connections 16]

Either way the result is {"tool", "requests", "seconds", "rps", "p50_ms", "p90_ms", "p99_ms", "max_ms",
"non_2xx", "errors"}. Only 127.0.0.1 / localhost targets are accepted.
"""

from __future__ import annotations

import argparse
import http.client
import json
import multiprocessing as mp
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit

WRK = "/usr/bin/wrk"

_LUA = """
local paths = {%s}
local counter = 0
local id = 0
setup = function(thread)
  thread:set("id", id)
  id = id + 1
end
init = function(args)
  counter = id * 7
end
request = function()
  counter = counter + 1
  return wrk.format("GET", paths[(counter %% #paths) + 1])
end
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'WRKJSON {"requests": %%d, "duration_us": %%d, "bytes": %%d, "connect": %%d, "read": %%d, "write": %%d, ' ..
    '"status": %%d, "timeout": %%d, "p50_us": %%d, "p90_us": %%d, "p99_us": %%d, "max_us": %%d, "mean_us": %%f}\\n',
    summary.requests, summary.duration, summary.bytes, e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max, latency.mean))
end
"""


def _check_local(base: str) -> None:
    host = urlsplit(base).hostname
    if host not in ("127.0.0.1", "localhost"):
        raise SystemExit(f"loadgen: refusing to send traffic to {host!r}; loopback only")


def _lua_string(s: str) -> str:
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'


def run_wrk(base: str, paths: list[str], seconds: float, connections: int, threads: int = 1) -> dict:
    _check_local(base)
    with tempfile.TemporaryDirectory(prefix="kapdir-wrk-") as tmp:
        script = Path(tmp) / "mix.lua"
        script.write_text(_LUA % ", ".join(_lua_string(p) for p in paths))
        cmd = [WRK, "-t", str(threads), "-c", str(connections), "-d", f"{int(round(seconds))}s",
               "--timeout", "30s", "-s", str(script), base]
        out = subprocess.run(cmd, capture_output=True, text=True, check=False, timeout=seconds + 60)
    line = next((ln for ln in out.stdout.splitlines() if ln.startswith("WRKJSON ")), None)
    if line is None:
        raise RuntimeError(f"wrk failed: {out.stdout[-500:]} {out.stderr[-500:]}")
    r = json.loads(line[len("WRKJSON "):])
    secs = r["duration_us"] / 1e6
    return {"tool": f"wrk -t{threads} -c{connections}", "requests": r["requests"], "seconds": round(secs, 2),
            "rps": round(r["requests"] / secs, 1), "p50_ms": round(r["p50_us"] / 1000, 2),
            "p90_ms": round(r["p90_us"] / 1000, 2), "p99_ms": round(r["p99_us"] / 1000, 2),
            "max_ms": round(r["max_us"] / 1000, 2), "non_2xx": r["status"],
            "errors": r["connect"] + r["read"] + r["write"] + r["timeout"]}


def _worker(base: str, paths: list[str], offset: int, conns: int, deadline: float, q) -> None:
    """One process, `conns` keep-alive connections used round-robin (closed loop, one request in flight each
    at a time: requests are sent on every connection, then every answer is read)."""
    u = urlsplit(base)
    clients = [http.client.HTTPConnection(u.hostname, u.port or 80, timeout=30) for _ in range(conns)]
    lat: list[float] = []
    bad = errors = 0
    i = offset
    while time.perf_counter() < deadline:
        sent = []
        for c in clients:
            path = paths[i % len(paths)]
            i += 1
            t0 = time.perf_counter()
            try:
                c.request("GET", path)
                sent.append((c, t0))
            except OSError:
                errors += 1
                c.close()
        for c, t0 in sent:
            try:
                resp = c.getresponse()
                resp.read()
                if not 200 <= resp.status < 300:
                    bad += 1
                lat.append(time.perf_counter() - t0)
            except (OSError, http.client.HTTPException):
                errors += 1
                c.close()
    q.put((lat, bad, errors))


def run_python(base: str, paths: list[str], seconds: float, connections: int, procs: int | None = None) -> dict:
    _check_local(base)
    procs = procs or max(1, min(connections, (os.cpu_count() or 2)))
    per = max(1, connections // procs)
    q: mp.Queue = mp.Queue()
    start = time.perf_counter()
    deadline = start + seconds
    workers = [mp.Process(target=_worker, args=(base, paths, k * 7, per, deadline, q)) for k in range(procs)]
    for w in workers:
        w.start()
    lat: list[float] = []
    bad = errors = 0
    for _ in workers:
        part, b, e = q.get(timeout=seconds + 60)
        lat += part
        bad += b
        errors += e
    for w in workers:
        w.join()
    secs = time.perf_counter() - start
    lat.sort()

    def pct(p: float) -> float:
        return round(lat[min(len(lat) - 1, int(p / 100 * len(lat)))] * 1000, 2) if lat else float("nan")

    return {"tool": f"python {procs}x{per} keep-alive", "requests": len(lat), "seconds": round(secs, 2),
            "rps": round(len(lat) / secs, 1), "p50_ms": pct(50), "p90_ms": pct(90), "p99_ms": pct(99),
            "max_ms": round(lat[-1] * 1000, 2) if lat else float("nan"), "non_2xx": bad, "errors": errors}


def run(base: str, paths: list[str], seconds: float = 15, connections: int = 16) -> dict:
    if os.path.exists(WRK) or shutil.which("wrk"):
        return run_wrk(base, paths, seconds, connections)
    return run_python(base, paths, seconds, connections)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("base")
    ap.add_argument("urls", type=Path, help="a file of paths (one per line, starting with /)")
    ap.add_argument("--seconds", type=float, default=15)
    ap.add_argument("--connections", type=int, default=16)
    ap.add_argument("--python", action="store_true", help="use the Python generator even if wrk exists")
    args = ap.parse_args(argv)
    paths = [ln.strip() for ln in args.urls.read_text().splitlines() if ln.strip()]
    fn = run_python if args.python else run
    print(json.dumps(fn(args.base, paths, args.seconds, args.connections)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
