"""Attack: reach local services over Unix sockets: a stream and a datagram socket in the filesystem (mode 0777,
so file permissions would let anyone in) and their abstract-namespace twins (which have no permissions at all),
plus a raw libc socket() call in case Python's module were patched to refuse.

Defence: seccomp (no socket()), Landlock (no path outside the scratch folder; abstract sockets scoped, ABI 6),
the zygote's own network namespace (abstract sockets belong to a network namespace). Nothing may arrive.
"""

import ctypes
import json
import socket

MARKER = "@@MARKER@@"
PATHS = {"stream": "@@UNIX_STREAM@@", "dgram": "@@UNIX_DGRAM@@",
         "abstract stream": "\0@@ABSTRACT_STREAM@@", "abstract dgram": "\0@@ABSTRACT_DGRAM@@"}


def _go():
    report = {}
    for name, path in PATHS.items():
        kind = socket.SOCK_DGRAM if "dgram" in name else socket.SOCK_STREAM
        try:
            with socket.socket(socket.AF_UNIX, kind) as sock:
                if kind == socket.SOCK_STREAM:
                    sock.connect(path)
                    sock.sendall(f"{MARKER} was here".encode())
                else:
                    sock.sendto(f"{MARKER} was here".encode(), path)
            report[name] = "reached"
        except Exception as exc:
            report[name] = type(exc).__name__
    libc = ctypes.CDLL(None, use_errno=True)
    fd = libc.socket(1, 1, 0)
    report["libc socket"] = (fd, ctypes.get_errno())
    return report


def layer_sizes(X, Y):
    raise RuntimeError("REPORT " + json.dumps(_go()))
