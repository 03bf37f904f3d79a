"""`kapdir serve --workers N`: several processes behind one port, run by gunicorn.

Searching is CPU work in Python, so one process uses at most one core however many threads it has; a
process per core is how the site uses the machine. Each worker keeps its own index searchers and arrays,
reading the same index directory (web processes never write it), so memory grows with N.
"""

from __future__ import annotations

from gunicorn.app.base import BaseApplication


class _Server(BaseApplication):
    def __init__(self, app, options: dict):
        self._app = app
        self._options = options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self._options.items():
            self.cfg.set(key, value)

    def load(self):
        return self._app


def serve_workers(app, *, host: str, port: int, workers: int, threads: int) -> None:
    """Serve `app` from `workers` forked processes of `threads` threads each until stopped."""
    _Server(app, {
        "bind": f"{host}:{port}",
        "workers": workers,
        "worker_class": "gthread",
        "threads": threads,
        "proc_name": "kapdir",
        "accesslog": None,
        "errorlog": "-",
        "loglevel": "warning",
        "timeout": 60,
        "graceful_timeout": 10,
        "keepalive": 5,
        # Each worker listens on its own SO_REUSEPORT socket and the kernel spreads new connections over
        # them. On one shared socket, the worker that wakes first accepts a whole burst of connections and
        # keeps them (keep-alive): measured, 16 clients all landed on one worker and the other stayed idle.
        "reuse_port": True,
    }).run()
