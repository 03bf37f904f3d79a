"""The one spider: every site is crawled by this class, driven by its source file alone.

    scrapy crawl source -a name=lotus [-a sources_dir=...] [-a data_dir=...]
    curl http://scrapyd:6800/schedule.json -d project=kapdir -d spider=source -d source=lotus -d data_dir=...

Listing pages (start/follow) are walked; detail pages give one practitioner each; without detail
patterns, each `[selectors].item` container on a listing page is one practitioner.
"""

from __future__ import annotations

import gzip
import json
import re
from collections import Counter
from urllib.parse import urlsplit, urlunsplit

import scrapy
from scrapy.exceptions import (
    CannotResolveHostError,
    DownloadCancelledError,
    DownloadConnectionRefusedError,
    DownloadTimeoutError,
    IgnoreRequest,
    ResponseDataLossError,
)
from scrapy.http import TextResponse
from scrapy.linkextractors import LinkExtractor
from scrapy.spidermiddlewares.httperror import HttpError
from scrapy.utils.sitemap import Sitemap
from twisted.internet.error import ConnectionRefusedError, DNSLookupError, TCPTimedOutError, TimeoutError

from crawler import cards, jsonblobs, loadmore, pagetext, plainpage, rosters, structured
from crawler.items import ListingLoader
from crawler.jsonblobs import dig
from crawler.middlewares import robots_directives
from crawler.stats import StatsCounter
from kapdir.config import resolve
from kapdir.crawljob import PAGE_COUNTS
from kapdir.places import parse_address
from kapdir.reading import split_name_credentials
from kapdir.sources import load_source


def _origin(url: str) -> str:
    p = urlsplit(url)
    return f"{p.scheme}://{p.netloc}"


def _is_robots_txt(url: str) -> bool:
    return urlsplit(url).path.endswith("/robots.txt")


def _sitemap_body(response) -> bytes | None:
    body = response.body
    if body[:2] == b"\x1f\x8b":
        try:
            body = gzip.decompress(body)[: 50 * 1024 * 1024]
        except OSError:
            return None
    return body if b"<" in body[:1024] else None


_HIGH_BYTE = re.compile(rb"[\x80-\xff]")


# The pages of a practice's own site that say who, what and where ("/about", "/services", "/contact-us",
# "/ketamine-assisted-therapy"): a site builder's menu links them from every page.
_SITE_PAGE = re.compile(
    r"^(?:about(?:[-_](?:me|us|[a-z]+))?|services?|what-i-offer|offerings|treatments?|ketamine[\w-]*|kap[\w-]*"
    r"|approach|specialt(?:y|ies)|fees|rates|pricing|insurance|contact(?:[-_](?:me|us))?|locations?|office|visit)"
    r"(?:\.html?)?$", re.I)
SITE_PAGES_MAX = 8


def _own_site_pages(response) -> list[str]:
    """Links from a practice's home page to its own pages about the practice, at most `SITE_PAGES_MAX`."""
    here = urlsplit(response.url)
    home = urlunsplit((here.scheme, here.netloc, here.path.rstrip("/"), "", ""))
    out: list[str] = []
    for href in response.css("a::attr(href)").getall():
        p = urlsplit(response.urljoin(href.strip()))
        segments = [x for x in p.path.split("/") if x]
        if p.scheme not in ("http", "https") or p.netloc != here.netloc or not 1 <= len(segments) <= 2 \
                or not _SITE_PAGE.match(segments[-1]):
            continue
        url = urlunsplit((p.scheme, p.netloc, p.path, "", ""))
        if url.rstrip("/") != home and url not in out:
            out.append(url)
    return out[:SITE_PAGES_MAX]


def _fill_contact(loader: ListingLoader, root, whole_place: bool = False) -> None:
    """The page's phone and address (crawler/plainpage.py) for the fields the listing does not have yet; with
    ``whole_place``, its address only for a listing that has no place at all (no part of one mixed in)."""
    placed = whole_place and any(loader.get_output_value(f) for f in ("city", "address", "street"))
    for f, v in plainpage.contact(root).items():
        if not loader.get_output_value(f) and (f == "phone" or not placed):
            loader.add_value(f, v)


def fix_encoding(response):
    """A page that says UTF-8 but is not (old CMSes serving Latin-1): re-read it as Windows-1252, so
    "José Muñoz" comes out right instead of as replacement characters."""
    if response.encoding.lower().replace("-", "") == "utf8" and _HIGH_BYTE.search(response.body):
        try:
            response.body.decode("utf-8")
        except UnicodeDecodeError:
            return response.replace(encoding="cp1252")
    return response


