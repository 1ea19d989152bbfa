"""A kill between the provider's acknowledgement and "recorded as sent" is the only way a
message goes out twice: after the restart it goes out once more, with the same message id, and
never a third time."""

from __future__ import annotations

import multiprocessing
import os
from pathlib import Path

from locker.services.context import LockerContext
from locker.services.deliver_messages import deliver_next
from locker.services.reconcile import reconcile
from locker.store import SqliteStore


class Provider:
    """An SMS gateway that writes each message id it accepts to a file; `dies` kills the
    process right after the acknowledgement, before the outbox can record it."""

    name = "sms"

    def __init__(self, log: Path, dies: bool = False) -> None:
        self.log = log
        self.dies = dies

    def reaches(self, recipient: str) -> bool:
        return True

    def send(self, message) -> str:
        with self.log.open("a") as accepted:
            accepted.write(message.message_id + "\n")
            accepted.flush()
            os.fsync(accepted.fileno())
        if self.dies:
            os._exit(7)
        return "ok"


def _send_and_die(db_path, clock, rules, log):
    with SqliteStore(db_path) as store:
        ctx = LockerContext(store, None, clock, rules, channels={"sms": Provider(log, dies=True)})
        deliver_next(ctx)
    os._exit(0)


def test_a_restart_sends_once_more_and_never_a_third_time(ctx, courier, db_path, clock, tmp_path):
    courier.deposit()
    log = tmp_path / "accepted.txt"
    child = multiprocessing.get_context("fork").Process(
        target=_send_and_die, args=(db_path, clock, ctx.rules, log)
    )
    child.start()
    child.join(30)
    assert child.exitcode == 7
    [message] = ctx.store.messages()
    assert message.status == "sending"

    ctx.channels = {"sms": Provider(log)}
    assert reconcile(ctx).messages_resumed == 1
    while deliver_next(ctx) is not None:
        pass
    assert deliver_next(ctx) is None
    accepted = log.read_text().split()
    assert accepted == [message.message_id, message.message_id]
    assert ctx.store.messages()[0].status == "sent"
