"""A tiny static web server for the bundled sample sites (demo and tests), on loopback only.

It is deliberately plain — files from a folder, `dir/` → `dir/index.html` — and records every request
path so tests can prove what the crawler did and did not fetch. A query string is ignored unless the
site holds a file for it: `/api/stores.json?page=2` is served from `api/stores.json@page=2` when that file
exists (parameters as sent, or sorted), which is how sample sites model CMS filters and JSON paging
without any server code.
"""

from __future__ import annotations

import mimetypes
import threading
from email.utils import formatdate, parsedate_to_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qsl, unquote, urlencode, urlsplit

_TYPES = {".html": "text/html; charset=utf-8", ".xml": "application/xml", ".json": "application/json",
          ".txt": "text/plain; charset=utf-8", ".css": "text/css", ".toml": "text/plain; charset=utf-8"}


class SampleSite:
    """Serve ``root`` on 127.0.0.1:``port`` (0 = any free port) in a background thread."""

    def __init__(self, root: Path, port: int = 0, host: str = "127.0.0.1"):
        self.root = Path(root).resolve()
        self.requests: list[str] = []
        self.not_modified = 0
        self._lock = threading.Lock()
        site = self

        class Handler(BaseHTTPRequestHandler):
            server_version = "kapdir-sample/1"

            def log_message(self, *args):  # keep test and demo output quiet
                pass

            def do_HEAD(self):
                self.do_GET(head=True)

            def do_GET(self, head: bool = False):
                with site._lock:
                    site.requests.append(self.path)
                parts = urlsplit(self.path)
                path = unquote(parts.path)
                target = (site.root / path.lstrip("/")).resolve()
                if site.root not in target.parents and target != site.root:
                    return self._send(404, b"not found", "text/plain", head)
                if target.is_dir():
                    target = target / "index.html"
                target = _query_variant(target, parts.query) or target
                if not target.is_file() or target.name in ("source.toml", "expected.json"):
                    return self._send(404, b"<h1>Not found</h1>", "text/html; charset=utf-8", head)
                base_name = target.name.split("@")[0]
                ctype = (_TYPES.get(Path(base_name).suffix) or mimetypes.guess_type(base_name)[0]
                         or "application/octet-stream")
                mtime = int(target.stat().st_mtime)
                since = self.headers.get("If-Modified-Since")
                if since:
                    try:
                        if parsedate_to_datetime(since).timestamp() >= mtime:
                            with site._lock:
                                site.not_modified += 1
                            self.send_response(304)
                            self.end_headers()
                            return None
                    except (TypeError, ValueError):
                        pass
                return self._send(200, target.read_bytes(), ctype, head, last_modified=formatdate(mtime, usegmt=True))

            def _send(self, code, body, ctype, head, last_modified=None):
                self.send_response(code)
                self.send_header("Content-Type", ctype)
                if last_modified:
                    self.send_header("Last-Modified", last_modified)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                if not head:
                    self.wfile.write(body)

        self.httpd = ThreadingHTTPServer((host, port), Handler)
        self.httpd.daemon_threads = True
        self.port = self.httpd.server_address[1]
        self.base = f"http://{host}:{self.port}"
        self._thread = threading.Thread(target=self.httpd.serve_forever, name=f"sample-{self.root.name}",
                                        daemon=True)

    def start(self) -> SampleSite:
        self._thread.start()
        return self

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    def requested(self) -> list[str]:
        with self._lock:
            return list(self.requests)

    def __enter__(self) -> SampleSite:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()


def _query_variant(target: Path, query: str) -> Path | None:
    """The file standing for ``target?query``, if the site has one (raw order first, then sorted)."""
    if not query:
        return None
    for q in (unquote(query), urlencode(sorted(parse_qsl(query)))):
        if "/" in q or "\\" in q:
            continue
        candidate = target.with_name(f"{target.name}@{q}")
        if candidate.is_file():
            return candidate
    return None


def materialise_source(template: Path, base: str, dest_dir: Path) -> Path:
    """Write a sample's source file with its ``{base}`` placeholder replaced by the live origin."""
    dest_dir.mkdir(parents=True, exist_ok=True)
    text = template.read_text(encoding="utf-8").replace("{base}", base)
    out = dest_dir / f"{template.parent.name}.toml"
    out.write_text(text, encoding="utf-8")
    return out
