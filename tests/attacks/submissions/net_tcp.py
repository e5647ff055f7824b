"""Attack: reach the network over TCP: the listener the test opened on 127.0.0.1 and on ::1, by address, by
"localhost" and by 0.0.0.0; listen on a port of its own (a channel for anything else on the machine); resolve a
name; connect to a public address. Everything sends a message naming the attack.

Defence: seccomp (no socket() at all), Landlock's TCP rules (no bind or connect), and the zygote's own network
namespace (no interface but a downed loopback). The listeners must receive nothing.
"""

import json
import socket

MARKER = "@@MARKER@@"
TARGETS = [("127.0.0.1", int("@@TCP_PORT@@")), ("localhost", int("@@TCP_PORT@@")), ("0.0.0.0", int("@@TCP_PORT@@")),
           ("::1", int("@@TCP6_PORT@@")), ("1.1.1.1", 53), ("8.8.8.8", 443)]


def _go():
    report = {}
    for host, port in TARGETS:
        try:
            with socket.create_connection((host, port), timeout=1.0) as conn:
                conn.sendall(f"{MARKER} was here".encode())
            report[f"{host}:{port}"] = "connected"
        except Exception as exc:
            report[f"{host}:{port}"] = type(exc).__name__
    try:
        server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        server.bind(("127.0.0.1", 0))
        server.listen(1)
        report["listen"] = f"listening on {server.getsockname()}"
    except Exception as exc:
        report["listen"] = type(exc).__name__
    try:
        report["dns"] = str(socket.getaddrinfo("example.com", 80)[:1])
    except Exception as exc:
        report["dns"] = type(exc).__name__
    return report


def layer_sizes(X, Y):
    raise RuntimeError("REPORT " + json.dumps(_go()))
