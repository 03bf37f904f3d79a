"""Labelled evaluation of kapdir.reading on the dev and held-out sets.

Run with ``pytest -s tests/test_reading_eval.py`` to see the figures.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from kapdir.reading.evaluate import evaluate, format_report, load

EVAL_DIR = Path(__file__).parent / "fixtures" / "eval"
SPLITS = ["dev", "heldout"]
MIN_SUPPORT = 5
FLOOR = 0.9


@pytest.fixture(scope="module", params=SPLITS)
def report(request):
    rows = load(EVAL_DIR / f"{request.param}.jsonl")
    rep = evaluate(rows, request.param)
    print()
    print(format_report(rep))
    for err in rep.errors:
        print("  miss:", err)
    return rep


def test_sets_are_large_and_well_formed():
    dev = load(EVAL_DIR / "dev.jsonl")
    held = load(EVAL_DIR / "heldout.jsonl")
    assert len(dev) + len(held) >= 180
    ids = [r["id"] for r in dev + held]
    assert len(ids) == len(set(ids))
    for r in dev + held:
        assert set(r) >= {"id", "text", "ketamine", "routes", "offers_at_home", "programs", "credentials"}
        # At home with a route implies offers_at_home; an at-home programme may name no route.
        assert r["offers_at_home"] or not any(s == "at_home" for _, s in r["routes"])
        assert not r["routes"] or r["ketamine"]


def test_per_label_precision_recall(report):
    weak = []
    for lab, c in report.labels.items():
        if c.support >= MIN_SUPPORT and (c.precision < FLOOR or c.recall < FLOOR):
            weak.append(f"{lab}: P={c.precision:.3f} R={c.recall:.3f} (n={c.support})")
    assert not weak, weak


def test_micro_f1(report):
    assert report.route_micro.f1 >= FLOOR
    assert report.prog_micro.f1 >= FLOOR


def test_at_home_accuracy(report):
    assert report.home_accuracy >= FLOOR


def test_every_positive_has_evidence_from_the_text(report):
    assert not report.bad_evidence, report.bad_evidence
