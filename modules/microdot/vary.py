# The request headers a response depends on, for its Vary header: names
# gathered in request.g._vary (a set, as in Microdot 2.7) by extensions and
# handlers, merged by dispatch. Loaded by the first request that names one.


# Says that the response to request depends on its header name: name goes
# into request.g._vary (a set, as in Microdot 2.7), which dispatch merges
# into the response's Vary header.
def add_vary(request, name):
    g = request.g
    vary = getattr(g, '_vary', None)
    if vary is None:
        vary = g._vary = set()
    vary.add(name)


# Adds the header names in names to the Vary list of headers (a response's
# NoCaseDict), each once whatever its case; Vary: * stays as it is.
def merge_vary(headers, names):
    current = headers.get('Vary')
    tokens = [t.strip().lower() for t in current.split(',')] if current \
        else []
    if '*' in tokens:
        return
    added = [n for n in sorted(names) if n.lower() not in tokens]
    if added:
        headers['Vary'] = ', '.join(([current] if current else []) + added)
