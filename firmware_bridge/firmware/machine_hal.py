"""The Pico's real hardware behind the Hal: machine.Pin relays and inputs, UART and WDT."""

import time

import machine

from .hal import Hal

# The RP2040's watchdog allows at most 8388 ms; 2 s resets a hung loop well before a user
# standing at the door gives up, and is far longer than any healthy pass of the loop.
WATCHDOG_MS = 2000
# Holds a few frames while the loop is busy writing (the RP2040 FIFO alone is 32 bytes).
UART_RXBUF = 256


def _pulled_up(pin: int) -> machine.Pin:
    # Reed contacts and sensors switch to ground: the pull-up reads 1 while they are open.
    return machine.Pin(pin, machine.Pin.IN, machine.Pin.PULL_UP)


class MachineHal(Hal):
    """Relays on outputs, reed switches and item sensors on pulled-up inputs, RS485 on a UART."""

    def __init__(
        self,
        relay_pins: list[int],
        door_pins: list[int],
        item_pins: list[int] | None = None,
        uart_id: int = 0,
        tx_pin: int = 0,
        rx_pin: int = 1,
        baudrate: int = 115200,
        de_pin: int | None = None,
        relay_active_low: bool = True,
        door_closed_level: int = 0,
        item_present_level: int = 0,
    ) -> None:
        # Relays first, created at their off level, so no lock twitches while the rest starts.
        self._relay_on = 0 if relay_active_low else 1
        off = 1 - self._relay_on
        self._relays = [machine.Pin(pin, machine.Pin.OUT, value=off) for pin in relay_pins]
        if len(door_pins) != len(relay_pins) or (item_pins and len(item_pins) != len(relay_pins)):
            raise ValueError("one door switch (and item sensor, if fitted) per relay")
        self.channels = len(relay_pins)
        self._doors = [_pulled_up(pin) for pin in door_pins]
        self._door_closed_level = door_closed_level
        self.item_sensors = bool(item_pins)
        self._items = [_pulled_up(pin) for pin in item_pins or []]
        self._item_present_level = item_present_level
        # The transceiver's DE/RE pin: low (listening) except while this board transmits.
        self._de = machine.Pin(de_pin, machine.Pin.OUT, value=0) if de_pin is not None else None
        self._uart = machine.UART(
            uart_id,
            baudrate=baudrate,
            tx=machine.Pin(tx_pin),
            rx=machine.Pin(rx_pin),
            rxbuf=UART_RXBUF,
        )
        self._ticks = time.ticks_ms()
        self._ms = 0
        # Last: from here on the main loop must feed it.
        self._wdt = machine.WDT(timeout=WATCHDOG_MS)

    def set_relay(self, channel: int, on: bool) -> None:
        """Drive one relay at the polarity the module wants."""
        self._relays[channel - 1].value(self._relay_on if on else 1 - self._relay_on)

    def door_closed(self, channel: int) -> bool:
        """The raw reed contact."""
        return self._doors[channel - 1].value() == self._door_closed_level

    def item_present(self, channel: int) -> bool:
        """The raw item sensor."""
        return self._items[channel - 1].value() == self._item_present_level

    def uart_read(self) -> bytes:
        """What the UART holds, without waiting."""
        waiting = self._uart.any()
        if not waiting:
            return b""
        return self._uart.read(waiting) or b""

    def uart_write(self, data: bytes) -> None:
        """Send with the transceiver's driver on, then hand the bus back."""
        if self._de is not None:
            self._de.value(1)
        self._uart.write(data)
        if self._de is not None:
            # flush() returns once the last stop bit has left the shift register; dropping DE
            # earlier would cut the frame's CRC off.
            self._uart.flush()
            self._de.value(0)

    def feed_watchdog(self) -> None:
        """Feed the hardware watchdog."""
        self._wdt.feed()

    def millis(self) -> int:
        """ticks_ms wraps (at 2**30 ms on the RP2040); extend it into a counter that does not."""
        now = time.ticks_ms()
        self._ms += time.ticks_diff(now, self._ticks)
        self._ticks = now
        return self._ms
