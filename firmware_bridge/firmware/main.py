"""Pico entry point: wire the real pins to the board logic and run the main loop for ever.

Copy this file to the Pico as /main.py and the rest of this folder as /firmware/
(docs/protocol-bridge.md, "Firmware").
"""

import machine
from firmware.board import Board
from firmware.machine_hal import MachineHal

# This board's address on the bus (1-254), unique per bus.
ADDRESS = 1
# True on an RS485 bus shared with other boards: events then wait for the host's poll.
SHARED_BUS = True
# Eight channels: 16 relays and 16 switches need more pins than the Pico has (use an I/O
# expander and a Hal of its own). GP0/GP1 are UART0; GP22 drives the transceiver's DE/RE.
RELAY_PINS = [2, 3, 4, 5, 6, 7, 8, 9]
DOOR_PINS = [10, 11, 12, 13, 14, 15, 16, 17]
# Item sensors, one per channel, or None when not fitted.
ITEM_PINS = None
DE_PIN = 22
BAUDRATE = 115200
# Most cheap relay modules switch on when their input is pulled low.
RELAY_ACTIVE_LOW = True
# A jumper from this pin to ground at power-up keeps the firmware (and its watchdog) from
# starting, so mpremote gets a REPL to update the files.
SAFE_MODE_PIN = 28


def run() -> None:
    """Build the hardware and the board, then step it until power is cut."""
    hal = MachineHal(
        RELAY_PINS,
        DOOR_PINS,
        ITEM_PINS,
        baudrate=BAUDRATE,
        de_pin=DE_PIN,
        relay_active_low=RELAY_ACTIVE_LOW,
    )
    board = Board(hal, ADDRESS, shared_bus=SHARED_BUS)
    try:
        while True:
            board.step()
    finally:
        # Whatever broke the loop, leave every lock unpowered; the watchdog, no longer fed,
        # then resets the chip into a clean start.
        for channel in range(1, hal.channels + 1):
            hal.set_relay(channel, False)


if machine.Pin(SAFE_MODE_PIN, machine.Pin.IN, machine.Pin.PULL_UP).value() == 0:
    print("bridge firmware: safe-mode jumper fitted, not starting")
else:
    run()
