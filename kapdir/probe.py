"""`kapdir sources add NAME URL`: look at a site the way a maintainer would, and write a first source file.

It reads robots.txt (and the sitemaps it names), the start page and a couple of candidate detail pages,
then guesses: structured data or not, which links are detail pages, how pagination works, or whether the
URL is a JSON locator API. Every guess is written as a comment beside the key so the maintainer can judge
it; the file starts disabled until they have run `kapdir sources check`.
"""

from __future__ import annotations

import json
import re
import urllib.error
import urllib.request
import urllib.robotparser
from collections import Counter
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import lxml.html

from crawler import cards, jsonblobs, plainpage, rosters, structured
from kapdir.config import USER_AGENT
from kapdir.errors import KapdirError
from kapdir.sources import NAME_RE, parse_source

MAX_BYTES = 3 * 1024 * 1024
_BY_HAND = "no structured data and no detail-page pattern: add [selectors] by hand"
# What the crawler reads on a start page without selectors (besides structured data and a detail pattern).
_SHAPES = ("roster", "script_locations", "data_file", "hcards", "cards", "team", "staff_table")
# "?page=2", "?paged=3", Webflow's "?9c4e21d7_page=2", "/page/2/".
_PAGINATION = re.compile(r"([?&](?:[\w-]*_)?(page|p|pg|paged|offset|start)=\d+)|(/page/\d+/?$)", re.I)


def fetch(url: str, timeout: float = 15) -> tuple[int, str, bytes]:
    req = urllib.request.Request(url, headers={"User-Agent": USER_AGENT, "Accept": "*/*"})
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:  # noqa: S310 - http(s) checked by caller
            return r.status, r.headers.get("Content-Type", ""), r.read(MAX_BYTES)
    except urllib.error.HTTPError as exc:
        return exc.code, exc.headers.get("Content-Type", "") if exc.headers else "", b""
    except (urllib.error.URLError, OSError, ValueError) as exc:
        reason = getattr(exc, "reason", exc)
        raise KapdirError(f"cannot reach {url}: {reason}") from None


def _literal(text: str) -> str:
    """A path as a regex matching itself, written readably ("/find-a-provider", not "/find\\-a\\-provider")."""
    return re.escape(text).replace("\\-", "-")


def _pattern(path: str) -> str:
    """/provider/elena-marsh/ -> /provider/[^/]+/$ ; /p/x.html -> /p/[^/]+\\.html$ ;
    /us/therapists/jane-doe-denver-co/310457 -> /us/therapists/[^/]+/\\d+$ (a slug, then a numeric id)."""
    m = re.match(r"^(.*/)([^/]+)/(\d+)(/?)$", path)
    if m:
        head, _slug, _id, slash = m.groups()
        return f"{_literal(head)}[^/]+/\\d+{slash or ''}$"
    m = re.match(r"^(.*/)([^/]+)(/?)$", path)
    if not m:
        return ""
    head, last, slash = m.groups()
    ext = re.search(r"(\.[a-z]{2,5})$", last)
    tail = (re.escape(ext.group(1)) if ext else "") + (slash or "")
    return f"{_literal(head)}[^/]+{tail}$"


def _common_pattern(paths: list[str]) -> tuple[str, int]:
    """The most specific pattern covering most of these paths: the last segment as a wildcard, then the
    last two, three, four (a prefix of at least one fixed segment always stays)."""
    for k in range(1, 5):
        counts: Counter[str] = Counter()
        for path in paths:
            segs = path.rstrip("/").split("/")
            if len(segs) - k < 2:
                continue
            if k == 1:
                pat = _pattern(path)
            else:
                head = "/".join(segs[:-k]) + "/"
                pat = _literal(head) + "/".join(["[^/]+"] * k) + \
                    ("/" if path.endswith("/") else "") + "$"
            counts[pat] += 1
        if counts:
            pat, c = counts.most_common(1)[0]
            if c >= max(2, 0.6 * len(paths)):
                return pat, c
    return "", 0


def _is_pagination(u: str, start_path: str) -> bool:
    """"?page=2", "/page/2/", or the start page's own path plus a number ("/find-a-provider/2/"); a
    profile whose path ends in an id ("/therapists/jane-doe/310457") is not."""
    p = urlsplit(u)
    if _PAGINATION.search(p.path + ("?" + p.query if p.query else "")):
        return True
    return bool(re.fullmatch(re.escape(start_path.rstrip("/")) + r"/\d+/?", p.path))


