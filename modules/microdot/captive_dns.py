# A catch-all DNS server for a captive portal: every A question, whatever the
# name, is answered with one address (the board's access point), so the first
# web request a phone or laptop makes after joining reaches the board.
#
# reply() is sans-IO: it reads the header and the one question of a query with
# plain byte handling and builds the answer (same ID, the question echoed, one
# A record with a short TTL; other record types get "no data", which sends
# clients back to IPv4). Anything that is not a well-formed standard query is
# dropped without an answer. start() binds a UDP socket and answers in an
# asyncio task until the task is cancelled. MicroPython's asyncio has no
# datagram endpoints: the task waits on the socket with the loop's own poller
# there, and on CPython (tests) it looks again every few milliseconds.
import asyncio
import socket

try:
    from asyncio import core  # pyright: ignore[reportAttributeAccessIssue]

    # MicroPython: sleeps until the loop's poller sees a datagram.
    def _readable(sock):
        yield core._io_queue.queue_read(sock)
except ImportError:  # CPython
    async def _readable(sock):
        await asyncio.sleep(0.005)

MAX_PACKET = 512  # a plain DNS message over UDP; anything longer is cut
TTL = 10  # seconds: clients forget the portal's answers soon after it closes


# The resource record that answers a question (at offset 12) with ip.
def a_record(ip, ttl=TTL):
    return (b'\xc0\x0c\x00\x01\x00\x01' + ttl.to_bytes(4, 'big') +
            b'\x00\x04' + bytes(int(part) for part in ip.split('.')))


# The answer to one query packet, or None when it should be dropped.
def reply(query, record):
    n = len(query)
    # a query (QR=0), opcode 0, exactly one question
    if n < 17 or n > MAX_PACKET or query[2] & 0xf8 or \
            query[4] or query[5] != 1:
        return None
    i = 12
    while query[i]:  # the name: labels of 1 to 63 bytes, then a zero byte
        if query[i] > 63:  # a compression pointer has no place here
            return None
        i += query[i] + 1
        if i >= n:
            return None
    end = i + 5  # the zero byte, QTYPE, QCLASS
    if end > n:
        return None
    found = query[i + 2] in (1, 255) and not query[i + 1] and \
        query[i + 3] == 0 and query[i + 4] == 1  # A or ANY, class IN
    # QR, AA and the client's RD; no error; one question; 1 or 0 answers
    head = bytes((query[0], query[1], 0x84 | (query[2] & 1), 0, 0, 1, 0,
                  1 if found else 0, 0, 0, 0, 0))
    if found:
        return head + query[12:end] + record
    return head + query[12:end]


# Answers on host:port with ip, in a new task (cancel it to stop): the socket
# is bound here, so a port in use raises OSError at once.
def start(ip, host='0.0.0.0', port=53, ttl=TTL):
    record = a_record(ip, ttl)
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(socket.getaddrinfo(host, port)[0][-1])
        sock.setblocking(False)
    except BaseException:
        sock.close()
        raise
    return asyncio.create_task(_serve(sock, record))


async def _serve(sock, record):
    try:
        while True:
            try:
                query, client = sock.recvfrom(MAX_PACKET)
            except OSError:  # nothing waiting
                await _readable(sock)
                continue
            answer = reply(query, record)
            if answer:
                try:
                    sock.sendto(answer, client)
                except OSError:  # dropped; the client asks again
                    pass
    finally:
        sock.close()
