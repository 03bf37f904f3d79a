"""Tests for kapdir.phones using the real phonenumbers metadata."""

from __future__ import annotations

import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kapdir.phones import normalise_phone


@pytest.mark.parametrize(
    ("raw", "want"),
    [
        ("(310) 555-0142", "+13105550142"),
        ("tel:+1-310-555-0142", "+13105550142"),
        ("tel:3105550142", "+13105550142"),
        ("310.555.0142 ext 3", "+13105550142"),
        ("310-555-0142 x12", "+13105550142"),
        ("+1 310 555 0142;ext=5", "+13105550142"),
        ("1-310-555-0142", "+13105550142"),
        ("+1 (310) 555-0142", "+13105550142"),
        ("3105550142", "+13105550142"),
        ("  (310)555-0142  ", "+13105550142"),
        ("Phone: 310-555-0142", "+13105550142"),
        ("call 310-555-0142 or 310-555-0143", "+13105550142"),
        ("1-800-FLOWERS", "+18003569377"),
        ("+44 20 7946 0958", "+442079460958"),
        ("３１０-５５５-０１４２", "+13105550142"),
    ],
)
def test_normalise_phone(raw: str, want: str) -> None:
    assert normalise_phone(raw) == want


def test_region_changes_national_numbers() -> None:
    assert normalise_phone("020 7946 0958", region="GB") == "+442079460958"
    assert normalise_phone("020 7946 0958", region="gb") == "+442079460958"
    # Unknown region falls back to the directory's home country.
    assert normalise_phone("310 555 0142", region="ZZ") == "+13105550142"
    assert normalise_phone("310 555 0142", region=None) == "+13105550142"  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "raw",
    [
        "", "   ", "555-0142",  # local-only: no area code
        "12345", "call for info", "(010) 555-0142", "(310) 055-0142",  # NANP area/exchange can't start 0/1
        "020 7946 0958",  # a UK national number read as US
        "+999 123", "tel:", "\x00\x01", "+", "1" * 40,
    ],
)
def test_normalise_phone_rejects(raw: str) -> None:
    assert normalise_phone(raw) is None


@pytest.mark.parametrize("bad", [None, 3105550142, b"3105550142", ["310"]])
def test_non_string_input(bad: object) -> None:
    assert normalise_phone(bad) is None  # type: ignore[arg-type]


def test_huge_input_is_capped() -> None:
    t = time.perf_counter()
    assert normalise_phone("(310) 555-0142" + " " * 1_000_000 + "9" * 1_000_000) == "+13105550142"
    assert normalise_phone("x" * 1_000_000) is None
    assert time.perf_counter() - t < 0.5


@settings(max_examples=300, deadline=None)
@given(st.text(st.characters(exclude_categories=()), max_size=200), st.text(max_size=5))
def test_fuzz_never_raises(raw: str, region: str) -> None:
    got = normalise_phone(raw, region)
    assert got is None or (got.startswith("+") and got[1:].isdigit())


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from(list("0123456789()-.+ x") + ["ext", "tel:", ";ext=", "+1"]), max_size=30).map("".join))
def test_fuzz_phone_shaped(raw: str) -> None:
    got = normalise_phone(raw)
    assert got is None or (got.startswith("+") and got[1:].isdigit())
