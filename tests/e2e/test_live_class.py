"""Live classes in the browser (issue 12): a lecturer's page drives two students' pages, a laptop
and a phone in browser contexts of their own, through the class's event stream; a poll is asked,
answered with one tap, tallied and revealed; the lecturer reloads and keeps driving; the class
ends. The server is the app as `make run` serves it (two workers, links and classes in SQLite)."""

from __future__ import annotations

import contextlib
import json
import os
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from tests.e2e.harness import api, idle, open_playground, open_url, ready, running_server
from tests.e2e.helpers import counter, phase, weights
from tests.e2e.test_share_and_teach import decode_qr

# LIVE_CLASS_SHOTS=dir writes the screenshots this test takes (to look at them).
SHOTS = os.environ.get("LIVE_CLASS_SHOTS")
# The issue asks for "within a fraction of a second"; this shared 2-core test machine runs other
# suites at the same time, so the bound checked is a little wider.
FOLLOW_S = 1.5


@pytest.fixture(scope="module")
def base(tmp_path_factory):
    db = tmp_path_factory.mktemp("classes") / "links.sqlite3"
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("DATABASE_URL", f"sqlite:///{db}")
        mp.setenv("LINK_RATE_PER_MINUTE", "1000")
        with running_server() as url:
            yield url


def open_phone(browser, url: str):
    """A phone (390×844, touch, a mobile viewport) in a browser context of its own, on url."""
    context = browser.new_context(
        viewport={"width": 390, "height": 844}, has_touch=True, is_mobile=True
    )
    page = context.new_page()
    page.errors = []
    page.on("console", lambda m: m.type == "error" and page.errors.append(m.text))
    page.on("pageerror", lambda e: page.errors.append(f"uncaught: {e}"))
    page.goto(url)
    ready(page)
    return page


def shot(page, name: str) -> None:
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(SHOTS) / f"{name}.png"))


def position(page) -> tuple[int, str]:
    return counter(page), phase(page)


def follows(student, lecturer, within: float = FOLLOW_S) -> float:
    """Waits until the student shows the lecturer's step and phase; returns how long it took."""
    want = position(lecturer)
    t0 = time.monotonic()
    student.wait_for_function(
        """([k, p]) => document.querySelector('[data-testid=step-counter]').textContent === String(k)
            && document.querySelector('[data-testid=phase-label]').textContent === p""",
        arg=list(want),
        timeout=within * 1000,
    )
    took = time.monotonic() - t0
    idle(student)
    return took


def within(stored, given, path="scenario") -> None:
    """Every field the lecturer's page gave is in the scenario the student got (the server stores
    it with the defaults of the fields the page left out)."""
    if isinstance(given, dict):
        assert isinstance(stored, dict), path
        for k, v in given.items():
            within(stored.get(k), v, f"{path}.{k}")
    else:
        assert stored == given, f"{path}: {stored!r} != {given!r}"


def same_numbers(student, lecturer) -> None:
    """The same scenario, step, phase, selection and weights on both pages."""
    read = """() => ({scenario: window.playground.scenario, step: window.playground.step,
        phase: window.playground.phase, selection: window.playground.state.selection,
        colorMode: window.playground.state.colorMode})"""
    a, b = lecturer.evaluate(read), student.evaluate(read)
    within(b.pop("scenario"), a.pop("scenario"))
    assert json.dumps(a, sort_keys=True) == json.dumps(b, sort_keys=True)
    assert weights(student) == weights(lecturer)


def class_state(base: str, code: str) -> dict:
    return api(base, f"classes/{code}")


def right_answer(base: str, page) -> tuple[str, dict]:
    """Which way the selected weight moves in the coming update, from the API directly."""
    scenario, step, sel = page.evaluate(
        "() => [window.playground.scenario, window.playground.step,"
        " window.playground.state.selection]"
    )
    layer = api(base, "step", {"scenario": scenario, "step": step})["trace"]["layers"][
        sel["layer"] - 1
    ]
    d = layer["update_W"][sel["to"]][sel["from"]]
    return ("up" if d > 0 else "down" if d < 0 else "stays"), sel


@contextlib.contextmanager
def api_requests(page):
    """The API requests a page makes meanwhile: [(method, path)]."""
    seen: list[tuple[str, str]] = []

    def log(req):
        path = req.url.split("://", 1)[1].split("/", 1)[1]
        if path.startswith("api/v1/"):
            seen.append((req.method, path.split("?", 1)[0]))

    page.on("request", log)
    try:
        yield seen
    finally:
        page.remove_listener("request", log)


