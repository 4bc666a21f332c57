# Wi-Fi provisioning (microdot.wifi, microdot.captive_dns) with a stand-in
# radio behind wifi.network: the same tests run on CPython and MicroPython.
import asyncio
import json
import time
import unittest

from helpers.files import exists, remove, temp_folder
from helpers.support import run

from microdot import Microdot
from microdot import captive_dns, wifi
from microdot.test_client import TestClient

AP_IP = '192.168.4.1'
PORTAL = 'http://192.168.4.1/wifi'
# what each system fetches to find out whether it is behind a captive portal
PROBES = [
    ('connectivitycheck.gstatic.com', '/generate_204'),  # Android
    ('clients3.google.com', '/generate_204'),  # Android, Chrome OS
    ('www.google.com', '/gen_204'),  # Android's fallback
    ('captive.apple.com', '/hotspot-detect.html'),  # iOS, macOS
    ('www.apple.com', '/library/test/success.html'),  # older iOS, macOS
    ('www.msftconnecttest.com', '/connecttest.txt'),  # Windows 10, 11
    ('www.msftconnecttest.com', '/redirect'),  # the page Windows opens
    ('www.msftncsi.com', '/ncsi.txt'),  # older Windows
    ('detectportal.firefox.com', '/canonical.html'),  # Firefox
    ('detectportal.firefox.com', '/success.txt'),  # Firefox
    ('connectivity-check.ubuntu.com', '/'),  # Ubuntu's NetworkManager
    ('nmcheck.gnome.org', '/check_network_status.txt'),  # GNOME
    ('captive.apple.com', '/a1b2c3/index.html'),  # any path at all
]


# A radio interface of the stand-in: remembers what it was told.
class FakeWLAN:
    def __init__(self, radio, address):
        self.radio = radio
        self.address = address
        self.on = False
        self.settings = {}
        self.joined = None
        self.joining = None

    def active(self, on=None):
        if on is None:
            return self.on
        self.on = bool(on)
        if not on:
            self.joined = self.joining = None

    def config(self, *names, **settings):
        if names:
            return {'mac': b'\x28\xcd\xc1\x01\xab\x7f'}[names[0]]
        self.settings.update(settings)

    def ifconfig(self):
        return (self.address, '255.255.255.0', self.address, self.address)

    def connect(self, ssid, key=None):
        assert self.on, 'connect() before active(True)'
        self.radio.attempts.append((ssid, key))
        self.joined = None
        self.joining = (ssid, key)

    def disconnect(self):
        self.joined = self.joining = None

    def isconnected(self):
        self.status()
        return self.joined is not None

    def status(self):
        radio = self.radio
        if self.joined:
            return radio.STAT_GOT_IP
        if not self.joining:
            return radio.STAT_IDLE
        ssid, key = self.joining
        if ssid in radio.silent or ssid not in radio.passwords:
            return radio.STAT_CONNECTING if ssid in radio.silent else \
                radio.STAT_NO_AP_FOUND
        if radio.passwords[ssid] != (key or ''):
            return radio.STAT_WRONG_PASSWORD
        self.joined = ssid
        return radio.STAT_GOT_IP

    def scan(self):
        assert self.on, 'scan() before active(True)'
        self.radio.scans += 1
        return self.radio.in_range


# Stands in for the `network` module: networks in range with their
# passwords; `silent` ones never answer.
class FakeNetwork:
    STA_IF = 0
    AP_IF = 1
    STAT_IDLE = 0
    STAT_CONNECTING = 1
    STAT_WRONG_PASSWORD = -3
    STAT_NO_AP_FOUND = -2
    STAT_GOT_IP = 3

    def __init__(self, passwords=None, silent=(), in_range=()):
        self.passwords = dict(passwords or {})
        self.silent = silent
        self.in_range = list(in_range)
        self.attempts = []
        self.scans = 0
        self.name = None
        self.interfaces = (FakeWLAN(self, '10.0.0.7'), FakeWLAN(self, AP_IP))

    def WLAN(self, interface):
        return self.interfaces[interface]

    def hostname(self, name=None):
        if name is None:
            return self.name
        self.name = name

    @property
    def sta(self):
        return self.interfaces[0]

    @property
    def ap(self):
        return self.interfaces[1]


def temp_path(tag):
    return '%s/microdot-test-wifi-%s-%d.json' % (temp_folder(), tag,
                                                 id(object()))


