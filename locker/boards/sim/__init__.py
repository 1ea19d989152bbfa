"""Simulated lock boards that speak the real bytes over a pty or TCP, with faults on demand."""

from locker.boards.sim.bench import BoardModel, SimBench
from locker.boards.sim.errors import SimulatorError
from locker.boards.sim.faults import BOARD_FAULTS, LINK_FAULTS, BoardFault, LinkFault, LinkFaults
from locker.boards.sim.kerong_sim import KerongSimulator
from locker.boards.sim.pty_port import PtyPort
from locker.boards.sim.socket_port import SocketPort

__all__ = [
    "BOARD_FAULTS",
    "LINK_FAULTS",
    "BoardFault",
    "BoardModel",
    "KerongSimulator",
    "LinkFault",
    "LinkFaults",
    "PtyPort",
    "SimBench",
    "SimulatorError",
    "SocketPort",
]
