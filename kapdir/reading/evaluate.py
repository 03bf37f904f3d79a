"""Score the reader against labelled JSONL files.

Usage: ``python -m kapdir.reading.evaluate [FILE...]`` (defaults to the bundled dev and
held-out sets).  Each label is scored per document: a route x setting pair, the
ketamine flag, the at-home flag, each programme id and each credential.
"""

from __future__ import annotations

import json
import sys
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from . import classify
from .text import normalise_ws

EVAL_DIR = Path(__file__).resolve().parents[2] / "tests" / "fixtures" / "eval"
DEFAULT_FILES = [EVAL_DIR / "dev.jsonl", EVAL_DIR / "heldout.jsonl"]


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
    bad_evidence: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    @property
    def home_accuracy(self) -> float:
        return self.home_correct / self.n if self.n else 1.0


def load(path: str | Path) -> list[dict]:
    with open(path, encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def _score(counts: Counts, gold: set, pred: set) -> None:
    counts.tp += len(gold & pred)
    counts.fp += len(pred - gold)
    counts.fn += len(gold - pred)


def evaluate(rows: list[dict], name: str = "") -> Report:
    rep = Report(name)
    for row in rows:
        rep.n += 1
        v = classify(row["text"])
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

        if (gold_routes != pred_routes or gold_p != pred_p or gold_c != pred_c
                or row["ketamine"] != v["ketamine"]):
            rep.errors.append(
                f"{row['id']}: ket {row['ketamine']}->{v['ketamine']} routes {sorted(gold_routes)}->"
                f"{sorted(pred_routes)} progs {sorted(gold_p)}->{sorted(pred_p)} "
                f"creds {sorted(gold_c)}->{sorted(pred_c)}"
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
    if rep.bad_evidence:
        lines.append(f"evidence problems: {len(rep.bad_evidence)}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    verbose = "-v" in args
    files = [Path(a) for a in args if a != "-v"] or DEFAULT_FILES
    for f in files:
        rep = evaluate(load(f), f.stem)
        print(format_report(rep, min_support=0 if verbose else 1))
        if verbose:
            for e in rep.errors + rep.bad_evidence:
                print("  ", e)
        print()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
