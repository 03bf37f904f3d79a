"""Crawl bundled sample sites into a scratch dir and list every difference from their expected.json.

    .venv/bin/python bench/sample_check.py lotus riverbend meadow oakline rainfall beacon harbor

A maintainer's quick check after changing extraction rules; the same comparisons run in tests/test_shapes.py.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from kapdir.records import name_key
from kapdir.samplesite import SampleSite, materialise_source

SAMPLES = Path(__file__).resolve().parent.parent / "crawler" / "samples"


def kapdir(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "kapdir", *args], capture_output=True, text=True, check=False)


def main(names: list[str]) -> int:
    work = Path(tempfile.mkdtemp(prefix="kapdir-check-"))
    sites = {}
    for n in names:
        sites[n] = SampleSite(SAMPLES / n).start()
        materialise_source(SAMPLES / n / "source.toml", sites[n].base, work / "src")
    t = time.time()
    run = kapdir("--data-dir", str(work / "data"), "--sources", str(work / "src"), "crawl", *names)
    print(f"crawl took {time.time() - t:.1f}s\n{run.stdout}{run.stderr[-2000:]}")
    records = [json.loads(x) for x in kapdir("--data-dir", str(work / "data"), "export").stdout.splitlines()]
    got = {name_key(r["name"]): r for r in records}
    problems = 0
    for n in names:
        exp = json.loads((SAMPLES / n / "expected.json").read_text())
        for e in exp["practitioners"]:
            g = got.get(name_key(e["name"]))
            if not g:
                print(n, "MISSING", e["name"], e["source"])
                problems += 1
                continue
            routes = sorted([x["route"], x["setting"]] for x in g["routes"])
            if n != "rainfall" and routes != sorted(e["routes"]):
                print(n, "ROUTES", e["name"], routes, e["routes"])
                problems += 1
            if n != "rainfall" and sorted(s["region"] for s in g.get("serves", [])) != e.get("serves", []):
                print(n, "SERVES", e["name"], sorted(s["region"] for s in g.get("serves", [])), e.get("serves"))
                problems += 1
            progs = {c["program"] for c in g["certifications"]}
            if not set(e["programs"]) <= progs:
                print(n, "PROGRAMMES", e["name"], sorted(progs), e["programs"])
                problems += 1
            if e.get("phone") and g["phone"] != e["phone"]:
                print(n, "PHONE", e["name"], g["phone"], e["phone"])
                problems += 1
        for bad in exp.get("must_not_publish", []):
            if name_key(bad) in got:
                print(n, "PUBLISHED BUT MUST NOT", bad)
                problems += 1
        for path in exp.get("never_fetched", []):
            if path in sites[n].requested():
                print(n, "FETCHED AGAINST robots.txt", path)
                problems += 1
    print(f"{len(records)} records; {problems} problem(s)")
    for s in sites.values():
        s.stop()
    shutil.rmtree(work, ignore_errors=True)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:] or ["lotus", "riverbend", "meadow", "oakline", "rainfall", "beacon", "harbor"]))
