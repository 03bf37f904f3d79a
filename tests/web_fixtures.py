"""One real crawl of every bundled sample site per test run, shared by the web tests (tests/test_web_*.py).

The crawl is the real `kapdir crawl` subprocess against the sample sites served on loopback, so the web
tests query a real store and index. What they expect comes from the hand-written labels
(`crawler/samples/*/expected.json`, and `people.toml` for the service text behind `q`), merged into one
person per `name_key` the way the README's overlap table says, never from kapdir's own output.

The web tests only read the crawl, so one crawl serves them all: `web_data` and `web_client` are registered
once, in tests/conftest.py, and the crawl behind them runs once per run whichever xdist worker asks first
(`shared_dir`); each worker reads its own copy.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from kapdir.places import geocode, haversine_mi, resolve_place
from kapdir.records import name_key
from tests.conftest import SAMPLES, Sites, copy_data_dir, expected, kapdir, make_client, shared_dir

SAMPLE_SITES = sorted(p.name for p in SAMPLES.iterdir() if (p / "source.toml").exists())


@dataclass
class Person:
    """One practitioner as the labels describe them, merged across the sites that list them."""

    key: str
    name: str
    city: str
    region: str
    postal_code: str = ""
    routes: set[tuple[str, str]] = field(default_factory=set)
    programs: set[str] = field(default_factory=set)
    serves: set[str] = field(default_factory=set)  # states served by telehealth or at home (labels)
    practice: str = ""
    text: str = ""  # name, practice, service and training text as written in people.toml

    def point(self) -> tuple[float, float]:
        pt = geocode(self.city, self.region, self.postal_code)
        assert pt, f"labels of {self.name} do not geocode"
        return pt

    def miles_from(self, place: str) -> float:
        where = resolve_place(place)
        assert where, place
        return haversine_mi(where.lat, where.lon, *self.point())

    def has_route_setting(self, setting: str) -> bool:
        return any(s == setting for _r, s in self.routes)

    def has_route(self, route: str, setting: str = "") -> bool:
        return any(r == route and (not setting or s == setting) for r, s in self.routes)


def labelled_people() -> dict[str, Person]:
    people: dict[str, Person] = {}
    for site in SAMPLE_SITES:
        for p in expected(site)["practitioners"]:
            key = name_key(p["name"])
            person = people.setdefault(key, Person(key, p["name"], p["city"], p["region"]))
            assert (person.city, person.region) == (p["city"], p["region"]), f"labels disagree on {key}"
            person.postal_code = person.postal_code or p.get("postal_code") or ""
            person.routes |= {tuple(r) for r in p["routes"]}
            person.programs |= set(p["programs"])
            person.serves |= set(p.get("serves", []))
    data = tomllib.loads((SAMPLES / "people.toml").read_text())
    for row in data["practitioner"]:
        person = people.get(name_key(row["name"]))
        if person:
            person.practice = row.get("practice", "")
            person.text = " ".join(str(row.get(k) or "") for k in ("name", "practice", "service", "training"))
    return people


@dataclass
class WebData:
    data_dir: Path
    people: dict[str, Person]
    crawl_stdout: str

    def client(self):
        return make_client(self.data_dir)


def _crawl_every_sample_site(target: Path) -> None:
    """The sites stop once crawled: the web tests query the store and index, never the sites."""
    sites = Sites(target / "sources")
    sites.sources_dir.mkdir()
    try:
        for name in SAMPLE_SITES:
            sites.start(name)
        r = kapdir("crawl", *SAMPLE_SITES, data_dir=target / "data", sources=sites.sources_dir, timeout=300)
    finally:
        sites.stop()
    assert r.returncode == 0, r.stdout + r.stderr
    assert (target / "data" / "index").is_dir(), r.stdout
    (target / "crawl.stdout").write_text(r.stdout)


_web_data: WebData | None = None


def shared_web_data(tmp_path_factory) -> WebData:
    """This worker's copy of the run's one web crawl (copied so no two processes share one SQLite file)."""
    global _web_data
    if _web_data is None:
        crawl = shared_dir(tmp_path_factory, "web-crawl", _crawl_every_sample_site)
        data = copy_data_dir(crawl / "data", tmp_path_factory.mktemp("web-data") / "data")
        _web_data = WebData(data, labelled_people(), (crawl / "crawl.stdout").read_text())
    return _web_data
