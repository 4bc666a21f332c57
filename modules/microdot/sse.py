# Server-Sent Events.
#
# Theory of operation: sse_response() returns a Response whose body is an SSE
# object, an async iterator of bytes (MicroPython has no async generators).
# The server iterates it once the response head is out: the first __anext__
# starts the handler as a task, later ones hand over the events the handler
# formatted with send(), several at once when they queue up. The handler
# returning ends the body, so on HTTP/1.1 the chunked response ends cleanly
# and the connection stays usable; an exception it raises is raised again by
# the body once the events queued before it are handed over (the server then
# drops the connection, the test client raises it). The server calls aclose()
# when the client goes away (or the body is done): that cancels the handler's
# task. After `heartbeat` seconds of silence a comment line goes out, so a
# client that left is noticed even when the handler has nothing to say.
import asyncio
import json

from microdot import Response


# One event field value: no line breaks allowed.
def _field(value):
    value = str(value)
    if '\n' in value or '\r' in value:
        raise ValueError('Line break in an SSE field')
    return value.encode()


# The bytes of one event, as sent on the wire.
def format_event(data, event=None, event_id=None, retry=None, comment=False):
    if isinstance(data, (dict, list)):
        data = json.dumps(data)
    if not isinstance(data, bytes):
        data = str(data).encode()
    out = []
    if comment:
        prefix = b': '
    else:
        prefix = b'data: '
        if event is not None:
            out.append(b'event: ' + _field(event) + b'\n')
        if event_id is not None:
            out.append(b'id: ' + _field(event_id) + b'\n')
        if retry is not None:
            out.append(b'retry: ' + str(int(retry * 1000)).encode() + b'\n')
    if b'\r' in data:
        data = data.replace(b'\r\n', b'\n').replace(b'\r', b'\n')
    for line in data.split(b'\n'):
        out.append(prefix + line + b'\n')
    out.append(b'\n')
    return b''.join(out)


class SSE:
    heartbeat = 15  # seconds of silence before a comment line (0: never)
    max_pending = 16  # events queued before send() waits for the client

    def __init__(self):
        self.call = None  # (function, args, kwargs) to run as the handler
        self.task = None
        self.done = False
        self.error = None  # what the handler raised, for the body to raise
        self.pending = []
        self.ready = asyncio.Event()  # events queued or the handler ended
        self.drained = asyncio.Event()  # the queue was handed over

    # Queues one event; data may be str, bytes, or a dict/list (as JSON);
    # retry is in seconds; comment=True sends data as a comment.
    async def send(self, data, event=None, event_id=None, retry=None,
                   comment=False):
        if self.done:
            raise asyncio.CancelledError()
        self.pending.append(format_event(data, event, event_id, retry,
                                         comment))
        self.ready.set()
        while len(self.pending) >= self.max_pending and not self.done:
            self.drained.clear()
            await self.drained.wait()

    async def _run(self, f, args, kwargs):
        try:
            await f(*args, **kwargs)
        except Exception as exc:
            self.error = exc
        finally:
            self.done = True
            self.ready.set()

    def __aiter__(self):
        return self

    async def __anext__(self):
        if self.call:
            f, args, kwargs = self.call
            self.call = None
            self.task = asyncio.create_task(self._run(f, args, kwargs))
        while not self.pending:
            if self.done:
                error, self.error = self.error, None
                if error is not None:
                    raise error
                raise StopAsyncIteration
            self.ready.clear()
            if not self.heartbeat:
                await self.ready.wait()
                continue
            try:
                await asyncio.wait_for(self.ready.wait(), self.heartbeat)
            except asyncio.TimeoutError:
                return b': \n\n'
        data = b''.join(self.pending) if len(self.pending) > 1 \
            else self.pending[0]
        self.pending = []
        self.drained.set()
        return data

    # Ends the stream: the handler's task is cancelled if still running.
    async def aclose(self):
        self.done = True
        self.call = None
        self.pending = []
        self.drained.set()
        task = self.task
        if task is not None and not task.done():
            task.cancel()
            for _ in range(20):  # let it run its cleanup; bounded
                if task.done():
                    break
                await asyncio.sleep(0)


# A streaming text/event-stream Response whose events come from
# f(request, sse, *args, **kwargs), an async function.
def sse_response(request, event_function, *args, **kwargs):
    sse = SSE()
    sse.call = (event_function, (request, sse) + args, kwargs)
    return Response(sse, headers={'Content-Type': 'text/event-stream',
                                  'Cache-Control': 'no-cache'})


# Route decorator: the handler becomes f(request, sse, *args, **kwargs).
def with_sse(f):
    async def handler(request, *args, **kwargs):
        return sse_response(request, f, *args, **kwargs)
    return handler
