"""Runs the real Lambda handlers locally, each function in its own small pool of worker processes.

A worker is one warm "container": it imports the handler once (cold start) and serves one event at
a time, so module-level state behaves as it does in Lambda and concurrent requests really race.
With a usage meter, the pool counts invocations and their duration as Lambda bills them, and the
NLU function's invocations the handler makes (the NLU runs outside the pools, behind lambda:Invoke).
"""

from __future__ import annotations

import importlib
import math
import multiprocessing
import os
import sys
import time
import uuid
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import boto3

if TYPE_CHECKING:
    from collections.abc import Callable

    from local.template import ZipFunction
    from local.usage import UsageMeter

NLU_FUNCTION = "NluFunction"
_handler: Callable[[dict[str, Any], Any], Any] | None = None
_nlu_ms: list[float] = []  # the NLU invocations of the event being handled, in milliseconds


@dataclass
class LambdaContext:
    function_name: str
    memory_limit_in_mb: int = 512
    aws_request_id: str = ""
    invoked_function_arn: str = ""

    def get_remaining_time_in_millis(self) -> int:
        return 10_000


@dataclass
class Invocation:
    """What a worker hands back: the handler's result or error, and what Lambda would bill for it."""

    result: Any = None
    error: BaseException | None = None
    duration_ms: float = 0.0
    nlu_ms: list[float] = field(default_factory=list)


def _start_worker(environment: dict[str, str], code_dir: str, handler_path: str, log_file: str | None) -> None:
    global _handler  # the worker's one handler, like a Lambda container's
    os.environ.update(environment)
    if log_file:
        stream = Path(log_file).open("a", buffering=1)  # noqa: SIM115 - lives as long as the worker
        os.dup2(stream.fileno(), 1)
        os.dup2(stream.fileno(), 2)
    _time_lambda_invokes()
    sys.path.insert(0, code_dir)
    module_name, function_name = handler_path.rsplit(".", 1)
    _handler = getattr(importlib.import_module(module_name), function_name)


def _time_lambda_invokes() -> None:
    """Times every lambda:Invoke the handler makes, on the default session its clients are made from."""
    boto3.setup_default_session()
    assert boto3.DEFAULT_SESSION is not None
    events = boto3.DEFAULT_SESSION.events

    def started(context: dict[str, Any], **_: Any) -> None:
        context["local_invoke_started"] = time.perf_counter()

    def finished(context: dict[str, Any], **_: Any) -> None:
        if "local_invoke_started" in context:
            _nlu_ms.append((time.perf_counter() - context["local_invoke_started"]) * 1000)

    events.register("before-call.lambda.Invoke", started)
    events.register("after-call.lambda.Invoke", finished)


def _invoke(event: dict[str, Any], function_name: str) -> Invocation:
    assert _handler is not None, "worker not initialised"
    context = LambdaContext(
        function_name=function_name,
        aws_request_id=str(uuid.uuid4()),
        invoked_function_arn=f"arn:aws:lambda:eu-west-1:123456789012:function:{function_name}",
    )
    _nlu_ms.clear()
    invocation = Invocation()
    started = time.perf_counter()
    try:
        invocation.result = _handler(event, context)
    except Exception as error:  # noqa: BLE001 - handed to the caller, which raises it as the invoke did
        invocation.error = error
    invocation.duration_ms = (time.perf_counter() - started) * 1000
    invocation.nlu_ms = list(_nlu_ms)
    return invocation


def _warm(_: int) -> bool:
    return _handler is not None


class FunctionPool:
    def __init__(
        self,
        function: ZipFunction,
        environment: dict[str, str],
        workers: int,
        log_file: Path | None,
        usage: UsageMeter | None = None,
    ) -> None:
        self.function = function
        self._workers = workers
        self._usage = usage
        self._executor = ProcessPoolExecutor(
            max_workers=workers,
            mp_context=multiprocessing.get_context("spawn"),
            initializer=_start_worker,
            initargs=(
                {**function.environment, **environment},
                str(function.code_dir),
                function.handler,
                str(log_file) if log_file else None,
            ),
        )

    def warm(self) -> None:
        list(self._executor.map(_warm, range(self._workers)))

    def invoke(self, event: dict[str, Any]) -> Any:
        invocation: Invocation = self._executor.submit(_invoke, event, self.function.name).result()
        if self._usage is not None:
            # Lambda bills each invocation, and its duration rounded up to the millisecond.
            billed_ms = math.ceil(invocation.duration_ms)
            self._usage.add("lambda", self.function.name, billed_ms)
            if "routeKey" in event:  # an API call: its share, to tell polling from conversations
                self._usage.add("lambda.routes", event["routeKey"], billed_ms)
            for ms in invocation.nlu_ms:
                self._usage.add("lambda", NLU_FUNCTION, math.ceil(ms))
        if invocation.error is not None:
            raise invocation.error
        return invocation.result

    def close(self) -> None:
        self._executor.shutdown(wait=True, cancel_futures=True)
