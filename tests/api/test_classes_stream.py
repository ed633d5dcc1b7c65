"""A class's event stream for real: a server on loopback (uvicorn in a thread), students
reading `text/event-stream` as EventSource does, the lecturer driving over HTTP."""

from __future__ import annotations

import json
import queue
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

import httpx
import pytest
import uvicorn

from backprop_playground.app import create_app
from backprop_playground.presets import PRESETS
from backprop_playground.settings import Settings

XOR = PRESETS["xor"].scenario.model_dump(mode="json")
CIRCLE = PRESETS["tf-circle"].scenario.model_dump(mode="json")
WAIT = 10.0


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def serve(tmp_path, **settings) -> Iterator[str]:
    """The app on a loopback port, in a thread of this process."""
    settings.setdefault("database_url", f"sqlite:///{tmp_path / 'links.sqlite3'}")
    app = create_app(Settings(**settings))
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while not server.started:
        assert thread.is_alive() and time.monotonic() < deadline, "server did not start"
        time.sleep(0.05)
    try:
        yield base
    finally:
        server.should_exit = True
        thread.join(15)


@dataclass
class Event:
    event: str
    data: dict
    id: str | None
    at: float


@dataclass
class Student:
    """One EventSource: reads the stream in a thread; events, comments and the end go to
    queues. `last_id` is what EventSource would send on reconnecting."""

    url: str
    last_id: str | None = None
    headers: dict = field(default_factory=dict)
    events: queue.Queue = field(default_factory=queue.Queue)
    comments: queue.Queue = field(default_factory=queue.Queue)
    status: int | None = None
    response_headers: dict = field(default_factory=dict)
    closed: threading.Event = field(default_factory=threading.Event)
    _client: httpx.Client | None = None

    def start(self, query_id: str | None = None) -> Student:
        self.closed.clear()
        self._client = httpx.Client(timeout=httpx.Timeout(30, read=60))
        url = self.url if query_id is None else f"{self.url}?last_event_id={query_id}"
        ready = threading.Event()

        def read() -> None:
            try:
                with self._client.stream("GET", url, headers=self.headers) as r:
                    self.status = r.status_code
                    self.response_headers = dict(r.headers)
                    ready.set()
                    if r.status_code != 200:
                        return
                    kind, data, event_id = "message", [], None
                    for line in r.iter_lines():
                        if line.startswith(":"):
                            self.comments.put(line)
                        elif line.startswith("id:"):
                            event_id = line[3:].strip()
                        elif line.startswith("event:"):
                            kind = line[6:].strip()
                        elif line.startswith("data:"):
                            data.append(line[5:].strip())
                        elif line == "" and data:
                            if event_id is not None:
                                self.last_id = event_id
                            self.events.put(
                                Event(kind, json.loads("\n".join(data)), event_id, time.time())
                            )
                            kind, data, event_id = "message", [], None
            except httpx.HTTPError:
                pass
            finally:
                ready.set()
                self.closed.set()

        threading.Thread(target=read, daemon=True).start()
        assert ready.wait(WAIT), "no answer"
        return self

    def next(self, timeout: float = WAIT) -> Event:
        return self.events.get(timeout=timeout)

    def next_not_tally(self, timeout: float = WAIT) -> Event:
        while (e := self.next(timeout)).event == "tally":
            pass
        return e

    def none_within(self, seconds: float) -> bool:
        try:
            got = self.events.get(timeout=seconds)
        except queue.Empty:
            return True
        self.events.put(got)
        return False

    def stop(self) -> None:
        if self._client is not None:
            self._client.close()
        self.closed.wait(WAIT)


class Lecturer:
    def __init__(self, base: str, **body):
        r = httpx.post(f"{base}/api/v1/classes", json={"scenario": XOR, "step": 0, **body})
        assert r.status_code == 201, r.text
        self.base = base
        self.created = r.json()
        self.code = self.created["code"]
        self.url = f"{base}/api/v1/classes/{self.code}"
        self.auth = {"authorization": f"Bearer {self.created['lecturer_key']}"}

    def on(self, base: str) -> Lecturer:
        """The same lecturer, talking to another server."""
        other = object.__new__(Lecturer)
        other.__dict__.update(self.__dict__)
        other.base, other.url = base, f"{base}/api/v1/classes/{self.code}"
        return other

    def view(self, step: int, **body) -> dict:
        r = httpx.put(f"{self.url}/view", json={"step": step, **body}, headers=self.auth)
        assert r.status_code == 200, r.text
        return r.json()

    def poll(self, choices=("yes", "no")) -> str:
        body = {"question": "Will the loss go down?", "choices": list(choices)}
        r = httpx.post(f"{self.url}/polls", json=body, headers=self.auth)
        assert r.status_code == 201, r.text
        return r.json()["poll_id"]

    def close(self, poll_id: str, answer: int | None = None) -> dict:
        r = httpx.post(f"{self.url}/polls/{poll_id}/close", json={"answer": answer},
                       headers=self.auth)  # fmt: skip
        assert r.status_code == 200, r.text
        return r.json()

    def end(self) -> None:
        assert httpx.delete(self.url, headers=self.auth).status_code == 204

    def student(self, base: str | None = None, **kw) -> Student:
        root = base or self.base
        return Student(f"{root}/api/v1/classes/{self.code}/events", **kw)


def vote(base: str, code: str, poll_id: str, voter: str, choice: int) -> int:
    url = f"{base}/api/v1/classes/{code}/polls/{poll_id}/votes"
    return httpx.post(url, json={"voter": voter, "choice": choice}).status_code


