# Run: cd examples/board && MICROPYPATH=../../modules:.frozen micropython main.py   (or PYTHONPATH=../../modules python main.py), then open http://127.0.0.1:5000/
# On a board: set WIFI_SSID and WIFI_PASSWORD below, then
#   make BOARD=RPI_PICO_W deploy APP=examples/board PORT=/dev/ttyACM0
# copies this folder (and the microdot package) to the board and resets it;
# main.py runs at boot and prints the address to open.
from microdot import Microdot

import hardware

WIFI_SSID = ''  # your Wi-Fi network's name
WIFI_PASSWORD = ''
LED_PIN = 2  # GPIO of the LED on boards without a pin named 'LED'
PORT = 5000

led, led_name = hardware.make_led(LED_PIN)
read_celsius, sensor_name = hardware.make_thermometer()
app = Microdot()

PAGE = '''<!doctype html>
<html><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Board</title>
<style>body{font-family:sans-serif;text-align:center;margin-top:2em}
button{font-size:1.5em;padding:.3em 1em}#t{font-size:3em}</style></head>
<body><h1>Board</h1>
<p>LED: <b id="led">?</b> <button id="toggle">Toggle</button></p>
<p id="t">-</p><p>degrees Celsius (<span id="s"></span> sensor)</p>
<script>
async function call(method, url) {
  const r = await fetch(url, {method: method});
  return r.json();
}
function showLed(d) {
  document.getElementById('led').textContent = d.on ? 'on' : 'off';
}
async function poll() {
  const d = await call('GET', '/temperature');
  document.getElementById('t').textContent = d.celsius.toFixed(1);
  document.getElementById('s').textContent = d.sensor;
}
document.getElementById('toggle').onclick = async () =>
  showLed(await call('POST', '/led/toggle'));
call('GET', '/led').then(showLed);
poll();
setInterval(poll, 2000);
</script></body></html>'''


def led_state():
    return {'on': bool(led.value()), 'pin': led_name}


@app.get('/')
async def index(request):
    return PAGE, {'Content-Type': 'text/html; charset=UTF-8'}


@app.get('/led')
async def get_led(request):
    return led_state()


# PUT /led with {"on": true} or {"on": false}.
@app.put('/led')
async def set_led(request):
    data = request.json
    if not isinstance(data, dict) or 'on' not in data:
        return {'error': 'send {"on": true} or {"on": false}'}, 400
    led.value(1 if data['on'] else 0)
    return led_state()


@app.post('/led/toggle')
async def toggle_led(request):
    led.value(0 if led.value() else 1)
    return led_state()


@app.get('/temperature')
async def temperature(request):
    return {'celsius': round(read_celsius(), 1), 'sensor': sensor_name}


ip = hardware.connect_wifi(WIFI_SSID, WIFI_PASSWORD)
if ip:
    print('open http://{}:{}/'.format(ip, PORT))
# on a board listen on every interface; on a computer on this one only
app.run(host='0.0.0.0' if hardware.network else '127.0.0.1', port=PORT,
        debug=True)
