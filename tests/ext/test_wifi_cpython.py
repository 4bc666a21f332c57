"""The captive portal's DNS server over real UDP on 127.0.0.1, asked by a real
DNS client (dnspython), with the server running on CPython and on the
MicroPython interpreter (a subprocess)."""
import asyncio
import os
import socket
import subprocess
import sys
import threading
import time

import dns.exception
import dns.flags
import dns.message
import dns.query
import dns.rcode
import dns.rdatatype
import pytest

from helpers.processes import free_port, modules_env, require_interpreter

from microdot import captive_dns, wifi

# the MicroPython side: answers with 192.168.4.1 on 127.0.0.1:PORT for at
# most 60 seconds (the test stops it sooner)
MP_SERVER = '''
import asyncio, sys
from microdot import captive_dns

async def main():
    task = captive_dns.start('192.168.4.1', '127.0.0.1', int(sys.argv[1]))
    print('listening')
    await asyncio.sleep(60)
    task.cancel()

asyncio.run(main())
'''

GARBAGE = [
    b'',
    b'\x00',
    b'\xff' * 12,
    os.urandom(40),
    b'\x12\x34\x01\x00\x00\x01' + bytes(6) + b'\xc0\x0c\x00\x01\x00\x01',
    b'\x12\x34\x01\x00\x00\x01\x00\x00\x00\x00\x00\x00\x3f' + b'a' * 20,
    b'\x12\x34\x81\x80' + bytes(8) + b'\x01a\x00\x00\x01\x00\x01',  # a reply
    bytes(range(256)) * 8,  # 2 KB, more than a DNS packet over UDP
]


def ask(port, name, rdtype='A', deadline=10.0):
    """dnspython's answer, asking again until the server is up (bounded)."""
    query = dns.message.make_query(name, rdtype)
    end = time.monotonic() + deadline
    while True:
        try:
            return dns.query.udp(query, '127.0.0.1', port=port, timeout=0.5)
        except dns.exception.Timeout:
            if time.monotonic() > end:
                raise


def addresses(answer):
    return [rdata.address for rrset in answer.answer for rdata in rrset]


def send_garbage(port):
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        for packet in GARBAGE:
            sock.sendto(packet, ('127.0.0.1', port))


def check_server(port, ip='192.168.4.1'):
    answer = ask(port, 'connectivitycheck.gstatic.com')
    assert answer.rcode() == dns.rcode.NOERROR
    assert addresses(answer) == [ip]
    assert answer.answer[0].ttl == captive_dns.TTL
    assert answer.flags & dns.flags.AA
    for name in ('captive.apple.com', 'www.msftconnecttest.com',
                 'a.very.long.name.that.does.not.exist.example', '.'):
        assert addresses(ask(port, name)) == [ip], name
    # IPv6 and other types: no error, no answer, so clients use IPv4
    for rdtype in ('AAAA', 'MX', 'TXT'):
        answer = ask(port, 'example.com', rdtype)
        assert answer.rcode() == dns.rcode.NOERROR and answer.answer == []
    # EDNS queries are answered too
    query = dns.message.make_query('example.com', 'A', use_edns=0)
    answer = dns.query.udp(query, '127.0.0.1', port=port, timeout=2)
    assert addresses(answer) == [ip]
    # malformed packets get no answer and do not stop the server
    send_garbage(port)
    assert addresses(ask(port, 'still.there', deadline=2)) == [ip]


class ThreadLoop:
    """An asyncio loop in a thread, for servers under test on CPython."""

    def __init__(self):
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever,
                                       daemon=True)
        self.thread.start()

    def call(self, fn, *args):
        async def go():
            return fn(*args)
        return asyncio.run_coroutine_threadsafe(go(), self.loop).result(10)

    def run(self, coro):
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(10)

    def close(self):
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(10)
        self.loop.close()


@pytest.fixture
def thread_loop():
    loop = ThreadLoop()
    yield loop
    loop.close()


def test_dns_server_on_cpython(thread_loop):
    port = free_port(socket.SOCK_DGRAM)
    task = thread_loop.call(captive_dns.start, '192.168.4.1', '127.0.0.1',
                            port)
    try:
        check_server(port)
    finally:
        thread_loop.call(task.cancel)
    time.sleep(0.1)
    # cancelled: the socket is closed and the port free again
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.bind(('127.0.0.1', port))


def test_dns_server_on_micropython(tmp_path):
    micropython = require_interpreter('micropython')
    script = tmp_path / 'dns_server.py'
    script.write_text(MP_SERVER)
    port = free_port(socket.SOCK_DGRAM)
    env = modules_env()
    proc = subprocess.Popen([micropython, str(script), str(port)], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        check_server(port)
        assert proc.poll() is None, 'the server stopped'
    finally:
        proc.kill()
        output = proc.communicate(timeout=10)[0].decode(errors='replace')
    assert 'listening' in output
    assert 'Traceback' not in output, output


def test_port_in_use_fails_at_start(thread_loop):
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as busy:
        busy.bind(('127.0.0.1', 0))
        port = busy.getsockname()[1]
        with pytest.raises(OSError):
            thread_loop.call(captive_dns.start, '192.168.4.1', '127.0.0.1',
                             port)


class LoopbackRadio:
    """Just enough of `network` for wifi.start() with nothing saved: an
    access point whose address is 127.0.0.1."""
    STA_IF, AP_IF = 0, 1

    class Interface:
        def __init__(self, address):
            self.address = address
            self.on = False

        def active(self, on=None):
            if on is not None:
                self.on = on
            return self.on

        def config(self, *names, **settings):
            return b'\x00\x00\x00\x00\x12\x34' if names else None

        def ifconfig(self):
            return (self.address, '255.0.0.0', self.address, self.address)

    def __init__(self):
        self.interfaces = (self.Interface('10.0.0.7'),
                           self.Interface('127.0.0.1'))

    def WLAN(self, interface):
        return self.interfaces[interface]


def test_portal_answers_dns_until_it_closes(thread_loop, tmp_path):
    saved = (wifi.network, wifi.dns_port, wifi.settings_file)
    radio = LoopbackRadio()
    port = free_port(socket.SOCK_DGRAM)
    wifi.network, wifi.dns_port = radio, port
    wifi.settings_file = str(tmp_path / 'wifi.json')
    try:
        assert thread_loop.run(wifi.start()) is None
        assert radio.interfaces[1].on
        # the access point's own address for every name
        assert addresses(ask(port, 'captive.apple.com')) == ['127.0.0.1']
        thread_loop.call(wifi.stop_portal)
        assert not radio.interfaces[1].on
        time.sleep(0.1)
        with pytest.raises(dns.exception.Timeout):
            dns.query.udp(dns.message.make_query('example.com', 'A'),
                          '127.0.0.1', port=port, timeout=0.5)
    finally:
        thread_loop.call(wifi.stop_portal)
        wifi.network, wifi.dns_port, wifi.settings_file = saved


if __name__ == '__main__':
    sys.exit(pytest.main([__file__, '-q']))
