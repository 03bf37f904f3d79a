"""Where kapdir keeps things. Everything mutable lives under one data dir so it can be backed up or moved."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from kapdir.errors import KapdirError

PROJECT_DIR = Path(__file__).resolve().parent.parent
DEFAULT_SOURCES = PROJECT_DIR / "sources"
SAMPLES_DIR = PROJECT_DIR / "crawler" / "samples"
USER_AGENT = os.environ.get(
    "KAPDIR_USER_AGENT", "kapdir/0.1 (+https://kapdir.example.org/about/crawler; directory of KAP practitioners)"
)


@dataclass(frozen=True)
class Paths:
    data_dir: Path
    sources_dir: Path

    @property
    def db(self) -> Path:
        return self.data_dir / "kapdir.sqlite3"

    @property
    def index_dir(self) -> Path:
        return self.data_dir / "index"

    @property
    def logs_dir(self) -> Path:
        return self.data_dir / "logs"

    @property
    def locks_dir(self) -> Path:
        return self.data_dir / "locks"

    @property
    def httpcache_dir(self) -> Path:
        return self.data_dir / "httpcache"

    def ensure(self) -> Paths:
        """Create the data dir tree, turning permission problems into one readable line."""
        try:
            for d in (self.data_dir, self.logs_dir, self.locks_dir):
                d.mkdir(parents=True, exist_ok=True)
            probe = self.data_dir / ".write-test"
            probe.write_text("ok")
            probe.unlink()
        except OSError as exc:
            raise KapdirError(f"data dir {self.data_dir} is not writable: {exc.strerror or exc}") from None
        return self


def resolve(data_dir: str | os.PathLike | None = None, sources_dir: str | os.PathLike | None = None) -> Paths:
    """Command-line flags win over environment variables, which win over the defaults."""
    data = data_dir or os.environ.get("KAPDIR_DATA_DIR") or "./var"
    sources = sources_dir or os.environ.get("KAPDIR_SOURCES") or DEFAULT_SOURCES
    return Paths(Path(data).expanduser().resolve(), Path(sources).expanduser().resolve())
