"""Errors the engine raises for scenarios it cannot run."""

from __future__ import annotations


class ScenarioError(ValueError):
    """A scenario that is well-formed but makes no sense (e.g. softmax with mse).

    `loc` names the offending field as a path inside the scenario, `msg` says what it must be.
    """

    def __init__(self, loc: tuple[str | int, ...], msg: str):
        super().__init__(f"{'.'.join(map(str, loc))}: {msg}")
        self.loc = loc
        self.msg = msg
