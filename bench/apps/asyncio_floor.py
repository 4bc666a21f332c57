# The pure-Python limit: the least an asyncio-streams HTTP/1.1 server can do per request
# (read the request line and headers, keep the connection alive, send a fixed answer per
# path). It runs unchanged on CPython and MicroPython; usage: asyncio_floor.py PORT
import sys
import asyncio

ANSWERS = {
    b'/': (b'text/plain; charset=UTF-8', b'Hello, World!'),
    b'/json': (b'application/json', b'{"message": "Hello, World!"}'),
}


def answer(path):
    if path in ANSWERS:
        return ANSWERS[path]
    if path.startswith(b'/users/'):
        try:
            return b'application/json', b'{"id": %d}' % int(path[7:])
        except ValueError:
            pass
    return b'text/plain', b'Not found'


async def serve(reader, writer):
    try:
        while True:
            line = await reader.readline()
            if not line:
                break
            parts = line.split()
            if len(parts) != 3:
                break
            keep = parts[2] == b'HTTP/1.1'
            while True:
                h = await reader.readline()
                if h in (b'\r\n', b'\n', b''):
                    break
                if h[:11].lower() == b'connection:':
                    v = h[11:].strip().lower()
                    keep = v != b'close' and (keep or v == b'keep-alive')
            ctype, body = answer(parts[1])
            writer.write(
                b'HTTP/1.1 200 OK\r\nContent-Type: %s\r\nContent-Length: %d\r\n%s\r\n%s' % (
                    ctype, len(body), b'' if keep else b'Connection: close\r\n', body))
            await writer.drain()
            if not keep:
                break
    except OSError:
        pass
    try:
        writer.close()
        await writer.wait_closed()
    except OSError:
        pass


async def main(port):
    await asyncio.start_server(serve, '127.0.0.1', port, backlog=128)
    while True:
        await asyncio.sleep(3600)


asyncio.run(main(int(sys.argv[1])))
