"""A short soak of the built-in server on MicroPython with a fixed heap
(`make soak` runs the long one: 100 000 requests)."""

from helpers import soak
from helpers.processes import require_interpreter


def test_quick_soak(tmp_path):
    require_interpreter('micropython')
    lines = []
    samples, base, seconds = soak.run(3000, 1000, 1000, tmp_path,
                                      out=lines.append)
    assert samples[-1][0] == 3000, lines
    assert seconds < 30, lines
