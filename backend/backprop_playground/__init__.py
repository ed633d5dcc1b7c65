"""Backprop Playground: step through backpropagation with every number shown."""

__version__ = "0.1.0"
