# Wi-Fi for a board: join the saved network, or open an access point with a
# captive portal where a phone or laptop picks one. Import it only where it
# is used; nothing in the core imports it.
#
# start() joins the network saved in settings_file (JSON with ssid, password
# and an optional hostname): each attempt waits `timeout` seconds, and
# `retries` more follow a failed one. When nothing is saved or the network
# cannot be joined, it turns the access point on and the portal is up:
# captive_dns answers every name with the access point's address, and the two
# hooks add_portal() puts on the app send every request made to a host name
# (the connectivity probes of Android, iOS, macOS, Windows, Firefox and the
# Linux desktops, whatever their path) to the portal page at portal_path.
# There the visitor picks a network from a scan; it is saved (a temporary file
# renamed over the old one, so a power cut leaves the old settings or the
# new, never half of one), and a background task joins it. Once joined, the
# access point and the DNS server stop. Until then, that task also tries the
# saved network again every `retry_every` seconds (a router that starts more
# slowly than the board after a power cut).
#
# Every radio call goes through `network`, the real module on a board; set
# wifi.network to a stand-in with the same shape (WLAN(STA_IF/AP_IF) objects,
# hostname()) where there is no radio: tests, a computer.
import asyncio
import json
import os

from microdot import abort, redirect

try:
    import network
except ImportError:  # unix port, CPython: set wifi.network to a stand-in
    network = None

# Settings: change them before start().
settings_file = 'wifi.json'
portal_path = '/wifi'
hostname = None  # the board's name on the network (saved settings may say)
timeout = 15  # seconds one attempt to join may take
retries = 1  # attempts after a failed one
retry_every = 300  # seconds between retries of the saved network in the portal
dns_port = 53  # None: no DNS server

ip = None  # the board's address on the joined network
message = ''  # the last attempt's outcome, shown on the portal page
ap_ip = None  # the access point's address while the portal is up
_dns = None  # the DNS server's task
_joiner = None  # the task that joins networks while the portal is up
_wake = None  # set when the form saved a network: join it now


# The saved settings, {} when there are none or they cannot be read. A
# temporary file left without its main one (FAT renames in two steps) counts.
def load():
    for path in (settings_file, settings_file + '.tmp'):
        try:
            with open(path) as f:
                settings = json.load(f)
            if isinstance(settings, dict):
                return settings
        except (OSError, ValueError):
            pass
    return {}


# Saves settings as JSON: written to a temporary file, then renamed over the
# old file, so that the old one stays whole until the new one is.
def save(settings):
    tmp = settings_file + '.tmp'
    try:
        with open(tmp, 'w') as f:
            json.dump(settings, f)
    except BaseException:
        try:
            os.remove(tmp)
        except OSError:
            pass
        raise
    os.rename(tmp, settings_file)


# Joins a network: the board's address, or None (`message` says why).
async def connect(ssid, password='', name=None):
    global ip, message
    sta = network.WLAN(network.STA_IF)
    if name or hostname:
        network.hostname(name or hostname)
    sta.active(True)
    why = 'no answer'
    for _ in range(1 + retries):
        sta.connect(ssid, password)
        for _ in range(int(timeout * 10)):
            if sta.isconnected():
                ip = sta.ifconfig()[0]
                message = 'joined ' + ssid
                return ip
            status = sta.status()
            if status == getattr(network, 'STAT_WRONG_PASSWORD', None):
                why = 'wrong password'
                break
            if status == getattr(network, 'STAT_NO_AP_FOUND', None):
                why = 'network not found'
                break
            await asyncio.sleep(0.1)
        sta.disconnect()  # stops the radio's own retries, so that scans work
    message = 'could not join ' + ssid + ': ' + why
    return None


# The networks in range, strongest first, each name once (at most 30):
# (name, signal in dBm, secured).
def scan():
    sta = network.WLAN(network.STA_IF)
    sta.active(True)
    best = {}
    for found in sta.scan():
        try:
            name = found[0].decode()
        except UnicodeError:  # not text: cannot be picked from the page
            continue
        if name and (name not in best or found[3] > best[name][1]):
            best[name] = (name, found[3], found[4] != 0)
    return sorted(best.values(), key=lambda n: -n[1])[:30]


# Joins the saved network or, failing that, opens the portal: the board's
# address, or None while the portal is up.
async def start(ap_ssid=None, ap_password=''):
    if await _join_saved():
        # an access point left on by an earlier run (a soft reset keeps it)
        network.WLAN(network.AP_IF).active(False)
        return ip
    start_portal(ap_ssid, ap_password)
    return None


