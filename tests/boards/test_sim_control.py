"""The control server: one command a line, one answer a line, effects seen over the pty."""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator

import pytest

from locker.boards import kerong_protocol as kp
from locker.boards.sim import SimBench
from locker.boards.sim.control import MAX_CLIENTS, MAX_LINE, ControlServer, handle_line
from tests.boards.conftest import Host

pytestmark = pytest.mark.timeout(30)


class Client:
    """A line client of the control server."""

    def __init__(self, address: str) -> None:
        host, port = address.rsplit(":", 1)
        self.socket = socket.create_connection((host, int(port)), timeout=5)
        self.file = self.socket.makefile("rw", encoding="utf-8", newline="\n")

    def ask(self, line: str) -> str:
        self.file.write(line + "\n")
        self.file.flush()
        return self.file.readline().rstrip("\n")

    def close(self) -> None:
        self.file.close()
        self.socket.close()


@pytest.fixture
def server(bench: SimBench) -> Iterator[ControlServer]:
    with ControlServer(bench) as running:
        yield running


@pytest.fixture
def client(server: ControlServer) -> Iterator[Client]:
    connected = Client(server.address)
    yield connected
    connected.close()


def test_close_relocks_a_door_the_host_opened(client: Client, host: Host):
    host.send(kp.unlock_frame(0, 4))
    assert host.unlocked(0) == {4}
    assert client.ask("close 0 4") == "ok"
    assert host.unlocked(0) == set()


def test_open_by_hand(client: Client, host: Host):
    assert client.ask("open 1 16") == "ok"
    assert host.unlocked(1) == {16}


def test_items_on_and_off(client: Client, host: Host):
    assert client.ask("item 0 2 on") == "ok"
    assert host.status(0).item_bits == 0x0002
    assert client.ask("item 0 2 off") == "ok"
    assert host.status(0).item_bits == 0


def test_board_faults_by_channel_and_by_board(client: Client, host: Host):
    assert client.ask("fault stuck_lock on 0 1") == "ok"
    assert client.ask("fault sensor_stuck_on on 1") == "ok"
    host.send(kp.unlock_frame(0, 1))
    assert host.unlocked(0) == set()
    assert host.status(1).item_bits == 0xFFFF
    assert client.ask("fault stuck_lock off 0 1") == "ok"
    host.send(kp.unlock_frame(0, 1))
    assert host.unlocked(0) == {1}


def test_a_door_held_open_says_so(client: Client):
    assert client.ask("fault door_left_open on 0 3") == "ok"
    assert client.ask("open 0 3") == "ok"
    assert client.ask("close 0 3").startswith("ok (a door_left_open fault")


def test_link_faults_take_a_value(bench: SimBench, client: Client):
    assert client.ask("fault delay on 250") == "ok"
    assert client.ask("fault corrupt_byte on 3") == "ok"
    link = json.loads(client.ask("state"))["link"]
    assert (link["delay_ms"], link["corrupt_byte"]) == (250, True)
    assert client.ask("fault delay off") == "ok"
    assert client.ask("fault corrupt_byte off") == "ok"
    assert client.ask("fault no_reply on") == "ok"
    assert bench.state()["link"]["no_reply"] is True


def test_unplug_and_replug_over_control(bench: SimBench, client: Client, host: Host):
    assert client.ask("fault unplugged on") == "ok"
    assert json.loads(client.ask("state"))["link"]["unplugged"] is True
    assert client.ask("fault unplugged off") == "ok"
    host.reopen()
    assert host.status(0).board == 0


def test_state_is_one_json_line(bench: SimBench, client: Client):
    client.ask("open 1 2")
    state = json.loads(client.ask("state"))
    assert state["path"] == bench.path
    assert state["boards"][1]["channels"][1]["locked"] is False
    # The next answer lines up with the next question: state was exactly one line.
    assert client.ask("help").startswith("commands:")


@pytest.mark.parametrize(
    ("line", "answer"),
    [
        ("", "error: empty command"),
        ("dance", "error: unknown command 'dance'"),
        ("close 0", "error: close takes 2 arguments, got 1"),
        ("close 0 x", "error: not a number in '0 x'"),
        ("close 2 1", "error: no board 2 (boards 0-1)"),
        ("open 0 17", "error: no channel 17 (channels 1-16)"),
        ("item 0 1 maybe", "error: expected on or off, not 'maybe'"),
        ("fault", "error: usage: fault NAME on|off [B [C] | VALUE]"),
        ("fault melt on 0 1", "error: unknown board fault 'melt'"),
        ("fault delay on 1 2", "error: delay takes at most one value"),
        ("fault stuck_lock on 0 1 2", "error: stuck_lock takes at most a board and a channel"),
        ("fault no_reply on 5", "error: no_reply takes no value"),
        ("state now", "error: state takes 0 arguments, got 1"),
    ],
)
def test_bad_commands_get_an_error_line(bench: SimBench, line: str, answer: str):
    assert handle_line(bench, line).startswith(answer)


def test_errors_keep_the_connection_open(client: Client):
    assert client.ask("close 9 9").startswith("error:")
    assert client.ask("open 0 1") == "ok"


def test_quit_closes_the_connection(client: Client):
    assert client.ask("quit") == "ok"
    assert client.file.readline() == ""


def test_a_line_too_long_is_refused(client: Client):
    client.file.write("x" * (MAX_LINE + 10))
    client.file.flush()
    assert client.file.readline().startswith("error: line longer than")
    assert client.file.readline() == ""


def test_clients_are_bounded(server: ControlServer):
    clients = [Client(server.address) for _ in range(MAX_CLIENTS)]
    try:
        assert all(c.ask("help").startswith("commands:") for c in clients)
        extra = Client(server.address)
        assert extra.file.readline().startswith("error: too many control clients")
        extra.close()
        # The server frees the slot before it can accept again: quit makes that ordering sure.
        leaving = clients.pop()
        assert leaving.ask("quit") == "ok"
        leaving.close()
        late = Client(server.address)
        assert late.ask("help").startswith("commands:")
        late.close()
    finally:
        for c in clients:
            c.close()


def test_stop_closes_the_clients(bench: SimBench):
    server = ControlServer(bench)
    server.start()
    client = Client(server.address)
    assert client.ask("help").startswith("commands:")
    server.stop()
    assert client.file.readline() == ""
    client.close()
    server.stop()  # twice is harmless
