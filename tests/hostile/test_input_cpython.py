"""Hostile request lines, headers and body framing against every target.

The built-in server's answers are asserted exactly; behind uvicorn and
gunicorn the server parses first, and where it decides differently the
outcome it gives is asserted with the reason (helpers/hostile_cases.py,
EXTERNAL_OUTCOMES). On every target: never a 500, the hidden request of a
smuggling shape is never answered after an error, and after each case a
normal GET / answers 200 with memory still bounded.
"""
import pytest

import helpers.server_bad_inputs as e2e_cases  # the end-to-end bad-input table
from helpers.hostile_cases import FRAMING, HEADERS, MARK, REFUSALS, \
    REQUEST_LINE, SMUGGLING, allowed_outcomes
from helpers.hostile_targets import BUILTIN, EXTERNAL, exchange


def run_table(target, table):
    failures = []
    for case in sorted(table):
        raw, builtin_allowed = table[case]
        allowed = allowed_outcomes(target.name, case, builtin_allowed)
        outcome, _ = exchange(target, raw, timeout=3)
        if outcome not in allowed:
            failures.append((case, outcome, sorted(allowed, key=str)))
        target.check()
    assert not failures, '{}: {}'.format(target.name, failures)


def test_request_line(target):
    run_table(target, REQUEST_LINE)


def test_headers(target):
    run_table(target, HEADERS)


def test_framing(target):
    run_table(target, FRAMING)


# The built-in server's table of bad inputs (tests/e2e asserts it exactly
# there), sent to the adapters: whatever the server in front decides, never a
# 500 from the application and never a hang.
@pytest.mark.parametrize('target', EXTERNAL, indirect=True)
def test_end_to_end_bad_inputs_never_500(target):
    for name in sorted(e2e_cases.BAD_INPUTS):
        raw, _ = e2e_cases.BAD_INPUTS[name]
        outcome, _ = exchange(target, raw, timeout=3)
        bad = (500, 'garbage', 'timeout')
        if 'timeout' in allowed_outcomes(target.name, name, ()):
            bad = (500, 'garbage')  # noted: the server waits for the body
        assert outcome not in bad, (name, outcome)
    target.check()


@pytest.mark.parametrize('case', sorted(SMUGGLING))
def test_smuggling_shapes(target, case):
    # after an error answer the connection must not go on to the request
    # hidden in the body (a front end framing it the other way would pass
    # it off as the body of the first)
    outcome, rest = exchange(target, SMUGGLING[case], timeout=3,
                             rest_wait=0.5)
    if target.name in BUILTIN:
        assert outcome in (400, 414, 501, 505), outcome
    if outcome in REFUSALS:
        assert MARK not in rest, '{}: hidden request answered after {}'.format(
            target.name, outcome)
    target.check()


def test_pipelined_after_bad_request_not_answered(target):
    good = b'GET / HTTP/1.1\r\nHost: x\r\n\r\n'
    for bad in (b'GET / HTTP/1.1\r\nHost: x\r\nBad Header\r\n\r\n',
                b'POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: x\r\n'
                b'\r\n',
                b'GET /\x00 HTTP/1.1\r\nHost: x\r\n\r\n'):
        outcome, rest = exchange(target, bad + good * 3, timeout=3,
                                 rest_wait=0.5)
        assert outcome == 400 or outcome == 'closed', (bad, outcome)
        assert b'HTTP/1.1 200' not in rest, (bad, rest[:200])
    target.check()
