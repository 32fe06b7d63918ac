"""SQS FIFO batches for the SMS functions: records in order per message group, failures retried in order."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from aws_lambda_powertools.utilities.batch import SqsFifoPartialProcessor, process_partial_response

if TYPE_CHECKING:
    from collections.abc import Callable

    from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
    from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
    from aws_lambda_powertools.utilities.typing import LambdaContext


def process_fifo_batch(
    event: dict[str, Any], context: LambdaContext, record_handler: Callable[[SQSRecord], None]
) -> PartialItemFailureResponse:
    """A failed record fails the later records of its group too, so they are retried in order."""
    processor = SqsFifoPartialProcessor()
    # A batch that failed entirely is reported like a partial one (every record back to the queue, with any
    # backoff already set) instead of failing the invocation, which would also show up as a function error.
    processor.raise_on_entire_batch_failure = False
    return process_partial_response(event=event, record_handler=record_handler, processor=processor, context=context)