def test_a_lecturer_drives_a_laptop_and_a_phone(chromium, base):
    lecturer = open_playground(chromium, base, 1366, 768)
    pages = [lecturer]
    try:
        # ---- the lecturer starts a class: its code, large, and its QR code
        lecturer.get_by_test_id("class-start").click()
        lecturer.get_by_test_id("class-join").wait_for()
        shown = lecturer.get_by_test_id("class-code").text_content()
        assert lecturer.get_by_test_id("class-join-code").text_content() == shown
        code = shown.replace("-", "")
        assert len(code) == 8 and shown == f"{code[:4]}-{code[4:]}"
        join_url = lecturer.get_by_test_id("class-join-url").text_content()
        assert join_url == f"{base}/c/{shown}"
        # opened at 127.0.0.1: the page says so (students cannot reach it) and offers addresses
        warning = lecturer.get_by_test_id("class-reach-warning").first
        assert warning.is_visible() and "this computer" in warning.text_content()
        big_qr = lecturer.get_by_test_id("class-qr-large")
        box = big_qr.bounding_box()
        assert box["width"] >= 400 and box["height"] >= 400  # large, for the screen
        assert decode_qr(lecturer, big_qr) == join_url
        shot(lecturer, "lecturer-join-1366x768")
        lecturer.get_by_test_id("class-join-close").click()
        assert lecturer.get_by_test_id("class-open").is_visible()
        assert lecturer.get_by_test_id("class-open").bounding_box()["width"] <= 90
        key = lecturer.evaluate(f"localStorage.getItem('bp-class-key:{code}')")
        assert key and len(key) >= 22
        assert key not in lecturer.url

        # ---- two students: one types the code in lower case with a separator, one scans it
        laptop = open_url(chromium, f"{base}/c/{shown.lower()}", 1366, 768)
        pages.append(laptop)
        phone = open_phone(chromium, f"{base}/c/{code}")
        pages.append(phone)
        for student in (laptop, phone):
            assert student.get_by_test_id("class-status").text_content() == "Following the class"
            assert student.get_by_test_id("class-code").text_content() == shown
            same_numbers(student, lecturer)
        lecturer.wait_for_function(
            "() => document.querySelector('[data-testid=class-followers]').textContent === '2'",
            timeout=10_000,
        )
        assert class_state(base, code)["followers"] == 2

        # ---- the students follow phases and steps, through the link's cacheable GETs
        with api_requests(laptop) as asked, api_requests(phone) as asked_phone:
            for _ in range(3):
                lecturer.get_by_test_id("next-phase").click()
            idle(lecturer)
            for student in (laptop, phone):
                follows(student, lecturer)
                same_numbers(student, lecturer)
            lecturer.get_by_test_id("step").click()
            lecturer.get_by_test_id("step").click()
            idle(lecturer)
            for student in (laptop, phone):
                follows(student, lecturer)
                same_numbers(student, lecturer)
            lecturer.locator("#network [data-edge='2:1:0']").dispatch_event("click")
            lecturer.get_by_test_id("color-mode").select_option("gradient")
            for student in (laptop, phone):
                student.wait_for_function(
                    """() => window.playground.state.selection?.kind === 'edge'
                        && window.playground.state.colorMode === 'gradient'""",
                    timeout=FOLLOW_S * 1000,
                )
                idle(student)
                same_numbers(student, lecturer)
        for seen in (asked, asked_phone):
            assert any(m == "GET" and p.startswith("api/v1/links/") for m, p in seen), seen
            posted = [p for m, p in seen if m == "POST"]
            assert posted == [], f"a following student computed states itself: {posted}"
        # the class page keeps its address (a reload stays in the class)
        assert laptop.url == f"{base}/c/{shown.lower()}"
        assert phone.url == f"{base}/c/{code}"

        # ---- Play: the class's state is published at least twice a second
        start = counter(lecturer)
        lecturer.get_by_test_id("play").click()
        lecturer.wait_for_function(
            "k => Number(document.querySelector('[data-testid=step-counter]').textContent) > k",
            arg=start,
        )
        versions = []
        with (
            api_requests(lecturer) as sent,
            api_requests(laptop) as laptop_seen,
            api_requests(phone) as phone_seen,
        ):
            for _ in range(7):
                versions.append(class_state(base, code)["version"])
                lecturer.wait_for_timeout(500)
        lecturer.get_by_test_id("play").click()
        idle(lecturer)
        # the students follow the Play through the link's GETs: no Play (POST /train) of their own
        for seen in (laptop_seen, phone_seen):
            assert [p for m, p in seen if m == "POST"] == []
            snapshots = [p for m, p in seen if m == "GET" and p.endswith("/snapshot")]
            assert len(snapshots) >= 2, seen  # several steps of the Play (more on a quiet machine)
        assert all(b > a for a, b in zip(versions, versions[1:], strict=False)), versions
        puts = sum(1 for m, p in sent if m == "PUT" and p == f"api/v1/classes/{code}/view")
        seconds = 3.5
        assert 2 * seconds <= puts + 1 and puts <= 5 * seconds, f"{puts} PUTs in {seconds} s"
        for student in (laptop, phone):
            follows(student, lecturer, within=4)
            same_numbers(student, lecturer)

        # ---- the laptop explores on its own, then rejoins
        laptop.get_by_test_id("class-explore").click()
        assert laptop.get_by_test_id("class-rejoin").is_visible()
        laptop.get_by_test_id("step").click()
        idle(laptop)
        own = counter(laptop)
        lecturer.get_by_test_id("color-mode").select_option("weight")
        lecturer.get_by_test_id("step").click()
        lecturer.get_by_test_id("step").click()
        idle(lecturer)
        follows(phone, lecturer)
        at = counter(lecturer)
        laptop.wait_for_function(
            "k => document.querySelector('[data-testid=class-position]').textContent"
            ".startsWith(`the class is at step ${k}`)",
            arg=at,
            timeout=FOLLOW_S * 1000,
        )
        assert counter(laptop) == own  # not pulled back while exploring
        laptop.get_by_test_id("class-rejoin").click()
        follows(laptop, lecturer)
        same_numbers(laptop, lecturer)
        assert laptop.get_by_test_id("class-status").text_content() == "Following the class"

        # ---- the lecturer asks which way the selected weight moves (before its update)
        lecturer.get_by_test_id("next-phase").click()
        idle(lecturer)
        lecturer.get_by_test_id("class-poll").click()
        right, sel = right_answer(base, lecturer)
        choices = ["up", "down", "stays"]
        wrong = next(c for c in choices if c != right)
        for student in (laptop, phone):
            student.get_by_test_id("poll-choice").first.wait_for(timeout=FOLLOW_S * 1000)
            question = student.get_by_test_id("poll-question").text_content()
            assert question == "Which way will this weight move?"
            assert student.get_by_test_id("poll-choice").all_text_contents() == choices
        # big buttons, fully on the phone's screen, no sideways scrolling
        for b in phone.get_by_test_id("poll-choice").all():
            r = b.bounding_box()
            assert r["height"] >= 48 and r["width"] >= 90
            assert r["x"] >= 0 and r["x"] + r["width"] <= 390 and r["y"] + r["height"] <= 844
        assert phone.evaluate("document.documentElement.scrollWidth") <= 390
        shot(phone, "phone-poll-390x844")
        # the phone answers with one tap; the laptop changes its mind (its last answer counts)
        phone.get_by_test_id("poll-choice").nth(choices.index(right)).tap()
        laptop.get_by_test_id("poll-choice").nth(choices.index(right)).click()
        laptop.get_by_test_id("poll-choice").nth(choices.index(wrong)).click()
        expected = [0, 0, 0]
        expected[choices.index(right)] += 1
        expected[choices.index(wrong)] += 1
        lecturer.wait_for_function(
            """want => JSON.stringify([...document.querySelectorAll(
                '[data-testid=poll-tally] .tally-count')].map((e) => Number(e.textContent)))
                === JSON.stringify(want)""",
            arg=expected,
            timeout=10_000,
        )
        voters = lecturer.get_by_test_id("poll-voters").text_content()
        assert voters == "2 answered so far"
        assert class_state(base, code)["poll"]["counts"] == expected
        shot(lecturer, "lecturer-tally-1366x768")
        # the update reveals the answer, from the trace, and how many got it
        lecturer.get_by_test_id("step").click()
        idle(lecturer)
        lecturer.wait_for_function(
            "() => document.querySelector('[data-testid=poll-reveal]').textContent !== ''"
        )
        reveal = lecturer.get_by_test_id("poll-reveal").text_content()
        assert reveal.startswith(f"Answer: {right}.")
        assert f"w{sel['to']}←{sel['from']} of layer {sel['layer']}" in reveal
        assert "1 of 2 got it." in reveal
        phone.wait_for_function(
            "() => document.querySelector('[data-testid=poll-reveal]').textContent !== ''",
            timeout=FOLLOW_S * 1000,
        )
        assert phone.get_by_test_id("poll-reveal").text_content() == (
            f"Answer: {right}. You got it! 1 of 2 got it."
        )
        assert laptop.get_by_test_id("poll-reveal").text_content() == (
            f"Answer: {right}. You said {wrong}. 1 of 2 got it."
        )
        assert class_state(base, code)["poll"]["answer"] == choices.index(right)
        shot(phone, "phone-reveal-390x844")
        for student in (laptop, phone):
            follows(student, lecturer)

        # ---- lecture mode and a lesson in compare mode (a new scenario) are published too
        lecturer.get_by_test_id("lecture-toggle").click()
        assert lecturer.evaluate("window.playground.teach.lessons.openLesson('xor')")
        idle(lecturer)
        lecturer.get_by_test_id("next-phase").click()
        idle(lecturer)
        title = lecturer.evaluate("window.playground.scenario.title")
        assert title.startswith("XOR")
        for student in (laptop, phone):
            student.wait_for_function(
                "t => window.playground.scenario.title === t && !!window.playground.state.compare",
                arg=title,
                timeout=4000,
            )
            follows(student, lecturer)
            same_numbers(student, lecturer)
            within(
                student.evaluate("window.playground.state.compare"),
                lecturer.evaluate("window.playground.state.compare"),
                "compare",
            )
            for hook in ("compare-step", "compare-phase", "compare-label"):
                want = lecturer.get_by_test_id(hook).text_content()
                assert student.get_by_test_id(hook).text_content() == want, hook
        assert laptop.evaluate("window.playground.state.lecture")
        assert laptop.evaluate("document.body.classList.contains('lecture')")
        # a phone keeps the phone layout
        assert not phone.evaluate("document.body.classList.contains('lecture')")
        assert phone.evaluate("document.documentElement.scrollWidth") <= 390
        shot(lecturer, "lecturer-lecture-compare-1366x768")
        shot(phone, "phone-compare-390x844")

        for page in pages:
            assert page.errors == [], page.errors

        # ---- the lecturer reloads the page and keeps driving
        lecturer.reload()
        ready(lecturer)
        assert lecturer.get_by_test_id("class-code").text_content() == shown
        assert key not in lecturer.url
        lecturer.get_by_test_id("step").click()
        idle(lecturer)
        for student in (laptop, phone):
            follows(student, lecturer, within=3)
            same_numbers(student, lecturer)
        # a student who reloads stays in the class
        phone.reload()
        ready(phone)
        assert phone.get_by_test_id("class-status").text_content() == "Following the class"
        same_numbers(phone, lecturer)
        for page in pages:
            assert page.errors == [], page.errors

        # ---- End class
        lecturer.get_by_test_id("class-end").click()
        lecturer.get_by_test_id("confirm-cancel").click()  # asked first: nothing ends
        assert class_state(base, code)["code"] == shown
        lecturer.get_by_test_id("class-end").click()
        lecturer.get_by_test_id("confirm-ok").click()
        lecturer.get_by_test_id("class-start").wait_for()
        for student in (laptop, phone):
            student.wait_for_function(
                "() => document.querySelector('[data-testid=class-status]').textContent"
                " === 'The class has ended.'",
                timeout=10_000,
            )
        with pytest.raises(urllib.error.HTTPError) as gone:
            class_state(base, code)
        assert gone.value.code == 404
        assert lecturer.evaluate(f"localStorage.getItem('bp-class-key:{code}')") is None
    finally:
        for page in pages:
            page.context.close()


