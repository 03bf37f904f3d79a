"""Source files: a good one loads; each kind of mistake gives one line naming the key."""

import subprocess
import sys

import pytest

from kapdir.errors import KapdirError
from kapdir.sources import parse_source

GOOD = """
name = "lotus"
title = "Lotus Ketamine Network"
kind = "directory"
start_urls = ["https://example.org/directory/"]
follow = ['/directory/\\?page=\\d+']
detail = ['/provider/[^/]+/$']
download_delay = 1.5
schedule = "12h"
[selectors]
name = ".loc-name"
"""


def write(tmp_path, text, name="lotus"):
    p = tmp_path / f"{name}.toml"
    p.write_text(text)
    return p


def test_good_source_loads_with_defaults(tmp_path):
    s = parse_source(write(tmp_path, GOOD))
    assert s.name == "lotus" and s.kind == "directory"
    assert s.allowed_domains == ["example.org"]
    assert s.download_delay == 1.5 and s.schedule == "12h" and s.enabled is True
    assert s.is_detail("https://example.org/provider/elena-marsh/")
    assert s.is_follow("https://example.org/directory/?page=2")
    assert not s.is_detail("https://example.org/directory/")


@pytest.mark.parametrize("change, key, words", [
    (("follow = ", "folow = "), "folow", "did you mean 'follow'"),
    (("detail = ['/provider/[^/]+/$']", "detail = ['/provider/[']"), "detail", "bad regex"),
    (('start_urls = ["https://example.org/directory/"]', ""), "start_urls", "missing"),
    (('start_urls = ["https://example.org/directory/"]', 'start_urls = ["ftp://x/"]'), "start_urls", "not an http"),
    (('kind = "directory"', 'kind = "blog"'), "kind", "must be one of"),
    (('name = "lotus"', 'name = "Lotus!"'), "name", "[a-z0-9-]+"),
    (('name = "lotus"', 'name = "other"'), "name", "must equal the file name"),
    (("download_delay = 1.5", 'download_delay = "slow"'), "download_delay", "must be int or float"),
    (("download_delay = 1.5", "download_delay = -3"), "download_delay", "between 0 and 600"),
    (('schedule = "12h"', 'schedule = "sometimes"'), "schedule", "neither an interval"),
    (('name = ".loc-name"', 'nmae = ".x"'), "selectors.nmae", "unknown selector"),
    (('name = ".loc-name"', 'name = "div[[["'), "selectors.name", "bad CSS selector"),
    (('kind = "directory"', 'kind = "roster"\ncertification = "hogwarts"'), "certification", "unknown programme"),
    (('name = ".loc-name"', 'detail_link = "a.more"'), "selectors.detail_link", "links matching `detail`"),
    (("schedule = ", "max_depth = 0\nschedule = "), "max_depth", "at least 1"),
    (("schedule = ", "download_timeout = 900\nschedule = "), "download_timeout", "between 1 and 300"),
    (("schedule = ", 'allowed_domains = ["example.org/x"]\nschedule = '), "allowed_domains", "bare host name"),
    (('start_urls = ["https://example.org/directory/"]', 'sitemap_urls = ["robots"]'), "sitemap_urls", "needs start_urls"),
    (("schedule = ", "enabled = 1\nschedule = "), "enabled", "must be bool"),
])
def test_each_mistake_names_its_key(tmp_path, change, key, words):
    old, new = change
    assert old in GOOD
    with pytest.raises(KapdirError) as exc:
        parse_source(write(tmp_path, GOOD.replace(old, new, 1)))
    msg = str(exc.value)
    assert f"key '{key}'" in msg and words in msg
    assert "\n" not in msg


def test_every_key_is_declared_once_and_absent_keys_take_its_default(tmp_path):
    """The key table is the one place a key is declared: a minimal file gets every default from it."""
    from dataclasses import fields

    from kapdir.sources import KEYS, Source

    assert set(KEYS) == {f.name for f in fields(Source)} - {"path"}
    s = parse_source(write(tmp_path, 'name = "lotus"\nstart_urls = ["https://example.org/"]\n'))
    for key, spec in KEYS.items():
        if key not in ("name", "start_urls", "title", "allowed_domains"):
            assert getattr(s, key) == spec.default or list(getattr(s, key)) == list(spec.default), key
    assert s.title == "lotus" and s.allowed_domains == ["example.org"]
    s.follow.append("x")  # each Source has lists of its own
    assert parse_source(write(tmp_path, 'name = "lotus"\nstart_urls = ["https://example.org/"]\n')).follow == []


def test_malformed_toml_is_one_line(tmp_path):
    with pytest.raises(KapdirError) as exc:
        parse_source(write(tmp_path, 'name = "lotus"\nstart_urls = ["https://x.org/"'))
    assert "malformed TOML" in str(exc.value) and "\n" not in str(exc.value)


def test_cron_schedule_is_accepted(tmp_path):
    s = parse_source(write(tmp_path, GOOD.replace('"12h"', '"0 3 * * 1"')))
    assert s.schedule == "0 3 * * 1"


def test_cli_unknown_source_is_one_line_no_traceback(tmp_path):
    write(tmp_path, GOOD)
    r = subprocess.run([sys.executable, "-m", "kapdir", "--data-dir", str(tmp_path / "d"), "--sources",
                        str(tmp_path), "crawl", "nosuch"], capture_output=True, text=True, timeout=60)
    assert r.returncode != 0
    assert r.stderr.strip() == "kapdir: error: unknown source 'nosuch' (known: lotus)"
    assert "Traceback" not in r.stderr


def test_cli_unwritable_data_dir(tmp_path):
    write(tmp_path, GOOD)
    blocker = tmp_path / "file"
    blocker.write_text("x")
    r = subprocess.run([sys.executable, "-m", "kapdir", "--data-dir", str(blocker / "sub"), "--sources",
                        str(tmp_path), "crawl", "lotus"], capture_output=True, text=True, timeout=60)
    assert r.returncode != 0
    assert "not writable" in r.stderr and "Traceback" not in r.stderr
    assert len(r.stderr.strip().splitlines()) == 1


def test_a_roster_without_a_registry_programme_is_a_valid_source(tmp_path):
    """A ketamine network's member roster is a roster even when its programme is not in the registry: its
    people are published as listed on it, with no training claim (crawler/pipelines/classify.py)."""
    from crawler.pipelines.classify import apply_verdict

    path = tmp_path / "net.toml"
    path.write_text('name = "net"\nkind = "roster"\nstart_urls = ["https://net.example.org/roster/"]\n')
    assert parse_source(path).certification == ""
    listing = {"kind": "roster", "name": "Jane Doe", "text": "", "credentials": []}
    assert apply_verdict(listing) == ("published", "")
    assert listing["certifications"] == []
    assert apply_verdict({"kind": "directory", "name": "Jane Doe", "text": "", "credentials": []})[0] == "rejected"
