"""`kapdir backup DEST`: a consistent copy of the data dir while crawls and the site keep running.

The record store is copied with SQLite's online backup API (a transactionally consistent snapshot, even
mid-crawl). The index is derived data; it is copied too for a quick restore, table of contents first so
every copied generation is complete (Whoosh never rewrites a segment file once its TOC names it).
"""

from __future__ import annotations

import shutil
from pathlib import Path

from kapdir.config import Paths
from kapdir.errors import KapdirError
from kapdir.store import Store


def backup(paths: Paths, dest: Path) -> dict:
    if not paths.db.exists():
        raise KapdirError(f"no record store at {paths.db}: nothing to back up")
    dest = Path(dest)
    if dest.exists() and any(dest.iterdir()):
        raise KapdirError(f"{dest} exists and is not empty")
    try:
        dest.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise KapdirError(f"cannot create {dest}: {exc.strerror}") from None
    with Store(paths.db, readonly=True) as store:
        copy = store.backup_to(dest / paths.db.name)
    copied = 0
    if paths.index_dir.is_dir():
        (dest / "index").mkdir()
        files = sorted(p for p in paths.index_dir.iterdir() if p.is_file() and not p.name.endswith(".lock")
                       and "LOCK" not in p.name)
        for f in [p for p in files if p.suffix == ".toc"] + [p for p in files if p.suffix != ".toc"]:
            try:
                shutil.copy2(f, dest / "index" / f.name)
                copied += 1
            except FileNotFoundError:  # an old generation cleaned up meanwhile: not needed
                pass
    return {"store": str(dest / paths.db.name), "integrity": copy["integrity"],
            "published_records": copy["published_records"], "index_files": copied}
