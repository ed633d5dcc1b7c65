"""Browser benchmark of the playground page (headless Debian Chromium, performance marks).

    python -m tests.bench.browser_bench

1. Step: click Step -> the frame showing the new step drawn (performance.measure "step"), on the
   default network, p50 and p95. Clicks come at a person's pace (a pause between them) and as
   fast as the page accepts them.
2. Play on 2-8×6-1 (six hidden layers of 8 tanh units) with heatmap thumbnails, speed 1 epoch
   per frame, for PLAY_SECONDS (default 20): frame rate (median), p95 frame time over all frames
   (and per 5 s window, to show the spread on a shared machine), the share of frames over
   25 ms, epochs per frame and heatmap refreshes per second, from requestAnimationFrame
   timestamps inside the page.
3. Play from a fresh open for 5 s with the default speed: the test accuracy reached.
4. Step on the largest network the form allows (8 hidden layers of 32 units) and on 64 input
   columns (explicit points): click Step -> frame drawn, p50 and p95.
Targets: step p50 <= 16 ms; play >= 55 fps median, p95 <= 25 ms, >= 1 epoch/frame,
heatmaps >= 10/s; a Step on the largest network and on 64 columns within 150 ms.
"""

from __future__ import annotations

import os
import statistics
import time

from playwright.sync_api import sync_playwright

from tests.e2e.harness import idle, launch, open_playground, ready, running_server

STEPS = 40
PLAY_SECONDS = float(os.environ.get("PLAY_SECONDS", "20"))
WINDOW_SECONDS = 5.0  # p95 is also reported per window of this length, to show the spread

PROBE_JS = """() => {
  const probe = { frames: [], heat: 0, last: null, stop: false };
  // Thumbnail refreshes actually drawn (not only heatmaps received).
  const drawn = () => window.playground.stats.thumbnailsDrawn;
  const tick = (t) => {
    if (probe.stop) return;
    probe.frames.push(t);
    if (drawn() !== probe.last) { probe.heat++; probe.last = drawn(); }
    requestAnimationFrame(tick);
  };
  requestAnimationFrame(tick);
  window.__probe = probe;
}"""


def pct(values: list[float], q: float) -> float:
    values = sorted(values)
    k = min(len(values) - 1, max(0, round(q * (len(values) - 1))))
    return values[k]


def bench_step(page, pause_ms: int, clicks: int = STEPS) -> list[float]:
    page.evaluate("performance.clearMeasures('step')")
    for k in range(clicks):
        start = page.evaluate("window.playground.step")
        page.get_by_test_id("step").click()
        page.wait_for_function(f"() => performance.getEntriesByName('step').length >= {k + 1}")
        assert page.evaluate("window.playground.step") == start + 1
        if pause_ms:
            page.wait_for_timeout(pause_ms)
    return page.evaluate("performance.getEntriesByName('step').map((e) => e.duration)")


LARGEST = {"dataset": {"kind": "circle", "n_samples": 500}, "hidden_layers": [32] * 8}


def wide_points(columns: int = 64, rows: int = 400) -> dict:
    """Explicit data with `columns` input columns (an 8x8 image's worth), ten classes."""
    inputs = [[((r * 31 + c * 17) % 97) / 97 for c in range(columns)] for r in range(rows)]
    labels = [r % 10 for r in range(rows)]
    return {
        "dataset": {"kind": "points", "points": {"inputs": inputs, "labels": labels}},
    }


PAINTED_JS = """() => {
  // per click: from the click to the first picture of the edge worker after it (dense networks
  // draw their edges on a canvas, at rest too); null where the SVG alone drew the step
  const clicks = performance.getEntriesByName('step:click', 'mark').map((m) => m.startTime);
  const painted = performance.getEntriesByName('network:painted', 'mark').map((m) => m.startTime);
  return clicks.map((c, k) => {
    const next = clicks[k + 1] ?? Infinity;
    const p = painted.find((t) => t >= c && t < next);
    return p === undefined ? null : p - c;
  });
}"""


def bench_big_step(page, scenario: dict, clicks: int = 15) -> tuple[list[float], list[float]]:
    """Step click -> frame drawn, and -> edges painted by the worker (where it paints)."""
    assert page.evaluate("(s) => window.playground.session.loadScenario(s)", scenario)
    idle(page)
    page.evaluate("performance.clearMarks('step:click'); performance.clearMarks('network:painted')")
    drawn = bench_step(page, 400, clicks)
    painted = [p for p in page.evaluate(PAINTED_JS) if p is not None]
    return drawn, painted


def bench_first_play(browser, base: str, seconds: float = 5.0) -> dict:
    """A fresh open, Play pressed at once, paused after `seconds`: the test accuracy reached."""
    page = open_playground(browser, base)
    try:
        page.get_by_test_id("play").click()
        page.wait_for_timeout(seconds * 1000)
        page.get_by_test_id("play").click()
        idle(page)
        snap = page.evaluate("window.playground.state.snapshot")
        return {"step": page.evaluate("window.playground.step"), **snap["metrics"]}
    finally:
        page.context.close()


