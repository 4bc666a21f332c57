"""Soak run of the built-in server on MicroPython with a fixed heap (`make
soak`); the run itself is helpers/soak.py.

    python tests/hostile/soak_cpython.py            # 100 000 requests
    python tests/hostile/soak_cpython.py --quick    # a short run
"""
import argparse
import os
import sys
import tempfile

# run as a program: tests/ goes on the path for the helpers package
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from helpers.processes import interpreter_path  # noqa: E402
from helpers.soak import HEAP_SIZE, run  # noqa: E402


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--quick', action='store_true',
                        help='5 000 requests instead of 100 000')
    parser.add_argument('--requests', type=int, default=0)
    parser.add_argument('--heapsize', default=HEAP_SIZE)
    args = parser.parse_args()
    if interpreter_path('micropython') is None:
        print('soak: MicroPython interpreter not found (run make venv)')
        return 2
    total = args.requests or (5000 if args.quick else 100000)
    first = total // 10
    with tempfile.TemporaryDirectory() as workdir:
        print('soak: {} requests against MicroPython, heap {}'.format(
            total, args.heapsize))
        samples, base, seconds = run(total, first, first, workdir,
                                     args.heapsize)
    at_first = [s for s in samples if s[0] >= first][0]
    print('soak passed: {} requests in {:.0f} s ({:.0f}/s); heap {} B at {} '
          'and {} B at {} requests; fds {} -> {}'.format(
              samples[-1][0], seconds, samples[-1][0] / seconds,
              at_first[1], at_first[0], samples[-1][1], samples[-1][0],
              base[3], samples[-1][3]))
    return 0


if __name__ == '__main__':
    sys.exit(main())
