"""Attack: exhaust file descriptors: open /dev/null, pipes and memfds until the system refuses.

Defence: RLIMIT_NOFILE (open_files). The failure (EMFILE) must be reported as flag "resource-limit", not as an
ordinary crash.
"""

import os


def layer_sizes(X, Y):
    held = []
    while True:
        held.append(os.open("/dev/null", os.O_RDONLY))
        held.extend(os.pipe())
        held.append(os.memfd_create("hoard"))