def bench_play(page) -> dict:
    scenario = page.evaluate("window.playground.scenario")
    scenario["hidden_layers"] = [8] * 6
    assert page.evaluate("(s) => window.playground.session.loadScenario(s)", scenario)
    idle(page)
    page.get_by_test_id("speed").select_option("-1")  # 1 epoch per frame
    page.evaluate(PROBE_JS)
    epoch0 = page.evaluate("window.playground.state.snapshot.epoch")
    page.get_by_test_id("play").click()
    page.wait_for_timeout(500)  # settle: first requests, JIT
    page.evaluate("window.__probe.frames.length = 0; window.__probe.heat = 0")
    e_start = page.evaluate("window.playground.state.snapshot.epoch")
    t0 = time.perf_counter()
    page.wait_for_timeout(PLAY_SECONDS * 1000)
    probe = page.evaluate(
        "(() => { const p = window.__probe; p.stop = true;"
        " return {frames: p.frames, heat: p.heat, epoch: window.playground.state.snapshot.epoch,"
        " step: window.playground.step}; })()"
    )
    seconds = time.perf_counter() - t0
    page.get_by_test_id("play").click()
    frames = probe["frames"]
    deltas = [b - a for a, b in zip(frames, frames[1:], strict=False)]
    n = len(deltas)
    windows = []
    start = 0
    for k in range(1, n + 1):
        if k == n or frames[k] - frames[start] >= WINDOW_SECONDS * 1000:
            if k - start >= 30:
                windows.append(pct(deltas[start:k], 0.95))
            start = k
    return {
        "window_p95": windows,
        "frames": n,
        "fps_median": 1000.0 / statistics.median(deltas),
        "frame_ms_p50": statistics.median(deltas),
        "frame_ms_p95": pct(deltas, 0.95),
        "frame_ms_max": max(deltas),
        "slow_share": sum(1 for d in deltas if d > 25) / max(1, n),
        "epochs_per_frame": (probe["epoch"] - e_start) / max(1, n),
        "epochs_per_second": (probe["epoch"] - e_start) / seconds,
        "heatmaps_per_second": probe["heat"] / seconds,
        "steps": probe["step"],
        "epoch0": epoch0,
    }


def main() -> None:
    load = os.getloadavg()
    print(f"{os.cpu_count()} CPUs, load average before: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")
    with running_server() as base, sync_playwright() as p:
        browser = launch(p)
        page = open_playground(browser, base)
        paced = bench_step(page, 150)
        rapid = bench_step(page, 0)
        print(f"Step click -> frame drawn, default network, {STEPS} clicks each:")
        for name, d in (("paced (150 ms apart)", paced), ("rapid (back to back)", rapid)):
            print(
                f"  {name:22s} p50 {statistics.median(d):6.1f} ms   p95 {pct(d, 0.95):6.1f} ms"
                f"   max {max(d):6.1f} ms   (target p50 <= 16 ms)"
            )
        for name, scenario in (
            ("largest network (8 x 32 units)", LARGEST),
            ("64 input columns (default hidden layers)", wide_points()),
        ):
            d, painted = bench_big_step(page, scenario)
            print(
                f"Step click -> frame drawn, {name}: p50 {statistics.median(d):.1f} ms, "
                f"p95 {pct(d, 0.95):.1f} ms, max {max(d):.1f} ms (target <= 150 ms)"
            )
            if painted:
                print(
                    f"  -> edges painted (canvas worker): p50 {statistics.median(painted):.1f} ms,"
                    f" p95 {pct(painted, 0.95):.1f} ms, max {max(painted):.1f} ms"
                )
        first = bench_first_play(browser, base)
        print(
            f"Play from a fresh open, 5 s: step {first['step']}, test accuracy "
            f"{first['test_accuracy']:.3f} (target >= 0.90), test loss {first['test_loss']:.4f}"
        )
        page.goto(f"{base}/")
        ready(page)
        play = bench_play(page)
        print(f"Play on 2-8x6-1 with heatmaps, 1 epoch/frame, {PLAY_SECONDS:.0f} s:")
        print(
            f"  {play['fps_median']:.1f} fps median (target >= 55), frame time p50 "
            f"{play['frame_ms_p50']:.1f} ms, p95 {play['frame_ms_p95']:.1f} ms (target <= 25), "
            f"max {play['frame_ms_max']:.1f} ms, "
            f"{100 * play['slow_share']:.1f}% of frames over 25 ms"
        )
        print(
            f"  p95 per {WINDOW_SECONDS:.0f} s window: "
            + ", ".join(f"{w:.1f}" for w in play["window_p95"])
            + " ms"
        )
        print(
            f"  {play['epochs_per_frame']:.2f} epochs/frame (target >= 1), "
            f"{play['epochs_per_second']:.1f} epochs/s, "
            f"heatmaps {play['heatmaps_per_second']:.1f}/s (target >= 10), "
            f"{play['frames']} frames, reached step {play['steps']}"
        )
        load = os.getloadavg()
        print(f"load average after: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")
        errors = list(page.errors)
        page.context.close()
        browser.close()
        if errors:
            print("console errors:", errors)


if __name__ == "__main__":
    main()