# Turns the access point on (open unless ap_password is given; named
# microdot-XXXX after its MAC address unless ap_ssid is), with the DNS server
# and the task that joins networks: the access point's address.
def start_portal(ap_ssid=None, ap_password=''):
    global ap_ip, _dns, _joiner, _wake
    ap = network.WLAN(network.AP_IF)
    if not ap_ssid:
        mac = ap.config('mac')
        ap_ssid = 'microdot-%02x%02x' % (mac[4], mac[5])
    if ap_password:  # WPA2 (cyw43 has no AUTH_ names: its WPA2-AES value)
        ap.config(ssid=ap_ssid, key=ap_password,
                  security=getattr(network, 'AUTH_WPA2_PSK', 0x400004))
    else:
        ap.config(ssid=ap_ssid, security=0)
    ap.active(True)
    _wake = asyncio.Event()
    ap_ip = ap.ifconfig()[0]
    if dns_port is not None:
        from microdot import captive_dns
        _dns = captive_dns.start(ap_ip, ap_ip, dns_port)
    _joiner = asyncio.create_task(_keep_joining())
    return ap_ip


# Stops the DNS server and the joining task, and turns the access point off.
def stop_portal():
    global ap_ip, _dns, _joiner
    for task in (_dns, _joiner):
        if task and task is not asyncio.current_task():
            task.cancel()
    _dns = _joiner = None
    if ap_ip:
        network.WLAN(network.AP_IF).active(False)
        ap_ip = None


async def _join_saved():
    saved = load()
    if not saved.get('ssid'):
        return None
    return await connect(saved['ssid'], saved.get('password', ''),
                         saved.get('hostname'))


# While the portal is up: joins the network the form saved as soon as it is
# saved, and the saved one every retry_every seconds.
async def _keep_joining():
    while ap_ip:
        try:
            await asyncio.wait_for(_wake.wait(), retry_every)
        except asyncio.TimeoutError:
            pass
        _wake.clear()
        await asyncio.sleep(1)  # the page saying so reaches the browser first
        if ap_ip and await _join_saved():
            stop_portal()


# Adds the portal page to app at portal_path, and the hooks that send
# requests for other hosts there while the portal is up.
def add_portal(app):
    app.before_request(_to_portal)
    app.after_error_request(_to_portal)
    app.get(portal_path)(_page)
    app.post(portal_path)(_choose)


# A redirect to the portal for a request made to a host name (the portal's
# own address is a number), while the portal is up; else None. The port the
# client used is kept (80 on a board). Also an after-error hook: a probe's
# path is usually not found.
def _to_portal(request, response=None):
    if ap_ip:
        host, _, port = request.headers.get('Host', '').partition(':')
        if host and host[0] != '[' and not host.replace('.', '').isdigit():
            return redirect('http://' + ap_ip + (':' + port if port else '') +
                            portal_path)


def _escape(text):
    return text.replace('&', '&amp;').replace('<', '&lt;').replace(
        '>', '&gt;').replace('"', '&quot;')


def _html(body, status=200):
    return ('<!doctype html><html><head><meta charset="utf-8"><meta '
            'name="viewport" content="width=device-width,initial-scale=1">'
            '<title>Wi-Fi setup</title></head><body><h1>Wi-Fi setup</h1><p>' +
            body + '</body></html>', status,
            {'Content-Type': 'text/html; charset=UTF-8'})


# The form: a network from the scan (or another name), and its password.
async def _page(request):
    if not ap_ip:
        abort(404)
    try:
        options = ''.join(
            '<option value="%s">%s (%d dBm%s)</option>' % (
                _escape(name), _escape(name), rssi,
                '' if secured else ', open')
            for name, rssi, secured in scan())
    except OSError:  # the radio was busy
        options = ''
    return _html(
        _escape(message) + '</p><form method="post"><p><select name="ssid">' +
        options + '</select> <a href="' + portal_path + '">scan again</a></p>'
        '<p><input name="other" placeholder="or another network\'s name">'
        '</p><p><input name="password" type="password" '
        'placeholder="password"></p><p><button>Join</button></p></form>')


# Saves the network picked and wakes the joining task.
async def _choose(request):
    global message
    if not ap_ip:
        abort(404)
    form = request.form or {}
    ssid = form.get('other') or form.get('ssid') or ''
    password = form.get('password') or ''
    if not ssid or len(ssid.encode()) > 32 or len(password) > 64:
        return _html('Pick a network (a name of 1 to 32 bytes, a password '
                     'of at most 64 characters). <a href="' + portal_path +
                     '">Back</a>', 400)
    settings = load()
    settings['ssid'] = ssid
    settings['password'] = password
    save(settings)
    message = 'joining ' + ssid + '...'
    _wake.set()
    return _html('Joining ' + _escape(ssid) + '. When the board is on that '
                 'network, this access point closes; if it stays, join it '
                 'again and <a href="' + portal_path + '">try again</a>.')
