"""Debounced copies of boolean inputs such as door switches and item sensors."""


class Debouncer:
    """A raw change counts only once it has held for hold_ms without flipping back."""

    def __init__(self, initial: list[bool], hold_ms: int) -> None:
        self.state = list(initial)
        self.hold_ms = hold_ms
        # When each input was first seen differing from its state; None while it agrees.
        self._since: list[int | None] = [None] * len(initial)

    def update(self, index: int, raw: bool, now: int) -> bool:
        """Take one raw reading at time now; True when the debounced state just changed."""
        if raw == self.state[index]:
            # A bounce back restarts the wait: the change must hold for the whole period.
            self._since[index] = None
            return False
        since = self._since[index]
        if since is None:
            self._since[index] = since = now
        if now - since < self.hold_ms:
            return False
        self.state[index] = raw
        self._since[index] = None
        return True
