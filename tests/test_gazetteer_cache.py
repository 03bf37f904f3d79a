"""The built gazetteer is kept between processes, keyed by what it is built from."""

import os

import pytest

from kapdir.places import _gazetteer as gz


@pytest.fixture
def cache_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("KAPDIR_CACHE_DIR", str(tmp_path))
    return tmp_path


@pytest.fixture(scope="module")
def built():
    return gz._build()


@pytest.fixture
def counting(built):
    """A build that counts its calls (the real indexes, built once for the module)."""
    calls = []

    def build():
        calls.append(1)
        return built

    return build, calls


def test_second_process_reads_the_file_instead_of_building(cache_dir, counting):
    build, calls = counting
    first = gz._cached(build)
    files = list(cache_dir.glob("gazetteer-*.pickle"))
    assert len(files) == 1 and calls == [1]
    second = gz._cached(build)
    assert calls == [1], "the cached file was not used"
    assert second.zips["80302"] == first.zips["80302"]
    assert second.primary == first.primary
    assert not list(cache_dir.glob(".gazetteer-*")), "temporary file left behind"


def test_a_damaged_file_is_rebuilt_not_trusted(cache_dir, counting):
    build, calls = counting
    gz._cached(build)
    (path,) = cache_dir.glob("gazetteer-*.pickle")
    path.write_bytes(b"\x80\x05not a pickle")
    got = gz._cached(build)
    assert calls == [1, 1]
    assert got.zips["80302"].city == "Boulder"
    assert path.stat().st_size > 1_000_000, "the damaged file was not replaced"


def test_a_file_of_another_kind_is_not_returned(cache_dir, counting):
    import pickle

    build, calls = counting
    gz._cached(build)
    (path,) = cache_dir.glob("gazetteer-*.pickle")
    path.write_bytes(pickle.dumps({"zips": {}}))
    assert gz._cached(build).zips and calls == [1, 1]


def test_the_name_changes_with_a_package_version(cache_dir, monkeypatch):
    before = gz._cache_path()
    real = gz.importlib.metadata.version
    monkeypatch.setattr(gz.importlib.metadata, "version",
                        lambda d: "999" if d == "zipcodes" else real(d))
    assert gz._cache_path() != before
    assert os.path.dirname(gz._cache_path()) == str(cache_dir)


def test_off_turns_it_off(monkeypatch, tmp_path, counting):
    monkeypatch.setenv("KAPDIR_CACHE_DIR", "off")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    build, calls = counting
    gz._cached(build)
    gz._cached(build)
    assert calls == [1, 1] and not list(tmp_path.rglob("gazetteer-*"))


def test_an_unwritable_place_only_costs_the_build(monkeypatch, tmp_path, counting):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    monkeypatch.setenv("KAPDIR_CACHE_DIR", str(blocker / "sub"))
    build, calls = counting
    assert gz._cached(build).zips["80302"].region == "CO" and calls == [1]
