"""`kapdir serve` on several cores: several processes behind one port, run by gunicorn.

Searching is CPU work in Python, so one process uses at most one core however many threads it has; a
process per core is how the site uses the machine, and it is the default (`default_workers`). Each worker
keeps its own index searchers and arrays, reading the same index directory (web processes never write it),
so memory grows with N. Each worker warms its index caches in a background thread once it is forked (see
`index.reader.IndexReader.start_warming`).
"""

from __future__ import annotations

import os

MAX_DEFAULT_WORKERS = 8  # each worker holds its own arrays and posting caches: memory grows with the count


def usable_cores() -> int:
    """The cores this process may run on (its CPU affinity, which containers and `taskset` narrow), else
    the machine's count."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):
        return max(1, os.cpu_count() or 1)


def default_workers() -> int:
    """One web process per usable core, at most MAX_DEFAULT_WORKERS; 1 on a single core (waitress alone)."""
    return max(1, min(usable_cores(), MAX_DEFAULT_WORKERS))


def serve_workers(app, *, host: str, port: int, workers: int, threads: int) -> None:
    """Serve `app` from `workers` forked processes of `threads` threads each until stopped."""
    from gunicorn.app.base import BaseApplication

    class _Server(BaseApplication):
        def __init__(self, options: dict):
            self._options = options
            super().__init__()

        def load_config(self) -> None:
            for key, value in self._options.items():
                self.cfg.set(key, value)

        def load(self):
            return app

    def post_fork(_server, _worker) -> None:
        # Threads do not survive fork: each worker starts its own warm-up thread, after forking.
        index = app.extensions.get("kapdir_index")
        if index is not None:
            index.start_warming()

    _Server({
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
        "post_fork": post_fork,
    }).run()