def read_json(path):
    with open(path) as f:
        return json.load(f)


# A value whose JSON form fails halfway through being written.
class Unwritable:
    def __repr__(self):
        raise OSError(28, 'no space left')


# Waits (bounded) until check() is true; returns its last value.
async def until(check, seconds=5):
    deadline = time.time() + seconds
    while not check() and time.time() < deadline:
        await asyncio.sleep(0.02)
    return check()


FORM = {'Content-Type': 'application/x-www-form-urlencoded'}


class WifiCase(unittest.TestCase):
    def setUp(self):
        self.saved = (wifi.network, wifi.settings_file, wifi.timeout,
                      wifi.retries, wifi.retry_every, wifi.dns_port,
                      wifi.hostname)
        self.path = temp_path('settings')
        wifi.settings_file = self.path
        wifi.timeout = 0.3
        wifi.retries = 1
        wifi.retry_every = 300
        wifi.dns_port = None
        wifi.hostname = None
        wifi.ip = None
        wifi.message = ''
        self.radio = FakeNetwork(
            passwords={'home': 'let me in', 'cafe': ''}, silent=('far',),
            in_range=[(b'cafe', b'\x01' * 6, 6, -70, 0, False),
                      (b'home', b'\x02' * 6, 1, -80, 3, False),
                      (b'home', b'\x03' * 6, 11, -48, 3, False),
                      (b'', b'\x04' * 6, 1, -30, 3, True),
                      (b'<b>&"x"', b'\x05' * 6, 1, -90, 3, False),
                      (b'\xff\xfe', b'\x06' * 6, 1, -60, 0, False)])
        wifi.network = self.radio

    def tearDown(self):
        (wifi.network, wifi.settings_file, wifi.timeout, wifi.retries,
         wifi.retry_every, wifi.dns_port, wifi.hostname) = self.saved
        remove(self.path)
        remove(self.path + '.tmp')

    # Runs scenario() in a loop, and takes the portal down before leaving it.
    def run_scenario(self, scenario):
        async def go():
            try:
                return await scenario()
            finally:
                wifi.stop_portal()
                await asyncio.sleep(0.01)  # cancelled tasks finish

        return run(go())

    def app(self):
        app = Microdot()
        wifi.add_portal(app)

        @app.get('/')
        async def index(request):
            return 'hello'

        return app


class TestSettingsFile(WifiCase):
    def test_nothing_saved(self):
        self.assertEqual(wifi.load(), {})

    def test_save_writes_json(self):
        wifi.save({'ssid': 'home', 'password': 'let me in'})
        self.assertEqual(read_json(self.path),
                         {'ssid': 'home', 'password': 'let me in'})
        self.assertEqual(wifi.load()['ssid'], 'home')
        self.assertFalse(exists(self.path + '.tmp'))

    def test_save_replaces_the_old_file(self):
        wifi.save({'ssid': 'old'})
        wifi.save({'ssid': 'new'})
        self.assertEqual(read_json(self.path), {'ssid': 'new'})

    def test_failure_midway_leaves_the_old_file(self):
        wifi.save({'ssid': 'home', 'password': 'let me in'})
        with open(self.path) as f:
            before = f.read()
        with self.assertRaises(Exception):
            wifi.save({'ssid': 'new', 'password': Unwritable()})
        with open(self.path) as f:
            self.assertEqual(f.read(), before)
        self.assertFalse(exists(self.path + '.tmp'))
        self.assertEqual(wifi.load()['ssid'], 'home')

    def test_half_written_file_reads_as_nothing_saved(self):
        with open(self.path, 'w') as f:
            f.write('{"ssid": "ho')
        self.assertEqual(wifi.load(), {})
        with open(self.path, 'w') as f:
            f.write('["not", "settings"]')
        self.assertEqual(wifi.load(), {})

    def test_new_file_waiting_for_its_rename_is_used(self):
        # FAT renames over a file in two steps: a power cut between them
        # leaves only the new file, still under its temporary name
        with open(self.path + '.tmp', 'w') as f:
            json.dump({'ssid': 'home'}, f)
        self.assertEqual(wifi.load(), {'ssid': 'home'})


