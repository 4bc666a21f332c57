# The chunked transfer coding of a request body (RFC 9112 7.1), decoded
# without I/O: feed() is given the bytes buffered so far and says what they
# start with, so every rule (chunk sizes, the CRLF after each chunk, the
# trailer and its limits) is tested without an event loop. Loaded only for
# a chunked body.
from microdot.protocol import RequestError

# Where the decoder is
_SIZE, _DATA, _DATA_END, _TRAILER, _DONE = range(5)
_SIZE_LINE = 64  # longest chunk-size line (with extensions)
_TRAILER_LINE = 1024  # longest trailer field line


class ChunkedDecoder:
    # What feed() found
    NEED_MORE = 0  # no whole element yet: read more bytes and feed again
    DATA = 1  # some of the body's bytes
    END = 2  # the last chunk and the trailer: the body is over

    # limit: most body bytes in all (413 over it); the trailer's fields are
    # limited in count and bytes (431 over them).
    def __init__(self, limit, max_trailer_count=32, max_trailer_bytes=4096):
        self.limit = limit
        self.max_trailer_count = max_trailer_count
        self.max_trailer_bytes = max_trailer_bytes
        self.total = 0  # body bytes the chunk sizes announced
        self.remaining = 0  # bytes of the current chunk still to come
        self.state = _SIZE
        self.trailer_count = 0
        self.trailer_bytes = 0

    # What buf[pos:] starts with, as (what, data, end): (NEED_MORE, None,
    # pos), (DATA, body bytes, end) or (END, None, end), where end is the
    # position after it. Bytes after the body's end are left alone (a
    # pipelined request). Bad framing raises RequestError.
    def feed(self, buf, pos):
        while True:
            state = self.state
            if state == _DATA:
                if pos >= len(buf):
                    return 0, None, pos  # NEED_MORE
                end = min(len(buf), pos + self.remaining)
                self.remaining -= end - pos
                if not self.remaining:
                    self.state = _DATA_END
                return 1, buf[pos:end], end  # DATA
            if state == _DONE:
                return 2, None, pos  # END
            limit = _TRAILER_LINE if state == _TRAILER else _SIZE_LINE
            i = buf.find(b'\n', pos)
            if i < 0 or i + 1 - pos > limit:
                if i < 0 and len(buf) - pos <= limit:
                    return 0, None, pos  # NEED_MORE
                raise RequestError(431 if state == _TRAILER else 400,
                                   'Line too long')
            line = buf[pos:i + 1]
            pos = i + 1
            if state == _SIZE:
                size = parse_chunk_size(line, self.limit - self.total)
                self.total += size
                self.remaining = size
                self.state = _DATA if size else _TRAILER
            elif state == _DATA_END:
                if line != b'\r\n' and line != b'\n':
                    raise RequestError(400, 'Bad chunk')
                self.state = _SIZE
            elif line == b'\r\n' or line == b'\n':  # the trailer's end
                self.state = _DONE
                return 2, None, pos  # END
            else:
                self.trailer_count += 1
                self.trailer_bytes += len(line)
                if self.trailer_count > self.max_trailer_count or \
                        self.trailer_bytes > self.max_trailer_bytes:
                    raise RequestError(431, 'Trailer fields too large')


# Parses a chunk-size line (hex digits, optional ;extensions) to an int; a
# size over limit gets 413.
def parse_chunk_size(line, limit):
    line = line.rstrip(b'\r\n')
    i = line.find(b';')
    if i >= 0:
        line = line[:i]
    line = line.rstrip(b' \t')
    if not line or len(line) > 8:
        raise RequestError(400, 'Bad chunk size')
    for c in line:
        if c not in b'0123456789abcdefABCDEF':
            raise RequestError(400, 'Bad chunk size')
    size = int(line, 16)
    if size > limit:
        raise RequestError(413, 'Payload too large')
    return size
