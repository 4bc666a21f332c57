"""TestClient.websocket with an async generator (CPython: MicroPython has
no async generators)."""
import asyncio

from microdot import Microdot
from microdot.test_client import TestClient
from microdot.websocket import with_websocket


def test_async_generator_client():
    app = Microdot()

    @app.route('/echo')
    @with_websocket
    async def echo(request, ws):
        while True:
            await ws.send(await ws.receive())

    replies = []

    async def talk():
        replies.append((yield 'one'))
        await asyncio.sleep(0)
        replies.append((yield b'two'))

    res = asyncio.run(TestClient(app).websocket('/echo', talk))
    assert res.status_code == 101
    assert replies == ['one', b'two']
