"""docs/limits.md lists every limit with its real default."""
import re

from helpers.processes import REPO
from microdot import Microdot, Request, Response
from microdot.multipart import FileUpload, FormDataIter
from microdot.sse import SSE
from microdot.websocket import WebSocket

DOC = REPO / 'docs' / 'limits.md'
CLASSES = {cls.__name__: cls for cls in (
    Microdot, Request, Response, FileUpload, FormDataIter, SSE, WebSocket)}
REQUIRED = {
    'Request': 'max_content_length max_body_length max_readline '
               'max_header_count max_header_bytes',
    'Microdot': 'max_connections keepalive_timeout request_head_timeout '
                'body_timeout write_timeout listen_backlog heap_reserve '
                'max_tls_connections',
    'WebSocket': 'max_message_length',
    'FileUpload': 'max_memory_size',
    'FormDataIter': 'buffer_size',
    'SSE': 'max_pending heartbeat',
}


def test_documented_defaults_match_the_code():
    rows = re.findall(r'^\| `(\w+)\.(\w+)` \| `([^`]+)` \|',
                      DOC.read_text(), re.M)
    documented = set()
    for cls, attr, default in rows:
        assert getattr(CLASSES[cls], attr) == eval(default), (cls, attr)
        documented.add((cls, attr))
    for cls, attrs in REQUIRED.items():
        for attr in attrs.split():
            assert (cls, attr) in documented, (cls, attr)
