"""What the schemathesis runs share: a bounded, repeatable number of generated
requests per operation, and their failures told in full."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from schemathesis import GenerationMode


def for_each_operation(examples: int) -> Callable[[Callable], Callable]:
    """Turn ``check(case, operation)`` into a test run once per operation with
    ``examples`` cases of every generation mode (valid and invalid), always the
    same ones (derandomized, no example database) and with no time limit."""

    def decorate(check: Callable[[Any, Any, st.DataObject], None]) -> Callable:
        @hypothesis_settings(
            max_examples=examples,
            deadline=None,
            derandomize=True,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        @given(data=st.data())
        def run(data: st.DataObject, operation: Any) -> None:
            modes = [operation.as_strategy(generation_mode=mode) for mode in GenerationMode]
            check(data.draw(st.one_of(modes)), operation, data)

        return run

    return decorate


def described(failure: BaseException) -> str:
    """Every failure a (nested) exception group holds, each with its message."""
    if isinstance(failure, BaseExceptionGroup):
        return "\n".join(described(inner) for inner in failure.exceptions)
    return f"{type(failure).__name__}: {failure}"
