# Helpers for writing decorators that run on both interpreters.


# functools.wraps where there is none (MicroPython): the wrapper takes the
# name, doc and module of the function it wraps, as far as the interpreter
# lets a function carry them, and __wrapped__ points to that function.
def wraps(wrapped):
    def decorator(wrapper):
        for name in ('__module__', '__name__', '__qualname__', '__doc__',
                     '__wrapped__'):
            value = wrapped if name == '__wrapped__' else \
                getattr(wrapped, name, None)
            if value is not None:
                try:
                    setattr(wrapper, name, value)
                except (AttributeError, TypeError):
                    pass  # MicroPython functions take no attributes
        try:
            wrapper.__dict__.update(wrapped.__dict__)
        except (AttributeError, TypeError):
            pass
        return wrapper
    return decorator
