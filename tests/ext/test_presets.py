# Board presets: the server settings sized to each board.
import unittest

from microdot import Microdot, Request, Response, apply_preset
from microdot import presets

SAVED = [(cls, name, getattr(cls, name)) for cls in (Microdot, Request, Response)
         for name in presets.NAMES if hasattr(cls, name)]


class TestPresets(unittest.TestCase):
    def tearDown(self):
        for cls, name, value in SAVED:
            setattr(cls, name, value)

    def test_apply_sets_the_boards_settings(self):
        apply_preset('RPI_PICO_W')
        self.assertEqual(Microdot.max_connections, 4)
        self.assertEqual(Microdot.max_tls_connections, 1)
        self.assertEqual(Microdot.keepalive_timeout, 5)
        self.assertEqual(Request.max_body_length, 4096)
        self.assertEqual(Response.send_file_buffer_size, 512)
        self.assertEqual(Microdot.heap_reserve, 4096)

    def test_every_board_folder_has_a_preset(self):
        for board in ('RPI_PICO', 'RPI_PICO_W', 'RPI_PICO2_W', 'ESP32_GENERIC',
                      'ESP32_GENERIC_S3', 'ESP32_GENERIC_C3', 'UNIX'):
            values = presets.preset(board)
            self.assertEqual(sorted(values), sorted(presets.NAMES))
            # what the network stack holds: lwIP's 5 PCBs, ESP-IDF's 10 sockets
            self.assertLessEqual(values['max_connections'],
                                 4 if board.startswith('RPI') else 32)

    def test_unix_preset_is_the_packages_defaults(self):
        for cls, name, value in SAVED:
            self.assertEqual(presets.preset('UNIX')[name], value, name)

    def test_unknown_board(self):
        with self.assertRaises(ValueError):
            apply_preset('NO_SUCH_BOARD')
