"""What moto needs to run the release workflow the way AWS would, fast and in one process:
Lambda invocations routed to our handlers, Wait states and retry intervals on virtual time, requests
serialized (moto's backends are not thread-safe), and one Lambda client per region reused."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from contextlib import ExitStack
from typing import Any
from unittest import mock

from bluegreen.local.virtual_time import VirtualClock

Invoke = Callable[[str, Any, dict[str, str]], bytes]
"""(function name, request body, response headers to fill) -> the response payload."""


def patch_moto(
    stack: ExitStack, clock: VirtualClock, invoke: Invoke, on_wait: Callable[[str, int], None]
) -> None:
    from moto.awslambda_simple.models import LambdaSimpleBackend
    from moto.core.botocore_stubber import BotocoreStubber
    from moto.stepfunctions.parser.asl.component.common.retry import retrier_decl
    from moto.stepfunctions.parser.asl.component.state.exec.state_task import lambda_eval_utils
    from moto.stepfunctions.parser.asl.component.state.wait.wait_function.wait_function import (
        WaitFunction,
    )

    def lambda_invoke(
        backend: Any, function_name: str, qualifier: Any, body: Any, headers: Any, response_headers: Any
    ) -> bytes:
        return invoke(function_name, body, response_headers)

    def wait_interval(wait_function: Any, env: Any, wait_seconds: int) -> None:
        state = env.states.context_object.context_object_data.get("State", {}).get("Name", "")
        on_wait(str(state), wait_seconds)
        clock.advance(wait_seconds)

    class VirtualTime:
        """Retry intervals move the virtual clock instead of sleeping (only in the retrier module)."""

        @staticmethod
        def sleep(seconds: float) -> None:
            clock.advance(seconds)

        time = staticmethod(time.time)

    # moto's backends are not thread-safe (a read racing a write fails with "dictionary changed
    # size during iteration"), and here the execution's thread and the test's thread both call
    # them: serialize every request. Re-entrant, because a Lambda invoke runs a handler that
    # makes requests of its own on the same thread.
    moto_lock = threading.RLock()
    handle_request = BotocoreStubber.__call__

    def serialized(stubber: Any, event_name: str, request: Any, **kwargs: Any) -> Any:
        with moto_lock:
            return handle_request(stubber, event_name, request, **kwargs)

    # moto's interpreter builds a new boto3 Lambda client for every Lambda task (~30 ms each):
    # build one per region and service, and reuse it (clients are thread-safe).
    make_client = lambda_eval_utils.boto_client_for  # type: ignore[attr-defined]
    clients: dict[tuple[str, str], Any] = {}

    def cached_client(region: str, service: str, state_credentials: Any = None) -> Any:
        key = (region, service)
        if key not in clients:
            clients[key] = make_client(region=region, service=service, state_credentials=state_credentials)
        return clients[key]

    stack.enter_context(mock.patch.object(BotocoreStubber, "__call__", serialized))
    stack.enter_context(mock.patch.object(lambda_eval_utils, "boto_client_for", cached_client))
    stack.enter_context(mock.patch.object(LambdaSimpleBackend, "invoke", lambda_invoke))
    stack.enter_context(mock.patch.object(WaitFunction, "_wait_interval", wait_interval))
    stack.enter_context(mock.patch.object(retrier_decl, "time", VirtualTime))
