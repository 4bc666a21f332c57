# Run: cd examples/upload && PYTHONPATH=../../modules python upload.py   (or MICROPYPATH=../../modules:.frozen micropython upload.py), then open http://127.0.0.1:5000/
import os

from microdot import Microdot, Request, Response
from microdot.multipart import with_form_data

Request.max_content_length = 10 * 1024 * 1024  # uploads up to 10 MB
UPLOAD_DIR = 'uploads'

try:
    os.mkdir(UPLOAD_DIR)
except OSError:
    pass

app = Microdot()

PAGE = '''<!doctype html>
<html><head><title>Upload</title></head><body>
<h1>Upload a file</h1>
<form method="POST" action="/" enctype="multipart/form-data">
  <p><input type="text" name="note" placeholder="a note"></p>
  <p><input type="file" name="file"></p>
  <p><button type="submit">Upload</button></p>
</form>
<h2>Uploaded</h2><ul>{files}</ul>
</body></html>'''


def _safe_name(filename):
    name = filename.replace('\\', '/').split('/')[-1]
    return ''.join(c for c in name if c.isalpha() or c.isdigit() or
                   c in '._-') or 'upload'


@app.get('/')
async def index(request):
    items = ''.join('<li>{}</li>'.format(name)
                    for name in sorted(os.listdir(UPLOAD_DIR)))
    return PAGE.format(files=items), {'Content-Type': 'text/html'}


@app.post('/')
@with_form_data
async def upload(request):
    upload = request.files.get('file')
    if upload is None or not upload.filename:
        return 'No file was sent', 400
    await upload.save(UPLOAD_DIR + '/' + _safe_name(upload.filename))
    return Response.redirect('/')


app.run(host='127.0.0.1', port=5000, debug=True)
