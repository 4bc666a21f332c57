# Run: cd examples/ota && MICROPYPATH=../../modules:.frozen micropython main.py   (or PYTHONPATH=../../modules python main.py), then open http://127.0.0.1:5000/
# Updates of this app over the web. Set OTA_TOKEN (and the Wi-Fi below) first:
# while it is empty every update is refused. On a board:
#   make BOARD=ESP32_GENERIC deploy APP=examples/ota PORT=/dev/ttyUSB0
# then open the page and send a file or a bundle, or from a computer:
#   python tools/ota_bundle.py my_app/ app.tar --upload http://BOARD:5000/ota --token TOKEN
# The board restarts into the new version; "Roll back" brings the previous
# one back. Where there is no machine.reset() (a computer), the server stops.
from microdot import Microdot, send_file
from microdot.auth import TokenAuth
from microdot.ota import OTA

WIFI_SSID = ''  # your Wi-Fi network's name (boards only)
WIFI_PASSWORD = ''
OTA_TOKEN = ''  # the password of updates: a long random string
VERSION = '1'  # change it in the version you upload, to see the update
PORT = 5000

try:
    import network  # boards with Wi-Fi
except ImportError:
    network = None

app = Microdot()
auth = TokenAuth()


@auth.authenticate
def check_token(request, token):
    if OTA_TOKEN and token == OTA_TOKEN:
        return 'admin'


# The routes under /ota, for this folder ('/' on a board).
OTA(app, auth=auth, url_prefix='/ota', max_size=256 * 1024)


@app.get('/')
async def index(request):
    return send_file('ota.html', max_age=0)


@app.get('/version')
async def version(request):
    return {'version': VERSION}


def connect_wifi(timeout=20):
    import time
    wlan = network.WLAN(network.STA_IF)
    wlan.active(True)
    if not wlan.isconnected():
        wlan.connect(WIFI_SSID, WIFI_PASSWORD)
        for _ in range(timeout * 10):
            if wlan.isconnected():
                break
            time.sleep(0.1)
    return wlan.ifconfig()[0] if wlan.isconnected() else None


if not OTA_TOKEN:
    print('OTA_TOKEN is empty: updates are refused until you set it')
if network is not None and WIFI_SSID:
    print('open http://{}:{}/'.format(connect_wifi(), PORT))
# on a board listen on every interface; on a computer on this one only
app.run(host='0.0.0.0' if network else '127.0.0.1', port=PORT, debug=True)
