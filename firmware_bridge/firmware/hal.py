"""The hardware the board logic needs, as one small interface with no `machine` in it."""


class Hal:
    """Relays, door switches, item sensors, the UART, the watchdog and a millisecond clock."""

    # Channels wired on this board (1-16) and whether item sensors are fitted.
    channels = 16
    item_sensors = False

    def set_relay(self, channel: int, on: bool) -> None:
        """Energise (on) or release one channel's relay; channels count from 1."""
        raise NotImplementedError

    def door_closed(self, channel: int) -> bool:
        """The raw, undebounced door switch: True while the door is shut."""
        raise NotImplementedError

    def item_present(self, channel: int) -> bool:
        """The raw item sensor: True while something is in the compartment."""
        raise NotImplementedError

    def uart_read(self) -> bytes:
        """The bytes received since the last call, without waiting (b"" when none)."""
        raise NotImplementedError

    def uart_write(self, data: bytes) -> None:
        """Send bytes to the host (a half-duplex transceiver turns around inside)."""
        raise NotImplementedError

    def feed_watchdog(self) -> None:
        """Tell the watchdog the main loop is alive and healthy."""
        raise NotImplementedError

    def millis(self) -> int:
        """Milliseconds since start; never wraps and never goes back."""
        raise NotImplementedError
