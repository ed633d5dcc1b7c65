"""The training engine: pure numpy and numba, no web layer.

`Run(scenario_dict)` prepares a scenario; `Run.initial_state()`, `Run.advance(state, n)` and
`Run.trace(state)` compute states and traced updates; `kernels` holds the compiled maths.
"""

from .errors import ScenarioError
from .run import History, Run, State

__all__ = ["History", "Run", "ScenarioError", "State"]
