"""A pinned data row stays the row shown across steps (said so when a batch does not hold it),
and a link keeps it."""

from __future__ import annotations

from tests.e2e.harness import idle, open_url


def shown_row(page) -> int:
    return page.evaluate(
        """() => { const s = window.playground.state;
            return s.trace.batch.indices[s.sample]; }"""
    )


def test_a_pinned_row_is_followed_across_steps_and_kept_in_the_link(page, chromium, server_url):
    scenario = {"dataset": {"kind": "and", "train_fraction": 1.0}, "batch_size": 2}
    assert page.evaluate("(s) => window.playground.session.loadScenario(s)", scenario)
    idle(page)
    row = shown_row(page)
    page.get_by_test_id("pin-row").click()
    page.wait_for_function(
        "r => document.querySelector('[data-testid=pin-row]').textContent.includes('row ' + r)",
        arg=row,
    )
    seen_in, seen_out = 0, 0
    for _ in range(6):
        page.get_by_test_id("step").click()
        idle(page)
        if page.evaluate("window.playground.state.rowInBatch"):
            seen_in += 1
            assert shown_row(page) == row
            assert f"row {row}" in page.locator("#sample option:checked").text_content()
            assert page.get_by_test_id("pin-status").text_content() == ""
        else:
            seen_out += 1
            assert page.get_by_test_id("pin-status").text_content() == (
                f"row {row} is not in this batch"
            )
    assert seen_in and seen_out  # batches of 2 of the 4 gate rows: both cases happen
    page.wait_for_function(f"() => location.hash.includes('r={row}')")
    other = open_url(chromium, page.evaluate("location.href"))
    try:
        assert other.evaluate("window.playground.state.row") == row
        assert other.errors == []
    finally:
        other.context.close()
    page.get_by_test_id("pin-row").click()
    page.wait_for_function("() => window.playground.state.row === null")
