"""Fuzzing the local stack: every route from its own OpenAPI document (schemathesis) with each kind of caller,
the Twilio webhooks with signed, unsigned and tampered forms, and the End User Messaging SNS function."""
