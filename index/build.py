"""Bring the Whoosh index up to date with the record store, incrementally or from scratch.

Only one writer at a time (Whoosh's own lock, waited on with a timeout). Each update is one commit, so
readers see either the old index or the new one, never half of it. The last store ``seq`` indexed is kept
in ``kapdir-index.json`` beside the segments; replaying an update is harmless.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import time
from pathlib import Path

from whoosh import index as whoosh_index
from whoosh.writing import CLEAR

from index.schema import make_schema, to_document
from kapdir.errors import KapdirError
from kapdir.records import public
from kapdir.store import Store, now_iso

log = logging.getLogger(__name__)
META = "kapdir-index.json"
INDEX_NAME = "kapdir"
WRITER_TIMEOUT = 120.0


def read_meta(index_dir: Path) -> dict:
    try:
        return json.loads((Path(index_dir) / META).read_text())
    except (OSError, ValueError):
        return {}


def _write_meta(index_dir: Path, meta: dict) -> None:
    tmp = Path(index_dir) / (META + ".tmp")
    tmp.write_text(json.dumps(meta, indent=1))
    os.replace(tmp, Path(index_dir) / META)


def open_or_create(index_dir: Path):
    """Open the index; a missing one is created, a corrupt one is moved aside and recreated empty."""
    index_dir = Path(index_dir)
    index_dir.mkdir(parents=True, exist_ok=True)
    has_files = any(index_dir.glob(f"_{INDEX_NAME}_*.toc"))
    if has_files:
        try:
            ix = whoosh_index.open_dir(str(index_dir), indexname=INDEX_NAME)
            with ix.searcher() as s:
                s.doc_count()
            return ix, False
        except Exception as exc:  # noqa: BLE001 - any failure to read means: rebuild from the store
            aside = index_dir.with_name(f"{index_dir.name}.corrupt-{int(time.time())}")
            log.error("search index at %s is unreadable (%s); moved to %s and rebuilding from the store",
                      index_dir, exc, aside)
            shutil.move(str(index_dir), str(aside))
            index_dir.mkdir(parents=True)
    return whoosh_index.create_in(str(index_dir), make_schema(), indexname=INDEX_NAME), True


def update_index(store: Store, index_dir: Path, *, rebuild: bool = False) -> dict:
    """Apply every record change newer than the index's seq (or everything, with ``rebuild``)."""
    index_dir = Path(index_dir)
    ix, created = open_or_create(index_dir)
    meta = {} if (rebuild or created) else read_meta(index_dir)
    since = int(meta.get("seq", 0))
    started = time.monotonic()
    try:
        writer = ix.writer(timeout=WRITER_TIMEOUT)
    except Exception as exc:  # whoosh raises LockError after the timeout
        raise KapdirError(f"search index {index_dir} is locked by another writer: {exc}") from None
    added = removed = 0
    top = since
    try:
        if since == 0:
            top = store.current_seq()
            for record in store.records(published_only=True):
                writer.add_document(**to_document(public(record)))
                added += 1
            writer.commit(mergetype=CLEAR, optimize=False)
        else:
            for seq, rid, published, record in store.changes_since(since):
                top = max(top, seq)
                if published:
                    writer.update_document(**to_document(public(record)))
                    added += 1
                else:
                    writer.delete_by_term("id", rid)
                    removed += 1
            writer.commit()
    except BaseException:
        writer.cancel()
        raise
    with ix.searcher() as s:
        count = s.doc_count()
    result = {"seq": top, "updated_at": now_iso(), "documents": count, "added_or_updated": added,
              "removed": removed, "rebuilt": since == 0, "seconds": round(time.monotonic() - started, 3)}
    _write_meta(index_dir, result)
    ix.close()
    return result
