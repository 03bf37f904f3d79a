"""The site never blinks: while crawls write the store and the index is updated (even rebuilt), a live
`kapdir serve` keeps answering with whole, consistent results, and picks up the new index without a restart."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import threading
import time
import urllib.request

from tests.conftest import ROOT, UNREACHED_RATE_LIMIT, copy_data_dir, kapdir
from tests.test_demo import free_port


def test_queries_stay_consistent_during_crawl_and_rebuild(tmp_path, sites, lotus_crawl):
    # The starting store is the worker's lotus crawl, copied (its source file too, naming the lotus site
    # still up): the crawls under test are the two below, made while the server answers.
    assert lotus_crawl.run.returncode == 0
    data = copy_data_dir(lotus_crawl.data, tmp_path / "d")
    shutil.copy(lotus_crawl.sources / "lotus.toml", sites.sources_dir)
    port = free_port()
    server = subprocess.Popen([sys.executable, "-m", "kapdir", "--data-dir", str(data), "serve", "--port", str(port)],
                              cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                              env={**os.environ, "PYTHONUNBUFFERED": "1", "KAPDIR_RATE_LIMIT": UNREACHED_RATE_LIMIT})
    url = f"http://127.0.0.1:{port}/api/v1/search?per_page=100"
    for _ in range(100):
        try:
            urllib.request.urlopen(url, timeout=5).read()
            break
        except OSError:
            time.sleep(0.1)
    totals, errors, stop = [], [], threading.Event()
    seen: dict[int, list[int]] = {}  # each thread's totals, in the order its (sequential) requests were answered

    def hammer():
        mine = seen.setdefault(threading.get_ident(), [])
        while not stop.is_set():
            try:
                with urllib.request.urlopen(url, timeout=10) as r:
                    body = json.loads(r.read())
                ids = [x["id"] for x in body["results"]]
                if body["total"] != len(ids) or len(set(ids)) != len(ids):
                    errors.append(f"inconsistent page: total {body['total']} vs {len(ids)} results")
                if sum(body["facets"]["city"].values()) != body["total"]:
                    errors.append("facets disagree with the result set")
                totals.append(body["total"])
                mine.append(body["total"])
                time.sleep(0.02)  # a steady stream, not a spin that starves the crawls and the other workers
            except Exception as exc:  # noqa: BLE001 - every failure is a finding
                errors.append(repr(exc))

    threads = [threading.Thread(target=hammer) for _ in range(3)]
    try:
        for t in threads:
            t.start()
        before = totals[-1] if totals else None
        for site in ("riverbend", "oakline"):
            sites.start(site)
            r = kapdir("crawl", site, data_dir=data, sources=sites.sources_dir)
            assert r.returncode == 0, r.stderr
        assert kapdir("index", "--rebuild", data_dir=data).returncode == 0
        time.sleep(0.5)
    finally:
        stop.set()
        for t in threads:
            t.join(timeout=30)
        server.terminate()
        _out, err = server.communicate(timeout=20)
    assert not errors, (errors[:5], err[-3000:])
    assert len(totals) >= 20
    after = max(totals)
    assert after > (before or 0)  # new records visible without a restart
    # totals only ever grow through whole crawls: never a half-written state in between. (Each thread's own
    # answers are in order; across threads, an answer to an earlier request may be appended after a later one.)
    assert all(mine == sorted(mine) for mine in seen.values()), [m for m in seen.values() if m != sorted(m)][:1]
    assert all(mine[-1] == max(totals) for mine in seen.values() if mine)  # and every thread ends up current
