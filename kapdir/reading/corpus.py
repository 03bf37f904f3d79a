"""The real-page corpus (``tests/fixtures/real``): loading and checking its lines.

Why a checker: the corpus is written by several people, and a label that breaks the
contract's vocabulary or its own consistency rules (a route without ``ketamine``, an
``at_home`` route without ``offers_at_home``) would be scored as a reader error.
``python -m kapdir.reading.corpus check FILE...`` names each bad line and field.
"""

from __future__ import annotations

import json
import sys
from collections import Counter
from pathlib import Path

from ..vocabulary import ROUTES, SETTINGS

REAL_DIR = Path(__file__).resolve().parents[2] / "tests" / "fixtures" / "real"
KINDS = ("clinic", "kap-therapist", "telehealth", "spravato-centre", "directory-profile",
         "blog-faq", "article", "non-ketamine", "training")
FIELDS = {"id", "url", "kind", "text", "ketamine", "routes", "offers_at_home", "programs", "credentials"}
OPTIONAL = {"why"}


def load(path: str | Path) -> list[dict]:
    with open(path, encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def problems(row: dict, programmes: set[str], credentials: set[str]) -> list[str]:
    """Every way one line breaks the corpus rules (empty when it is well formed)."""
    out = []
    keys = set(row)
    if missing := FIELDS - keys:
        out.append(f"missing {sorted(missing)}")
    if extra := keys - FIELDS - OPTIONAL:
        out.append(f"unknown keys {sorted(extra)}")
    if out:
        return out
    if row["kind"] not in KINDS:
        out.append(f"kind {row['kind']!r} not in {KINDS}")
    if not isinstance(row["text"], str) or len(row["text"].strip()) < 80:
        out.append("text missing or shorter than 80 characters")
    if not str(row["url"]).startswith(("http://", "https://")):
        out.append("url is not an http(s) address")
    for key in ("ketamine", "offers_at_home"):
        if not isinstance(row[key], bool):
            out.append(f"{key} must be true/false")
    pairs = row["routes"]
    if not isinstance(pairs, list) or not all(isinstance(p, list) and len(p) == 2 for p in pairs):
        out.append("routes must be a list of [route, setting]")
        pairs = []
    for r, s in pairs:
        if r not in ROUTES or s not in SETTINGS:
            out.append(f"route pair {[r, s]} not in the vocabulary")
    if len({tuple(p) for p in pairs}) != len(pairs):
        out.append("duplicate route pair")
    if pairs and not row["ketamine"]:
        out.append("routes given but ketamine is false")
    if any(s == "at_home" for _, s in pairs) and not row["offers_at_home"]:
        out.append("an at_home route but offers_at_home is false")
    if row["offers_at_home"] and not row["ketamine"]:
        out.append("offers_at_home but ketamine is false")
    for r, s in pairs:
        if r == "intranasal" and s == "at_home" and "spravato" in row["text"].lower() and \
                "nasal spray" not in row["text"].lower():
            out.append("Spravato is always in_clinic")
    for p in row["programs"]:
        if p not in programmes:
            out.append(f"programme {p!r} not in the registry")
    for c in row["credentials"]:
        if c not in credentials:
            out.append(f"credential {c!r} is not a canonical spelling")
    return out


def check(paths: list[Path]) -> int:
    from .credentials import CANONICAL
    from .programmes import load_programmes

    progs, creds = set(load_programmes()), set(CANONICAL)
    seen: dict[str, str] = {}
    bad = 0
    kinds: Counter = Counter()
    urls: set[str] = set()
    n = 0
    for path in paths:
        for i, row in enumerate(load(path), 1):
            n += 1
            errs = problems(row, progs, creds)
            rid = row.get("id", f"line {i}")
            if rid in seen:
                errs.append(f"id also in {seen[rid]}")
            seen[rid] = str(path)
            for e in errs:
                print(f"{path}:{i}: {rid}: {e}")
            bad += bool(errs)
            kinds[row.get("kind")] += 1
            urls.add(row.get("url"))
    print(f"{n} lines, {len(urls)} pages, {bad} with problems; kinds: {dict(sorted(kinds.items()))}")
    return 1 if bad else 0


def url_key(url: str) -> str:
    """One key per page whatever the scheme, ``www.``, trailing slash or query order."""
    from urllib.parse import urlsplit

    p = urlsplit(url.strip().lower())
    host = p.netloc.removeprefix("www.")
    return f"{host}{p.path.rstrip('/')}" + (f"?{'&'.join(sorted(p.query.split('&')))}" if p.query else "")


def merge(parts_dir: Path = REAL_DIR / "parts", out_dir: Path = REAL_DIR) -> dict[str, int]:
    """Join the labellers' part files into ``dev.jsonl`` and ``blind.jsonl``.

    A page belongs to one split only: a development line whose page is also in the blind
    split is dropped (the blind split was set aside first), except for pages the developer had
    already read (``seen-dev-pages.txt``), which leave the blind split instead; no page gives more
    than two lines. Prints counts only, so merging never shows a blind text.
    """
    def rows(pattern: str) -> list[dict]:
        return [r for f in sorted(parts_dir.glob(pattern)) for r in load(f)]

    if not list(parts_dir.glob("blind-*.jsonl")) or not list(parts_dir.glob("dev-*.jsonl")):
        raise SystemExit(f"{parts_dir}: no labellers' part files (blind-*.jsonl, dev-*.jsonl); nothing merged")
    counts: dict[str, int] = {}
    # Pages the developer read while the blind split was still being written: they cannot be blind.
    seen_file = out_dir / "seen-dev-pages.txt"
    seen = {line.strip() for line in seen_file.read_text().splitlines() if line.strip()} if seen_file.exists() else set()
    blind = [r for r in rows("blind-*.jsonl") if url_key(r["url"]) not in seen]
    blind_urls = {url_key(r["url"]) for r in blind}
    for name, lines in (("blind", blind), ("dev", rows("dev-*.jsonl"))):
        per_page: Counter = Counter()
        kept = []
        for r in lines:
            key = url_key(r["url"])
            if (name == "dev" and key in blind_urls) or per_page[key] >= 2:
                counts[f"{name}_dropped"] = counts.get(f"{name}_dropped", 0) + 1
                continue
            per_page[key] += 1
            kept.append(r)
        with open(out_dir / f"{name}.jsonl", "w", encoding="utf-8") as fh:
            for r in kept:
                fh.write(json.dumps(r, ensure_ascii=False) + "\n")
        counts[name] = len(kept)
        counts[f"{name}_pages"] = len(per_page)
    return counts


def taken(urls: list[str], parts_dir: Path = REAL_DIR / "parts") -> list[str]:
    """Which of ``urls`` some labeller already used (so a new excerpt would not be a new page)."""
    used = {url_key(r["url"]) for f in parts_dir.glob("*.jsonl") for r in load(f)}
    return [u for u in urls if url_key(u) in used]


def agreement(a_rows: list[dict], b_rows: list[dict]) -> dict[str, float]:
    """How far two labellers agree on the same excerpts (the ceiling any reader can be measured to)."""
    b_by_id = {r["id"]: r for r in b_rows}
    pairs = [(r, b_by_id[r["id"]]) for r in a_rows if r["id"] in b_by_id]

    def micro(key) -> float:
        tp = fp = fn = 0
        for a, b in pairs:
            ga, gb = key(a), key(b)
            tp += len(ga & gb)
            fp += len(gb - ga)
            fn += len(ga - gb)
        return 2 * tp / (2 * tp + fp + fn) if tp + fp + fn else 1.0

    n = len(pairs) or 1
    return {
        "excerpts": len(pairs),
        "route_setting_f1": micro(lambda r: {tuple(x) for x in r["routes"]}),
        "programmes_f1": micro(lambda r: set(r["programs"])),
        "ketamine_agreement": sum(a["ketamine"] == b["ketamine"] for a, b in pairs) / n,
        "at_home_agreement": sum(a["offers_at_home"] == b["offers_at_home"] for a, b in pairs) / n,
        "at_home_f1": micro(lambda r: {1} if r["offers_at_home"] else set()),
        "ketamine_f1": micro(lambda r: {1} if r["ketamine"] else set()),
    }


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if len(args) == 3 and args[0] == "agree":
        print(json.dumps({k: round(v, 3) for k, v in agreement(load(args[1]), load(args[2])).items()}))
        return 0
    if args and args[0] == "taken":
        for u in taken(args[1:]):
            print(f"taken: {u}")
        return 0
    if args == ["merge"]:
        print(merge())
        return 0
    if len(args) < 2 or args[0] != "check":
        print("usage: python -m kapdir.reading.corpus check FILE... | merge", file=sys.stderr)
        return 2
    return check([Path(a) for a in args[1:]])


if __name__ == "__main__":
    raise SystemExit(main())
