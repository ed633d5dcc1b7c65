"""The training engine: pure numpy and numba, no web layer.

`Run(scenario_dict)` prepares a fully-defaulted scenario (`Scenario.engine_dict()`);
`Run.initial_state()`, `Run.advance(state, n)` and `Run.trace(state)` compute states and traced
updates. `kernels` holds the compiled maths (forward, loss, backward, one update), `optim` the
update rules, `tuples` the named groups of arrays they take; `tests/reference/` writes the same
maths slowly in plain Python.
"""

from .errors import ScenarioError
from .run import Run
from .state import History, State

# Changes whenever a change of the engine could change a number: part of every cacheable URL
# and ETag, so a fixed engine gives new URLs rather than stale caches.
ENGINE_VERSION = "2"

__all__ = ["ENGINE_VERSION", "History", "Run", "ScenarioError", "State"]
