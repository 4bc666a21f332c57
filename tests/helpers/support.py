# Running coroutines from the unittest-style tests, on both interpreters.
import asyncio


def run(coro):
    return asyncio.run(coro)
