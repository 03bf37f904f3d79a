"""Every use of Whoosh's private names and attributes, in one file.

kapdir reads and writes its index through Whoosh's public API, except where speed needs what Whoosh keeps
to itself: posting blocks and field-length columns read as arrays (``index.textrank``), segments written by
forked processes (``index.build``, as Whoosh's own multi-process writer does), and the index folder and
segment that the per-segment caches are keyed by (``index.facets``, ``index.textrank``, ``index.reader``).
These names are not promised by Whoosh and may change in any release, which is why the version is pinned
exactly (README, Choices): when Whoosh is upgraded, this file is the one to check, and
tests/test_whoosh_private.py pins what each function must give against Whoosh's public answers.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
from whoosh.codec.whoosh3 import LENGTHS_COLUMN, W3LeafMatcher, _lenfield
from whoosh.writing import SegmentWriter


def index_folder(searcher) -> str:
    """The folder of the index a searcher reads (an id for an index without one, e.g. in RAM).
    Raises AttributeError for a searcher not opened from an index."""
    ix = searcher._ix
    return str(getattr(ix.storage, "folder", id(ix)))


def segment_key(reader) -> tuple | None:
    """(index folder, segment id) of a segment reader; None for anything else (an empty index). A segment
    never changes once written, so this keys anything derived from one."""
    segment = getattr(reader, "_segment", None)
    storage = getattr(reader, "_storage", None)
    if segment is None or storage is None:
        return None
    return (str(getattr(storage, "folder", id(storage))), segment.segment_id())


def field_length_bytes(reader, field: str, n: int) -> np.ndarray | None:
    """Each of a segment's n documents' length of `field` as the one byte Whoosh stores (0 where none is
    stored), read in one slice when the column is the plain fixed-width kind; None when the reader is not a
    whoosh3 segment reader."""
    try:
        col = reader._perdoc._cached_reader(_lenfield(field), LENGTHS_COLUMN)
    except AttributeError:
        return None
    raw = np.zeros(n, dtype=np.uint8)
    if col is not None:
        count = min(getattr(col, "_count", 0), n)
        if getattr(col, "_fixedlen", None) == 1 and count:
            raw[:count] = np.frombuffer(col._dbfile.get(col._basepos, count), dtype=np.uint8)
        else:
            raw[:] = np.fromiter((col[i] for i in range(n)), dtype=np.uint8, count=n)
    return raw


def posting_blocks(matcher) -> Iterator[tuple[object, object, int]] | None:
    """A whoosh3 leaf matcher's postings one block at a time, as (docnum deltas, weights, count): weights
    are an array, one float for the whole block, or None (all 1.0). None when the matcher is of another
    kind or stores its ids as bytes; the caller then walks it posting by posting. Consumes the matcher."""
    if not isinstance(matcher, W3LeafMatcher) or matcher._byteids:
        return None
    return _blocks(matcher)


def _blocks(m) -> Iterator[tuple[object, object, int]]:
    while m.is_active():
        if m._data is None:
            m._read_data()
        yield m._data[0], m._data[1], m._blocklength
        m._next_block()


def field_b(weighting, field: str) -> float:
    """BM25F's length normalisation B for one field (a per-field value, or the weighting's own)."""
    return weighting._field_B.get(field, weighting.B)


def unlocked_segment_writer(ix, **kwargs) -> SegmentWriter:
    """A writer for a segment of its own, taking no index lock: the caller holds the index's write lock for
    every process writing one (Whoosh's multi-process writer does the same)."""
    return SegmentWriter(ix, _lk=False, **kwargs)


def finish_segment(writer: SegmentWriter):
    """Write out an unlocked writer's segment without committing it, for the locked writer to commit."""
    return writer._finalize_segment()
