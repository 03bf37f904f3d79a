"""Each item pipeline step (crawler/pipelines/) called on items directly, with a real spider where it needs one.

A crawl test shows the chain works on seven sample sites; these show what each step promises on its own —
what it fills in, what it normalises, what it rejects and with which reason — so a changed rule fails here,
next to the rule, in milliseconds.
"""

from __future__ import annotations

import pytest
from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.exceptions import DropItem
from scrapy.settings import Settings
from scrapy.utils.test import get_crawler

from crawler.items import ListingItem
from crawler.pipelines.classify import ClassifyPipeline
from crawler.pipelines.feed import FEED_VERSION, TRAILER_KEY, FeedPipeline
from crawler.pipelines.normalise import NormalisePipeline
from crawler.pipelines.store import StorePipeline
from crawler.spiders.source import SourceSpider
from kapdir import curation
from kapdir.locks import SourceLock
from kapdir.store import Store

KETAMINE_TEXT = "Jane Doe offers IM ketamine injections in our Denver clinic. She completed the Fluence KAP certificate."


def crawl_parts(tmp_path, **settings):
    """A crawler and the real spider for a one-line source file; nothing is fetched."""
    sources = tmp_path / "sources"
    sources.mkdir(exist_ok=True)
    (sources / "tiny.toml").write_text('name = "tiny"\nkind = "directory"\nstart_urls = ["https://example.org/"]\n')
    crawler = get_crawler(SourceSpider, {"KAPDIR_UPDATE_INDEX": False, **settings})
    spider = crawler._create_spider(source="tiny", sources_dir=str(sources), data_dir=str(tmp_path / "data"))
    crawler.spider = spider
    return crawler, spider


def normalised(**raw) -> dict:
    return NormalisePipeline().process_item({"source": "tiny", "url": "https://example.org/p", **raw})["listing"]


def classified(**listing) -> dict:
    return ClassifyPipeline().process_item({"source": "tiny", "url": "https://example.org/p", "key": "",
                                            "listing": {"credentials": [], **listing}})


# -- the chain -----------------------------------------------------------------------------------------------

def test_the_steps_run_normalise_then_classify_then_store():
    from crawler import settings
    assert sorted(settings.ITEM_PIPELINES, key=settings.ITEM_PIPELINES.get) == [
        "crawler.pipelines.normalise.NormalisePipeline", "crawler.pipelines.classify.ClassifyPipeline",
        "crawler.pipelines.store.StorePipeline"]


def test_a_feed_crawl_keeps_only_the_feed_step(tmp_path):
    """On a machine without the store, items leave raw: `kapdir ingest` normalises and classifies them."""
    crawl_parts(tmp_path)  # writes the source file
    settings = Settings()
    settings.setmodule("crawler.settings", priority="project")
    settings.setdict({"KAPDIR_OUTPUT": "feed", "FEEDS": {str(tmp_path / "out.jl"): {"format": "jsonlines"}}},
                     priority="cmdline")
    crawler = Crawler(SourceSpider, settings)  # settings not yet frozen, as when a crawl starts
    crawler._create_spider(source="tiny", sources_dir=str(tmp_path / "sources"), data_dir=str(tmp_path / "data"))
    assert crawler.settings.getdict("ITEM_PIPELINES") == {"crawler.pipelines.feed.FeedPipeline": 900}


# -- normalise -----------------------------------------------------------------------------------------------

def test_normalise_wraps_the_listing_with_its_address_and_fills_every_field():
    item = ListingItem(source="tiny", url="https://example.org/p", name="Jane Doe")
    out = NormalisePipeline().process_item(item)
    assert set(out) == {"source", "url", "key", "listing"}
    assert (out["source"], out["url"], out["key"]) == ("tiny", "https://example.org/p", "")
    assert set(out["listing"]) == {"kind", "via", "name", "practice", "credentials", "street", "city", "region",
                                   "postal_code", "country", "lat", "lon", "phone", "website", "text",
                                   "roster_program"}
    assert out["listing"]["kind"] == "directory" and out["listing"]["credentials"] == []
    assert normalised(kind="roster", key="row-3")["kind"] == "roster"


def test_normalise_moves_titles_and_credentials_out_of_the_name():
    listing = normalised(name="Dr. Jane Doe, LMFT", credentials_text="PsyD, LMFT")
    assert listing["name"] == "Jane Doe"
    assert listing["credentials"] == ["LMFT", "PsyD"]


def test_normalise_parses_an_address_line_without_overriding_explicit_fields():
    listing = normalised(name="Jane Doe", address="100 Main St, Denver, CO 80202", city="Aurora")
    assert (listing["street"], listing["city"], listing["region"], listing["postal_code"], listing["country"]) == (
        "100 Main St", "Aurora", "CO", "80202", "US")


