# Run: make run   (or: micropython hello.py / python hello.py with the core on the path)
from microdot import Microdot

app = Microdot()


@app.route('/')
async def index(request):
    return 'Hello, world!'


app.run(host='127.0.0.1', port=5000, debug=True)
