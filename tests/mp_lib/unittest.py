# The slice of unittest the shared test files use, for the MicroPython
# interpreter (which has no unittest module).


class SkipTest(Exception):
    pass


class _Raises:
    def __init__(self, expected):
        self.expected = expected
        self.exception = None

    def __enter__(self):
        return self

    def __exit__(self, exc_type, exc, tb):
        if exc_type is None:
            raise AssertionError('%s not raised' % self.expected.__name__)
        if not issubclass(exc_type, self.expected):
            return False
        self.exception = exc
        return True


class TestCase:
    def setUp(self):
        pass

    def tearDown(self):
        pass

    @classmethod
    def setUpClass(cls):
        pass

    @classmethod
    def tearDownClass(cls):
        pass

    def skipTest(self, reason):
        raise SkipTest(reason)

    def fail(self, msg=None):
        raise AssertionError(msg or 'failed')

    def assertEqual(self, a, b, msg=None):
        if not a == b:
            raise AssertionError(msg or '%r != %r' % (a, b))

    def assertNotEqual(self, a, b, msg=None):
        if a == b:
            raise AssertionError(msg or '%r == %r' % (a, b))

    def assertTrue(self, x, msg=None):
        if not x:
            raise AssertionError(msg or '%r is not true' % (x,))

    def assertFalse(self, x, msg=None):
        if x:
            raise AssertionError(msg or '%r is not false' % (x,))

    def assertIn(self, a, b, msg=None):
        if a not in b:
            raise AssertionError(msg or '%r not in %r' % (a, b))

    def assertNotIn(self, a, b, msg=None):
        if a in b:
            raise AssertionError(msg or '%r in %r' % (a, b))

    def assertIs(self, a, b, msg=None):
        if a is not b:
            raise AssertionError(msg or '%r is not %r' % (a, b))

    def assertIsNot(self, a, b, msg=None):
        if a is b:
            raise AssertionError(msg or '%r is %r' % (a, b))

    def assertIsNone(self, x, msg=None):
        self.assertIs(x, None, msg)

    def assertIsNotNone(self, x, msg=None):
        self.assertIsNot(x, None, msg)

    def assertIsInstance(self, x, cls, msg=None):
        if not isinstance(x, cls):
            raise AssertionError(msg or '%r is not a %r' % (x, cls))

    def assertGreater(self, a, b, msg=None):
        if not a > b:
            raise AssertionError(msg or '%r <= %r' % (a, b))

    def assertGreaterEqual(self, a, b, msg=None):
        if not a >= b:
            raise AssertionError(msg or '%r < %r' % (a, b))

    def assertLess(self, a, b, msg=None):
        if not a < b:
            raise AssertionError(msg or '%r >= %r' % (a, b))

    def assertLessEqual(self, a, b, msg=None):
        if not a <= b:
            raise AssertionError(msg or '%r > %r' % (a, b))

    def assertRaises(self, exc, func=None, *args, **kwargs):
        ctx = _Raises(exc)
        if func is None:
            return ctx
        with ctx:
            func(*args, **kwargs)


def skip(reason):
    def decorator(f):
        def skipped(*args, **kwargs):
            raise SkipTest(reason)
        return skipped
    return decorator


def skipIf(condition, reason):
    return skip(reason) if condition else (lambda f: f)


def skipUnless(condition, reason):
    return skip(reason) if not condition else (lambda f: f)


def main():
    pass
