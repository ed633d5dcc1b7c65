"""Page weight: a cold open of `/` in headless Chromium on a slow shared connection.

    python -m tests.bench.page_weight              # the figures
    python -m tests.bench.page_weight --waterfall  # and each request of the median open

A fresh browser context with the cache disabled opens `/` under Chromium's network emulation
(DevTools protocol Network.emulateNetworkConditions: 40 ms latency, 10 Mbit/s down and up).
Reported, until `window.playground.ready` has resolved and the network has been idle for
IDLE_MS: the bytes transferred (headers and bodies as they crossed the wire, compressed or not:
DevTools' encodedDataLength, through Playwright's Request.sizes()), the number of requests, and
the time from navigation start until the network view is drawn (the first frame after the first
`#network [data-node]` exists). Targets: <= 400 KB, drawn within 1.0 s.

The waterfall is the page's requests as DevTools saw them (Network.requestWillBeSent,
responseReceived, loadingFinished; the page's own, not its workers'): when each was sent, when
its answer began and when it ended, in ms from the page's own request, so the critical path to
the first drawn frame can be read off it.
"""

from __future__ import annotations

import statistics
import sys
import time

from playwright.sync_api import TimeoutError as PlaywrightTimeout
from playwright.sync_api import sync_playwright

from tests.e2e.harness import launch, running_server

LATENCY_MS = 40
BYTES_PER_SECOND = 10_000_000 // 8  # 10 Mbit/s
IDLE_MS = 500
REPEATS = 5
TARGET_KB = 400
TARGET_DRAW_MS = 1000

# Records (in page time, from navigation start) the first frame that shows a network node, and
# when the first node was put into the page (the frame that paints it follows; the probe's frame
# is the next one, after whatever the page does in between).
DRAW_PROBE_JS = """(() => {
  const seen = () => document.querySelector('#network [data-node]');
  const mark = () => requestAnimationFrame(() => { window.__networkDrawn = performance.now(); });
  new MutationObserver((_, observer) => {
    if (seen()) { observer.disconnect(); window.__nodesAt = performance.now(); mark(); }
  }).observe(document, { childList: true, subtree: true });
})();"""


def cold_open(browser, base: str) -> dict:
    """One cold open of `/`: bytes, requests (with the largest), time to draw the network."""
    context = browser.new_context(viewport={"width": 1920, "height": 1080})
    try:
        return _measure_open(context, base)
    finally:
        context.close()


def _measure_open(context, base: str) -> dict:
    context.add_init_script(DRAW_PROBE_JS)
    page = context.new_page()
    cdp = context.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.send("Network.setCacheDisabled", {"cacheDisabled": True})
    cdp.send(
        "Network.emulateNetworkConditions",
        {
            "offline": False,
            "latency": LATENCY_MS,
            "downloadThroughput": BYTES_PER_SECOND,
            "uploadThroughput": BYTES_PER_SECOND,
        },
    )
    # Playwright's request events cover the page and its workers (a page CDP session does not
    # see a worker's own loads); sizes() is DevTools' encodedDataLength: headers and body as
    # they crossed the wire.
    sizes: dict[object, tuple[int, str]] = {}
    pending: set[object] = set()
    last_change = [time.monotonic()]

    def started(request):
        pending.add(request)
        last_change[0] = time.monotonic()

    def finished(request):
        s = request.sizes()
        sizes[request] = (s["responseBodySize"] + s["responseHeadersSize"], request.url)
        pending.discard(request)
        last_change[0] = time.monotonic()

    def failed(request):
        pending.discard(request)
        last_change[0] = time.monotonic()

    # the waterfall: the page's requests by DevTools' request id
    rows: dict[str, dict] = {}

    def sent(e):
        rows[e["requestId"]] = {"url": e["request"]["url"], "method": e["request"]["method"]}
        rows[e["requestId"]]["sent"] = e["timestamp"]

    def answered(e):
        if e["requestId"] in rows:
            rows[e["requestId"]]["answered"] = e["timestamp"]

    def loaded(e):
        if e["requestId"] in rows:
            rows[e["requestId"]]["ended"] = e["timestamp"]
            rows[e["requestId"]]["bytes"] = e["encodedDataLength"]

    cdp.on("Network.requestWillBeSent", sent)
    cdp.on("Network.responseReceived", answered)
    cdp.on("Network.loadingFinished", loaded)
    context.on("request", started)
    context.on("requestfinished", finished)
    context.on("requestfailed", failed)
    page.set_default_timeout(60_000)
    page.goto(f"{base}/", wait_until="commit")
    page.wait_for_function("() => window.playground && window.playground.ready")
    page.evaluate("window.playground.ready")
    page.wait_for_function("() => window.__networkDrawn !== undefined")
    deadline = time.monotonic() + 30
    while pending or time.monotonic() - last_change[0] < IDLE_MS / 1000:
        if time.monotonic() > deadline:
            raise RuntimeError(f"network never idle: {[r.url for r in pending]}")
        page.wait_for_timeout(50)
    drawn_ms = page.evaluate("window.__networkDrawn")
    nodes_ms = page.evaluate("window.__nodesAt")
    largest = sorted(sizes.values(), reverse=True)[:5]
    return {
        "bytes": sum(n for n, _ in sizes.values()),
        "requests": len(sizes),
        "drawn_ms": drawn_ms,
        "nodes_ms": nodes_ms,
        "largest": largest,
        "waterfall": waterfall(rows.values()),
    }