class SourceSpider(scrapy.Spider):
    name = "source"

    def __init__(self, name: str | None = None, sources_dir: str | None = None, data_dir: str | None = None,
                 check_pages: int | str | None = None, source: str | None = None, **kwargs):
        # Scrapyd reserves the argument `name`, so `source=` names the source there; both work anywhere.
        self.paths = resolve(data_dir, sources_dir)
        self.source = load_source(self.paths.sources_dir, source or name or "")
        super().__init__(name=self.source.name, **kwargs)
        self.allowed_domains = list(self.source.allowed_domains)
        self.check_pages = int(check_pages) if check_pages else 0  # `sources check`: stop after N pages
        self.errors: Counter[str] = Counter()
        self.counts: Counter[str] = Counter()
        patterns = self.source.follow + self.source.detail
        self._links = LinkExtractor(allow=patterns, unique=True) if patterns else None
        self.known_lastmod: dict[str, str] = {}
        self.known_urls: set[str] = set()
        self._scheduled = 0
        self.unchanged_urls: list[str] = []
        self.fetched_lastmod: dict[str, str] = {}
        self._next = LinkExtractor(restrict_css=['a[rel~="next"]', 'link[rel~="next"]'], tags=("a", "link"),
                                   unique=True)

    @classmethod
    def from_crawler(cls, crawler, *args, **kwargs):
        spider = super().from_crawler(crawler, *args, **kwargs)
        # The crawl's counts live in Scrapy's stats (crawler/stats.py): the end-of-crawl stats dump and
        # Scrapyd's log show them, and the job record reads them from there.
        spider.counts = StatsCounter(crawler, "kapdir")
        spider.errors = StatsCounter(crawler, "kapdir/errors")
        s, src = crawler.settings, spider.source
        if not s.frozen:
            s.set("DOWNLOAD_DELAY", src.download_delay, priority="spider")
            s.set("AUTOTHROTTLE_START_DELAY", max(src.download_delay, 0.01), priority="spider")
            s.set("DEPTH_LIMIT", src.max_depth, priority="spider")
            s.set("DOWNLOAD_TIMEOUT", src.download_timeout, priority="spider")
            s.set("CLOSESPIDER_PAGECOUNT", src.max_pages, priority="spider")
            s.set("HTTPCACHE_DIR", str(spider.paths.httpcache_dir / src.name), priority="spider")
            output = s.get("KAPDIR_OUTPUT", "store")
            if output not in ("store", "feed"):
                raise ValueError(f"KAPDIR_OUTPUT is {output!r}; use 'store' or 'feed'")
            if output == "feed":
                if not s.getdict("FEEDS"):
                    raise ValueError("KAPDIR_OUTPUT=feed needs a feed: Scrapyd's items_dir, or -o FILE.jl")
                s.set("ITEM_PIPELINES", {"crawler.pipelines.feed.FeedPipeline": 900}, priority="spider")
        spider.download_delay = src.download_delay
        return spider

    def page_counts(self, reason: str) -> dict:
        """What this crawl saw of the site, for its job record (kapdir.crawljob.PAGE_COUNTS)."""
        return {**{k: self.counts.get(k, 0) for k in PAGE_COUNTS}, "errors": dict(self.errors),
                "finish_reason": reason}

    # -- requests -------------------------------------------------------------------------------------
    async def start(self):
        if getattr(self, "locked_out", False):
            return
        for request in self.start_requests_list():
            yield request

    def start_requests_list(self) -> list[scrapy.Request]:
        callback = self.parse_api if self.source.api else self.parse
        out = []
        for url in self.source.start_urls:
            out += self._request(url, callback, listing=True)
        for sm in self.source.sitemap_urls:
            if sm == "robots":
                for origin in dict.fromkeys(_origin(u) for u in self.source.start_urls):
                    out += self._request(f"{origin}/robots.txt", self.parse_robots_sitemaps, dont_filter=True)
            elif _is_robots_txt(sm):
                # How Scrapy's own SitemapSpider takes it: a robots.txt URL stands for the sitemaps it names.
                out += self._request(sm, self.parse_robots_sitemaps, dont_filter=True)
            else:
                out += self._request(sm, self.parse_sitemap)
        return out

    def _request(self, url: str, callback, dont_filter: bool = False, **meta) -> list[scrapy.Request]:
        counted = callback in (self.parse, self.parse_api, self.parse_more, self.parse_roster_file,
                               self.parse_site_page)  # sitemaps and robots.txt are free in a check
        if counted and self.check_pages and self._scheduled >= self.check_pages:
            return []
        self._scheduled += counted
        return [scrapy.Request(url, callback=callback, errback=self.on_error, meta=meta, dont_filter=dont_filter)]

    # -- sitemaps -------------------------------------------------------------------------------------
    def parse_robots_sitemaps(self, response):
        """`sitemap_urls = ["robots"]`: walk the sitemaps that robots.txt names (relative ones resolved)."""
        self.counts["pages"] += 1
        for line in response.text.splitlines()[:5000]:
            key, _, value = line.partition(":")
            if key.strip().lower() == "sitemap" and value.strip():
                yield from self._request(response.urljoin(value.strip()), self.parse_sitemap)

    def parse_sitemap(self, response):
        """Sitemap indexes and URL sets; detail pages whose <lastmod> is unchanged since the last good crawl
        are not fetched again (their listings are only marked as still present)."""
        self.counts["pages"] += 1
        body = _sitemap_body(response)
        if body is None and _is_robots_txt(response.url):
            # A sitemap index may point at a robots.txt too; read the sitemaps it names.
            self.counts["pages"] -= 1
            yield from self.parse_robots_sitemaps(response)
            return
        if body is None:
            self.errors["bad_sitemap"] += 1
            return
        try:
            sm = Sitemap(body)
        except Exception:  # noqa: BLE001 - not XML at all
            self.errors["bad_sitemap"] += 1
            return
        for entry in sm:
            loc = response.urljoin((entry.get("loc") or "").strip())
            if not loc.startswith(("http://", "https://")):
                continue
            if sm.type == "sitemapindex":
                yield from self._request(loc, self.parse_sitemap)
                continue
            if self.source.detail and not (self.source.is_detail(loc) or self.source.is_follow(loc)):
                continue
            lastmod = (entry.get("lastmod") or "").strip()
            if lastmod and self.known_lastmod.get(loc) == lastmod:
                self.unchanged_urls.append(loc)
                self.counts["unchanged_skipped"] += 1
                continue
            yield from self._request(loc, self.parse, listing=not self.source.is_detail(loc), lastmod=lastmod)

    # -- JSON locator APIs ----------------------------------------------------------------------------
    def _json_page(self, response):
        """A fetched JSON answer, counted as a page; None (counted as an error) when it is not JSON."""
        self.counts["pages"] += 1
        try:
            return json.loads(response.body)
        except ValueError:
            self.errors["malformed_json"] += 1
            return None

    def parse_api(self, response, **_):
        """A JSON endpoint listing locations: `[api].items` is the list, `[api].next` the next page."""
        data = self._json_page(response)
        if data is None:
            return
        api = self.source.api
        records = dig(data, api.get("items", "")) if api.get("items") else data
        yield from self._json_records(response, records, api.get("fields", {}), via="api")
        nxt = dig(data, api["next"]) if api.get("next") else None
        if isinstance(nxt, str) and nxt.strip():
            yield from self._request(response.urljoin(nxt.strip()), self.parse_api)

    def parse_data_file(self, response, **_):
        """A JSON file a page preloads: its biggest list of named, located objects are the listings."""
        data = self._json_page(response)
        guess = jsonblobs.guess_items(data, located=True) if data is not None else None
        if guess:
            yield from self._json_records(response, jsonblobs.items_at(data, guess["items"]), guess["fields"],
                                          via="data-file")

    def _json_records(self, response, records, fields: dict, via: str):
        """One listing per JSON object (an API response, or a page's script blob)."""
        for i, rec in enumerate(records if isinstance(records, list) else []):
            if not isinstance(rec, dict):
                continue
            values = {f: dig(rec, path) for f, path in fields.items()}
            rid = values.pop("id", None)
            values.pop("providers", None)
            role = values.pop("role", None)
            if isinstance(role, str) and (cards.non_treating_role(role) or jsonblobs.STAFF_KIND.match(role)) and \
                    plainpage.person_name(jsonblobs.plain(str(values.get("name") or ""))):
                continue  # a nurse navigator, an intake coordinator, "role": "staff", listed beside the clinicians
            loader = self._loader(response, key=str(rid if rid not in (None, "") else i))
            if rid not in (None, ""):
                loader.replace_value("url", f"{response.url}#{rid}")
            loader.add_value("via", via)
            for f, v in values.items():
                if isinstance(v, list) and v and all(isinstance(x, str) for x in v):
                    v = "; ".join(v)  # "services": ["IV ketamine", "Spravato"]
                if v in (None, "") or isinstance(v, (dict, list)):
                    continue
                if isinstance(v, str):
                    v = values[f] = jsonblobs.plain(v)  # "Saguaro Ketamine &#8211; Tucson", "<p>IV ketamine…</p>"
                loader.add_value("credentials_text" if f == "credentials" else f, v)
            if not values.get("phone"):
                # A map marker's phone sits in its description ("<a href="tel:…">(602) 555-0162</a>").
                m = plainpage.PHONE.search(str(values.get("text") or ""))
                if m:
                    loader.add_value("phone", m.group())
            yield loader.load_item()

    def on_error(self, failure):
        """Count each failed request once, by kind, so job stats say what went wrong."""
        if failure.check(IgnoreRequest) and not failure.check(HttpError):
            message = str(failure.value)
            if "robots.txt" in message:
                # robots.txt said no: obeyed, not an error.
                self.counts["robots_disallowed"] += 1
                return
            kind = "redirect_loop" if "redirect" in message else "ignored_request"
        elif failure.check(HttpError):
            status = failure.value.response.status
            kind = f"http_{status // 100}xx" if status >= 500 else f"http_{status}"
        elif failure.check(DNSLookupError, CannotResolveHostError):
            kind = "dns"
        elif failure.check(TimeoutError, TCPTimedOutError, DownloadTimeoutError):
            kind = "timeout"
        elif failure.check(ConnectionRefusedError, DownloadConnectionRefusedError):
            kind = "connection_refused"
        elif failure.check(DownloadCancelledError):
            kind = "too_large"  # cancelled at DOWNLOAD_MAXSIZE
        elif failure.check(ResponseDataLossError):
            kind = "data_loss"
        else:
            kind = re.sub(r"(?<!^)(?=[A-Z])", "_", type(failure.value).__name__).lower()
        self.errors[kind] += 1
        self.logger.info("request failed (%s): %s", kind, failure.request.url)
        if not kind.startswith("http_"):
            self.logger.debug("failure detail: %s", failure.getTraceback())

    # -- parsing --------------------------------------------------------------------------------------
    def parse(self, response, **_):
        if not isinstance(response, TextResponse):
            self.counts["skipped_not_text"] += 1
            self.errors["binary_content"] += 1
            return
        if not response.body.strip():
            self.errors["empty_body"] += 1
            return
        response = fix_encoding(response)
        self.counts["pages"] += 1
        if response.meta.get("lastmod"):
            self.fetched_lastmod[response.url] = response.meta["lastmod"]
        # Read here, not in a downloader middleware: only the spider sees the final, decompressed page
        # (a 304 swapped for the cached copy, gzip undone).
        header = b", ".join(response.headers.getlist("X-Robots-Tag")) or None
        noindex, nofollow = robots_directives(header, response.body)
        if noindex:
            self.counts["noindex"] += 1
        is_detail = self.source.is_detail(response.url)
        if "cached" in response.flags and response.url in self.known_urls and not noindex:
            # The site confirmed the page is unchanged: keep what we extracted last time, mark it seen.
            self.unchanged_urls.append(response.url)
            self.counts["unchanged_skipped"] += 1
        elif not noindex:
            if self.source.kind == "roster" and rosters.ROSTER_FILE.search(response.url):
                yield from self.parse_roster_file(response, counted=False)  # a roster file named in `follow`
            elif is_detail:
                yield from self.parse_detail(response)
            elif not self.source.detail:
                yield from self.parse_listing_items(response)
        if not nofollow and not is_detail:
            yield from self.follow_links(response)

    def parse_more(self, response, **_):
        """One answer of a 'load more' endpoint (crawler/loadmore.py): its items are listings (or, for a
        source with detail pages, links to them), then the next batch until the answer says it was the last."""
        data = self._json_page(response)
        if data is None:
            return
        items, guess = loadmore.records(data)
        if self.source.detail:
            for link in dict.fromkeys(loadmore.links(items)):
                url = response.urljoin(link)
                if self.source.is_detail(url):
                    yield from self._request(url, self.parse)
        else:
            yield from self._json_records(response, items, guess.get("fields", {}), via="api")
        nxt = loadmore.next_page(data, items, response.meta["more"])
        if nxt:
            yield from self._request(nxt[0], self.parse_more, more=nxt[1])

    def follow_links(self, response):
        """Walk links the source names (follow/detail) plus rel=next pagination, inside allowed_domains."""
        named = list(self._links.extract_links(response)) if self._links else []
        pagination = list(self._next.extract_links(response))
        seen = set()
        for link in named + pagination:
            if link.url in seen or link.nofollow:
                continue
            seen.add(link.url)
            detail = self.source.is_detail(link.url)
            yield from self._request(link.url, self.parse, listing=not detail)
        for url, state in loadmore.endpoints(response):
            yield from self._request(url, self.parse_more, more=state)

    def _heading(self, response) -> str:
        return plainpage.page_heading(response.selector.root) or (response.css("title::text").get() or "")

    def main_text(self, response) -> str:
        """The page's own content with its headings (see crawler/pagetext.py), unless a selector names it."""
        sel = self.source.selectors.get("text")
        if sel:
            return self._select(response, sel)
        return pagetext.page_text(response.selector.root)

    def parse_detail(self, response):
        """One practitioner per detail page: structured data first, selectors and page text fill the gaps."""
        objects, bad = structured.load_structured(response.selector.root, response.url)
        if bad:
            self.errors["malformed_structured_data"] += bad
        heading = self._heading(response)
        # The site's own publisher organisation (Yoast's on every page) is this page's subject only when
        # the heading names it.
        entities = [e for e in structured.practitioners(objects, with_orgs=True)
                    if not e.get("site_owner") or structured.named_in(e, heading)]
        primary = structured.pick_primary(entities, heading) or {}
        who, role = plainpage.name_and_role(heading)
        lead = plainpage.lead_part(heading)
        if primary and not structured.named_in(primary, lead) and (plainpage.person_name(lead) or who):
            # The heading names a person the markup does not describe: the page is about that person (a title
            # "Nora Lindahl — Casco Light Therapy Collective" names the site's practice only after its own part).
            primary, entities = {}, []
        elif primary and not structured.named_in(primary, heading) and not structured.has_contact(primary) \
                and plainpage.practice_name(heading):
            # A chain's brand in the site-wide markup (Squarespace's LocalBusiness: a name, no address or
            # phone) on a clinic's page headed with that clinic's own name: the page is about the clinic.
            primary, entities = {}, []
        if not who and not primary and not split_name_credentials(heading)[1] and plainpage.person_name(heading):
            # "Corinne Abeyta" over "Role: Practice Manager": the job title in a field of the page's own.
            who, role = plainpage.person_name(heading), plainpage.labelled_role(response.selector.root)
        if who and not primary and cards.non_treating_role(role):
            # "Jess Albright, Practice Coordinator": a staff page of the practice, no one's listing.
            self.logger.debug("staff page, not listed: %s", response.url)
            return
        loader = self._loader(response, key="")
        loader.add_value("via", "json-ld" if primary else "selectors")
        for f in ("name", "credentials_text", "practice", "street", "city", "region", "postal_code", "country",
                  "phone", "website", "lat", "lon", "address"):
            if primary.get(f) not in (None, ""):
                loader.add_value(f, primary[f])
        self._apply_selectors(loader, response, response)
        if primary and self.source.kind == "clinic" and not self.source.selectors:
            # A practice's own site: a clinician's profile (a Ghost author page, a Person in JSON-LD) with no
            # phone or address of its own is reached at the practice's, in the footer or contact block. (Not
            # on a directory: its footer is the directory's.)
            _fill_contact(loader, response.selector.root, whole_place=True)
        if not loader.get_output_value("name") and self.source.selectors:
            # Plain-HTML detail pages (a source with [selectors]) may name the person only in the heading.
            loader.add_value("name", self._heading(response))
        elif not loader.get_output_value("name") and not entities and not bad:
            # No structured data (none at all: a page whose markup broke is broken, not plain) and no
            # selectors: a small practice's own page.
            self._plain_person(response, loader, practice=True)
        texts = [primary.get("text", "")]
        page_text = self.main_text(response)
        if page_text:
            texts.append(page_text)
        loader.add_value("text", "\n".join(t for t in texts if t))
        yield loader.load_item()

    @staticmethod
    def _plain_person(response, loader: ListingLoader, practice: bool = False) -> bool:
        """Name the person from the page heading in the forms real sites use (the <title> only for a
        page without one: a services page titled "Our services | Stillwater Collective" names nobody),
        and find them by tel: links, h-card, <address> or a ZIP line. False when the heading names nobody.
        With ``practice`` (a detail page: one listing per page), a practice's name ("Bayou City Ketamine
        Clinic") is a name too; a service heading ("IV Ketamine Therapy") still is not."""
        h1 = plainpage.page_heading(response.selector.root)
        title = response.css("title::text").get() or ""
        heading = h1 if h1.strip() else title
        person = plainpage.person_name(heading) or plainpage.name_and_role(heading)[0]
        if not person and h1.strip() and not plainpage.practice_name(h1) and (named := plainpage.person_name(title)) \
                and split_name_credentials(named)[1]:
            # A heading that is a tagline ("Room to loosen what has been held tight for years.") on a site
            # titled for its practitioner with their credential ("Wren Hollis, LCSW | Ketamine-Assisted
            # Psychotherapy"), who is named in the page too. (Not a place: "Scottsdale - Old Town | …".)
            surname = split_name_credentials(named)[0].split()[-1]
            if re.search(rf"\b{re.escape(surname)}\b", " ".join(response.css("body ::text").getall())):
                person = named
        if person and heading.strip().lower().startswith("about ") and not split_name_credentials(person)[1] \
                and plainpage.names_the_site(person, response.selector.root):
            person = ""  # "About Desert Bloom" on Desert Bloom Wellness & Infusion's site is the practice
        if person and not h1.strip():
            person = plainpage.with_credentials(person, response.selector.root)
        name = person or (
            (plainpage.practice_name(heading) or plainpage.addressee(response.selector.root)) if practice else "")
        if not name:
            return False
        loader.replace_value("via", "page")
        _fill_contact(loader, response.selector.root)
        if practice and not person:
            # "Sawtooth Ketamine Clinic – Boise" on a chain's clinic page whose address is in Boise: the town is
            # part of that clinic's name (three pages of one chain are three clinics, not one).
            name = plainpage.practice_in_town(heading, name, loader.get_output_value("city")
                                              or parse_address(loader.get_output_value("address") or "").get("city", ""))
        loader.add_value("name", name)
        return True

    def parse_listing_items(self, response):
        """A listing page without detail pages: one practitioner per container (or structured entity)."""
        item_css = self.source.selectors.get("item")
        if item_css:
            for i, node in enumerate(response.css(item_css)):
                loader = self._loader(response, key=str(i), selector=node)
                loader.add_value("via", "selectors")
                self._apply_selectors(loader, node, response)
                text_css = self.source.selectors.get("text")
                if text_css:
                    loader.add_value("text", self._select(node, text_css))
                name = loader.get_output_value("name")
                if name:
                    loader.replace_value("key", name.lower())
                    yield loader.load_item()
            return
        objects, bad = structured.load_structured(response.selector.root, response.url)
        if bad:
            self.errors["malformed_structured_data"] += bad
        found = False
        entities = structured.practitioners(objects)
        # The site's own publisher (a directory's Yoast Organization) is listed only when nothing else on
        # the page is: on a clinic's own one-page site it is the clinic.
        owners = [e for e in entities if e.get("site_owner")]
        home = response.url.rstrip("/") in {u.rstrip("/") for u in self.source.start_urls}
        if home and not self.source.detail and not any(set(e["types"]) & structured.PERSON_TYPES for e in entities) \
                and (me := plainpage.self_introduction(response.selector.root)):
            # A solo practitioner's own site whose structured data names only the practice ("Fernwood
            # Counseling") while its text says "I'm Lena Marchetti, LICSW": the listing is the person, at
            # the practice's address, read with the pages its menu links.
            yield from self._site_listing(response, me, (entities or [{}])[0])
            return
        readings = cards.Readings(response.selector.root, response.url)
        listed = [e for e in entities if not e.get("site_owner")]
        if listed and not self.source.detail and self.source.kind != "roster" \
                and not any(set(e["types"]) & structured.PERSON_TYPES for e in listed) \
                and (len([r for r in readings.team if cards.clinician(r)]) >= 2
                     or not any(structured.has_contact(e) for e in listed) and len(readings.cards) >= 2):
            # A practice's team page whose structured data describes only the practice (Squarespace writes
            # a LocalBusiness on every page): the people on it are the listings, read below as a team. So are
            # a chain's clinic cards when the markup names only its brand (Astra's Organization on the logo).
            listed = []
        for ent in listed:
            found = True
            yield self._entity_item(response, ent)
        if not found:
            # People marked up as h-cards on a listing page (microformats): one listing per card.
            rows = plainpage.hcards(response.selector.root)
            found = bool(rows)
            yield from self._row_items(response, rows, via="h-card")
        if not found and self.source.kind != "roster":
            # A locator page whose locations sit in a <script> JSON blob (a clinic chain's store finder).
            blob = jsonblobs.locations_in_page(response.selector.root)
            if blob:
                found = True
                yield from self._json_records(response, blob[0], blob[1]["fields"], via="script")
        if not found and self.source.kind != "roster" and not self.source.detail:
            # A single-page app (Vue, React) whose providers come from a JSON file the page preloads
            # (<link rel="preload" as="fetch" href="/assets/providers.json">): the page itself is an empty shell.
            for href in jsonblobs.data_files(response.selector.root):
                found = True
                yield from self._request(response.urljoin(href), self.parse_data_file)
        if not found and self.source.kind != "roster" and not self.source.detail:
            # A single practitioner's own site (a Squarespace or Wix page): the page itself is the listing.
            # Not a directory's page that lists several in cards (an association's "Find a member").
            loader = self._loader(response, key="")
            listed = self.source.kind == "directory" and len(readings.cards) >= 2
            if not listed and self._plain_person(response, loader):
                found = True
                # A practice's own site of several pages (Wix, Squarespace): the services, the phone and the
                # address are often each on a page of their own, which the home page's menu links.
                pages = _own_site_pages(response) if home and not self.source.follow else []
                yield from self._next_site_page(pages, loader, [self.main_text(response)])
        if not found and self.source.kind != "roster" and not self.source.detail:
            # A finder, partner list or team grid of repeated cards (crawler/cards.py): one listing per card.
            root = response.selector.root
            # Of a finder's cards (a heading and a phone or address each) and a team grid (people's names as
            # headings, the practice's contact shared), the reading that finds more listings: a team page's
            # sections can also look like two or three "cards" titled "Meet Our Team" and the practice.
            # A practice's staff directory kept as a table (Name, Title, Location, Phone) reads as a roster's
            # does, its front desk, billing and interns left out.
            staff = [r for r in rosters.roster_rows(response.text, response.url, lists=False) if cards.clinician(r)]
            if staff:
                page_text = self.main_text(response)  # what the practice says it offers is each one's text
                regions = plainpage.page_regions(root)
                staff = [{**r, "text": "\n".join(t for t in (r.get("text", ""), page_text) if t),
                          **({"region": regions[r["city"].lower()]} if r.get("city") and not r.get("region")
                             and r["city"].lower() in regions else {})} for r in staff]
            # A table whose header names its columns says more than rows guessed as cards.
            rows = staff or cards.in_context(readings.most(), response.css("title::text").get() or "")
            found = bool(rows)
            yield from self._row_items(response, rows, via="cards")
        if not found and self.source.kind == "roster":
            # A roster with no selectors and no structured data: each row of its table is one person; a
            # page with no roster table may link the roster as a file (a spreadsheet export).
            rows = rosters.roster_rows(response.text, response.url)
            # "Sublingual troches in my office" on a "KAP Referral List" is ketamine care, as on a team page.
            rows = cards.in_context(rows, response.css("title::text").get() or "")
            yield from self._row_items(response, rows, via="roster")
            found = bool(rows)
            if not rows:
                for href in dict.fromkeys(response.css("a::attr(href)").getall()):
                    if rosters.ROSTER_FILE.search(href):
                        yield from self._request(response.urljoin(href), self.parse_roster_file)
        if not found:
            for ent in owners:
                found = True
                yield self._entity_item(response, ent)
        if not found and home and self.source.kind == "clinic" and not self.source.detail:
            # A clinic's one-page site (GoDaddy, Carrd) with a tagline for its heading and no structured data:
            # the site itself is the listing, named as its <title> or site name names it.
            name = plainpage.site_practice_name(response.selector.root)
            if name and plainpage.contact(response.selector.root):
                yield from self._site_listing(response, name, {})

    def _site_listing(self, response, name: str, practice: dict):
        """A practice's own site as one listing: ``name`` (the person it introduces, or the practice), the
        practice's structured data, the page's contact, and the pages its menu links."""
        loader = self._loader(response, key="")
        loader.add_value("via", "page")
        loader.add_value("name", name)
        if practice.get("name"):
            loader.add_value("practice", practice["name"])
        for f in ("street", "city", "region", "postal_code", "address", "phone", "website"):
            if practice.get(f):
                loader.add_value(f, practice[f])
        _fill_contact(loader, response.selector.root)
        pages = _own_site_pages(response) if not self.source.follow else []
        yield from self._next_site_page(pages, loader, [self.main_text(response)])

    def _next_site_page(self, pages: list[str], loader: ListingLoader, texts: list[str]):
        """Fetch the practice's next own page, or, when none is left, the one listing they all describe.
        Chained one page at a time so the listing is yielded once, whole, whatever fails on the way."""
        if pages:
            reqs = self._request(pages[0], self.parse_site_page, dont_filter=True)
            if reqs:
                yield reqs[0].replace(errback=self._site_page_failed,
                                      cb_kwargs={"pages": pages[1:], "loader": loader, "texts": texts})
                return
        loader.add_value("text", "\n".join(t for t in texts if t))
        yield loader.load_item()

    def parse_site_page(self, response, pages: list[str], loader: ListingLoader, texts: list[str]):
        """One more page of a practice's own site: its words for the reader, and the phone and address the
        home page lacked. A noindex page is fetched (its menu link said nothing of that) but not read."""
        if isinstance(response, TextResponse) and response.body.strip():
            response = fix_encoding(response)
            self.counts["pages"] += 1
            header = b", ".join(response.headers.getlist("X-Robots-Tag")) or None
            if robots_directives(header, response.body)[0]:
                self.counts["noindex"] += 1
            else:
                _fill_contact(loader, response.selector.root)
                texts.append(self.main_text(response))
        yield from self._next_site_page(pages, loader, texts)

    def _site_page_failed(self, failure):
        self.on_error(failure)
        kw = failure.request.cb_kwargs
        yield from self._next_site_page(kw["pages"], kw["loader"], kw["texts"])

    def _entity_item(self, response, ent: dict):
        loader = self._loader(response, key=ent["name"].lower())
        loader.add_value("via", "json-ld")
        for f, v in ent.items():
            if f in ListingLoader.default_item_class.fields and v not in (None, ""):
                loader.add_value(f, v)
        return loader.load_item()

    def parse_roster_file(self, response, counted: bool = True, **_):
        """A roster file (CSV/TSV/text with a header row) linked from a roster page."""
        self.counts["pages"] += counted
        rows = rosters.roster_file_rows(response.body[: 5 * 1024 * 1024])
        if not rows:
            self.errors["unreadable_roster_file"] += 1
        yield from self._row_items(response, rows, via="roster")

    def _row_items(self, response, rows: list[dict], via: str):
        """One listing per person read from a page's rows (roster rows, h-cards, cards), keyed by name; two rows
        of one name (a chain's clinic and the drip bar in the same town) are kept apart by their phone or place."""
        names = Counter(row["name"].lower() for row in rows)
        for i, row in enumerate(rows):
            key = row["name"].lower()
            if names[key] > 1:
                key = f"{key} {row.get('phone') or row.get('address') or i}"
            loader = self._loader(response, key=key)
            loader.add_value("via", via)
            for f, v in row.items():
                loader.add_value("credentials_text" if f == "credentials" else f, v)
            yield loader.load_item()

    def _loader(self, response, key: str, selector=None) -> ListingLoader:
        loader = ListingLoader(selector=selector, response=response)
        loader.add_value("source", self.source.name)
        loader.add_value("kind", self.source.kind)
        loader.add_value("url", response.url)
        loader.add_value("key", key)
        if self.source.certification:
            loader.add_value("roster_program", self.source.certification)
        return loader

    @staticmethod
    def _select(node, css: str, attr: str | None = None) -> str:
        """Text of a selector's matches; a selector may end in ::text or ::attr(x) to say what to take."""
        if "::" in css:
            return " ".join(t.strip() for t in node.css(css).getall() if t.strip())
        if attr:
            value = node.css(f"{css}::attr({attr})").get()
            if value:
                return value.strip()
        return " ".join(t.strip() for t in node.css(f"{css} ::text").getall() if t.strip())

    def _apply_selectors(self, loader: ListingLoader, node, response) -> None:
        """CSS selectors from the source file fill only what structured data did not provide."""
        for field in ("name", "credentials", "address", "street", "city", "region", "postal_code", "phone",
                      "website"):
            css = self.source.selectors.get(field)
            if not css:
                continue
            target = "credentials_text" if field == "credentials" else field
            if loader.get_output_value(target):
                continue
            value = self._select(node, css, attr="href" if field == "website" else None)
            if field == "website" and value:
                value = response.urljoin(value)
            if value:
                loader.add_value(target, value)
