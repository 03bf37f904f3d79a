"""The reader measured on real public pages (tests/fixtures/real, see LABELLING.md there).

The development split is what the rules were tuned on and what the learned layer is trained on; the
blind split was written by people who never saw the reader and was never used for tuning, so its
figures are the honest estimate.  This module only checks floors on the blind split and never prints
its texts.

The current blind split is the twelfth one (ids rb-zp…, rb-zq…, rb-zr…, rb-zs…, rb-zt…), from the last untaken
stored pages (cost and consent pages, conditions, clinicians' bios, Spravato centres, telehealth news), at most four
lines from any one site.  The first eleven (rb-a… to rb-zo…) were each measured twice, before and after one round of
work, and then, spent, joined the development split.
"""
from __future__ import annotations

from pathlib import Path

import pytest

from kapdir.reading import read_both
from kapdir.reading.corpus import FIELDS, KINDS, load, problems, url_key
from kapdir.reading.credentials import CANONICAL
from kapdir.reading.evaluate import evaluate, format_report, headline
from kapdir.reading.programmes import load_programmes
from kapdir.reading.stack import Stack

REAL = Path(__file__).parent / "fixtures" / "real"
# Issue 13's floor for the blind figures (not reached yet; see the strict xfail below).
BLIND_FLOOR = 0.85
# The twelfth blind split's figures, measured once with the reader as it stood when the split was set
# aside (3c8e5bb) and once at the end of the round (kapdir/reading/README.md); a regression of more than
# 0.03 on any of them fails the build.  Its 4 at-home providers and 3 programme claims move those figures
# in steps of 0.25-0.33, so they are not watched here.
# At the start: route x setting 0.763, ketamine P/R 0.830/0.777; at the end: 0.763, 0.822/0.787.
BLIND_MEASURED = {"route_setting_f1": 0.763, "ketamine_p": 0.822, "ketamine_r": 0.787}
# Development split (2,419 excerpts, the first eleven blind splits included): the rules layer's own
# figures there, minus a small margin, so a rule change that loses ground on real pages is caught before
# anyone measures blind.  (The learned layer is trained on this split; its cross-validated figures are
# watched in test_reading_stack.py.)  Re-pinned when the eleventh split joined: it is harder (rules alone
# 0.755 -> 0.750 route x setting, at home P 0.687 -> 0.669, ketamine P 0.834 -> 0.826).
DEV_FLOORS = {"route_setting_f1": 0.74, "at_home_p": 0.65, "at_home_r": 0.58, "training_p": 0.80,
              "ketamine_p": 0.81, "ketamine_r": 0.81}


@pytest.fixture(scope="module")
def dev():
    return load(REAL / "dev.jsonl")


@pytest.fixture(scope="module")
def blind():
    return load(REAL / "blind.jsonl")


def test_corpus_size_and_provenance(dev, blind):
    rows = dev + blind
    assert len(rows) >= 400
    assert len({url_key(r["url"]) for r in rows}) >= 250
    assert len(blind) >= 150
    assert {r["kind"] for r in rows} >= set(KINDS) - {"directory-profile"}
    ids = [r["id"] for r in rows]
    assert len(ids) == len(set(ids))


def test_the_blind_split_is_the_twelfth_one_and_the_first_eleven_are_development(dev, blind):
    twelfth = {"rb-zp", "rb-zq", "rb-zr", "rb-zs", "rb-zt"}
    assert {r["id"][:5] for r in blind} == twelfth
    assert {"rb-a", "rb-b", "rb-c", "rb-d", "rb-e", "rb-f", "rb-g", "rb-h", "rb-i", "rb-j", "rb-k", "rb-l",
            "rb-m", "rb-n", "rb-o", "rb-p", "rb-q", "rb-r", "rb-s", "rb-t", "rb-u", "rb-v", "rb-w", "rb-x",
            "rb-y"} <= {r["id"][:4] for r in dev}
    assert {"rb-z0", "rb-zb", "rb-zc", "rb-zd", "rb-ze", "rb-zf", "rb-zg", "rb-zh", "rb-zi", "rb-zj", "rb-zk",
            "rb-zl", "rb-zm", "rb-zn", "rb-zo"} <= {r["id"][:5] for r in dev}
    assert not any(r["id"][:5] in twelfth for r in dev)
    assert len(blind) >= 150 and len({url_key(r["url"]) for r in blind}) >= 150


def test_a_page_is_in_one_split_only(dev, blind):
    assert not {url_key(r["url"]) for r in dev} & {url_key(r["url"]) for r in blind}
    seen = {line.strip() for line in (REAL / "seen-dev-pages.txt").read_text().splitlines() if line.strip()}
    assert not seen & {url_key(r["url"]) for r in blind}


