"""Waiting for what the product's processes do, in end-to-end tests.

Starting them is `callcenter.processes`, shared with the benchmarks.
"""

import time
from collections.abc import Callable


def wait_until(predicate: Callable[[], object], timeout: float = 15, interval: float = 0.1):
    """Poll until predicate() is truthy; return its value or fail with the last one."""
    deadline = time.monotonic() + timeout
    value = None
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"condition not met within {timeout}s (last value: {value!r})")