def test_a_student_reconnects_by_itself_after_a_proxy_error(chromium, base):
    """EventSource gives up on an answer that is not 200 (a proxy's 502 while the server
    restarts): the page reconnects by itself, with ?last_event_id=, after 0.5 s, then 1 s, and
    catches up with what the lecturer did meanwhile."""
    lecturer = open_playground(chromium, base, 1366, 768)
    context = chromium.new_context(viewport={"width": 1366, "height": 768})
    student = context.new_page()
    try:
        lecturer.get_by_test_id("class-start").click()
        lecturer.get_by_test_id("class-join").wait_for()
        code = lecturer.get_by_test_id("class-code").text_content().replace("-", "")
        lecturer.get_by_test_id("class-join-close").click()
        c = class_state(base, code)
        first = {k: c[k] for k in ("version", "link_id", "step", "view")}
        first["scenario_changed"] = True
        streams: list[tuple[float, str]] = []

        def events(route):
            streams.append((time.monotonic(), route.request.url))
            if len(streams) == 1:  # one event, then the stream ends: the browser retries
                body = f"retry: 100\nid: {c['version']}\nevent: view\ndata: {json.dumps(first)}\n\n"
                route.fulfill(status=200, headers={"Content-Type": "text/event-stream"}, body=body)
            elif len(streams) <= 3:
                route.fulfill(status=502, body="Bad Gateway")
            else:
                route.continue_()

        student.route("**/api/v1/classes/*/events*", events)
        student.goto(f"{base}/c/{code}")
        ready(student)
        for _ in range(2):
            lecturer.get_by_test_id("step").click()
        idle(lecturer)
        follows(student, lecturer, within=10)
        assert len(streams) == 4, streams
        assert "last_event_id" not in streams[1][1]  # the browser's own retry (a header)
        for _, url in streams[2:]:
            assert url.endswith(f"/events?last_event_id={c['version']}"), url
        waits = [b[0] - a[0] for a, b in zip(streams[1:], streams[2:], strict=False)]
        assert waits[0] >= 0.45 and waits[1] >= 0.95, waits
        assert student.get_by_test_id("class-status").text_content() == "Following the class"
        lecturer.get_by_test_id("step").click()
        idle(lecturer)
        follows(student, lecturer)
        assert lecturer.errors == []
    finally:
        lecturer.context.close()
        context.close()


