"""A second, deliberately simple implementation of the contract's training maths.

It lives in the tests and shares no code with the engine: plain Python loops over
Python floats, written straight from the formulas in ``shared/API.md``.
"""