def test_normalise_splits_a_city_that_carries_its_state():
    listing = normalised(name="Jane Doe", city="Boulder, Colorado")
    assert (listing["city"], listing["region"], listing["country"]) == ("Boulder", "CO", "US")


@pytest.mark.parametrize("raw, country", [
    ({"region": "colorado"}, "US"), ({"postal_code": "80302"}, "US"), ({"country": "USA"}, "US"),
    ({"country": "United States of America"}, "US"), ({"country": "Canada"}, "Canada"), ({}, ""),
])
def test_normalise_says_us_only_when_the_listing_does(raw, country):
    assert normalised(name="Jane Doe", **raw)["country"] == country


def test_normalise_keeps_coordinates_in_range_and_geocodes_the_rest():
    assert (normalised(lat="40.01", lon="-105.27", city="Boulder", region="CO")["lat"],) == (40.01,)
    for bad in ({"lat": "95", "lon": "10"}, {"lat": "40", "lon": "-181"}, {"lat": "north", "lon": "1"}):
        placed = normalised(city="Boulder", region="CO", **bad)
        assert 39.9 < placed["lat"] < 40.1 and -105.4 < placed["lon"] < -105.1, bad
        nowhere = normalised(**bad)
        assert (nowhere["lat"], nowhere["lon"]) == (None, None), bad


def test_normalise_writes_phones_in_e164_and_keeps_only_http_websites():
    assert normalised(phone="(303) 555-0100")["phone"] == "+13035550100"
    assert normalised(phone="call us")["phone"] == ""
    assert normalised(website="www.janedoe.com/about")["website"] == "https://www.janedoe.com/about"
    for hostile in ("javascript:alert(1)", "data:text/html,x", "mailto:a@b.c", "ftp://janedoe.com"):
        assert normalised(website=hostile)["website"] == "", hostile


# -- classify ------------------------------------------------------------------------------------------------

def test_classify_publishes_a_ketamine_provider_with_what_it_offers():
    item = classified(name="Jane Doe", text=KETAMINE_TEXT)
    assert (item["status"], item["reason"]) == ("published", "")
    listing = item["listing"]
    assert [(r["route"], r["setting"]) for r in listing["routes"]] == [("im", "in_clinic")]
    assert [c["program"] for c in listing["certifications"]] == ["fluence"]
    assert listing["ketamine"] is True and listing["offers_at_home"] is False


def test_classify_rejects_a_page_without_a_name_even_when_it_offers_ketamine():
    item = classified(name="", text=KETAMINE_TEXT)
    assert (item["status"], item["reason"]) == ("rejected", "no practitioner name on the page")


def test_classify_rejects_a_named_page_that_offers_no_ketamine():
    item = classified(name="Jane Doe", text="Jane Doe is a psychotherapist offering EMDR.")
    assert (item["status"], item["reason"]) == (
        "rejected", "not a ketamine provider: no ketamine care offered in the text")


def test_a_roster_row_is_published_without_service_text_and_carries_its_programme():
    """A roster vouches for the person; only a directory or clinic page must show ketamine care."""
    item = classified(name="Jane Doe", kind="roster", text="", roster_program="fluence")
    assert (item["status"], item["reason"]) == ("published", "")
    assert [c["program"] for c in item["listing"]["certifications"]] == ["fluence"]
    assert classified(name="Jane Doe", kind="directory", text="", roster_program="fluence")["status"] == "rejected"


def test_classify_reads_where_only_remote_or_at_home_ketamine_care_serves():
    remote = classified(name="Jane Doe", text="IM ketamine in our clinic. Sessions also by telehealth in Colorado"
                                              " and Utah.")["listing"]
    assert [s["region"] for s in remote["serves"]] == ["CO", "UT"]
    clinic_only = classified(name="Jane Doe", text="We offer IV ketamine infusions in our clinic, serving patients"
                                                   " in Colorado, Utah and New Mexico.")["listing"]
    assert clinic_only["serves"] == []
    not_ketamine = classified(name="Jane Doe", text="Talk therapy by telehealth in Colorado and Utah.")
    assert not_ketamine["listing"]["serves"] == [] and not_ketamine["status"] == "rejected"


def test_classify_adds_credentials_from_the_text_once():
    item = classified(name="Jane Doe", credentials=["LMFT"], text="Jane Doe, LMFT, PsyD offers IM ketamine in our"
                                                                   " clinic.")
    assert item["listing"]["credentials"] == ["LMFT", "PsyD"]


def test_a_failing_extraction_is_kept_as_rejected_and_counted_by_kind(tmp_path):
    crawler, spider = crawl_parts(tmp_path)
    broken = {"source": "tiny", "url": "https://example.org/p", "key": "",
              "listing": {"name": "Jane Doe", "text": KETAMINE_TEXT, "credentials": None}}
    item = ClassifyPipeline.from_crawler(crawler).process_item(broken)
    assert (item["status"], item["reason"]) == ("rejected", "extraction failed: TypeError")
    assert spider.errors["extraction_error"] == 1
    assert crawler.stats.get_value("kapdir/errors/extraction_error") == 1


