# The bottom layer, which every other module may use: plain data
# structures, URL encoding, the HTTP exception, and the one way to call a
# handler that may be sync or async. It imports nothing of the package.
import asyncio

try:
    from sys import print_exception  # pyright: ignore[reportAttributeAccessIssue]
except ImportError:  # CPython
    import traceback  # pyright: ignore[reportMissingImports]

    def print_exception(exc):
        traceback.print_exception(type(exc), exc, exc.__traceback__)

try:  # CPython tells coroutines from generators; sync handlers go to threads
    import inspect  # pyright: ignore[reportMissingImports]
    iscoroutine = inspect.iscoroutine

    def iscoroutinefunction(f):
        code = getattr(f, '__code__', None)  # fast path for plain functions
        if code is not None:
            # CO_COROUTINE | CO_ITERABLE_COROUTINE
            return code.co_flags & 0x180
        return inspect.iscoroutinefunction(f)
except ImportError:  # MicroPython: a coroutine is a generator; all run inline
    def iscoroutine(obj):
        return hasattr(obj, 'send') and hasattr(obj, 'throw')

    iscoroutinefunction = None


# Calls a handler, hook or callback and awaits what it returns when that is
# a coroutine. On CPython a sync function runs in the loop's executor, so it
# never blocks the loop; on MicroPython it runs inline.
async def invoke_handler(handler, *args, **kwargs):
    if iscoroutinefunction is None or iscoroutinefunction(handler):
        ret = handler(*args, **kwargs)
    else:
        ret = await asyncio.get_running_loop().run_in_executor(  # pyright: ignore[reportAttributeAccessIssue]
            None, lambda: handler(*args, **kwargs))
    if iscoroutine(ret):
        ret = await ret
    return ret


# Raised by abort(), and by parsing for a request that is refused: answered
# with status_code and the reason as the body.
class HTTPException(Exception):
    def __init__(self, status_code, reason=None):
        self.status_code = status_code
        self.reason = reason or str(status_code) + ' error'


# A dict whose keys may hold several values, as Microdot's: each key keeps
# the list of its values, so d == {'k': ['v']} and items(), values(),
# json.dumps(d) and (CPython) dict(d) see the lists; d[k] and get(k) give
# the first value, getlist(k) all.
class MultiDict(dict):
    def __init__(self, initial_dict=None):
        super().__init__()
        if initial_dict:
            for key, value in initial_dict.items():
                self[key] = value

    def __setitem__(self, key, value):
        if key in self:
            super().__getitem__(key).append(value)
        else:
            super().__setitem__(key, [value])

    def __getitem__(self, key):
        return super().__getitem__(key)[0]

    def get(self, key, default=None, type=None):
        if key not in self:
            return default
        value = self[key]
        if type is not None:
            value = type(value)
        return value

    def getlist(self, key, type=None):
        if key not in self:
            return []
        values = super().__getitem__(key)
        if type is not None:
            return [type(v) for v in values]
        return list(values)


# A dict with case-insensitive string keys that remembers each key's spelling.
class NoCaseDict(dict):
    # keymap (lower-case key -> key) is for bulk builders that already
    # have it, like the request parser: initial_dict is then taken as is.
    def __init__(self, initial_dict=None, keymap=None):
        if keymap is not None:
            super().__init__(initial_dict)
            self.keymap = keymap
            return
        super().__init__()
        self.keymap = {}
        if initial_dict:
            self.update(initial_dict)

    def __setitem__(self, key, value):
        lower = key.lower()
        old = self.keymap.get(lower)
        if old is not None and old != key:
            super().__delitem__(old)
        self.keymap[lower] = key
        super().__setitem__(key, value)

    def __getitem__(self, key):
        return super().__getitem__(self.keymap.get(key.lower(), key))

    def __delitem__(self, key):
        super().__delitem__(self.keymap.pop(key.lower(), key))

    def __contains__(self, key):
        return key.lower() in self.keymap

    def get(self, key, default=None):
        return super().get(self.keymap.get(key.lower(), key), default)

    def setdefault(self, key, default=None):
        if key not in self:
            self[key] = default
        return self[key]

    def pop(self, key, *default):
        real = self.keymap.pop(key.lower(), None)
        return super().pop(key if real is None else real, *default)

    def update(self, other_dict=None, **kwargs):
        if other_dict:
            items = other_dict.items() if hasattr(other_dict, 'items') \
                else other_dict
            for key, value in items:
                self[key] = value
        for key, value in kwargs.items():
            self[key] = value


_HEX = b'0123456789abcdefABCDEF'
_UNRESERVED = b'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz' \
    b'0123456789_.-~'


# Percent-encodes a str (UTF-8) for a query string; spaces become '+'.
def urlencode(s):
    if isinstance(s, str):
        s = s.encode()
    out = []
    for byte in s:
        if byte in _UNRESERVED:
            out.append(chr(byte))
        elif byte == 0x20:
            out.append('+')
        else:
            out.append('%%%02X' % byte)
    return ''.join(out)


# Decodes a URL-encoded str or bytes to str ('+' is a space unless
# plus=False); invalid UTF-8 raises ValueError.
def urldecode(s, plus=True):
    if isinstance(s, str):
        s = s.encode()
    if plus:
        s = s.replace(b'+', b' ')
    if b'%' not in s:
        return s.decode()
    parts = s.split(b'%')
    out = bytearray(parts[0])
    for part in parts[1:]:
        if len(part) >= 2 and part[0] in _HEX and part[1] in _HEX:
            out.append(int(part[:2], 16))
            out.extend(part[2:])
        else:
            out.extend(b'%')
            out.extend(part)
    return bytes(out).decode()
