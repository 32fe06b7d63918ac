"""DynamoDB throttling, seen the same way by every adapter: after botocore's retries it is ServiceBusy."""

from __future__ import annotations

from typing import Any

from botocore.exceptions import ClientError, ReadTimeoutError
from botocore.exceptions import ConnectionError as BotocoreConnectionError

from core.errors import ServiceBusy

THROTTLED = {"ProvisionedThroughputExceededException", "ThrottlingException", "RequestLimitExceeded"}
# A cancelled transaction names throttling per action, with codes of its own (no "Exception" suffix).
# botocore does not retry a cancelled transaction, so these would otherwise read as a lost race.
THROTTLED_ACTIONS = {"ThrottlingError", "ProvisionedThroughputExceeded", "RequestLimitExceeded"}


def raise_if_throttled(error: ClientError, what: str) -> None:
    if error.response.get("Error", {}).get("Code") in THROTTLED:
        raise ServiceBusy(what) from error


def any_throttled(cancellation_reasons: list[str]) -> bool:
    return any(code in THROTTLED_ACTIONS or code in THROTTLED for code in cancellation_reasons)


def call(what: str, operation: Any, **kwargs: Any) -> dict[str, Any]:
    """Run one DynamoDB call; throttling or timeouts past the retries become ServiceBusy naming `what`."""
    try:
        return operation(**kwargs)  # type: ignore[no-any-return]
    except ClientError as error:
        raise_if_throttled(error, what)
        raise
    except (BotocoreConnectionError, ReadTimeoutError) as error:  # timeouts, endpoint unreachable: try later
        raise ServiceBusy(what) from error
