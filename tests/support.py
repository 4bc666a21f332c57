# Helpers shared by the test files that run on both interpreters.
import asyncio


def run(coro):
    return asyncio.run(coro)
