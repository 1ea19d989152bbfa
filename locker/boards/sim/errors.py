"""What the simulators refuse."""

from __future__ import annotations


class SimulatorError(ValueError):
    """A bench action or fault the simulated hardware cannot take."""
