"""Each locker's own broker identity: a password entry and an ACL block in Mosquitto's files.

A locker's user is its id. It may publish only under `lockers/{its id}/` and read only its own
`cmd` and `events/ack`, so a stolen locker's credentials speak for that locker alone; the
centre's user reads every locker and writes their `cmd` and `events/ack`. Mosquitto reads both
files at start and again on SIGHUP.
"""

from __future__ import annotations

import fcntl
import os
import re
import secrets
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from locker.centre.local_broker import PASSWD
from locker.wire import fields

LOCKER_WRITES = ("events", "state", "status", "cmd/result", "outbox")
LOCKER_READS = ("cmd", "events/ack")
MARK = "# ---- {kind} {name} (locker fleet enroll) ----"
# A block is its mark and the `user` and `topic` lines after it; anything else is left alone.
BLOCK = re.compile(
    r"^# ---- (locker|centre) (\S+) \(locker fleet enroll\) ----\n(?:(?:user|topic) .*\n)*", re.M
)


class BrokerAccountError(Exception):
    """An account cannot be written; the message says why in one line."""


def locker_acl(locker_id: str) -> str:
    """The ACL block of one locker's user."""
    lines = [MARK.format(kind="locker", name=locker_id), f"user {locker_id}"]
    lines += [f"topic write lockers/{locker_id}/{topic}" for topic in LOCKER_WRITES]
    lines += [f"topic read lockers/{locker_id}/{topic}" for topic in LOCKER_READS]
    return "\n".join(lines) + "\n"


def centre_acl(username: str) -> str:
    """The ACL block of a centre's user: every locker's topics to read, commands to write."""
    lines = [
        MARK.format(kind="centre", name=username),
        f"user {username}",
        "topic read lockers/#",
        "topic write lockers/+/cmd",
        "topic write lockers/+/events/ack",
    ]
    return "\n".join(lines) + "\n"


def enroll(name: str, passwords: Path, acl: Path, centre: bool = False) -> str:
    """Give `name` (a locker id, or a centre's user) a new password and its ACL block, replacing
    any it had; returns the password, which nothing keeps in clear."""
    if not fields.NAME.fullmatch(name):
        raise BrokerAccountError("a broker user is 1 to 64 letters, digits and . _ @ -")
    if not PASSWD.exists():
        raise BrokerAccountError("mosquitto_passwd is missing: apt-get install mosquitto")
    password = secrets.token_urlsafe(24)
    block = centre_acl(name) if centre else locker_acl(name)
    for path in (passwords, acl):
        path.parent.mkdir(parents=True, exist_ok=True)
        if not path.exists():
            path.touch(mode=0o600)
    with _locked(acl), _kept_owner(passwords), _kept_owner(acl):
        done = subprocess.run(
            [str(PASSWD), "-b", str(passwords), name, password],
            capture_output=True,
            text=True,
        )
        if done.returncode != 0:
            raise BrokerAccountError(f"mosquitto_passwd failed: {done.stderr.strip()[:200]}")
        _write_block(acl, name, block)
    return password


def _write_block(acl: Path, name: str, block: str) -> None:
    """Replace the user's block in the ACL file (or add it), atomically."""
    text = acl.read_text()
    kept = BLOCK.sub(lambda m: "" if m.group(2) == name else m.group(0), text)
    if kept and not kept.endswith("\n"):
        kept += "\n"
    temporary = acl.with_name(acl.name + ".new")
    temporary.write_text(kept + block)
    with temporary.open("rb") as file:
        os.fsync(file.fileno())
    os.chmod(temporary, acl.stat().st_mode & 0o777)
    os.chown(temporary, acl.stat().st_uid, acl.stat().st_gid)
    temporary.replace(acl)


@contextmanager
def _locked(path: Path) -> Iterator[None]:
    """One enrolment at a time on these files."""
    with path.open("rb") as file:
        fcntl.flock(file.fileno(), fcntl.LOCK_EX)
        yield


@contextmanager
def _kept_owner(path: Path) -> Iterator[None]:
    """The file keeps its owner and mode (the broker's user must still read it)."""
    before = path.stat()
    yield
    os.chown(path, before.st_uid, before.st_gid)
    os.chmod(path, before.st_mode & 0o777)
