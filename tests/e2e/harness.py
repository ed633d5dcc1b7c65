"""Starting the app and Debian's Chromium for the browser tests and the browser benchmark."""

from __future__ import annotations

import contextlib
import json
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
CHROMIUM = "/usr/bin/chromium"
# CI runs as root with no network: no sandbox, no GPU, nothing that phones home.
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-quic",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def running_server(timeout: float = 120.0) -> Iterator[str]:
    """Serves the app on a free port in a subprocess; yields its base URL."""
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    with tempfile.TemporaryFile() as log, _serve(port, log) as proc:
        _wait_for_health(base, proc, log, timeout)
        yield base


@contextlib.contextmanager
def _serve(port: int, log) -> Iterator[subprocess.Popen]:
    proc = subprocess.Popen(
        [sys.executable, "-m", "backprop_playground", "--host", "127.0.0.1", "--port", str(port)],
        cwd=REPO,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        yield proc
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def _wait_for_health(base: str, proc: subprocess.Popen, log, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while True:
        if proc.poll() is not None:
            log.seek(0)
            raise RuntimeError(f"server exited: {log.read().decode(errors='replace')[-2000:]}")
        try:
            with urllib.request.urlopen(f"{base}/api/v1/health", timeout=2) as r:
                if r.status == 200:
                    return
        except (urllib.error.URLError, OSError):
            pass
        if time.monotonic() > deadline:
            raise RuntimeError("server did not answer /api/v1/health in time")
        time.sleep(0.2)


def launch(playwright):
    return playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)


def api(base: str, path: str, body: dict | None = None) -> dict:
    """Calls the API directly (as a test's independent source of truth)."""
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(
        f"{base}/api/v1/{path}", data=data, headers={"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(req, timeout=30) as r:
        return json.loads(r.read())


def open_playground(browser, base: str, width: int = 1920, height: int = 1080):
    """A new page on the playground, loaded and idle; console errors collected in page.errors."""
    return open_url(browser, f"{base}/", width, height)


def open_url(browser, url: str, width: int = 1920, height: int = 1080):
    """A new page in a fresh browser context (no shared state) on url, loaded and idle."""
    context = browser.new_context(viewport={"width": width, "height": height})
    page = context.new_page()
    page.errors = []
    page.on("console", lambda m: m.type == "error" and page.errors.append(m.text))
    page.on("pageerror", lambda e: page.errors.append(f"uncaught: {e}"))
    page.goto(url)
    ready(page)
    return page


def ready(page) -> None:
    """Waits until the page has started and is idle."""
    page.wait_for_function("() => window.playground && window.playground.ready")
    page.evaluate("window.playground.ready")
    idle(page)


def idle(page) -> None:
    """Waits until no API request is in flight and two frames were drawn."""
    page.evaluate("window.playground.whenIdle()")
