"""Runs the real Lambda handlers locally, each function in its own small pool of worker processes.

A worker is one warm "container": it imports the handler once (cold start) and serves one event at
a time, so module-level state behaves as it does in Lambda and concurrent requests really race.
"""

from __future__ import annotations

import importlib
import multiprocessing
import os
import sys
import uuid
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Callable

    from local.template import ZipFunction

_handler: Callable[[dict[str, Any], Any], Any] | None = None


@dataclass
class LambdaContext:
    function_name: str
    memory_limit_in_mb: int = 512
    aws_request_id: str = ""
    invoked_function_arn: str = ""

    def get_remaining_time_in_millis(self) -> int:
        return 10_000


def _start_worker(environment: dict[str, str], code_dir: str, handler_path: str, log_file: str | None) -> None:
    global _handler  # the worker's one handler, like a Lambda container's
    os.environ.update(environment)
    if log_file:
        stream = Path(log_file).open("a", buffering=1)  # noqa: SIM115 - lives as long as the worker
        os.dup2(stream.fileno(), 1)
        os.dup2(stream.fileno(), 2)
    sys.path.insert(0, code_dir)
    module_name, function_name = handler_path.rsplit(".", 1)
    _handler = getattr(importlib.import_module(module_name), function_name)


def _invoke(event: dict[str, Any], function_name: str) -> Any:
    assert _handler is not None, "worker not initialised"
    context = LambdaContext(
        function_name=function_name,
        aws_request_id=str(uuid.uuid4()),
        invoked_function_arn=f"arn:aws:lambda:eu-west-1:123456789012:function:{function_name}",
    )
    return _handler(event, context)


def _warm(_: int) -> bool:
    return _handler is not None


class FunctionPool:
    def __init__(self, function: ZipFunction, environment: dict[str, str], workers: int, log_file: Path | None) -> None:
        self.function = function
        self._workers = workers
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
        return self._executor.submit(_invoke, event, self.function.name).result()

    def close(self) -> None:
        self._executor.shutdown(wait=True, cancel_futures=True)
