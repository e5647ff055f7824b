"""Attack: send UDP datagrams to the listener the test opened on 127.0.0.1 and ::1, and broadcast one.

Defence: seccomp (no socket()), the zygote's network namespace. The listeners must receive nothing.
"""

import json
import socket

MARKER = "@@MARKER@@"


def _go():
    report = {}
    for family, address in ((socket.AF_INET, ("127.0.0.1", int("@@UDP_PORT@@"))),
                            (socket.AF_INET6, ("::1", int("@@UDP6_PORT@@"))),
                            (socket.AF_INET, ("255.255.255.255", int("@@UDP_PORT@@")))):
        try:
            with socket.socket(family, socket.SOCK_DGRAM) as sock:
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_BROADCAST, 1)
                sock.sendto(f"{MARKER} was here".encode(), address)
            report[str(address)] = "sent"
        except Exception as exc:
            report[str(address)] = type(exc).__name__
    return report


def layer_sizes(X, Y):
    raise RuntimeError("REPORT " + json.dumps(_go()))
