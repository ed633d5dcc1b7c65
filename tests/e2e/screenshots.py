"""Screenshots of the playground for docs/screenshots/ (python -m tests.e2e.screenshots).

At 1920×1080 and 1024×768: the default view, the middle of a backward pass, the gradient
colour mode and the inspector open on an edge.
"""

from __future__ import annotations

from pathlib import Path

from playwright.sync_api import sync_playwright

from tests.e2e.harness import REPO, idle, launch, open_playground, running_server

OUT = REPO / "docs" / "screenshots"
SIZES = [(1920, 1080), (1024, 768)]


def steps(page, n: int) -> None:
    for _ in range(n):
        page.get_by_test_id("step").click()
        idle(page)


def shoot(page, name: str, w: int, h: int) -> Path:
    page.wait_for_timeout(900)  # the update animation and the side panels settle
    idle(page)
    path = OUT / f"{name}-{w}x{h}.png"
    page.screenshot(path=str(path))
    return path


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    with running_server() as base, sync_playwright() as p:
        browser = launch(p)
        for w, h in SIZES:
            page = open_playground(browser, base, w, h)
            print(shoot(page, "default", w, h))
            page.context.close()

            page = open_playground(browser, base, w, h)
            steps(page, 12)
            L = len(page.evaluate("window.playground.scenario.hidden_layers")) + 1
            for _ in range(L + 1 + 2):  # forward 1…L, loss, backward L, backward L−1
                page.get_by_test_id("next-phase").click()
                idle(page)
            print(shoot(page, "backward", w, h))
            page.context.close()

            page = open_playground(browser, base, w, h)
            steps(page, 12)
            page.get_by_test_id("color-mode").select_option("gradient")
            print(shoot(page, "gradient", w, h))
            page.context.close()

            page = open_playground(browser, base, w, h)
            steps(page, 12)
            page.locator("[data-edge='2:1:0']").dispatch_event("click")
            print(shoot(page, "inspector", w, h))
            errors = list(page.errors)
            page.context.close()
            assert errors == [], errors
        browser.close()


if __name__ == "__main__":
    main()
