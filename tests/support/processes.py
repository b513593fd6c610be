"""Waiting for what the product's processes do, in end-to-end tests.

Starting them is `callcenter.processes`, shared with the benchmarks.
"""

import time
from collections.abc import Callable


def wait_until(
    predicate: Callable[[], object],
    timeout: float = 15,
    interval: float = 0.1,
    explain: Callable[[], object] | None = None,
):
    """Poll until predicate() is truthy; return its value or fail with the last one
    (or with what `explain()` says then)."""
    deadline = time.monotonic() + timeout
    value = None
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    last = explain() if explain else value
    raise AssertionError(f"condition not met within {timeout}s (last value: {last!r})")