def test_every_line_is_well_formed(dev, blind):
    progs, creds = set(load_programmes()), set(CANONICAL)
    bad = {r.get("id"): problems(r, progs, creds) for r in dev + blind}
    assert not {k: v for k, v in bad.items() if v}
    assert all(set(r) >= FIELDS for r in dev + blind)


def test_development_split_holds_its_ground(dev, real_dev_traced):
    # The rules read each page once; the whole reader (rules and learned layer) is scored from the same
    # reading, as `read_both` does, and every positive it gives must quote its page.
    stack = Stack.load()
    both = {text: (rules, stack.verdict(trace, rules)) for text, (trace, rules) in real_dev_traced.items()}
    sample = dev[::97]
    assert all(read_both(r["text"], url=r["url"]) == both[r["text"]] for r in sample)  # the same as reading afresh
    assert not evaluate(dev, "real:dev", reader=lambda t: both[t][1]).bad_evidence
    rep = evaluate(dev, "real:dev rules", reader=lambda t: both[t][0])
    print()
    print(format_report(rep))
    figures = headline(rep)
    low = {k: round(figures[k], 3) for k, floor in DEV_FLOORS.items() if figures[k] < floor}
    assert not low, low
    assert not rep.bad_evidence, rep.bad_evidence[:3]


def _blind_figures(blind) -> dict[str, float]:
    rep = evaluate(blind, "real:blind")
    assert not rep.bad_evidence
    figures = headline(rep)
    print({k: round(v, 3) for k, v in figures.items()})  # figures only: never the blind texts
    return figures


def test_blind_split_does_not_fall_back(blind):
    """The blind figures measured at the end of issue 13's work, less 0.03: a change that loses ground
    on pages nobody tuned on fails the build."""
    figures = _blind_figures(blind)
    low = {k: round(figures[k], 3) for k, floor in BLIND_MEASURED.items() if figures[k] < floor - 0.03}
    assert not low, low


@pytest.mark.xfail(strict=True, reason="issue 13's floor is not reached yet: twelfth blind split route x setting "
                   "F1 0.763, at-home P/R 0.500/0.250, training P 1.000 (1 of 3 claims), ketamine P/R 0.822/0.787 "
                   "(2026-12-01)")
def test_blind_split_stays_above_the_issue_floor(blind):
    """Issue 13: the build fails if the blind figures drop below 0.85.  Not reached yet, so this is a
    strict expected failure: the day the reader clears it, the test passes unexpectedly and the build
    fails until the marker is removed and the floor becomes binding."""
    figures = _blind_figures(blind)
    watched = ("route_setting_f1", "at_home_p", "at_home_r", "training_p", "ketamine_p", "ketamine_r")
    low = {k: round(figures[k], 3) for k in watched if figures[k] < BLIND_FLOOR}
    assert not low, low


def _line(rid: str, url: str) -> dict:
    return {"id": rid, "url": url, "kind": "clinic", "text": "We offer IV ketamine in our infusion suite. " * 3,
            "ketamine": True, "routes": [["iv", "in_clinic"]], "offers_at_home": False, "programs": [],
            "credentials": []}


def test_merge_keeps_each_page_in_one_split(tmp_path):
    import json

    from kapdir.reading.corpus import merge

    parts = tmp_path / "parts"
    parts.mkdir()

    def write(name, rows):
        (parts / name).write_text("".join(json.dumps(r) + "\n" for r in rows))

    write("blind-a.jsonl", [_line("rb-a001", "https://a.example/x"), _line("rb-a002", "https://seen.example/"),
                            _line("rb-a003", "https://b.example/y"), _line("rb-a004", "https://b.example/y/"),
                            _line("rb-a005", "http://www.b.example/y")])
    write("dev-a.jsonl", [_line("rd-a001", "https://www.a.example/x/"), _line("rd-a002", "https://seen.example"),
                          _line("rd-a003", "https://c.example/z")])
    (tmp_path / "seen-dev-pages.txt").write_text("seen.example\n")
    counts = merge(parts, tmp_path)
    blind = [r["id"] for r in load(tmp_path / "blind.jsonl")]
    dev = [r["id"] for r in load(tmp_path / "dev.jsonl")]
    assert blind == ["rb-a001", "rb-a003", "rb-a004"]       # seen page out; third line of one page dropped
    assert dev == ["rd-a002", "rd-a003"]                      # a blind page is never a dev page
    assert counts["blind_pages"] == 2 and counts["dev_pages"] == 2
