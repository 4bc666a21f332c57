# Wi-Fi for a board: the saved network, or an access point with a captive portal.
from typing import Any

from microdot import Microdot

# the radio: MicroPython's network module, or a stand-in with its shape
network: Any

# settings: change them before start()
settings_file: str
portal_path: str
hostname: str | None
timeout: float
retries: int
retry_every: float
dns_port: int | None

# state
ip: str | None
message: str
ap_ip: str | None

def load() -> dict[str, Any]: ...
def save(settings: dict[str, Any]) -> None: ...
async def connect(ssid: str, password: str = '', name: str | None = None) -> str | None: ...
# (name, signal in dBm, secured), strongest first
def scan() -> list[tuple[str, int, bool]]: ...
async def start(ap_ssid: str | None = None, ap_password: str = '') -> str | None: ...
def start_portal(ap_ssid: str | None = None, ap_password: str = '') -> str: ...
def stop_portal() -> None: ...
def add_portal(app: Microdot) -> None: ...
