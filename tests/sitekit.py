"""A programmable loopback web server for tests that need pages made on the fly (traps, headers, faults)."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

# route(path, headers) -> (status, headers dict, body bytes)
Route = Callable[[str, dict], tuple[int, dict, bytes]]


class DynamicSite:
    def __init__(self, route: Route):
        self.log: list[dict] = []
        self._lock = threading.Lock()
        site = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_GET(self):
                with site._lock:
                    site.log.append({"path": self.path, "headers": dict(self.headers), "t": time.monotonic()})
                try:
                    status, headers, body = route(self.path, dict(self.headers))
                except Exception:  # noqa: BLE001
                    status, headers, body = 500, {}, b"boom"
                self.send_response(status)
                headers = {"Content-Type": "text/html; charset=utf-8", **headers}
                for k, v in headers.items():
                    self.send_header(k, v)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                try:
                    self.wfile.write(body)
                except OSError:
                    pass

        class Server(ThreadingHTTPServer):
            def handle_error(self, request, client_address):
                pass  # clients hanging up on huge or slow pages is what these tests provoke

        self.httpd = Server(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.base = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def paths(self) -> list[str]:
        with self._lock:
            return [e["path"] for e in self.log]

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    def __enter__(self) -> DynamicSite:
        return self

    def __exit__(self, *exc) -> None:
        self.stop()


def html(body: str, head: str = "") -> bytes:
    return f"<!doctype html><html><head><meta charset='utf-8'>{head}</head><body>{body}</body></html>".encode()