def sitemap_urls(urls: list[str], limit: int = 5000) -> list[str]:
    """Page URLs listed by these sitemaps (one level of sitemap index followed)."""
    from scrapy.utils.sitemap import Sitemap

    out, queue, seen = [], list(urls), set()
    while queue and len(seen) < 20 and len(out) < limit:
        url = queue.pop(0)
        if url in seen:
            continue
        seen.add(url)
        try:
            status, _ct, body = fetch(url)
            sm = Sitemap(body) if status == 200 and body else None
        except (KapdirError, Exception):  # noqa: BLE001 - a broken sitemap is just not used
            continue
        for entry in sm or []:
            loc = urljoin(url, (entry.get("loc") or "").strip())
            (queue if sm.type == "sitemapindex" else out).append(loc)
    return out


def toml_str(s: str) -> str:
    """A TOML literal string (no escapes, so regexes stay readable) when possible."""
    return f"'{s}'" if "'" not in s and "\n" not in s else json.dumps(s)


def probe_api(data) -> dict | None:
    """A JSON locator API: its item list, next-page key and fields (see crawler/jsonblobs.py)."""
    return jsonblobs.guess_items(data)


def probe(url: str) -> dict:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise KapdirError(f"{url!r} is not an http(s) URL")
    origin = f"{parts.scheme}://{parts.netloc}"
    found: dict = {"url": url, "notes": [], "sitemaps": []}
    status, _ctype, body = fetch(origin + "/robots.txt")
    rp = urllib.robotparser.RobotFileParser()
    rp.parse(body.decode("utf-8", "replace").splitlines() if status == 200 else [])
    if status == 200:
        found["sitemaps"] = [urljoin(origin + "/", line.split(":", 1)[1].strip())
                             for line in body.decode("utf-8", "replace").splitlines()
                             if line.lower().startswith("sitemap:")]
        found["notes"].append(f"robots.txt found; names {len(found['sitemaps'])} sitemap(s)")
    else:
        found["notes"].append(f"no robots.txt (HTTP {status})")
    if not rp.can_fetch("kapdir", url):
        raise KapdirError(f"robots.txt at {origin} does not allow kapdir to fetch {url}")
    status, ctype, body = fetch(url)
    if status != 200:
        raise KapdirError(f"{url} answered HTTP {status}")
    if "json" in ctype or body.lstrip()[:1] in (b"{", b"["):
        try:
            api = probe_api(json.loads(body))
        except ValueError:
            api = None
        if api:
            found["api"] = api
            found["notes"].append(f"JSON API: {api['count']} items at '{api['items'] or '(top level)'}'"
                                  + (f", next page at '{api['next']}'" if api["next"] else ", no next-page key"))
            return found
    root = lxml.html.fromstring(body)
    objects = _structured_page(found, url, root)
    # The site's own publisher (a Yoast Organization on every page) is no listing of the start page: a team
    # page or a practice's one-page site under it is still read for what it is.
    on_page = [e for e in structured.practitioners(objects) if not e.get("site_owner")]
    found["start_entities"] = len(on_page)
    links = [urljoin(url, h) for h in root.xpath("//a/@href")]
    # Detail links sit in the page's content, not in its menus, sidebars and footer.
    chrome = ("ancestor::nav or ancestor::header or ancestor::footer or ancestor::aside or ancestor::*[@role='navigation']"
              " or ancestor::*[@id='aside' or contains(@id, 'sidebar') or contains(concat(' ', @class, ' '), ' sidebar ')"
              " or contains(@class, 'widget-area')]")
    content_links = set(urljoin(url, h) for h in root.xpath(f"//a[not({chrome})]/@href"))
    # The links a listing's cards give as their titles, outside the menus.
    title_links = f"//*[self::h1 or self::h2 or self::h3 or self::h4 or self::h5][not({chrome})]//a/@href"
    heading_links = [urljoin(url, h) for h in root.xpath(title_links)]
    same = [u for u in links if urlsplit(u).netloc == parts.netloc and urlsplit(u).path != parts.path]
    nexts = [urljoin(url, h) for h in root.xpath('//a[contains(concat(" ", @rel, " "), " next ")]/@href'
                                                 ' | //link[@rel="next"]/@href')]
    follow = []
    # the pager may link the start page's own path ("/providers?9c4e21d7_page=2")
    on_site = [u for u in links if urlsplit(u).netloc == parts.netloc]
    # (A CMS's rel="next" to the next article, "/about-us/testimonials.html", is no page of this listing.)
    nexts = [u for u in nexts if _is_pagination(u, parts.path) or urlsplit(u).path == parts.path]
    for u in nexts + [u for u in on_site if _is_pagination(u, parts.path)]:
        sp = urlsplit(u)
        tail = sp.path + ("?" + sp.query if sp.query else "")
        pat = re.sub(r"\d+", r"\\d+", _literal(tail)) + "$"
        if pat not in follow:
            follow.append(pat)
    found["follow"] = follow[:3]
    candidates = [u for u in same if not _is_pagination(u, parts.path)]
    # A directory filtered by query string ("Input required": the bare page lists nobody, "?state=CO"
    # links list people): look for detail links on the first filtered page, and walk the filters.
    # (Not a link marked nofollow: a CMS's "print this article", "e-mail a friend".)
    followable = [urljoin(url, h) for h in root.xpath("//a[not(contains(concat(' ', @rel, ' '), ' nofollow '))]/@href")]
    filters = list(dict.fromkeys(u for u in followable if urlsplit(u).netloc == parts.netloc
                                 and urlsplit(u).path == parts.path and urlsplit(u).query))
    if filters and not on_page:
        first = next((u for u in filters if rp.can_fetch("kapdir", u)), "")
        st, _ct, fbody = fetch(first) if first else (0, "", b"")
        if st == 200 and fbody:
            froot = lxml.html.fromstring(fbody)
            _structured_page(found, first, froot)
            flinks = [urljoin(first, h) for h in froot.xpath(f"//a[not({chrome})]/@href")]
            content_links.update(flinks)
            # The cards of the next page are titled by links of the same kinds as the first page's.
            titles = [urljoin(first, h) for h in froot.xpath(title_links)]
            heading_links += titles
            candidates += [u for u in titles if urlsplit(u).netloc == parts.netloc
                           and not _is_pagination(u, parts.path)]
            extra = [u for u in flinks if urlsplit(u).netloc == parts.netloc and urlsplit(u).path != parts.path
                     and not _is_pagination(u, parts.path)]
            if Counter(_pattern(urlsplit(u).path) for u in extra).most_common(1)[0][1] >= 3 if extra else False:
                candidates, same = candidates + extra, same + extra
                path_rx = _literal(parts.path)
                found["follow"] = [f"{path_rx}\\?.+", *found["follow"]][:3]
                found["notes"].append(f"filter links ({len(filters)}, e.g. {urlsplit(first).query}) lead to the "
                                      "listings: they are walked")
    if found["sitemaps"]:
        listed = sitemap_urls(found["sitemaps"])
        found["notes"].append(f"sitemaps list {len(listed)} page(s)")
        candidates = listed or candidates
        same = candidates
    counts = Counter(_pattern(urlsplit(u).path) for u in dict.fromkeys(candidates)
                     if u in content_links or found["sitemaps"])
    detail, n = ("", 0)
    # The links a listing's cards give as their titles ("<h3><a href=…>Bayou City Ketamine Clinic</a>")
    # say best what a detail page is, however deep its path ("/providers/us/texas/houston/clinics/x/").
    titled = [u for u in dict.fromkeys(heading_links) if u in set(candidates)]
    if len(titled) >= 2:
        detail, n = _common_pattern([urlsplit(u).path for u in titled])
    for pat, c in counts.most_common() if not detail else []:
        if pat and c >= 3 and pat.count("/") >= 2 and not pat.startswith("/[^/]+"):
            detail, n = pat, c
            break
    if detail and re.search(detail, parts.path):
        # The pattern takes in the start page itself ("/states/[^/]+/$" from "/states/oregon/"): those links are
        # the listing's siblings (other states' pages), not its entries' detail pages.
        found["notes"].append(f"links like {detail} include the start page itself: other listings, not detail pages")
        detail = ""
    found["detail"] = detail
    # Cards titled by links of another kind too ("/physician/dr-…" for doctors, "/providers/…" for everyone
    # else, as finders split them): each such kind of title link is a detail pattern as well.
    rest = Counter(_pattern(urlsplit(u).path) for u in titled if detail and not re.search(detail, urlsplit(u).path))
    # Two title links at least, as for the main pattern: a single sponsored card ("/facility/…") is no kind.
    found["detail_more"] = [p for p, c in rest.most_common() if c >= 2 and p.count("/") >= 2
                            and not p.startswith("/[^/]+") and not re.search(p, parts.path)]
    if detail:
        samples = list(dict.fromkeys(u for u in same if re.search(detail, urlsplit(u).path)))[:2]
        kinds = Counter()
        for s in samples:
            if not rp.can_fetch("kapdir", s):
                continue
            st, _ct, b = fetch(s)
            if st == 200 and b:
                page = lxml.html.fromstring(b)
                objs = _structured_page(found, s, page)
                ents = structured.practitioners(objs)
                kinds.update(t for e in ents[:1] for t in e["types"])
                kinds["_pages_with_data"] += bool(ents)
                own = [e for e in ents if not e.get("site_owner")]  # (not the site's publisher on every page)
                kinds["_without_contact"] += bool(own) and not structured.has_contact(own[0])
                kinds["_fetched"] += 1
                h1 = " ".join(page.xpath("string(//h1)").split())
                kinds["_named"] += bool(own) or bool(plainpage.person_name(h1) or plainpage.practice_name(h1)
                                                     or plainpage.addressee(page))
        found["detail_structured"] = {k: v for k, v in kinds.items() if not k.startswith(("_without", "_named", "_fetched"))}
        found["notes"].append(f"{n} links look like detail pages ({detail}); structured data on "
                              f"{kinds.get('_pages_with_data', 0)} of {len(samples)} sampled")
        if kinds["_fetched"] and not kinds["_named"]:
            # Pages under the start page that name no one ("/ketamine-therapy/spravato/" under a clinic's
            # ketamine page): its sub-pages, not detail pages. The start page is read on its own.
            found["notes"].append(f"the sampled pages like {detail} name no one: sub-pages, not detail pages")
            found["detail"], found["detail_more"], detail = "", [], ""
        elif kinds["_fetched"] and kinds["_without_contact"] == kinds["_fetched"] and plainpage.contact(root):
            # People's pages that give no phone or address of their own (a Ghost site's author pages), on a
            # site that gives one: a practice's own site, whose contact is theirs (kind "clinic").
            found["own_profiles"] = True
            found["notes"].append("the people's pages give no contact of their own and the site gives one: "
                                  "a practice's own site (kind clinic)")
    elif on_page:
        found["notes"].append(f"{len(on_page)} practitioners in structured data on the start page itself")
    else:
        found["notes"].append(_BY_HAND)
    readings = cards.Readings(root, url)  # what the crawler reads on the page itself, each reading done once
    if not on_page and not detail and (hc := plainpage.hcards(root)):
        found["hcards"] = len(hc)
        found["notes"].append(f"{len(hc)} h-card microformats on the page: read without selectors")
    elif not on_page and not detail and (blob := jsonblobs.locations_in_page(root)):
        found["script_locations"] = len(blob[0])
        found["notes"].append(f"{len(blob[0])} locations in a <script> JSON blob on the page, fields "
                              f"{', '.join(sorted(blob[1]['fields']))}; read without selectors")
    elif not on_page and not detail and (guess := _data_file(root, url, rp)):
        found["data_file"] = guess["count"]
        found["notes"].append(f"an app page whose {guess['count']} entries come from the JSON file it preloads "
                              f"({guess['file']}), fields {', '.join(sorted(guess['fields']))}; read without selectors")
    elif not on_page and not detail:
        people, where = rosters.roster_rows(body, url), "a roster table"
        if not people:
            people, where = _roster_file(root, url, rp), "a roster file linked from the page"
        staff = [p for p in people if not cards.clinician(p)] if where == "a roster table" else []
        if people and staff and not roster_programme(root):
            # A practice's staff directory (its front desk and billing beside its clinicians), not a roster:
            # read as the practice's own page, staff left out and the page's services read for everyone.
            found["staff_table"] = len(people) - len(staff)
            found["notes"].append(f"a staff table: {found['staff_table']} clinicians ({len(staff)} staff left out), "
                                  "columns read from its header; no selectors needed")
        elif people and not roster_programme(root, entries=False) and len(grid := readings.cards) >= len(people):
            # A list of people that names no programme outside its entries (an association's "Find a member",
            # one member's training mentioned in their own entry) is a directory of cards, whose services
            # are read for each; a certification roster names the programme it certifies above its rows.
            found["cards"] = len(grid)
            found["notes"].append(f"a member directory: {len(grid)} entries with a name and a phone or address, "
                                  "no registry programme named above them; read as cards without selectors")
        elif people:
            found["roster"] = len(people)
            found["certification"] = roster_programme(root)
            cols = sorted({k for p in people for k in p})
            found["notes"].append(f"{where}: {len(people)} people, columns read from its header "
                                  f"({', '.join(cols)}); no selectors needed")
            if not found["certification"]:
                found["notes"].append("no registry programme named on the page: its people are listed with no "
                                      "training claim; set certification if the roster is a registry programme's "
                                      "(kapdir/reading/programmes.toml)")
        else:
            # As the crawler does: the reading of the page that finds the most people (its cards, its team, or
            # people as headings); a team or headings reading is a practice's own page.
            most, grid = readings.most(), readings.cards
            if len(most) > len(grid):
                found["team"] = len(most)
                found["notes"].append(f"a team page of {len(most)} people (names as headings or a definition list, the practice's "
                                      "contact shared): read without selectors")
            elif grid:
                found["cards"] = len(grid)
                found["notes"].append(f"{len(grid)} repeated cards with a name and a phone or address: read "
                                      "without selectors")
            elif root.xpath("//table//tr[td]"):
                found["notes"].append("the page has a table whose header names no person column: "
                                      "if it is a roster, add [selectors] by hand")
    if not on_page and not detail and not any(found.get(k) for k in _SHAPES):
        h1 = " ".join(" ".join(t.split()) for t in root.xpath("//h1//text()")[:6])
        person = plainpage.person_name(h1 or " ".join(root.xpath("//title/text()")[:1]))
        if person:
            # A practitioner's own site (Wix, Squarespace): the crawler reads its about, services and contact
            # pages into one listing; its sitemap would make each of those pages a listing of its own.
            found["solo"] = person
            found["notes"].append(f"a single practitioner's own site ({person}): its home page and the pages its "
                                  "menu links for about, services and contact make one listing; no selectors needed")
        elif (practice := plainpage.site_practice_name(root)) and plainpage.contact(root):
            # A clinic's one-page site (GoDaddy, Carrd) whose heading is a tagline: the site is the listing.
            found["solo"] = practice
            found["notes"].append(f"a practice's own site ({practice}, named by its title): the site is one "
                                  "listing, read with the pages its menu links; no selectors needed")
    if any(found.get(k) for k in (*_SHAPES, "solo")):
        found["notes"] = [n for n in found["notes"] if n != _BY_HAND]
    return found


