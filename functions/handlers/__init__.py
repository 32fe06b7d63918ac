"""One module per Lambda function; each names its entry point `handler` in template.yaml."""

import warnings

# A request that records no metric (a transcript read, a webhook answered) makes Powertools warn through
# `warnings`, i.e. a plain-text line in a log where every other line is JSON: the warning says nothing we need.
warnings.filterwarnings("ignore", message="No application metrics to publish", category=UserWarning)