# -- store ---------------------------------------------------------------------------------------------------

def stored_item(name="Jane Doe", url="https://example.org/p") -> dict:
    item = NormalisePipeline().process_item({"source": "tiny", "url": url, "name": name, "text": KETAMINE_TEXT,
                                             "city": "Denver", "region": "CO", "phone": "303-555-0100"})
    return ClassifyPipeline().process_item(item)


def test_store_writes_each_item_and_builds_records_when_the_spider_closes(tmp_path):
    crawler, spider = crawl_parts(tmp_path)
    pipe = StorePipeline.from_crawler(crawler)
    pipe.open_spider(spider)
    assert spider.known_urls == set() and spider.known_lastmod == {}
    item = stored_item()
    assert pipe.process_item(item, spider) is item
    spider.counts["pages"] += 1
    pipe.spider_closed(spider, "finished")
    with Store(spider.paths.db) as store:
        (listing,) = store.listings(source="tiny")
        assert listing["status"] == "published" and listing["data"]["phone"] == "+13035550100"
        assert store.record(listing["record_id"])["name"] == "Jane Doe"
        job = store.last_job("tiny")
        assert job["status"] == "ok" and job["stats"]["items"] == 1 and job["stats"]["new"] == 1
    assert pipe.job.store is None, "closed: the store and the lock are released"


def test_store_drops_a_suppressed_person_without_storing_them(tmp_path):
    crawler, spider = crawl_parts(tmp_path)
    spider.paths.ensure()
    with Store(spider.paths.db) as store:
        curation.suppress(store, "Jane Doe", actor="maint", reason="asked to be removed")
    pipe = StorePipeline.from_crawler(crawler)
    pipe.open_spider(spider)
    with pytest.raises(DropItem, match="^suppressed by a removal request$"):
        pipe.process_item(stored_item(), spider)
    assert pipe.job.counts["suppressed"] == 1
    assert pipe.job.store.listings(source="tiny") == []
    pipe.job.close()


def test_store_refuses_items_while_another_crawl_holds_the_source(tmp_path):
    crawler, spider = crawl_parts(tmp_path)
    spider.paths.ensure()
    with SourceLock(spider.paths.locks_dir, "tiny"):
        pipe = StorePipeline.from_crawler(crawler)
        pipe.open_spider(spider)
        assert spider.locked_out is True
        with pytest.raises(DropItem, match="^another crawl of this source holds the lock$"):
            pipe.process_item(stored_item(), spider)
        pipe.spider_closed(spider, "finished")  # nothing to finish: no job was opened
    assert not spider.paths.db.exists() or Store(spider.paths.db).listings(source="tiny") == []


def test_store_does_not_take_the_lock_the_cli_already_holds(tmp_path):
    crawler, spider = crawl_parts(tmp_path, KAPDIR_LOCK_HELD=True)
    spider.paths.ensure()
    with SourceLock(spider.paths.locks_dir, "tiny"):
        pipe = StorePipeline.from_crawler(crawler)
        pipe.open_spider(spider)
        assert not getattr(spider, "locked_out", False)
        assert pipe.process_item(stored_item(), spider)
        pipe.job.close()


# -- feed ----------------------------------------------------------------------------------------------------

def test_feed_passes_items_through_and_ends_with_one_trailer(tmp_path):
    crawler, spider = crawl_parts(tmp_path)
    crawler.stats.open_spider()
    sent = []
    crawler.signals.connect(lambda item, **_: sent.append(item), signal=signals.item_scraped, weak=False)
    pipe = FeedPipeline.from_crawler(crawler)
    raw = {"source": "tiny", "url": "https://example.org/p", "name": "Dr. Jane Doe, LMFT"}
    assert pipe.process_item(raw, spider) is raw and raw["name"] == "Dr. Jane Doe, LMFT"
    pipe.process_item(dict(raw), spider)
    spider.counts["pages"] += 2
    spider.fetched_lastmod["https://example.org/p"] = "2026-01-01"
    crawler.signals.send_catch_log(signal=signals.spider_idle, spider=spider)
    crawler.signals.send_catch_log(signal=signals.spider_idle, spider=spider)
    (trailer,) = sent
    assert trailer[TRAILER_KEY] == FEED_VERSION == 1
    assert (trailer["source"], trailer["items"]) == ("tiny", 2)
    assert trailer["stats"]["pages"] == 2 and trailer["stats"]["finish_reason"] == "finished"
    assert trailer["fetched_lastmod"] == {"https://example.org/p": "2026-01-01"}
    assert trailer["started_at"] <= trailer["finished_at"]
