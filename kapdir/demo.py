"""`make run`: the bundled sample sites on loopback, crawled by the real crawler, indexed, and served."""

from __future__ import annotations

import signal
import subprocess
import sys
from pathlib import Path

from kapdir.config import SAMPLES_DIR, Paths
from kapdir.samplesite import SampleSite, materialise_source

# Sample sites kept for tests only: the demo never crawls them, so tests can prove the crawler copes
# with a site it was not tuned on.
TEST_ONLY = {"harbor"}
FIRST_PORT = 8701


def demo_sites() -> list[Path]:
    return [p.parent for p in sorted(SAMPLES_DIR.glob("*/source.toml")) if p.parent.name not in TEST_ONLY]


def _start(root: Path, port: int) -> SampleSite:
    try:
        return SampleSite(root, port=port).start()
    except OSError:
        return SampleSite(root, port=0).start()


def run_demo(paths: Paths, *, port: int = 8000, host: str = "127.0.0.1", open_browser: bool = False) -> int:
    paths.ensure()
    sources_dir = paths.data_dir / "demo-sources"
    for old in sources_dir.glob("*.toml"):
        old.unlink()
    sites = []
    for i, root in enumerate(demo_sites()):
        site = _start(root, FIRST_PORT + i)
        sites.append(site)
        materialise_source(root / "source.toml", site.base, sources_dir)
        print(f"sample site {root.name:<10} {site.base}/", flush=True)

    def _stop(*_):
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, _stop)
    try:
        print("crawling the sample sites with the real crawler…", flush=True)
        cmd = [sys.executable, "-m", "kapdir", "--data-dir", str(paths.data_dir), "--sources", str(sources_dir),
               "crawl", "--all"]
        done = subprocess.run(cmd, check=False)
        if done.returncode not in (0, 1):
            print("kapdir: error: the demo crawl did not run", file=sys.stderr)
            return done.returncode
        from waitress import serve

        from webapp import create_app

        app = create_app({"DATA_DIR": str(paths.data_dir), "INDEX_DIR": str(paths.index_dir)})
        print(f"\nkapdir demo ready: open http://{host}:{port}/  (Ctrl-C to stop)\n", flush=True)
        serve(app, host=host, port=port, threads=8, ident="kapdir")
    except KeyboardInterrupt:
        print("kapdir demo: stopping", flush=True)
    finally:
        for site in sites:
            site.stop()
    return 0
