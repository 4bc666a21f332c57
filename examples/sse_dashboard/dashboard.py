# Run: cd examples/sse_dashboard && PYTHONPATH=../../modules python dashboard.py   (or MICROPYPATH=../../modules:.frozen micropython dashboard.py), then open http://127.0.0.1:5000/
import asyncio
import time

from microdot import Microdot
from microdot.sse import with_sse

PAGE = '''<!doctype html>
<html><head><meta charset="utf-8"><title>Microdot dashboard</title>
<style>
body { font-family: sans-serif; text-align: center; margin-top: 3em; }
#count { font-size: 6em; font-weight: bold; }
#state { color: #888; }
</style></head>
<body>
<h1>Live counter</h1>
<div id="count">-</div>
<p>server up for <span id="uptime">-</span> s</p>
<p id="state">connecting...</p>
<script>
const source = new EventSource('/events');
source.addEventListener('tick', (event) => {
  const data = JSON.parse(event.data);
  document.getElementById('count').textContent = data.count;
  document.getElementById('uptime').textContent = data.uptime;
});
source.onopen = () => document.getElementById('state').textContent = 'live';
source.onerror = () => document.getElementById('state').textContent = 'reconnecting...';
</script>
</body></html>
'''

app = Microdot()
started = time.time()


@app.route('/')
async def index(request):
    return PAGE, 200, {'Content-Type': 'text/html; charset=UTF-8'}


@app.route('/events')
@with_sse
async def events(request, sse):
    count = 0
    while True:
        await sse.send({'count': count, 'uptime': int(time.time() - started)},
                       event='tick', retry=2)
        count += 1
        await asyncio.sleep(1)


app.run(host='127.0.0.1', port=5000, debug=True)
