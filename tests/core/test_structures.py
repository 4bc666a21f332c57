import json
import sys
import unittest

from microdot import AsyncBytesIO, MultiDict, NoCaseDict, urldecode, \
    urlencode
from helpers.support import run


class TestMultiDict(unittest.TestCase):
    def test_first_value_and_getlist(self):
        d = MultiDict()
        d['a'] = '1'
        d['a'] = '2'
        d['b'] = '3'
        self.assertEqual(d['a'], '1')
        self.assertEqual(d.getlist('a'), ['1', '2'])
        self.assertEqual(d.getlist('missing'), [])
        self.assertIn('b', d)

    def test_get_with_type_and_default(self):
        d = MultiDict({'n': '5'})
        self.assertEqual(d.get('n', type=int), 5)
        self.assertEqual(d.get('x', 7), 7)
        self.assertEqual(d.getlist('n', type=int), [5])

    def test_delete_removes_all_values(self):
        d = MultiDict()
        d['a'] = 1
        d['a'] = 2
        del d['a']
        self.assertNotIn('a', d)
        d['a'] = 3
        self.assertEqual(d.getlist('a'), [3])

    def test_it_holds_each_keys_list_of_values(self):
        d = MultiDict()
        d['a'] = '1'
        d['a'] = '2'
        d['b'] = '3'
        # as Microdot's: the dict holds each key's values
        self.assertEqual(d, {'a': ['1', '2'], 'b': ['3']})
        if sys.implementation.name != 'micropython':
            # MicroPython's dict() and dict.update() take no dict subclass
            # (of any kind)
            self.assertEqual(dict(d), {'a': ['1', '2'], 'b': ['3']})
        self.assertEqual({k: d[k] for k in d}, {'a': '1', 'b': '3'})
        self.assertEqual(sorted(d.items()), [('a', ['1', '2']), ('b', ['3'])])
        self.assertEqual(json.loads(json.dumps(d)),
                         {'a': ['1', '2'], 'b': ['3']})
        self.assertEqual(d.getlist('a'), ['1', '2'])
        d.getlist('a').append('x')  # a copy: the values stay
        self.assertEqual(d.getlist('a'), ['1', '2'])


class TestNoCaseDict(unittest.TestCase):
    def test_lookup_ignores_case(self):
        d = NoCaseDict({'Content-Type': 'text/plain'})
        self.assertEqual(d['content-type'], 'text/plain')
        self.assertEqual(d.get('CONTENT-TYPE'), 'text/plain')
        self.assertIn('content-TYPE', d)
        self.assertNotIn('Other', d)

    def test_set_replaces_other_spelling(self):
        d = NoCaseDict()
        d['X-Thing'] = 1
        d['x-thing'] = 2
        self.assertEqual(list(d.items()), [('x-thing', 2)])

    def test_delete_and_pop(self):
        d = NoCaseDict({'A': 1, 'B': 2})
        del d['a']
        self.assertNotIn('A', d)
        self.assertEqual(d.pop('b'), 2)
        self.assertEqual(d.pop('b', None), None)
        self.assertEqual(len(d), 0)

    def test_setdefault_and_update(self):
        d = NoCaseDict()
        d.setdefault('Host', 'a')
        d.setdefault('HOST', 'b')
        d.update({'host': 'c'}, Other='d')
        self.assertEqual(d['Host'], 'c')
        self.assertEqual(d['other'], 'd')


class TestUrlEncoding(unittest.TestCase):
    def test_decode(self):
        self.assertEqual(urldecode('a+b%20c%C3%A9'), 'a b c\u00e9')
        self.assertEqual(urldecode(b'%2Fx'), '/x')

    def test_decode_keeps_invalid_escapes(self):
        self.assertEqual(urldecode('100%'), '100%')
        self.assertEqual(urldecode('%zz%+1'), '%zz% 1')

    def test_decode_invalid_utf8_raises(self):
        with self.assertRaises(ValueError):
            urldecode('%ff%fe')

    def test_encode_round_trip(self):
        text = 'a b&c=d/\u00e9'
        self.assertEqual(urlencode(text), 'a+b%26c%3Dd%2F%C3%A9')
        self.assertEqual(urldecode(urlencode(text)), text)


class TestAsyncBytesIO(unittest.TestCase):
    def test_reads(self):
        async def go():
            s = AsyncBytesIO(b'line1\nline2\nrest')
            self.assertEqual(await s.readline(), b'line1\n')
            self.assertEqual(await s.readexactly(3), b'lin')
            self.assertEqual(await s.readuntil(b'\n'), b'e2\n')
            self.assertEqual(await s.read(), b'rest')
            self.assertEqual(await s.read(), b'')
        run(go())
