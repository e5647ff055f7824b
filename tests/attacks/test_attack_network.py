"""Attacks that try to reach the network, loopback included. The harness listens on TCP (127.0.0.1 and ::1),
UDP (both), Unix stream and datagram sockets in the filesystem (mode 0777) and in the abstract namespace, and
fails the test if anything at all reaches them."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.slow  # each test grades a batch through the real CLI: not in the -m "not slow" loop


BLOCKED = ("connected", "sent", "reached")


def _nothing_got_through(run, sid):
    report = run.report(sid)
    assert report is not None, "the attack did not report what it tried"
    through = {k: v for k, v in report.items() if isinstance(v, str) and (v in BLOCKED or v.startswith("listening"))}
    assert not through, f"the sandbox let these through: {through}"
    return report


def test_tcp(attack):
    run, sid = attack("net_tcp.py")
    run.assert_contained(sid, max_score=0.0, attacked=["layer_sizes"])
    report = _nothing_got_through(run, sid)
    assert not report["dns"].startswith("["), f"name resolution worked: {report['dns']}"


def test_udp(attack):
    run, sid = attack("net_udp.py")
    run.assert_contained(sid, max_score=0.0, attacked=["layer_sizes"])
    _nothing_got_through(run, sid)


def test_unix_sockets(attack):
    run, sid = attack("net_unix.py")
    run.assert_contained(sid, max_score=0.0, attacked=["layer_sizes"])
    report = _nothing_got_through(run, sid)
    assert report["libc socket"][0] == -1, report["libc socket"]
