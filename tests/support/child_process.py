"""A `locker ...` child process for the tests: its own environment, killed or stopped."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

LOCKER = Path(sys.executable).with_name("locker")


class LockerCommand:
    """One `locker` command run as a child, its output in a log file."""

    def __init__(self, args: list[str], env: dict[str, str], log: Path) -> None:
        self.log = log
        # The child's settings are the test's alone, never the developer's shell's.
        clean = {k: v for k, v in os.environ.items() if not k.startswith(("LOCKER_", "CENTRE_"))}
        # A killed child cleans nothing up: what it made in a temporary directory (a simulated
        # board's pty link) stays beside its log, where pytest's own clean-up finds it.
        temp = log.parent / "tmp"
        temp.mkdir(exist_ok=True)
        clean["TMPDIR"] = str(temp)
        with log.open("ab") as out:
            self.process = subprocess.Popen(
                [str(LOCKER), *args],
                env={**clean, **env},
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
            )

    def kill(self) -> None:
        """SIGKILL: no clean-up of any kind, as a power cut."""
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(10)

    def stop(self) -> None:
        """Stop as a service manager would, then kill if it does not end."""
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
