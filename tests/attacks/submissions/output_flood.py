"""Attack: print without end, 1 MiB at a time, to make the grader store gigabytes (in memory, in results.json,
in the reports) or block on a full pipe.

Defence: the grader keeps only the head of the output (output_bytes) and the call's time limit ends the flood.
Flag "timeout" (or "resource-limit"), results and reports of a bounded size.
"""

import sys


def layer_sizes(X, Y):
    line = "flood " * (2**20 // 6) + "\n"
    while True:
        sys.stdout.write(line)
