# Frozen into this board's firmware: `import microdot` applies the board's
# server preset (microdot/presets.py); an app's own settings still win.
from microdot.presets import apply

apply('ESP32_GENERIC_C3')
