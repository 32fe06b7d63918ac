"""SQS FIFO batches for the SMS functions: records in order per message group, failures retried in order."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.batch import SqsFifoPartialProcessor, process_partial_response

if TYPE_CHECKING:
    from collections.abc import Callable

    from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
    from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
    from aws_lambda_powertools.utilities.typing import LambdaContext

logger = Logger()


def process_fifo_batch(
    event: dict[str, Any], context: LambdaContext, record_handler: Callable[[SQSRecord], None]
) -> PartialItemFailureResponse:
    """A failed record fails the later records of its group too, so they are retried in order; other groups
    (other phone numbers) go on: one customer's trouble does not hold back everyone in the batch."""
    processor = SqsFifoPartialProcessor(skip_group_on_error=True)
    # A batch that failed entirely is reported like a partial one (every record back to the queue, with any
    # backoff already set) instead of failing the invocation, which would also show up as a function error.
    processor.raise_on_entire_batch_failure = False

    def logged(record: SQSRecord) -> None:
        try:
            record_handler(record)
        except Exception as error:
            # Only the kind of error: a message could carry the customer's words (a validation error's input).
            logger.warning(
                "record failed; the queue delivers it again",
                extra={
                    "message_id": record.message_id,
                    "receive_count": record.attributes.approximate_receive_count,
                    "error": type(error).__name__,
                },
            )
            raise

    return process_partial_response(event=event, record_handler=logged, processor=processor, context=context)
