# Stands in for MicroPython's `network` module where there is none (the unix
# port, CPython), so that main.py runs on a computer: two made-up networks are
# in range, "home" (password "let me in") and "cafe" (open).
STA_IF = 0
AP_IF = 1
STAT_IDLE = 0
STAT_GOT_IP = 3
STAT_NO_AP_FOUND = -2
STAT_WRONG_PASSWORD = -3

NETWORKS = {'home': 'let me in', 'cafe': ''}


class _Interface:
    def __init__(self, address):
        self.address = address
        self.on = False
        self.status_now = STAT_IDLE

    def active(self, on=None):
        if on is not None:
            self.on = on
        return self.on

    def config(self, *names, **settings):
        if names:  # only 'mac' is asked for
            return b'\x02\x00\x00\x00\x12\x34'
        print('access point:', settings)

    def ifconfig(self):
        return (self.address, '255.255.255.0', self.address, self.address)

    def connect(self, ssid, key=''):
        if ssid not in NETWORKS:
            self.status_now = STAT_NO_AP_FOUND
        elif NETWORKS[ssid] != (key or ''):
            self.status_now = STAT_WRONG_PASSWORD
        else:
            self.status_now = STAT_GOT_IP

    def disconnect(self):
        self.status_now = STAT_IDLE

    def status(self):
        return self.status_now

    def isconnected(self):
        return self.status_now == STAT_GOT_IP

    def scan(self):
        return [(b'home', b'\x01' * 6, 6, -52, 3, False),
                (b'cafe', b'\x02' * 6, 11, -71, 0, False)]


# station and access point: both on this computer's own address
_interfaces = (_Interface('127.0.0.1'), _Interface('127.0.0.1'))


def WLAN(interface):
    return _interfaces[interface]


def hostname(name=None):
    return 'microdot'
