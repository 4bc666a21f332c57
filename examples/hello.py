# Run: make run   (or: cd examples && PYTHONPATH=../modules python hello.py, or MICROPYPATH=../modules:.frozen micropython hello.py), then open http://127.0.0.1:5000/
from microdot import Microdot

app = Microdot()


@app.route('/')
async def index(request):
    return 'Hello, world!'


app.run(host='127.0.0.1', port=5000, debug=True)
