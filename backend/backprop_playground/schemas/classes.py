"""Live classes: the bodies of /classes and its answers (API.md, "Live classes")."""

from __future__ import annotations

from typing import Any

import orjson
from pydantic import BaseModel, Field, model_validator

from .base import MAX_STEP, Step, Strict
from .scenario import Scenario

MAX_TITLE = 120
MAX_QUESTION = 300
MAX_CHOICE = 120
MAX_CHOICES = 6
MAX_VOTER = 64
# A view is as small as a link's (api/links.py: MAX_VIEW_BYTES).
MAX_VIEW_BYTES = 4096


class ClassView(Strict):
    """How the lecturer's page shows the class's scenario: a link's view fields, all optional."""

    v: int | None = Field(None, ge=1, le=1000, description="the fragment's format version")
    phase: int | None = Field(
        None, ge=-1, le=10_000, description="-1 ready; 0 … 2L+1 forward … update"
    )
    sample: int | None = Field(None, ge=0, le=10_000, description="traced sample shown")
    row: int | None = Field(None, ge=0, le=1_000_000, description="pinned data row")
    color_mode: str | None = Field(None, max_length=32, description="weight, gradient, update")
    lecture: bool | None = None
    selection: dict[str, Any] | None = Field(
        None, description="{kind: 'node', layer, unit} or {kind: 'edge', layer, from, to}"
    )
    compare: dict[str, Any] | None = Field(None, description="the scenario shown beside it")
    compare_label: str | None = Field(None, max_length=MAX_TITLE)

    @model_validator(mode="after")
    def _small(self) -> ClassView:
        size = len(orjson.dumps(self.model_dump(exclude_unset=True)))
        if size > MAX_VIEW_BYTES:
            raise ValueError(f"view: at most {MAX_VIEW_BYTES} bytes of JSON")
        return self


class ClassCreate(Strict):
    title: str | None = Field(None, max_length=MAX_TITLE, description="plain text")
    scenario: Scenario
    step: Step = 0
    view: ClassView = Field(default_factory=ClassView)


class ClassCreated(BaseModel):
    code: str = Field(description="what students type or scan (Crockford base32, XXXX-XXXX)")
    lecturer_key: str = Field(description="Authorization: Bearer {lecturer_key} drives the class")
    join_url: str = Field(description="the page students open: /c/{code}")
    version: int
    link_id: str = Field(description="the class's scenario, as an immutable link")


class ViewChange(Strict):
    scenario: Scenario | None = Field(None, description="left out when it has not changed")
    step: Step
    view: ClassView = Field(default_factory=ClassView)


class ViewChanged(BaseModel):
    version: int
    link_id: str


class PollState(BaseModel):
    poll_id: str
    question: str
    choices: list[str]
    open: bool
    counts: list[int] = Field(description="votes per choice (running while open)")
    voters: int
    answer: int | None = Field(description="the right choice, given when the poll closed")


class ClassState(BaseModel):
    code: str
    title: str | None
    version: int
    link_id: str
    step: int = Field(ge=0, le=MAX_STEP)
    view: dict[str, Any]
    poll: PollState | None
    followers: int = Field(description="open event streams of this class")


class PollCreate(Strict):
    question: str = Field(min_length=1, max_length=MAX_QUESTION, description="plain text")
    choices: list[str] = Field(min_length=2, max_length=MAX_CHOICES)

    @model_validator(mode="after")
    def _choices(self) -> PollCreate:
        for choice in self.choices:
            if not 1 <= len(choice) <= MAX_CHOICE:
                raise ValueError(f"choices: each 1 to {MAX_CHOICE} characters")
        return self


class PollOpened(BaseModel):
    poll_id: str


class VoteCast(Strict):
    voter: str = Field(
        min_length=1, max_length=MAX_VOTER, description="an opaque id the device keeps"
    )
    choice: int = Field(ge=0, lt=MAX_CHOICES, description="an index into the poll's choices")


class PollClose(Strict):
    answer: int | None = Field(None, ge=0, lt=MAX_CHOICES, description="the right choice")


class PollResult(BaseModel):
    counts: list[int]
    voters: int
    answer: int | None
