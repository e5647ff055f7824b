"""Attack: put characters that no output format may hold, and markup of every format, into the messages of the
exceptions the functions raise, into the values they return and into what they print: NUL, ESC sequences, form
feed, the C1 range, lone surrogates, U+FFFE, XML/HTML/Markdown markup, spreadsheet formulas. The file is graded
under a name that starts like a formula, with --format junit and --format gradescope.

Before bounds.py, one exception message with control characters made junit.xml ill-formed for the whole batch,
and summary.html carried the raw NUL and ESC bytes.

Defence: results hold printable text only (bounds.printable: visible escapes); each format escapes its markup; the
CSV neutralises cells that start like a formula. Every output parses; nothing a student wrote becomes markup.
"""

HOSTILE = ("\x00 \x1b[2J\x1b]0;pwned\x07 \x0c\x0b\x08 \x85\x9b31m\x9f \ud800 \udfff \ufffe\uffff "
           "</failure></testcase></testsuite>]]><![CDATA[ <script>alert(1)</script> <!-- & \"q\" 'a' "
           '=HYPERLINK("http://evil","click") \n# forged heading\n| forged | row |\n```\n')

print(HOSTILE)


def layer_sizes(X, Y):
    raise ValueError(HOSTILE)


def initialize_parameters(n_x, n_h, n_y):
    return {HOSTILE: 1}


def forward_propagation(X, parameters):
    print(HOSTILE)
    raise KeyError(HOSTILE)


def compute_cost(A2, Y):
    return HOSTILE


def backward_propagation(parameters, cache, X, Y):
    raise RuntimeError(HOSTILE)


class Hostile:
    def __repr__(self):
        return HOSTILE


def update_parameters(parameters, grads, learning_rate=1.2):
    return Hostile()


def predict(parameters, X):
    raise TypeError(HOSTILE)


def nn_model(X, Y, n_h, num_iterations=10000, print_cost=False):
    raise ArithmeticError(HOSTILE)
