"""A local stack of a test module's own: moto keeps one store per region, so each module takes its region."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

import pytest

from local.stack import LocalStack, StackConfig

if TYPE_CHECKING:
    from pathlib import Path


@contextmanager
def running_stack(log_dir: Path, region: str, **options: Any) -> Iterator[LocalStack]:
    config = StackConfig(port=0, log_dir=log_dir, region=region, **options)
    if not config.nlu_model.exists():
        pytest.fail(f"No trained NLU model at {config.nlu_model}: run `make train` (make test does)")
    with LocalStack(config) as stack:
        yield stack
