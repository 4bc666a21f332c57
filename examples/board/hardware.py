# The board's LED and temperature sensor, and its Wi-Fi. Where there is no
# such hardware (MicroPython's unix port, CPython) stand-ins take their place,
# so the web app in main.py runs unchanged on a computer.
import time

try:
    from machine import ADC, Pin
except ImportError:  # unix port or CPython: no pins
    ADC = Pin = None
try:
    import esp32  # ESP32 family: a temperature sensor inside the chip
except ImportError:
    esp32 = None
try:
    import network  # boards with Wi-Fi
except ImportError:
    network = None


# Stands in for machine.Pin where there is none: remembers its value.
class FakePin:
    def __init__(self):
        self._value = 0

    def value(self, value=None):
        if value is None:
            return self._value
        self._value = 1 if value else 0


# The LED: the pin named 'LED' (Pico, Pico W, Pico 2 W), else GPIO
# led_pin (2 on many ESP32 boards), else a FakePin.
def make_led(led_pin=2):
    if Pin is None:
        return FakePin(), 'fake'
    try:
        return Pin('LED', Pin.OUT), 'LED'
    except (TypeError, ValueError):
        return Pin(led_pin, Pin.OUT), 'GPIO' + str(led_pin)


# A function returning the temperature in Celsius, and the sensor's name.
def make_thermometer():
    if esp32 is not None:
        if hasattr(esp32, 'mcu_temperature'):  # S2, S3, C3, C6
            return esp32.mcu_temperature, 'esp32'
        return lambda: (esp32.raw_temperature() - 32) / 1.8, 'esp32'
    if ADC is not None:
        try:
            adc = ADC(4)  # RP2040/RP2350: the chip's temperature sensor
        except (TypeError, ValueError):
            adc = None
        if adc is not None:
            def rp2_celsius():
                volts = adc.read_u16() * 3.3 / 65535
                return 27 - (volts - 0.706) / 0.001721
            return rp2_celsius, 'rp2'
    start = time.time()
    # a slow saw-tooth between 20.0 and 25.9 degrees
    return lambda: 20 + (int(time.time() - start) % 60) / 10, 'fake'


# Joins the Wi-Fi network and returns the board's IP address, or None when
# there is no Wi-Fi or no network name was given.
def connect_wifi(ssid, password, timeout=20):
    if network is None or not ssid:
        return None
    wlan = network.WLAN(network.STA_IF)
    wlan.active(True)
    if not wlan.isconnected():
        print('connecting to', ssid, '...')
        wlan.connect(ssid, password)
        for _ in range(timeout * 10):
            if wlan.isconnected():
                break
            time.sleep(0.1)
    if not wlan.isconnected():
        print('could not join', ssid)
        return None
    return wlan.ifconfig()[0]
