"""One crawl at a time per source, across processes and machines sharing a data dir.

`flock` is released by the kernel when its holder dies, so a lock can never outlive a killed crawl; the
lock file keeps the holder's pid and start time, which lets a later run say it cleared a stale one.
"""

from __future__ import annotations

import fcntl
import json
import logging
import os
import time
from pathlib import Path

from kapdir.errors import LockedError

log = logging.getLogger(__name__)


class SourceLock:
    def __init__(self, locks_dir: Path, source: str):
        self.path = Path(locks_dir) / f"{source}.lock"
        self.source = source
        self._fd: int | None = None

    def holder(self) -> dict:
        try:
            return json.loads(self.path.read_text() or "{}")
        except (OSError, ValueError):
            return {}

    def acquire(self) -> SourceLock:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            who = self.holder()
            raise LockedError(f"source '{self.source}' is already being crawled (pid {who.get('pid', '?')}, "
                              f"since {who.get('since', '?')})") from None
        stale = self.holder()
        if stale.get("pid") and stale.get("pid") != os.getpid():
            log.warning("cleared a stale lock for %s left by pid %s (started %s)", self.source, stale["pid"],
                        stale.get("since"))
            self.stale_cleared = stale
        os.ftruncate(fd, 0)
        os.write(fd, json.dumps({"pid": os.getpid(), "since": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())})
                 .encode())
        self._fd = fd
        return self

    def release(self) -> None:
        if self._fd is None:
            return
        try:
            os.ftruncate(self._fd, 0)
            fcntl.flock(self._fd, fcntl.LOCK_UN)
        finally:
            os.close(self._fd)
            self._fd = None

    def __enter__(self) -> SourceLock:
        return self.acquire()

    def __exit__(self, *exc) -> None:
        self.release()

    stale_cleared: dict | None = None
