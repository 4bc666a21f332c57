# The hello app on Starlette.
from starlette.applications import Starlette
from starlette.responses import JSONResponse, PlainTextResponse
from starlette.routing import Route


async def index(request):
    return PlainTextResponse('Hello, World!')


async def json_hello(request):
    return JSONResponse({'message': 'Hello, World!'})


async def user(request):
    return JSONResponse({'id': request.path_params['id']})


app = Starlette(routes=[
    Route('/', index),
    Route('/json', json_hello),
    Route('/users/{id:int}', user),
])
