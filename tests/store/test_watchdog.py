"""The watchdog that gives up on a server that stopped answering: it shuts down the socket of
a connection still waiting past its deadline, and never touches one that was disarmed."""

from __future__ import annotations

import socket

from bot.store.watchdog import Watchdog

FOREVER = 3600.0  # seconds: a deadline the test never reaches


def test_a_wait_past_its_deadline_ends_as_if_the_server_hung_up_and_a_disarmed_one_is_left():
    watchdog = Watchdog()
    waiting, server = socket.socketpair()
    answered, other_server = socket.socketpair()
    try:
        watchdog.arm(answered, FOREVER)
        watchdog.disarm(answered)  # its answer came: nothing to bound any more
        watchdog.arm(waiting, 0.0)
        # the waiting side reads end-of-stream, as when the server closes the connection
        waiting.settimeout(60)  # only a safety net: the shutdown ends the read
        assert waiting.recv(1) == b""
        # the disarmed connection still works both ways
        other_server.sendall(b"x")
        assert answered.recv(1) == b"x"
        answered.sendall(b"y")
        assert other_server.recv(1) == b"y"
    finally:
        for s in (waiting, server, answered, other_server):
            s.close()


def test_a_closed_connection_is_not_armed():
    watchdog = Watchdog()
    gone, peer = socket.socketpair()
    gone.close()
    peer.close()
    watchdog.arm(gone, 0.0)  # fileno() is -1: nothing to watch, and nothing raised
    watchdog.disarm(gone)


def test_a_sooner_deadline_wakes_the_watcher_that_sleeps_for_a_later_one():
    watchdog = Watchdog()
    waiting, server = socket.socketpair()
    try:
        watchdog.arm(waiting, FOREVER)  # the watcher now sleeps for an hour
        watchdog.arm(waiting, 0.0)  # re-armed sooner: it must wake for this one
        waiting.settimeout(60)  # only a safety net: the shutdown ends the read
        assert waiting.recv(1) == b""
    finally:
        waiting.close()
        server.close()


def test_a_forgotten_connection_keeps_no_duplicate_socket_open_once_closed():
    """The duplicate made when a connection is first armed goes with it: once the driver
    closes its own socket, the server sees the connection end."""
    watchdog = Watchdog()
    ours, server = socket.socketpair()
    try:
        watchdog.arm(ours, FOREVER)
        watchdog.disarm(ours)
        watchdog.forget(ours)  # the pool's close event
        ours.close()
        server.settimeout(60)  # only a safety net: the end of the stream comes at once
        assert server.recv(1) == b""
    finally:
        server.close()
