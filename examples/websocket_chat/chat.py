# Run: cd examples/websocket_chat && PYTHONPATH=../../modules python chat.py   (or MICROPYPATH=../../modules:.frozen micropython chat.py), then open http://127.0.0.1:5000/
from microdot import Microdot
from microdot.websocket import WebSocketError, with_websocket

PAGE = '''<!doctype html>
<html><head><meta charset="utf-8"><title>Microdot chat</title>
<style>
body { font-family: sans-serif; max-width: 40em; margin: 2em auto; }
#log { border: 1px solid #ccc; height: 20em; overflow-y: auto; padding: .5em; }
#log p { margin: .2em 0; }
.note { color: #888; }
</style></head>
<body>
<h1>Chat</h1>
<div id="log"></div>
<form id="form"><input id="msg" autocomplete="off" autofocus size="50">
<button>Send</button></form>
<script>
const log = document.getElementById('log');
function add(text, cls) {
  const p = document.createElement('p');
  p.textContent = text;
  if (cls) p.className = cls;
  log.appendChild(p);
  log.scrollTop = log.scrollHeight;
}
const scheme = location.protocol === 'https:' ? 'wss://' : 'ws://';
const ws = new WebSocket(scheme + location.host + '/ws');
ws.onopen = () => add('connected', 'note');
ws.onmessage = (event) => add(event.data);
ws.onclose = (event) => add('disconnected (' + event.code + ')', 'note');
document.getElementById('form').onsubmit = (event) => {
  event.preventDefault();
  const msg = document.getElementById('msg');
  if (msg.value) ws.send(msg.value);
  msg.value = '';
};
</script>
</body></html>
'''

app = Microdot()
clients = set()
joined = [0]


async def broadcast(text):
    for ws in list(clients):
        try:
            await ws.send(text)
        except WebSocketError:
            clients.discard(ws)


@app.route('/')
async def index(request):
    return PAGE, 200, {'Content-Type': 'text/html; charset=UTF-8'}


@app.route('/ws')
@with_websocket
async def chat(request, ws):
    joined[0] += 1
    name = 'guest-' + str(joined[0])
    clients.add(ws)
    await ws.send('welcome, you are ' + name)
    await broadcast(name + ' joined')
    try:
        while True:
            text = await ws.receive()
            if isinstance(text, str):
                await broadcast(name + ': ' + text[:500])
    finally:
        clients.discard(ws)
        await broadcast(name + ' left')


app.run(host='127.0.0.1', port=5000, debug=True)