@pytest.fixture
def server(tmp_path):
    with serve(tmp_path, class_ping_seconds=0.5) as base:
        yield base


def test_a_student_receives_every_change_in_order(server):
    lecturer = Lecturer(server, view={"phase": 1})
    student = lecturer.student().start()
    try:
        assert student.status == 200
        assert student.response_headers["content-type"].startswith("text/event-stream")
        assert student.response_headers["x-accel-buffering"] == "no"
        assert "no-store" in student.response_headers["cache-control"]
        first = student.next()
        assert (first.event, first.id) == ("view", "1")
        assert first.data == {
            "version": 1, "link_id": lecturer.created["link_id"], "step": 0,
            "view": {"phase": 1}, "scenario_changed": True,
        }  # fmt: skip
        for k in range(1, 6):
            lecturer.view(k, view={"phase": k, "sample": 1})
        got = [student.next() for _ in range(5)]
        assert [e.id for e in got] == ["2", "3", "4", "5", "6"]
        assert [e.data["step"] for e in got] == [1, 2, 3, 4, 5]
        assert got[-1].data["view"] == {"phase": 5, "sample": 1}
        assert not any(e.data["scenario_changed"] for e in got)
        changed = lecturer.view(0, scenario=CIRCLE)
        e = student.next()
        assert (e.event, e.data["scenario_changed"], e.data["link_id"]) == (
            "view", True, changed["link_id"],
        )  # fmt: skip
        assert student.none_within(0.3)  # one event per change, nothing else
    finally:
        student.stop()


def test_a_comment_line_keeps_the_stream_open(server):
    lecturer = Lecturer(server)
    student = lecturer.student().start()
    try:
        assert student.comments.get(timeout=3).startswith(":")
    finally:
        student.stop()


def test_polls_and_tallies_reach_the_class(server):
    lecturer = Lecturer(server)
    student = lecturer.student().start()
    try:
        student.next()  # the view
        poll_id = lecturer.poll(["up", "down", "same"])
        opened = student.next()
        assert opened.event == "poll" and opened.id == "2"
        assert opened.data["poll"]["open"] is True
        assert opened.data["poll"]["choices"] == ["up", "down", "same"]
        start = time.time()
        for i in range(40):  # 40 votes over about 2 s
            assert vote(server, lecturer.code, poll_id, f"s{i % 30}", i % 3) == 204
            time.sleep(0.05)
        time.sleep(0.8)
        result = lecturer.close(poll_id, answer=1)
        tallies = []
        while True:
            e = student.next()
            if e.event != "tally":
                break
            tallies.append(e)
        assert e.event == "poll" and e.data["poll"]["open"] is False
        assert e.data["poll"]["counts"] == result["counts"]
        assert result["voters"] == 30 and sum(result["counts"]) == 30
        assert e.data["poll"]["answer"] == 1
        assert 2 <= len(tallies) <= 2 * (time.time() - start) + 1
        gaps = [b.at - a.at for a, b in zip(tallies, tallies[1:], strict=False)]
        assert all(g >= 0.4 for g in gaps), gaps  # at most twice a second
        assert tallies[-1].data["counts"] == result["counts"]
        assert all(t.id is None for t in tallies)  # tallies are not versions
    finally:
        student.stop()


def test_reconnecting_with_the_current_id_gets_nothing_and_an_older_one_the_latest(server):
    lecturer = Lecturer(server)
    for k in range(1, 4):
        lecturer.view(k)  # version 4
    current = lecturer.student().start(query_id="4")
    header = lecturer.student(headers={"last-event-id": "4"}).start()
    older = lecturer.student().start(query_id="2")
    unknown = lecturer.student().start(query_id="garbage")
    try:
        assert current.none_within(0.5) and header.none_within(0.01)
        for s in (older, unknown):
            e = s.next()
            assert (e.event, e.id, e.data["step"]) == ("view", "4", 3)
            assert s.none_within(0.2)  # one event, not the history
        lecturer.view(9)
        for s in (current, header, older, unknown):
            assert s.next().data["step"] == 9
    finally:
        for s in (current, header, older, unknown):
            s.stop()


def test_a_resume_says_whether_the_scenario_changed_meanwhile(server):
    lecturer = Lecturer(server)
    lecturer.view(1)  # version 2
    lecturer.view(2)  # version 3
    same = lecturer.student().start(query_id="2")
    assert same.next().data["scenario_changed"] is False
    same.stop()
    lecturer.view(0, scenario=CIRCLE)  # version 4
    changed = lecturer.student().start(query_id="3")
    assert changed.next().data["scenario_changed"] is True
    changed.stop()


def test_followers_count_the_open_streams(server):
    lecturer = Lecturer(server)
    students = [lecturer.student().start() for _ in range(3)]
    try:
        for s in students:
            s.next()
        assert httpx.get(lecturer.url).json()["followers"] == 3
    finally:
        students[0].stop()
    deadline = time.monotonic() + WAIT
    while httpx.get(lecturer.url).json()["followers"] != 2:
        assert time.monotonic() < deadline
        time.sleep(0.1)
    for s in students[1:]:
        s.stop()


def test_ending_the_class_ends_every_stream(server):
    lecturer = Lecturer(server)
    students = [lecturer.student().start() for _ in range(2)]
    for s in students:
        s.next()
    lecturer.end()
    for s in students:
        e = s.next()
        assert (e.event, e.data) == ("end", {"code": lecturer.code})
        assert s.closed.wait(WAIT)  # the server closed it
    again = lecturer.student().start(query_id="1")
    assert again.status == 404  # EventSource gives up: the page shows that the class ended
