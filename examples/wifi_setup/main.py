# Run: cd examples/wifi_setup && MICROPYPATH=../../modules:.frozen micropython main.py   (or PYTHONPATH=../../modules python main.py), then open http://127.0.0.1:5000/wifi
# On a board (ESP32, Pico W):
#   make BOARD=RPI_PICO_W deploy APP=examples/wifi_setup PORT=/dev/ttyACM0
# copies this folder (and the microdot package) to the board and resets it.
# The board joins the network saved in wifi.json; the first time, or when
# that fails, it opens the access point microdot-XXXX instead: join it with a
# phone or laptop, the setup page opens by itself, pick your network. The
# board then joins it, closes the access point and says hello at
# http://ADDRESS/ (printed on its console). On a computer a stand-in radio
# (fake_network.py) offers the networks "home" (password "let me in") and
# "cafe".
import asyncio

from microdot import Microdot
from microdot import wifi

if wifi.network is None:  # a computer: no radio, no DNS server
    import fake_network
    wifi.network = fake_network
    wifi.dns_port = None
    HOST, PORT, SHOWN = '127.0.0.1', 5000, '127.0.0.1:5000'
else:  # a board: phones look for the portal on port 80
    HOST, PORT, SHOWN = '0.0.0.0', 80, None

wifi.hostname = 'microdot'
app = Microdot()
wifi.add_portal(app)


@app.get('/')
async def hello(request):
    if wifi.ip:
        text = 'Hello from ' + wifi.ip + '!'
    else:
        text = 'Hello! Not on a network yet: <a href="/wifi">set it up</a>.'
    return ('<!doctype html><meta charset="utf-8"><title>Hello</title><p>' +
            text + '</p>', {'Content-Type': 'text/html; charset=UTF-8'})


async def main():
    address = await wifi.start()
    if address:
        print('joined: open http://{}/'.format(SHOWN or address))
    else:
        print(wifi.message or 'no network saved yet',
              '- setup page: http://{}/wifi'.format(SHOWN or wifi.ap_ip))
    await app.start_server(host=HOST, port=PORT, debug=True)


asyncio.run(main())
