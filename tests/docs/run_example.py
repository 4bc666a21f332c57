# Runs an example script on a given port, on CPython or MicroPython:
#   run_example.py PORT SCRIPT
# The example calls app.run(...) (or start_server) itself; this wrapper only
# makes the server listen on 127.0.0.1:PORT instead of the example's port.
import sys

from microdot import Microdot

PORT = int(sys.argv[1])
SCRIPT = sys.argv[2]
_start_server = Microdot.start_server


def start_server(self, host='0.0.0.0', port=5000, debug=False, ssl=None):
    return _start_server(self, '127.0.0.1', PORT, debug, ssl)


Microdot.start_server = start_server
sys.argv[:] = [SCRIPT]
sys.path.insert(0, '')  # run as a program: the example imports from its folder
with open(SCRIPT) as f:
    source = f.read()
exec(source, {'__name__': '__main__', '__file__': SCRIPT})
