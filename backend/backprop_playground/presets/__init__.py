"""Presets: ready-made scenarios, each with a title and what to watch.

Most presets are lessons (`lesson: True`): a short explanation, what to watch, a suggested number
of updates and, for lessons that contrast two settings, a `compare` scenario that differs from
`scenario` in that one setting. Every lesson's effect is checked through the API by
tests/api/test_lessons.py; the numbers quoted in the summaries come from those runs.

Each group of lessons is a module holding its presets as data, in the order the gallery shows:
basics, tf_playground, learning_rate, deep_networks, regularization, optimizers, beyond.
"""

from __future__ import annotations

from ..schemas import Preset
from . import (
    basics,
    beyond,
    deep_networks,
    learning_rate,
    optimizers,
    regularization,
    tf_playground,
)

GROUPS = (basics, tf_playground, learning_rate, deep_networks, regularization, optimizers, beyond)

PRESETS: dict[str, Preset] = {
    p["id"]: Preset.model_validate(p) for group in GROUPS for p in group.PRESETS
}
