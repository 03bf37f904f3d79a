"""Score the reader against labelled JSONL files.

Usage::

    python -m kapdir.reading.evaluate [-v] [FILE...]          # our own texts (tests/fixtures/eval)
    python -m kapdir.reading.evaluate --corpus real [-v]       # real pages, development split
    python -m kapdir.reading.evaluate --corpus real --split blind   # figures only, never texts

Each label is scored per document: a route x setting pair, the ketamine flag, the at-home
flag, each programme id and each credential.  The blind split of the real corpus prints
figures only: its texts and misses must never be read by whoever develops the reader,
or it stops being blind.
"""

from __future__ import annotations

import argparse
import json
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from . import classify
from .corpus import REAL_DIR
from .text import normalise_ws

EVAL_DIR = Path(__file__).resolve().parents[2] / "tests" / "fixtures" / "eval"
DEFAULT_FILES = [EVAL_DIR / "dev.jsonl", EVAL_DIR / "heldout.jsonl"]
REAL_SPLITS = {"dev": REAL_DIR / "dev.jsonl", "blind": REAL_DIR / "blind.jsonl"}


@dataclass
class Counts:
    tp: int = 0
    fp: int = 0
    fn: int = 0

    @property
    def support(self) -> int:
        return self.tp + self.fn

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0


@dataclass
class Report:
    name: str
    n: int = 0
    labels: dict[str, Counts] = field(default_factory=lambda: defaultdict(Counts))
    route_micro: Counts = field(default_factory=Counts)
    prog_micro: Counts = field(default_factory=Counts)
    home_correct: int = 0
    # kind -> [exactly right, total]; "exactly right" = ketamine, route pairs, at-home and programmes
    kinds: dict[str, list[int]] = field(default_factory=lambda: defaultdict(lambda: [0, 0]))
    bad_evidence: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    misses: list[tuple[dict, dict]] = field(default_factory=list)

    @property
    def home_accuracy(self) -> float:
        return self.home_correct / self.n if self.n else 1.0

    @property
    def exact(self) -> float:
        right = sum(r for r, _ in self.kinds.values())
        return right / self.n if self.n else 1.0