class TestStart(WifiCase):
    def test_joins_the_saved_network(self):
        wifi.save({'ssid': 'home', 'password': 'let me in',
                   'hostname': 'garden'})
        self.radio.ap.on = True  # left on by an earlier run
        self.assertEqual(self.run_scenario(wifi.start), '10.0.0.7')
        self.assertEqual(wifi.ip, '10.0.0.7')
        self.assertEqual(self.radio.attempts, [('home', 'let me in')])
        self.assertEqual(self.radio.name, 'garden')
        self.assertTrue(self.radio.sta.on)
        self.assertFalse(self.radio.ap.on)

    def test_hostname_setting(self):
        wifi.hostname = 'board'
        wifi.save({'ssid': 'cafe', 'password': ''})
        self.assertEqual(self.run_scenario(wifi.start), '10.0.0.7')
        self.assertEqual(self.radio.name, 'board')

    def test_nothing_saved_opens_an_open_access_point(self):
        async def scenario():
            self.assertIsNone(await wifi.start())
            self.assertTrue(self.radio.ap.on)
            self.assertEqual(self.radio.ap.settings,
                             {'ssid': 'microdot-ab7f', 'security': 0})
            self.assertEqual(self.radio.attempts, [])

        self.run_scenario(scenario)
        self.assertFalse(self.radio.ap.on)  # stop_portal()

    def test_access_point_name_and_password(self):
        async def scenario():
            await wifi.start('garden-setup', 'secret123')
            self.assertEqual(self.radio.ap.settings,
                             {'ssid': 'garden-setup', 'key': 'secret123',
                              'security': 0x400004})
            self.radio.AUTH_WPA2_PSK = 3  # the ESP32 port names it
            wifi.stop_portal()
            await wifi.start('garden-setup', 'secret123')
            self.assertEqual(self.radio.ap.settings['security'], 3)

        self.run_scenario(scenario)

    def test_wrong_password_is_retried_then_the_portal_opens(self):
        wifi.save({'ssid': 'home', 'password': 'wrong'})

        async def scenario():
            self.assertIsNone(await wifi.start())
            self.assertEqual(self.radio.attempts, [('home', 'wrong')] * 2)
            self.assertEqual(wifi.message,
                             'could not join home: wrong password')
            self.assertTrue(self.radio.ap.on)
            self.assertIsNone(self.radio.sta.joining)  # disconnect()ed

        self.run_scenario(scenario)

    def test_network_not_found(self):
        wifi.save({'ssid': 'elsewhere'})
        wifi.retries = 0
        self.assertIsNone(self.run_scenario(wifi.start))
        self.assertEqual(self.radio.attempts, [('elsewhere', '')])
        self.assertEqual(wifi.message,
                         'could not join elsewhere: network not found')

    def test_each_attempt_waits_timeout_seconds(self):
        wifi.save({'ssid': 'far', 'password': 'x'})
        wifi.retries = 2
        started = time.time()
        self.assertIsNone(self.run_scenario(wifi.start))
        elapsed = time.time() - started
        self.assertEqual(len(self.radio.attempts), 3)
        self.assertTrue(0.8 <= elapsed < 3, elapsed)
        self.assertEqual(wifi.message, 'could not join far: no answer')


