"""What each function over Whoosh's internals (index/whoosh_private.py) must give, on a real tiny index.

Each answer is compared with Whoosh's own public one, so an upgrade of Whoosh that moves or changes an
internal fails here, next to the one function that uses it, rather than as a wrong ranking elsewhere.
"""

from __future__ import annotations

import numpy as np
import pytest
from whoosh import index as whoosh_index
from whoosh.fields import ID, TEXT, Schema
from whoosh.matching import ListMatcher, WrappingMatcher
from whoosh.scoring import BM25F
from whoosh.util.numeric import byte_to_length

from index import whoosh_private as wp

WORDS = "ketamine clinic infusion home office nasal spray lozenges".split()


def schema() -> Schema:
    return Schema(id=ID(stored=True, unique=True), name=TEXT, body=TEXT)


def doc(i: int) -> dict:
    """Body lengths vary from 1 to ~80 words; every 7th document has no body at all; 'ketamine' is in most."""
    body = " ".join(WORDS[(i + k) % len(WORDS)] for k in range(1 + i % 80)) + (" ketamine" * (i % 3))
    return {"id": str(i), "name": f"Person {i}", **({} if i % 7 == 0 else {"body": body})}


@pytest.fixture(scope="module", params=[False, True], ids=["separate-files", "compound"])
def compound(request) -> bool:
    return request.param


@pytest.fixture(scope="module")
def ix(compound, tmp_path_factory):
    """Three segments (300, 40 and 5 documents; the first two with a deletion), written as kapdir writes
    them (separate files) and as Whoosh does by default (one compound file)."""
    folder = tmp_path_factory.mktemp("wp")
    ix = whoosh_index.create_in(str(folder), schema())
    for lo, hi in ((0, 300), (300, 340), (340, 345)):
        w = ix.writer(compound=compound)
        for i in range(lo, hi):
            w.add_document(**doc(i))
        if lo:
            w.delete_by_term("id", str(lo - 1))
        w.commit(merge=False)
    yield ix
    ix.close()


def leaves(searcher):
    return [leaf for leaf, _offset in searcher.reader().leaf_readers()]


def leaf_matcher(leaf, field: str, word: str):
    """The postings matcher without the deletions filter around it (the caller masks deleted documents)."""
    m = leaf.postings(field, word)
    while isinstance(m, WrappingMatcher):
        m = m.child
    return m


def test_index_folder_is_the_index_directory(ix):
    with ix.searcher() as s:
        assert wp.index_folder(s) == ix.storage.folder


def test_segment_key_is_the_folder_and_the_segment_id(ix, compound):
    with ix.searcher() as s:
        keys = [wp.segment_key(leaf) for leaf in leaves(s)]
        assert [k[1] for k in keys] == [leaf.segment().segment_id() for leaf in leaves(s)]
    assert len(set(keys)) == 3
    if not compound:  # a compound segment is read through a storage of its own, without a folder
        assert {k[0] for k in keys} == {ix.storage.folder}


def test_segment_key_is_none_for_an_index_without_segments(tmp_path):
    empty = whoosh_index.create_in(str(tmp_path), schema())
    with empty.searcher() as s:
        assert wp.segment_key(s.reader()) is None
        assert wp.field_length_bytes(s.reader(), "body", 0) is None


def test_field_length_bytes_decode_to_whoosh_field_lengths(ix):
    with ix.searcher() as s:
        for leaf in leaves(s):
            n = leaf.doc_count_all()
            for field in ("body", "name"):
                raw = wp.field_length_bytes(leaf, field, n)
                assert raw.dtype == np.uint8 and len(raw) == n
                assert [byte_to_length(b) for b in raw] == [leaf.doc_field_length(i, field) or 0 for i in range(n)]
        first = leaves(s)[0]
        assert 0 in set(wp.field_length_bytes(first, "body", first.doc_count_all()))  # documents without a body


def test_posting_blocks_give_every_posting_with_its_weight(ix):
    with ix.searcher() as s:
        first = leaves(s)[0]
        blocks = list(wp.posting_blocks(leaf_matcher(first, "body", "ketamine")))
        assert len(blocks) > 1, "a term long enough to span several blocks"
        for leaf in leaves(s):
            for word in ("ketamine", "spray", "person"):
                field = "name" if word == "person" else "body"
                if (field, word) not in leaf:
                    continue
                ids, weights = [], []
                for deltas, w, count in wp.posting_blocks(leaf_matcher(leaf, field, word)):
                    assert len(deltas) == count
                    ids += np.cumsum(np.asarray(deltas, dtype=np.int64)).tolist()
                    weights += [1.0] * count if w is None else [w] * count if isinstance(w, float) else list(w)
                assert ids == list(leaf_matcher(leaf, field, word).all_ids())
                m = leaf_matcher(leaf, field, word)
                expected = []
                while m.is_active():
                    expected.append(m.weight())
                    m.next()
                assert np.array_equal(np.float32(weights), np.float32(expected))


def test_posting_blocks_decline_other_matchers():
    assert wp.posting_blocks(ListMatcher([1, 2, 3])) is None


def test_field_b_is_the_per_field_value_or_the_default():
    weighting = BM25F(B=0.75, K1=1.2, body_B=0.3)
    assert wp.field_b(weighting, "body") == 0.3
    assert wp.field_b(weighting, "name") == 0.75


def test_an_unlocked_segment_is_written_beside_the_writer_and_committed_by_it(tmp_path):
    ix = whoosh_index.create_in(str(tmp_path), schema())
    writer = ix.writer()  # holds the index's write lock, as index.build's rebuild does
    parts = []
    for lo, hi in ((0, 30), (30, 50)):
        seg_writer = wp.unlocked_segment_writer(ix, compound=False)  # no LockError: it takes no lock
        for i in range(lo, hi):
            seg_writer.add_document(**doc(i))
        parts.append(wp.finish_segment(seg_writer))
    assert [p.doc_count() for p in parts] == [30, 20]
    writer.commit(mergetype=lambda _writer, _old: parts)
    with ix.searcher() as s:
        assert s.doc_count() == 50
        assert [s.stored_fields(i)["id"] for i in range(50)] == [str(i) for i in range(50)]
    ix.close()
