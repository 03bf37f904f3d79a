"""`kapdir demo` (what `make run` runs): starts, crawls the samples, serves a real directory, stops cleanly."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request

from tests.conftest import ROOT


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_demo_starts_serves_and_stops(tmp_path):
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "kapdir", "--data-dir", str(tmp_path), "demo", "--port", str(port)],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, cwd=ROOT,
                            env={**os.environ, "PYTHONUNBUFFERED": "1"})
    lines = []
    try:
        deadline = time.monotonic() + 240
        while time.monotonic() < deadline:
            line = proc.stdout.readline()
            if not line:
                break
            lines.append(line)
            if "demo ready" in line:
                break
        assert any(f"http://127.0.0.1:{port}/" in ln and "open" in ln for ln in lines), "".join(lines)
        summaries = [ln for ln in lines if ": ok — " in ln or ": partial — " in ln]
        assert len(summaries) >= 6, "".join(lines)

        def get(path):
            for _ in range(50):
                try:
                    with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=10) as r:
                        return r.status, r.read().decode()
                except OSError:
                    time.sleep(0.2)
            raise AssertionError(f"demo did not answer {path}")

        status, home = get("/")
        assert status == 200 and "<form" in home and "City" in home
        status, body = get("/api/v1/search?per_page=100")
        data = json.loads(body)
        assert data["total"] >= 20
        assert len(data["facets"]["city"]) >= 6
        assert set(data["facets"]["route"]) >= {"iv", "im", "intranasal", "oral"}
        assert set(data["facets"]["setting"]) >= {"in_clinic", "at_home"}
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            rest, _ = proc.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            raise
    assert proc.returncode == 0, rest
    assert "Traceback" not in rest