def waterfall(rows) -> list[tuple]:
    """(sent, answered, ended, bytes, method, path): ms from the page's own request, by sending."""
    rows = sorted(rows, key=lambda r: r["sent"])
    if not rows:
        return []
    t0 = rows[0]["sent"]

    def ms(r, key):
        return (r[key] - t0) * 1000 if key in r else None

    return [
        (
            ms(r, "sent"),
            ms(r, "answered"),
            ms(r, "ended"),
            r.get("bytes", 0),
            r["method"],
            "/" + r["url"].split("/", 3)[-1],
        )
        for r in rows
    ]


def measure(repeats: int = REPEATS) -> list[dict]:
    with running_server() as base, sync_playwright() as p:
        browser = launch(p)
        cold_open(browser, base)  # the server's first answers (kernels, precompression) warm up
        runs = []
        for _ in range(repeats):
            try:
                runs.append(cold_open(browser, base))
            except PlaywrightTimeout as err:  # a stalled open is reported, not hidden
                print(f"  a cold open stalled: {str(err).splitlines()[0]}")
        browser.close()
    return runs


def print_waterfall(run: dict) -> None:
    def ms(v):
        return f"{v:6.0f}" if v is not None else "     -"

    print(f"  waterfall of an open drawn after {run['drawn_ms']:.0f} ms")
    print("    sent  answer   ended      KB  request")
    for sent, answered, ended, n, method, path in run["waterfall"]:
        print(f"  {ms(sent)}  {ms(answered)}  {ms(ended)}  {n / 1000:6.1f}  {method} {path[:80]}")


def report(runs: list[dict], show_waterfall: bool = False) -> None:
    if not runs:
        print("Cold open of /: every open stalled, no figures")
        return
    kb = statistics.median(r["bytes"] for r in runs) / 1000
    requests = statistics.median(r["requests"] for r in runs)
    draws = sorted(r["drawn_ms"] for r in runs)
    draw = statistics.median(draws)
    print(
        f"Cold open of / (cache disabled, {LATENCY_MS} ms latency, "
        f"{BYTES_PER_SECOND * 8 / 1e6:.0f} Mbit/s, {len(runs)} runs, median):"
    )
    print(
        f"  transferred {kb:.0f} KB in {requests:.0f} requests "
        f"(target <= {TARGET_KB} KB: {'met' if kb <= TARGET_KB else 'NOT met'})"
    )
    print(
        f"  network drawn after {draw:.0f} ms (runs {', '.join(f'{d:.0f}' for d in draws)}; "
        f"target <= {TARGET_DRAW_MS} ms: {'met' if draw <= TARGET_DRAW_MS else 'NOT met'})"
    )
    nodes = sorted(r["nodes_ms"] for r in runs)
    print(
        f"  (first node put into the page after {statistics.median(nodes):.0f} ms, "
        f"runs {', '.join(f'{d:.0f}' for d in nodes)})"
    )
    print("  largest transfers:")
    for n, url in runs[-1]["largest"]:
        print(f"    {n / 1000:7.1f} KB  {url.split('/', 3)[-1]}")
    if show_waterfall:
        print_waterfall(sorted(runs, key=lambda r: r["drawn_ms"])[len(runs) // 2])


def main() -> None:
    report(measure(), show_waterfall="--waterfall" in sys.argv[1:])


if __name__ == "__main__":
    main()
