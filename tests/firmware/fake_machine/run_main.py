"""Runs the Pico's main.py on the MicroPython unix port against the fake `machine`.

Usage: micropython run_main.py REPO_ROOT PACKAGE_DIR, where PACKAGE_DIR holds a `firmware`
link to firmware_bridge/firmware (the layout on the Pico). Prints one line per finding.
"""

import sys

root, package_dir = sys.argv[1], sys.argv[2]
sys.path.insert(0, root + "/firmware_bridge/firmware")
sys.path.insert(0, package_dir)
sys.path.insert(0, root + "/tests/firmware/fake_machine")

import machine  # noqa: E402
from firmware import protocol  # noqa: E402

# The safe-mode jumper is not fitted: its pulled-up pin reads 1.
machine.LEVELS[28] = 1
machine.INCOMING.extend(
    [
        protocol.encode_frame(1, 7, protocol.CMD_IDENTIFY),
        protocol.encode_frame(1, 8, protocol.CMD_UNLOCK, b"\x01\x00\x64"),
    ]
)
# No contextlib.suppress: the unix port does not ship contextlib.
try:  # noqa: SIM105
    import main  # noqa: F401  (runs the loop until the fake UART ends it)
except SystemExit:
    pass
for frame in protocol.Decoder().feed(b"".join(machine.SENT)):
    print("FRAME", frame.seq, frame.code, protocol.hexdump(frame.payload))
print("RELAY1", machine.LEVELS[2])
print("RELAY1_WRITES", " ".join([str(level) for pin, level in machine.WRITES if pin == 2]))
print("FEEDS", machine.WDT.feeds, machine.WDT.timeout)
