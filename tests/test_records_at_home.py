"""A record says "at home" when any of its listings offers an at-home programme, route named or not."""

from __future__ import annotations

from kapdir.records import assemble


def listing(lid: str, routes: list[dict], at_home: bool) -> dict:
    return {"id": lid, "source": "s", "url": f"https://example.org/{lid}", "first_seen": "2026-11-01T00:00:00Z",
            "last_seen": "2026-11-30T00:00:00Z",
            "data": {"name": "Ada Lind", "kind": "clinic", "city": "Denver", "region": "CO", "routes": routes,
                     "offers_at_home": at_home, "certifications": [], "credentials": []}}


def test_an_at_home_programme_without_a_route_marks_the_record():
    rec = assemble("r1", [listing("a", [], True)], None)
    assert rec["offers_at_home"] is True and rec["routes"] == []


def test_an_in_clinic_listing_does_not():
    iv = [{"route": "iv", "setting": "in_clinic", "evidence": "We give IV ketamine in our suite."}]
    rec = assemble("r1", [listing("a", iv, False)], None)
    assert rec["offers_at_home"] is False


def test_an_at_home_route_still_marks_it():
    oral = [{"route": "oral", "setting": "at_home", "evidence": "Lozenges shipped to your door."}]
    assert assemble("r1", [listing("a", oral, False)], None)["offers_at_home"] is True