def _data_file(root, url: str, rp) -> dict | None:
    """The entries of the first JSON file the page preloads (a Vue or React app's providers file), as the
    crawler guesses them; None when there is none, robots.txt forbids it, or it lists no named, located entries."""
    for href in jsonblobs.data_files(root):
        target = urljoin(url, href)
        if not rp.can_fetch("kapdir", target):
            continue
        status, _ctype, body = fetch(target)
        try:
            guess = jsonblobs.guess_items(json.loads(body), located=True) if status == 200 else None
        except ValueError:
            guess = None
        if guess:
            return {**guess, "file": urlsplit(target).path}
    return None


def _structured_page(found: dict, url: str, root) -> list[dict]:
    """Read a probed page's structured data and sum it up in one short note: the schema.org types it uses,
    per syntax, and how many practitioner candidates they hold (the people and organisations the page is
    about; its authors, publishers and the like are none), so a maintainer sees at once whether
    structured data will carry the site. The page's objects are returned for the other guesses."""
    objects, bad = structured.load_structured(root, url)
    used = structured.types_used(objects)
    ents = structured.practitioners(objects, with_orgs=True)
    owner = [e for e in ents if e.get("site_owner")]
    cands = [e for e in ents if not e.get("site_owner")]
    people = sum(1 for e in cands if set(e["types"]) & structured.PERSON_TYPES)
    row = {"url": url, "types": used, "candidates": len(cands), "people": people,
           "organisations": len(cands) - people, "site_owner": [e["name"] for e in owner], "malformed": bad}
    found.setdefault("pages", []).append(row)
    parts = urlsplit(url)
    where = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    if not used:
        note = "none" + (f" ({bad} malformed block(s))" if bad else "")
    else:
        kinds = "; ".join(f"{structured.SYNTAX_NAMES[s]} " + ", ".join(names[:6])
                          + (f" +{len(names) - 6} more" if len(names) > 6 else "") for s, names in used.items())
        split = ", ".join(_plural(n, one, many) for n, one, many in (
            (people, "person", "people"), (len(cands) - people, "organisation", "organisations")) if n)
        note = f"{kinds} -> {_plural(len(cands), 'practitioner candidate')}"
        if split:
            note += f" ({split})"
        if owner:
            note += f", plus the site's publisher {owner[0]['name']!r}"
        if bad:
            note += f"; {bad} malformed block(s)"
    found["notes"].append(f"structured data on {where}: {note}")
    return objects


