"""Attack: exhaust file descriptors: open /dev/null, duplicate descriptors, and make pipes and memfds while the
sandbox allows them, until the system refuses.

Defence: RLIMIT_NOFILE (open_files); pipes and memfds are not even on seccomp's allow list. The failure (EMFILE)
must be reported as flag "resource-limit", not as an ordinary crash.
"""

import os


def layer_sizes(X, Y):
    held = []
    makers = [lambda: [os.open("/dev/null", os.O_RDONLY)], lambda: [os.dup(0)], lambda: list(os.pipe()),
              lambda: [os.memfd_create("hoard")]]
    while True:
        for make in list(makers):
            try:
                held.extend(make())
            except PermissionError:  # refused outright: try the others
                makers.remove(make)