class TestPortal(WifiCase):
    def test_probes_are_sent_to_the_portal(self):
        async def scenario():
            await wifi.start()
            client = TestClient(self.app())
            for host, path in PROBES:
                res = await client.get(path, headers={'Host': host})
                self.assertEqual((host, path, res.status_code),
                                 (host, path, 302))
                self.assertEqual(res.headers['Location'], PORTAL)
            res = await client.post('/generate_204', headers={
                'Host': 'connectivitycheck.gstatic.com'})
            self.assertEqual(res.headers['Location'], PORTAL)
            # the board's own address is not redirected
            own = TestClient(self.app(), host=AP_IP)
            res = await own.get('/')
            self.assertEqual((res.status_code, res.text), (200, 'hello'))
            self.assertEqual((await own.get('/nothing')).status_code, 404)
            res = await TestClient(self.app(), host=AP_IP + ':80').get('/')
            self.assertEqual(res.status_code, 200)
            # a port in the request is kept (a computer's stand-in radio)
            res = await client.get('/', headers={'Host': 'localhost:5000'})
            self.assertEqual(res.headers['Location'],
                             'http://192.168.4.1:5000/wifi')

        self.run_scenario(scenario)

    def test_page_lists_the_networks_in_range(self):
        async def scenario():
            await wifi.start()
            res = await TestClient(self.app(), host=AP_IP).get('/wifi')
            self.assertEqual(res.status_code, 200)
            self.assertTrue(
                res.headers['Content-Type'].startswith('text/html'))
            page = res.text
            self.assertIn('<form method="post">', page)
            self.assertIn('name="password" type="password"', page)
            options = [part.split('</option>')[0]
                       for part in page.split('<option ')[1:]]
            # strongest first, each name once, hidden and non-text left out
            self.assertEqual(options, [
                'value="home">home (-48 dBm)',
                'value="cafe">cafe (-70 dBm, open)',
                'value="&lt;b&gt;&amp;&quot;x&quot;">'
                '&lt;b&gt;&amp;&quot;x&quot; (-90 dBm)'])
            self.assertNotIn('<b>', page)
            self.assertEqual(self.radio.scans, 1)

        self.run_scenario(scenario)

    def test_picking_a_network_saves_joins_and_closes_the_portal(self):
        wifi.save({'ssid': 'old', 'password': 'x', 'hostname': 'garden'})

        async def scenario():
            self.assertIsNone(await wifi.start())
            self.assertTrue(self.radio.ap.on)
            client = TestClient(self.app(), host=AP_IP)
            res = await client.post(
                '/wifi', headers=FORM,
                body='ssid=home&other=&password=let+me+in')
            self.assertEqual(res.status_code, 200)
            self.assertIn('Joining home', res.text)
            self.assertEqual(read_json(self.path), {
                'ssid': 'home', 'password': 'let me in',
                'hostname': 'garden'})
            self.assertEqual(wifi.message, 'joining home...')
            self.assertTrue(await until(lambda: wifi.ip is not None))
            self.assertEqual(wifi.ip, '10.0.0.7')
            self.assertEqual(self.radio.attempts[-1], ('home', 'let me in'))
            self.assertEqual(self.radio.name, 'garden')
            self.assertFalse(self.radio.ap.on)
            self.assertIsNone(wifi.ap_ip)
            # the portal is gone: its page too, and nothing is redirected
            self.assertEqual((await client.get('/wifi')).status_code, 404)
            res = await TestClient(self.app()).get(
                '/hotspot-detect.html', headers={'Host': 'captive.apple.com'})
            self.assertEqual(res.status_code, 404)

        self.run_scenario(scenario)

    def test_another_name_wins_over_the_list(self):
        async def scenario():
            await wifi.start()
            self.radio.passwords['hidden net'] = 'pw pw pw'
            res = await TestClient(self.app(), host=AP_IP).post(
                '/wifi', headers=FORM,
                body='ssid=home&other=hidden+net&password=pw+pw+pw')
            self.assertEqual(res.status_code, 200)
            self.assertTrue(await until(lambda: wifi.ip is not None))
            self.assertEqual(self.radio.attempts[-1],
                             ('hidden net', 'pw pw pw'))

        self.run_scenario(scenario)

    def test_wrong_password_keeps_the_portal_and_says_why(self):
        async def scenario():
            await wifi.start()
            client = TestClient(self.app(), host=AP_IP)
            await client.post('/wifi', headers=FORM,
                              body='ssid=home&password=nope')
            self.assertTrue(await until(lambda: len(self.radio.attempts) == 2))
            self.assertTrue(await until(lambda: 'wrong' in wifi.message))
            self.assertTrue(self.radio.ap.on)
            res = await client.get('/wifi')
            self.assertEqual(res.status_code, 200)
            self.assertIn('could not join home: wrong password', res.text)
            # a second try with the right password works
            await client.post('/wifi', headers=FORM,
                              body='ssid=home&password=let+me+in')
            self.assertTrue(await until(lambda: not self.radio.ap.on))
            self.assertEqual(wifi.ip, '10.0.0.7')

        self.run_scenario(scenario)

    def test_bad_form_is_refused_and_saves_nothing(self):
        async def scenario():
            await wifi.start()
            client = TestClient(self.app(), host=AP_IP)
            for body in ('ssid=&password=x', 'password=x',
                         'ssid=' + 'n' * 33 + '&password=x',
                         'ssid=home&password=' + 'p' * 65):
                res = await client.post('/wifi', headers=FORM, body=body)
                self.assertEqual(res.status_code, 400, body)
            self.assertEqual(wifi.load(), {})

        self.run_scenario(scenario)

    def test_portal_page_only_while_the_portal_is_up(self):
        wifi.save({'ssid': 'home', 'password': 'let me in'})

        async def scenario():
            self.assertEqual(await wifi.start(), '10.0.0.7')
            client = TestClient(self.app(), host='10.0.0.7')
            self.assertEqual((await client.get('/wifi')).status_code, 404)
            res = await client.post('/wifi', headers=FORM,
                                    body='ssid=evil&password=x')
            self.assertEqual(res.status_code, 404)
            self.assertEqual(wifi.load()['ssid'], 'home')
            res = await TestClient(self.app()).get(
                '/', headers={'Host': 'garden.local'})
            self.assertEqual((res.status_code, res.text), (200, 'hello'))

        self.run_scenario(scenario)

    def test_saved_network_is_tried_again_while_the_portal_is_up(self):
        # a power cut: the board starts before the router does
        wifi.save({'ssid': 'home', 'password': 'let me in'})
        wifi.retry_every = 0.2
        wifi.retries = 0
        del self.radio.passwords['home']

        async def scenario():
            self.assertIsNone(await wifi.start())
            self.assertTrue(self.radio.ap.on)
            self.radio.passwords['home'] = 'let me in'  # the router is up
            self.assertTrue(await until(lambda: wifi.ip is not None))
            self.assertFalse(self.radio.ap.on)

        self.run_scenario(scenario)