def _plural(n: int, one: str, many: str = "") -> str:
    return f"{n} {one if n == 1 else many or one + 's'}"


def _roster_file(root, url: str, rp) -> list[dict]:
    """People in the first roster file (CSV/TSV/text) the page links to, when robots.txt allows it."""
    for href in dict.fromkeys(root.xpath("//a/@href")):
        target = urljoin(url, href)
        if rosters.ROSTER_FILE.search(href) and rp.can_fetch("kapdir", target):
            st, _ct, data = fetch(target)
            if st == 200 and (people := rosters.roster_file_rows(data)):
                return people
    return []


def roster_programme(root, entries: bool = True) -> str:
    """The programme a roster page says its people completed ("…completed the certificate (Polaris
    Insight Center KAP curriculum)"): the registry name the page mentions most, "" when none. Without
    ``entries``, only what the page says outside its list items and table rows counts (its title, headings
    and introduction), not what one entry says of itself."""
    import copy

    from crawler import pagetext
    from kapdir.reading import _MATCHER
    from kapdir.reading.text import sentence_spans

    if not entries:
        root = copy.deepcopy(root)
        for el in root.xpath("//li | //tr"):
            el.getparent().remove(el)
    text = pagetext.page_text(root)
    counts = Counter(pid for _i, pid, _a, _b in _MATCHER.find_in(text, sentence_spans(text)))
    return counts.most_common(1)[0][0] if counts else ""


