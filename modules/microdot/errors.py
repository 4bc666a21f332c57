# What a request gets when its route can't answer it normally, loaded on
# the first such request (a board serving only its routes never loads it):
# the error handler an exception finds, the default error bodies, and the
# methods a path allows (a 405's Allow header, the automatic OPTIONS answer).
from microdot.messages import Response, decoded_path, make_response
from microdot.protocol import RequestError
from microdot.structures import HTTPException, invoke_handler, \
    print_exception


# The response to exc, which dispatching req met (req is None when no
# request could be formed): the error handlers and the after-error hooks
# of app and of local_apps (the route's mounted apps) answer it.
async def error_response(app, req, exc, local_apps):
    apps = (app,) + local_apps
    res = make_response(await _answer(apps, req, exc))
    if res.status_code == 405 and req is not None and \
            'Allow' not in res.headers:
        res.headers.update(allowed_methods(app, req))
    for a in reversed(apps):
        for hook in a.after_error_request_handlers:
            res = make_response(await invoke_handler(hook, req, res) or res)
    return res


# What answers exc: the error handler found for its class (the innermost
# local app first, then up the class hierarchy) or its status, else a
# default body. A MemoryError is load, not a bug: it goes up to the server,
# which answers 503.
async def _answer(apps, req, exc):
    try:
        if not isinstance(exc, HTTPException):
            classes = [type(exc)]
            while classes:
                cls = classes.pop(0)
                for a in reversed(apps):
                    handler = a.error_handlers.get(cls)
                    if handler is not None:
                        return await invoke_handler(handler, req, exc)
                classes += [b for b in cls.__bases__ if b is not object]
            if isinstance(exc, MemoryError):
                raise exc
            if not isinstance(exc, RequestError):  # refused input: a 4xx
                print_exception(exc)
                exc = HTTPException(500, 'Internal server error')
        for a in reversed(apps):
            handler = a.error_handlers.get(exc.status_code)
            if handler is not None:
                return await invoke_handler(handler, req)
        return Response(exc.reason, exc.status_code)
    except Exception as exc2:
        if isinstance(exc2, MemoryError):
            raise exc2
        if not hasattr(exc2, 'status_code'):  # neither an abort() nor
            print_exception(exc2)  # refused input: a bug
            exc2 = HTTPException(500, 'Internal server error')
        return Response(exc2.reason, exc2.status_code)


# The url_map entries of app whose pattern matches req's path, whatever
# their methods.
def matching_routes(app, req):
    path = decoded_path(req)
    return [entry for entry in app.url_map
            if entry[1].match(path) is not None]


# The automatic OPTIONS answer's headers: Allow, listing the methods of the
# routes matching req's path (HEAD with GET, and OPTIONS itself).
def allowed_methods(app, req):
    allow = []
    for entry in matching_routes(app, req):
        for method in entry[0]:
            if method not in allow:
                allow.append(method)
    if 'GET' in allow and 'HEAD' not in allow:
        allow.append('HEAD')
    if 'OPTIONS' not in allow:
        allow.append('OPTIONS')
    return {'Allow': ', '.join(allow)}
