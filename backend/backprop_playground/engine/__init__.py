"""The training engine: pure numpy and numba, no web layer.

`Run(scenario_dict)` prepares a fully-defaulted scenario (`Scenario.engine_dict()`);
`Run.initial_state()`, `Run.advance(state, n)` and `Run.trace(state)` compute states and traced
updates. `kernels` holds the compiled maths (forward, loss, backward, one update), `optim` the
update rules, `tuples` the named groups of arrays they take; `tests/reference/` writes the same
maths slowly in plain Python.
"""

import hashlib
import os
from pathlib import Path

from numba.core import config as _numba_config

# numba's on-disk cache checks only the file that defines a function, not the files its inlined
# callees come from; a cache directory per version of the engine's sources never serves code
# compiled from older ones.
_HERE = Path(__file__).parent
if not os.environ.get("NUMBA_CACHE_DIR"):
    _digest = hashlib.sha256(b"".join(p.read_bytes() for p in sorted(_HERE.glob("*.py"))))
    _numba_config.CACHE_DIR = str(  # type: ignore[attr-defined]
        _HERE / "__pycache__" / f"numba-{_digest.hexdigest()[:16]}"
    )

from .errors import ScenarioError  # noqa: E402
from .run import Run  # noqa: E402
from .state import History, State  # noqa: E402

# Changes whenever a change of the engine could change a number: part of every cacheable URL
# and ETag, so a fixed engine gives new URLs rather than stale caches.
ENGINE_VERSION = "2"

__all__ = ["ENGINE_VERSION", "History", "Run", "ScenarioError", "State"]
