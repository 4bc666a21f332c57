# The application the WebSocket and SSE end-to-end tests run, on CPython and
# on MicroPython alike. Settings come from environment variables.
#
# Usage: PORT=8123 python realtime_app.py
import asyncio
import os

from microdot import Microdot
from microdot.sse import SSE, with_sse
from microdot.websocket import WebSocket, WebSocketError, with_websocket

if os.getenv('BODY_TIMEOUT'):
    Microdot.body_timeout = float(os.getenv('BODY_TIMEOUT'))
if os.getenv('MAX_MESSAGE'):
    WebSocket.max_message_length = int(os.getenv('MAX_MESSAGE'))
if os.getenv('HEARTBEAT'):
    SSE.heartbeat = float(os.getenv('HEARTBEAT'))

app = Microdot()
# what the handlers saw end, for the tests to check
stats = {'ws_ended': [], 'sse_cancelled': 0, 'sse_finished': 0}


@app.route('/')
async def index(request):
    return 'ok'


@app.route('/stats')
async def get_stats(request):
    return stats


@app.route('/echo')
@with_websocket
async def echo(request, ws):
    try:
        while True:
            data = await ws.receive()
            await ws.send(data)
    except WebSocketError as exc:
        stats['ws_ended'].append(exc.code)
        raise


@app.route('/close/<int:code>')
@with_websocket
async def close(request, ws, code):
    await ws.receive()
    await ws.close(code, 'server says bye')
    stats['ws_ended'].append(ws.close_code)


@app.route('/greet')
@with_websocket
async def greet(request, ws):
    await ws.send('hello ' + request.args.get('name', 'nobody'))


@app.route('/crash')
@with_websocket
async def crash(request, ws):
    await ws.receive()
    raise RuntimeError('handler failed on purpose')


@app.route('/events')
@with_sse
async def events(request, sse):
    await sse.send('plain')
    await sse.send({'n': 1}, event='json')
    await sse.send('two\nlines', event_id='42', retry=1.5)
    await sse.send('just a comment', comment=True)
    stats['sse_finished'] += 1


@app.route('/broken')
@with_sse
async def broken(request, sse):
    await sse.send('first')
    await sse.send('second')
    raise RuntimeError('sse handler failed on purpose')


@app.route('/ticks')
@with_sse
async def ticks(request, sse):
    n = 0
    try:
        while True:
            await sse.send(n, event='tick')
            n += 1
            await asyncio.sleep(0.05)
    except asyncio.CancelledError:
        stats['sse_cancelled'] += 1
        raise


@app.route('/quiet')
@with_sse
async def quiet(request, sse):
    try:
        await asyncio.sleep(60)
    except asyncio.CancelledError:
        stats['sse_cancelled'] += 1
        raise


app.run(host='127.0.0.1', port=int(os.getenv('PORT') or 5000))
