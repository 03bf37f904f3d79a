"""The site-shape zoo (issue 14): crawl each shape from its smallest source file and report, per shape,
people found and name / city / phone / routes right, what was published that must not be, and pages
fetched that robots.txt forbids. With ``--probe``, the source file is instead the one `kapdir sources
add` proposes for the shape's start URL, used unedited.

    .venv/bin/python -m bench.zoo                       # every development shape
    .venv/bin/python -m bench.zoo --blind               # the set-aside shapes (tests/fixtures/zoo-blind)
    .venv/bin/python -m bench.zoo --folder tests/fixtures/zoo-blind2   # the second set-aside group
    .venv/bin/python -m bench.zoo --probe cmsfilter     # named shapes, through `sources add`
    .venv/bin/python -m bench.zoo -v                    # every miss

Shapes live in crawler/samples (the seven sample sites), tests/fixtures/sites, tests/fixtures/zoo and
tests/fixtures/zoo-blind; each folder has source.toml and expected.json.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import tomllib
from pathlib import Path

from kapdir.places import normalise_city
from kapdir.records import name_key
from kapdir.samplesite import SampleSite, materialise_source

ROOT = Path(__file__).resolve().parent.parent
GROUPS = {
    "samples": ROOT / "crawler" / "samples",
    "sites": ROOT / "tests" / "fixtures" / "sites",
    "zoo": ROOT / "tests" / "fixtures" / "zoo",
}
BLIND = ROOT / "tests" / "fixtures" / "zoo-blind"
SKIP_ROUTES = {"rainfall", "textroster", "listroster"}  # rosters carry no service text: routes unlabelled


def shapes(blind: bool, folder: Path | None = None) -> dict[str, Path]:
    roots = [folder] if folder else [BLIND] if blind else list(GROUPS.values())
    return {d.name: d for root in roots for d in sorted(root.iterdir()) if (d / "source.toml").is_file()}


def kapdir(data: Path, sources: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "kapdir", "--data-dir", str(data), "--sources", str(sources),
                           *args], capture_output=True, text=True, cwd=ROOT, timeout=600)


def _same_city(got: str, want: str, region: str) -> bool:
    return normalise_city(got or "", region) == normalise_city(want or "", region)


def compare(exp: dict, records: list[dict], requested: list[str]) -> dict:
    got = {name_key(r["name"]): r for r in records}
    row = {"people": len(exp["practitioners"]), "found": 0, "right": 0, "routes_right": 0, "misses": []}
    for p in exp["practitioners"]:
        r = got.get(name_key(p["name"]))
        if r is None:
            row["misses"].append(f"not found: {p['name']}")
            continue
        row["found"] += 1
        addr = r["address"]
        wrong = [f"{k} {g!r} != {w!r}" for k, g, w, ok in (
            ("city", addr.get("city"), p["city"], _same_city(addr.get("city"), p["city"], p["region"])),
            ("region", addr.get("region"), p["region"], addr.get("region") == p["region"]),
            ("phone", r.get("phone") or None, p.get("phone"), (r.get("phone") or None) == p.get("phone")),
        ) if not ok]
        if wrong:
            row["misses"].append(f"{p['name']}: " + "; ".join(wrong))
        else:
            row["right"] += 1
        if exp["site"] in SKIP_ROUTES or "routes" not in p:
            row["routes_right"] += 1
            continue
        routes = sorted([x["route"], x["setting"]] for x in r["routes"])
        if routes == sorted(map(list, p["routes"])):
            row["routes_right"] += 1
        else:
            row["misses"].append(f"{p['name']}: routes {routes} != {sorted(p['routes'])}")
    wanted = {name_key(p["name"]) for p in exp["practitioners"]}
    row["extra"] = sorted(r["name"] for k, r in got.items() if k not in wanted)
    row["forbidden_published"] = sorted(n for n in exp.get("must_not_publish", []) if name_key(n) in got)
    # A forbidden path with a query ("/directory/?view=submit") is fetched only if that exact query was.
    paths = {q.split("?")[0] for q in requested} | set(requested)
    row["forbidden_fetched"] = sorted(p for p in exp.get("never_fetched", []) if p in paths)
    return row


def run_shape(name: str, folder: Path, work: Path, probe: bool) -> dict:
    exp = json.loads((folder / "expected.json").read_text())
    src, data = work / name / "src", work / name / "data"
    with SampleSite(folder) as site:
        template = materialise_source(folder / "source.toml", site.base, work / name / "template")
        if probe:
            start = tomllib.loads(template.read_text())["start_urls"][0]
            add = kapdir(data, src, "sources", "add", name, start)
            if add.returncode != 0:
                return {"people": len(exp["practitioners"]), "found": 0, "right": 0, "routes_right": 0,
                        "misses": [], "extra": [], "forbidden_published": [], "forbidden_fetched": [],
                        "crawl": f"sources add failed: {add.stderr.strip()[:300]}"}
            (src / f"{name}.toml").write_text((src / f"{name}.toml").read_text().replace(
                "download_delay  = 2.0", "download_delay  = 0.0"))
        else:
            src.mkdir(parents=True, exist_ok=True)
            (src / f"{name}.toml").write_text(template.read_text())
        crawl = kapdir(data, src, "crawl", name)
        requested = site.requested()
    exported = kapdir(data, src, "export")
    records = [json.loads(x) for x in exported.stdout.splitlines() if x.strip()]
    row = compare(exp, records, requested)
    row["crawl"] = (crawl.stdout.strip().splitlines() or [crawl.stderr.strip()[-200:]])[-1]
    return row


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("names", nargs="*")
    ap.add_argument("--blind", action="store_true", help="the set-aside shapes")
    ap.add_argument("--probe", action="store_true", help="crawl from the file `sources add` proposes, unedited")
    ap.add_argument("--folder", type=Path, help="the shapes in this folder instead (e.g. tests/fixtures/zoo-blind2)")
    ap.add_argument("-v", "--verbose", action="store_true")
    args = ap.parse_args(argv)
    found = shapes(args.blind, args.folder.resolve() if args.folder else None)
    names = args.names or list(found)
    work = Path(tempfile.mkdtemp(prefix="kapdir-zoo-"))
    totals = {"people": 0, "found": 0, "right": 0, "routes_right": 0}
    clean = 0
    print(f"{'shape':12} {'people':>6} {'found':>6} {'right':>6} {'routes':>6}  extra  forbidden")
    for name in names:
        row = run_shape(name, found[name], work, args.probe)
        for k in totals:
            totals[k] += row[k]
        ok = row["right"] == row["people"] and not row["extra"] and not row["forbidden_published"] \
            and not row["forbidden_fetched"]
        clean += ok
        print(f"{name:12} {row['people']:6} {row['found']:6} {row['right']:6} {row['routes_right']:6}  "
              f"{len(row['extra']):5}  {len(row['forbidden_published']) + len(row['forbidden_fetched']):9}"
              + ("" if ok else "  ✗"))
        if args.verbose:
            print(f"    crawl: {row['crawl']}")
            for m in row["misses"]:
                print(f"    {m}")
            for x in row["extra"]:
                print(f"    published, not labelled: {x}")
            for x in row["forbidden_published"]:
                print(f"    PUBLISHED, must not be: {x}")
            for x in row["forbidden_fetched"]:
                print(f"    FETCHED, robots.txt forbids: {x}")
    n = totals["people"] or 1
    print(f"\n{len(names)} shapes, {clean} fully right; people {totals['people']}: found {totals['found']} "
          f"({totals['found'] / n:.1%}), name+city+phone right {totals['right']} ({totals['right'] / n:.1%}), "
          f"routes right {totals['routes_right']} ({totals['routes_right'] / n:.1%})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