def load(path: str | Path) -> list[dict]:
    with open(path, encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def _score(counts: Counts, gold: set, pred: set) -> None:
    counts.tp += len(gold & pred)
    counts.fp += len(pred - gold)
    counts.fn += len(gold - pred)


def evaluate(rows: list[dict], name: str = "", reader=None) -> Report:
    """``reader`` reads a text; by default the whole reader, given each line's page address as the crawler
    gives it the page's."""
    rep = Report(name)
    for row in rows:
        rep.n += 1
        v = reader(row["text"]) if reader is not None else classify(row["text"], url=row.get("url", ""))
        norm = normalise_ws(row["text"])
        for item in v["routes"] + v["certifications"]:
            ev = normalise_ws(item.get("evidence") or "")
            if not ev or ev not in norm:
                rep.bad_evidence.append(f"{row['id']}: {item}")

        gold_routes = {f"{r}/{s}" for r, s in row["routes"]}
        pred_routes = {f"{r['route']}/{r['setting']}" for r in v["routes"]}
        _score(rep.route_micro, gold_routes, pred_routes)
        for lab in gold_routes | pred_routes:
            _score(rep.labels[lab], {lab} & gold_routes, {lab} & pred_routes)

        gold_p = set(row["programs"])
        pred_p = {c["program"] for c in v["certifications"]}
        _score(rep.prog_micro, gold_p, pred_p)
        for lab in gold_p | pred_p:
            _score(rep.labels[f"program:{lab}"], {lab} & gold_p, {lab} & pred_p)

        for lab, g, p in (("ketamine", row["ketamine"], v["ketamine"]),
                          ("offers_at_home", row["offers_at_home"], v["offers_at_home"])):
            _score(rep.labels[lab], {1} if g else set(), {1} if p else set())
        rep.home_correct += row["offers_at_home"] == v["offers_at_home"]

        gold_c, pred_c = set(row["credentials"]), set(v["credentials"])
        _score(rep.labels["credentials"], gold_c, pred_c)
        for lab in gold_c | pred_c:
            _score(rep.labels[f"cred:{lab}"], {lab} & gold_c, {lab} & pred_c)

        right = (gold_routes == pred_routes and gold_p == pred_p and row["ketamine"] == v["ketamine"]
                 and row["offers_at_home"] == v["offers_at_home"])
        k = rep.kinds[row.get("kind", "-")]
        k[0] += right
        k[1] += 1
        if not right or gold_c != pred_c:
            rep.misses.append((row, v))
            rep.errors.append(
                f"{row['id']}: ket {row['ketamine']}->{v['ketamine']} home {row['offers_at_home']}->"
                f"{v['offers_at_home']} routes {sorted(gold_routes)}->{sorted(pred_routes)} "
                f"progs {sorted(gold_p)}->{sorted(pred_p)} creds {sorted(gold_c)}->{sorted(pred_c)}"
            )
    return rep


def format_report(rep: Report, min_support: int = 0) -> str:
    lines = [f"== {rep.name} ({rep.n} texts)", f"{'label':28} {'supp':>4} {'P':>6} {'R':>6} {'F1':>6}"]
    order = sorted(rep.labels, key=lambda k: (k.startswith("cred:"), k.startswith("program:"), k))
    for lab in order:
        c = rep.labels[lab]
        if c.support < min_support and lab not in ("ketamine", "offers_at_home", "credentials"):
            continue
        lines.append(f"{lab:28} {c.support:4d} {c.precision:6.3f} {c.recall:6.3f} {c.f1:6.3f}")
    for lab, c in (("route x setting (micro)", rep.route_micro), ("programmes (micro)", rep.prog_micro)):
        lines.append(f"{lab:28} {c.support:4d} {c.precision:6.3f} {c.recall:6.3f} {c.f1:6.3f}")
    lines.append(f"{'offers_at_home accuracy':28} {rep.n:4d} {rep.home_accuracy:6.3f}")
    if len(rep.kinds) > 1 or "-" not in rep.kinds:
        lines.append("exact match per kind (ketamine, route x setting, at-home, programmes all right):")
        for kind, (right, total) in sorted(rep.kinds.items()):
            lines.append(f"  {kind:26} {right:4d}/{total:<4d} {right / total:6.3f}")
        lines.append(f"  {'all':26} {sum(r for r, _ in rep.kinds.values()):4d}/{rep.n:<4d} {rep.exact:6.3f}")
    if rep.bad_evidence:
        lines.append(f"evidence problems: {len(rep.bad_evidence)}")
    return "\n".join(lines)


def headline(rep: Report) -> dict[str, float]:
    """The figures the README and the build floor are about."""
    home, ket = rep.labels["offers_at_home"], rep.labels["ketamine"]
    return {
        "route_setting_p": rep.route_micro.precision, "route_setting_r": rep.route_micro.recall,
        "route_setting_f1": rep.route_micro.f1,
        "at_home_p": home.precision, "at_home_r": home.recall,
        "training_p": rep.prog_micro.precision, "training_r": rep.prog_micro.recall,
        "ketamine_p": ket.precision, "ketamine_r": ket.recall,
        "exact": rep.exact,
    }


def format_miss(row: dict, verdict: dict) -> str:
    got = {
        "ketamine": verdict["ketamine"], "offers_at_home": verdict["offers_at_home"],
        "routes": [[r["route"], r["setting"], r["evidence"][:120]] for r in verdict["routes"]],
        "programs": [[c["program"], c["evidence"][:120]] for c in verdict["certifications"]],
    }
    want = {k: row[k] for k in ("ketamine", "offers_at_home", "routes", "programs")}
    return (f"--- {row['id']} [{row.get('kind', '-')}] {row.get('url', '')}\n"
            f"want {json.dumps(want)}\n got {json.dumps(got)}\n{row['text']}\n")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m kapdir.reading.evaluate")
    ap.add_argument("files", nargs="*", type=Path)
    ap.add_argument("--corpus", choices=("own", "real"), default="own")
    ap.add_argument("--split", choices=tuple(REAL_SPLITS), default="dev")
    ap.add_argument("-v", "--verbose", action="store_true", help="print every miss with its text")
    ap.add_argument("--json", action="store_true", help="headline figures as JSON")
    args = ap.parse_args(argv)
    if args.corpus == "real":
        files = [REAL_SPLITS[args.split]]
        blind = args.split == "blind"
    else:
        files, blind = args.files or DEFAULT_FILES, False
    for f in files:
        rep = evaluate(load(f), f"{args.corpus}:{f.stem}")
        if args.json:
            print(json.dumps({"split": rep.name, "n": rep.n, **headline(rep)}))
            continue
        print(format_report(rep, min_support=0 if args.verbose else 1))
        if blind:
            print("(blind split: figures only; its texts and misses are not printed)")
        elif args.verbose:
            # misses and errors are appended together: the n-th error line describes the n-th miss
            for (row, verdict), line in zip(rep.misses, rep.errors, strict=True):
                print(format_miss(row, verdict) if args.corpus == "real" else line)
            for e in rep.bad_evidence:
                print("  ", e)
        print()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
