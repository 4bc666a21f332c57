# A catch-all DNS server for a captive portal.
import asyncio
from typing import Any

MAX_PACKET: int
TTL: int

def a_record(ip: str, ttl: int = 10) -> bytes: ...
# The answer to one query packet, or None when it should be dropped.
def reply(query: bytes, record: bytes) -> bytes | None: ...
# Answers on host:port with ip, in a task (cancel it to stop).
def start(ip: str, host: str = '0.0.0.0', port: int = 53, ttl: int = 10) -> asyncio.Task[Any]: ...