def lecturer_call(base: str, method: str, path: str, key: str, body: dict | None = None):
    """A lecturer-only call straight to the API (as a lecturer's script could make it)."""
    req = urllib.request.Request(
        f"{base}/api/v1/{path}",
        data=None if body is None else json.dumps(body).encode(),
        method=method,
        headers={"Content-Type": "application/json", "Authorization": f"Bearer {key}"},
    )
    with urllib.request.urlopen(req, timeout=30) as r:
        text = r.read()
        return json.loads(text) if text else None


def test_predict_then_reveal_asks_the_class(chromium, base):
    """Lecture mode's predict-then-reveal (H, then Space) asks the class the same poll; the
    address picked for students is used for the join address and its QR code; a student who
    steps on their own is exploring; questions and choices are shown as text."""
    lecturer = open_playground(chromium, base, 1024, 768)
    phone = None
    try:
        lecturer.get_by_test_id("class-start").click()
        lecturer.get_by_test_id("class-join").wait_for()
        shown = lecturer.get_by_test_id("class-code").text_content()
        code = shown.replace("-", "")
        addresses = api(base, "network-addresses")["addresses"]
        if addresses:
            chosen = addresses[0]["base_url"]
            lecturer.get_by_test_id("class-base").select_option(chosen)
            url = lecturer.get_by_test_id("class-join-url").text_content()
            assert url == f"{chosen}/c/{shown}"
            lecturer.wait_for_function(
                "() => document.querySelector('[data-testid=class-qr-large]').src.includes('base=')"
            )
            assert decode_qr(lecturer, lecturer.get_by_test_id("class-qr-large")) == url
            assert lecturer.evaluate("localStorage.getItem('bp-share-base')") == chosen
        shot(lecturer, "lecturer-join-1024x768")
        lecturer.get_by_test_id("class-join-close").click()
        phone = open_phone(chromium, f"{base}/c/{shown.lower()}")

        lecturer.get_by_test_id("lecture-toggle").click()
        lecturer.keyboard.press("h")
        lecturer.keyboard.press(" ")  # held back: the class is asked first
        idle(lecturer)
        phone.get_by_test_id("poll-choice").first.wait_for(timeout=FOLLOW_S * 1000)
        assert phone.get_by_test_id("poll-question").text_content() == (
            "Which way will this weight move?"
        )
        follows(phone, lecturer)
        right, sel = right_answer(base, lecturer)
        choices = phone.get_by_test_id("poll-choice").all_text_contents()
        phone.get_by_test_id("poll-choice").nth(choices.index(right)).tap()
        lecturer.wait_for_function(
            "() => document.querySelector('[data-testid=poll-voters]')?.textContent"
            " === '1 answered so far'",
            timeout=10_000,
        )
        shot(lecturer, "lecturer-lecture-tally-1024x768")
        lecturer.keyboard.press(" ")  # the reveal
        idle(lecturer)
        lecturer.wait_for_function(
            "() => document.querySelector('[data-testid=poll-reveal]').textContent !== ''"
        )
        reveal = lecturer.get_by_test_id("poll-reveal").text_content()
        assert reveal.startswith(f"Answer: {right}.") and reveal.endswith("1 of 1 got it.")
        assert f"w{sel['to']}←{sel['from']} of layer {sel['layer']}" in reveal
        shot(lecturer, "lecturer-lecture-reveal-1024x768")
        phone.wait_for_function(
            "() => document.querySelector('[data-testid=poll-reveal]').textContent !== ''",
            timeout=FOLLOW_S * 1000,
        )
        assert "You got it!" in phone.get_by_test_id("poll-reveal").text_content()
        follows(phone, lecturer)

        # a question and choices with markup in them stay text
        key = lecturer.evaluate(f"localStorage.getItem('bp-class-key:{code}')")
        markup = '<img src=x onerror="window.__pwned=1"><b>bold</b>'
        lecturer_call(
            base,
            "POST",
            f"classes/{code}/polls",
            key,
            {"question": markup, "choices": [markup, "b"]},
        )
        phone.wait_for_function(
            "q => document.querySelector('[data-testid=poll-question]').textContent === q",
            arg=markup,
            timeout=FOLLOW_S * 1000,
        )
        assert phone.get_by_test_id("poll-choice").first.text_content() == markup
        assert phone.locator("[data-testid=poll-box] img, [data-testid=poll-box] b").count() == 0
        assert phone.evaluate("window.__pwned") is None

        # the phone steps on its own: it is exploring, and says where the class is
        phone.get_by_test_id("step").tap()
        phone.get_by_test_id("class-rejoin").wait_for()
        idle(phone)
        assert phone.get_by_test_id("class-status").text_content() == "Exploring on your own:"
        assert counter(phone) == counter(lecturer) + 1
        lecturer.keyboard.press("ArrowRight")
        idle(lecturer)
        phone.wait_for_function(
            "k => document.querySelector('[data-testid=class-position]').textContent"
            ".startsWith(`the class is at step ${k} (`)",
            arg=counter(lecturer),
            timeout=FOLLOW_S * 1000,
        )
        phone.get_by_test_id("class-rejoin").tap()
        follows(phone, lecturer)
        same_numbers(phone, lecturer)
        assert lecturer.errors == [] and phone.errors == []
    finally:
        lecturer.context.close()
        if phone is not None:
            phone.context.close()


def test_another_tab_of_the_lecturers_browser_follows(chromium, base):
    """The key is the tab's to use: the lecturer opening the join address in a new tab (to see
    what students see) gets a student's page there, and the first tab keeps driving."""
    lecturer = open_playground(chromium, base, 1366, 768)
    try:
        lecturer.get_by_test_id("class-start").click()
        lecturer.get_by_test_id("class-join").wait_for()
        shown = lecturer.get_by_test_id("class-code").text_content()
        lecturer.get_by_test_id("class-join-close").click()
        tab = lecturer.context.new_page()
        tab.errors = []
        tab.on("console", lambda m: m.type == "error" and tab.errors.append(m.text))
        tab.goto(f"{base}/c/{shown}")
        ready(tab)
        assert tab.evaluate("window.playground.live.info.role") == "student"
        assert tab.get_by_test_id("class-end").is_hidden()
        lecturer.get_by_test_id("step").click()
        idle(lecturer)
        follows(tab, lecturer)
        assert lecturer.evaluate("window.playground.live.info.role") == "lecturer"
        assert tab.errors == [] and lecturer.errors == []
    finally:
        lecturer.context.close()