def render(name: str, title: str, found: dict) -> str:
    q = json.dumps
    lines = [f"# Written by `kapdir sources add` from {found['url']}. Review every key, then run",
             f"#   kapdir sources check {name}",
             "# and set enabled = true when its output looks right."]
    lines += [f"# probe: {n}" for n in found["notes"]]
    api = found.get("api")
    detail = [found["detail"], *found.get("detail_more", [])] if found.get("detail") else []
    lines += [
        f"name            = {q(name)}",
        f"title           = {q(title)}",
        'kind            = ' + ('"roster"                        # directory | roster | clinic' if found.get("roster")
                                    else '"clinic"                        # directory | roster | clinic'
                                    if any(found.get(k) for k in ("solo", "team", "staff_table", "own_profiles"))
                                    else '"directory"                     # directory | roster | clinic'),
        f"start_urls      = [{q(found['url'])}]",
        f"follow          = [{', '.join(toml_str(f) for f in found.get('follow', []))}]",
        f"detail          = [{', '.join(toml_str(d) for d in detail)}]",
        # A single practitioner's site, a team page or a staff table is the listing itself: its sitemap would
        # make each of the site's other pages a listing of its own.
        "sitemap_urls    = " + ('["robots"]' if found.get("sitemaps") and not api and not any(
            found.get(k) for k in ("solo", "team", "staff_table")) else "[]"),
        f"certification   = {q(found.get('certification', ''))}"
        + " " * max(1, 34 - len(q(found.get("certification", "")))) + "# a roster: the programme id it certifies",
        "download_delay  = 2.0",
        'schedule        = "7d"',
        "enabled         = false",
    ]
    if api:
        lines += ["", "[api]", f"items = {q(api['items'])}"]
        if api["next"]:
            lines.append(f"next  = {q(api['next'])}")
        lines += ["", "[api.fields]"] + [f"{k:<11} = {q(v)}" for k, v in api["fields"].items()]
    elif not detail and not found.get("start_entities") and not any(
            found.get(k) for k in (*_SHAPES, "solo")):
        lines += ["", "[selectors]                     # fill in: one element per practitioner, then its parts",
                  'item        = ""', 'name        = ""', 'address     = ""', 'phone       = ""', 'text        = ""']
    return "\n".join(lines) + "\n"


def add_source(sources_dir: Path, name: str, url: str, *, title: str = "", force: bool = False) -> Path:
    if not NAME_RE.match(name or ""):
        raise KapdirError(f"source name '{name}' must match [a-z0-9-]+")
    path = Path(sources_dir) / f"{name}.toml"
    if path.exists() and not force:
        raise KapdirError(f"{path} already exists (use --force to overwrite)")
    found = probe(url)
    text = render(name, title or urlsplit(url).hostname or name, found)
    parse_source(path, text)  # what we write must itself be a valid source file
    Path(sources_dir).mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path
