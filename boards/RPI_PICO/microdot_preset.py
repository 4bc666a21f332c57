# Frozen into this board's firmware: `import microdot` applies the server
# preset of this board (microdot/presets.py); an app's own settings win.
BOARD = 'RPI_PICO'