class TestDnsAnswers(unittest.TestCase):
    # sans-IO: the reply to query bytes
    record = captive_dns.a_record('192.168.4.1')

    def query(self, name=b'\x07example\x03com\x00', qtype=b'\x00\x01',
              flags=b'\x01\x00', extra=b''):
        return (b'\xbe\xef' + flags + b'\x00\x01\x00\x00\x00\x00\x00' +
                (b'\x01' if extra else b'\x00') + name + qtype + b'\x00\x01' +
                extra)

    def test_a_question_gets_the_portal_address(self):
        q = self.query()
        answer = captive_dns.reply(q, self.record)
        self.assertEqual(answer[:12], b'\xbe\xef\x85\x00\x00\x01\x00\x01'
                                      b'\x00\x00\x00\x00')
        self.assertEqual(answer[12:12 + 17], q[12:])
        self.assertEqual(answer[29:], b'\xc0\x0c\x00\x01\x00\x01\x00\x00\x00'
                                      b'\x0a\x00\x04\xc0\xa8\x04\x01')

    def test_other_types_get_no_data(self):
        answer = captive_dns.reply(self.query(qtype=b'\x00\x1c'), self.record)
        self.assertEqual(answer[6:8], b'\x00\x00')  # no answer, no error
        self.assertEqual(answer[3], 0)
        self.assertEqual(len(answer), 12 + 17)

    def test_edns_record_is_left_out(self):
        opt = b'\x00\x00\x29\x04\xd0\x00\x00\x00\x00\x00\x00'
        answer = captive_dns.reply(self.query(extra=opt), self.record)
        self.assertEqual(answer[10:12], b'\x00\x00')
        self.assertNotIn(opt, answer)
        self.assertTrue(answer.endswith(b'\xc0\xa8\x04\x01'))

    def test_recursion_flag_is_echoed(self):
        answer = captive_dns.reply(self.query(flags=b'\x00\x00'), self.record)
        self.assertEqual(answer[2], 0x84)

    def test_malformed_packets_are_dropped(self):
        good = self.query()
        for packet in (b'', b'\x00' * 11, good[:12], good[:-1],
                       good[:2] + b'\x81\x00' + good[4:],  # a response
                       good[:2] + b'\x28\x00' + good[4:],  # opcode 5
                       good[:5] + b'\x02' + good[6:],  # two questions
                       good[:5] + b'\x00' + good[6:],  # none
                       self.query(name=b'\xc0\x0c'),  # a pointer
                       self.query(name=b'\x40' + b'a' * 64 + b'\x00'),
                       self.query(name=b'\x3f' + b'a' * 10),  # cut short
                       good + b'\x00' * 600):  # longer than a DNS packet
            self.assertIsNone(captive_dns.reply(packet, self.record), packet)

    def test_ttl(self):
        self.assertEqual(captive_dns.a_record('10.1.2.3', 60),
                         b'\xc0\x0c\x00\x01\x00\x01\x00\x00\x00\x3c\x00\x04'
                         b'\x0a\x01\x02\x03')


if __name__ == '__main__':
    unittest.main()
