"""Free-text matching and BM25F ranking over Whoosh's own postings, vectorised with numpy.

Whoosh scores matches one posting at a time in Python: ranking every document that contains "infusion" in
a 100k directory took ~400 ms. The numbers it needs are few: per term, the documents that hold it, the
term's weight in each (term frequency × field boost) and each document's field length. This module reads
those once per immutable segment into arrays (an LRU bounded in bytes; an incremental commit adds a small
segment and leaves the others' entries valid), then scores a query with Whoosh's own BM25F formula and
statistics (idf and average field length from the searcher) as a few array operations.

Only the query shapes the text box produces are handled here: terms, AND, OR, NOT, AND NOT. Anything else
(phrases in quotes, for instance, which need positions) raises `Unsupported`, and the caller asks Whoosh.
Scores equal Whoosh's up to the order floating-point additions are done in (a relative 1e-12).
"""

from __future__ import annotations

import numpy as np
from whoosh import query as wq
from whoosh.matching import WrappingMatcher
from whoosh.scoring import BM25F
from whoosh.util.numeric import byte_to_length

from index.caching import LRU
from index.whoosh_private import field_b, field_length_bytes, posting_blocks, segment_key

TEXT_FIELDS = ("name", "practice", "body")
CACHE_BYTES = 96 * 1024 * 1024  # postings kept per process; 100k records' common terms take a few MB each
_BYTE_LENGTH = np.array([byte_to_length(i) for i in range(256)], dtype=np.float64)


class Unsupported(Exception):
    """A query node this module does not evaluate; the caller falls back to Whoosh."""


_POSTINGS = LRU(CACHE_BYTES)  # cost: bytes
_LENGTHS = LRU(CACHE_BYTES // 4)


def clear_caches() -> None:
    """Forget every cached posting list (benchmarks use it to time a cold start)."""
    _POSTINGS.clear()
    _LENGTHS.clear()


def _segment_key(reader) -> tuple:
    key = segment_key(reader)
    if key is None:
        raise Unsupported("not a segment reader")
    return key


def field_lengths(reader, seg: tuple, field: str) -> np.ndarray:
    """Each document's length of `field` in one segment, decoded the way Whoosh decodes it (one byte)."""
    key = (*seg, field)
    hit = _LENGTHS.get(key)
    if hit is not None:
        return hit
    raw = field_length_bytes(reader, field, reader.doc_count_all())
    if raw is None:
        raise Unsupported("not a whoosh3 segment")
    lengths = _BYTE_LENGTH[raw]
    _LENGTHS.put(key, lengths, lengths.nbytes)
    return lengths


def _read_matcher(m) -> tuple[np.ndarray, np.ndarray]:
    """(segment docnums, weights) of one posting list, block by block where the codec allows."""
    while isinstance(m, WrappingMatcher):  # deletions filter: deleted documents are masked by the caller
        m = m.child
    ids: list[np.ndarray] = []
    weights: list[np.ndarray] = []
    blocks = posting_blocks(m)
    if blocks is not None:
        for deltas, w, count in blocks:
            ids.append(np.cumsum(np.asarray(deltas, dtype=np.int64)))
            if w is None or isinstance(w, float):  # Whoosh widens these through array("f")
                weights.append(np.full(count, np.float32(1.0 if w is None else w), dtype=np.float64))
            else:
                weights.append(np.asarray(w, dtype=np.float64))
    else:
        i: list[int] = []
        w2: list[float] = []
        while m.is_active():
            i.append(m.id())
            w2.append(m.weight())
            m.next()
        ids.append(np.asarray(i, dtype=np.int64))
        weights.append(np.asarray(w2, dtype=np.float64))
    if not ids:
        return np.zeros(0, dtype=np.int64), np.zeros(0)
    return np.concatenate(ids), np.concatenate(weights)


def segment_postings(reader, seg: tuple, field: str, text: bytes) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(docnums, weights, field lengths) of a term in one segment, read once."""
    key = (*seg, field, text)
    hit = _POSTINGS.get(key)
    if hit is not None:
        return hit
    if (field, text) in reader:
        ids, weights = _read_matcher(reader.postings(field, text))
        lengths = field_lengths(reader, seg, field)[ids]
        value = (ids.astype(np.int32), weights, lengths)
    else:
        value = (np.zeros(0, dtype=np.int32), np.zeros(0), np.zeros(0))
    _POSTINGS.put(key, value, sum(a.nbytes for a in value) + 200)
    return value


def _term_scores(searcher, field: str, text, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Match mask and BM25F score per document (0 where it does not match) of one term."""
    weighting = searcher.weighting
    if type(weighting) is not BM25F:
        raise Unsupported("not BM25F")
    B = field_b(weighting, field)
    K1 = weighting.K1
    fieldobj = searcher.schema[field]
    tbytes = fieldobj.to_bytes(text) if isinstance(text, str) else text
    matched = np.zeros(n, dtype=bool)
    scores = np.zeros(n)
    pieces = []
    for reader, offset in searcher.reader().leaf_readers():
        ids, tf, fl = segment_postings(reader, _segment_key(reader), field, tbytes)
        if len(ids):
            pieces.append((ids.astype(np.int64) + offset, tf, fl))
    if not pieces:
        return matched, scores
    idf = searcher.idf(field, text)
    avgfl = searcher.avg_field_length(field) or 1
    for gids, tf, fl in pieces:
        keep = gids < n
        gids, tf, fl = gids[keep], tf[keep], fl[keep]
        matched[gids] = True
        scores[gids] = idf * ((tf * (K1 + 1)) / (tf + K1 * ((1 - B) + B * fl / avgfl)))
    return matched, scores


def evaluate(searcher, q, n: int) -> tuple[np.ndarray, np.ndarray]:
    """(matches, scores) of a parsed text query over documents 0..n-1; raises Unsupported."""
    if q.boost != 1.0:
        raise Unsupported("boosted query")
    if isinstance(q, wq.Term):
        if q.fieldname not in TEXT_FIELDS:
            raise Unsupported(f"field {q.fieldname}")
        return _term_scores(searcher, q.fieldname, q.text, n)
    if isinstance(q, wq.Every):
        return np.ones(n, dtype=bool), np.zeros(n)
    if isinstance(q, type(wq.NullQuery)):
        return np.zeros(n, dtype=bool), np.zeros(n)
    if isinstance(q, wq.Not):
        matched, _ = evaluate(searcher, q.query, n)
        return ~matched, np.zeros(n)
    if isinstance(q, wq.AndNot):
        matched, scores = evaluate(searcher, q.a, n)
        excluded, _ = evaluate(searcher, q.b, n)
        return matched & ~excluded, scores
    if type(q) in (wq.And, wq.Or) and q.subqueries:
        if isinstance(q, wq.Or) and (q.minmatch or q.scale):
            raise Unsupported("weighted OR")
        conj = isinstance(q, wq.And)
        matched = np.ones(n, dtype=bool) if conj else np.zeros(n, dtype=bool)
        scores = np.zeros(n)
        for sub in q.subqueries:
            m, s = evaluate(searcher, sub, n)
            if conj:
                matched &= m
            else:
                matched |= m
            scores += s
        return matched, scores
    raise Unsupported(type(q).__name__)
