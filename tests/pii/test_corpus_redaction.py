"""The corpus against the redaction itself (fast), and the scanners against the raw corpus: a scan that could
not see a raw secret would pass on the stack whatever was stored."""

from __future__ import annotations

import pytest

from core.redaction import redact_pii
from tests.pii.corpus import AGENT_MESSAGES, ALL_SECRETS, CARDS, CUSTOMER_MESSAGES, CVVS, PiiMessage
from tests.pii.scan import Text, card_numbers, cvv_phrases, leaks, secrets_in

MESSAGES = (*CUSTOMER_MESSAGES, *AGENT_MESSAGES)


@pytest.mark.parametrize("message", MESSAGES, ids=lambda m: m.text[:40])
def test_every_secret_of_a_message_is_masked(message: PiiMessage) -> None:
    redacted = redact_pii(message.text)
    assert leaks([Text("redacted", redacted)], ALL_SECRETS) == [], redacted


def test_the_corpus_has_every_kind_and_every_secret_is_said() -> None:
    said = {secret for message in MESSAGES for secret in message.secrets}
    assert said == set(ALL_SECRETS)
    assert {secret.kind for secret in said} == {secret.kind for secret in ALL_SECRETS}


def test_the_scanners_find_every_raw_secret() -> None:
    raw = " | ".join(message.text for message in MESSAGES)
    assert set(secrets_in(raw, ALL_SECRETS)) == set(ALL_SECRETS)
    assert {n for n in card_numbers(raw)} >= {c.canonical for c in CARDS}
    assert len(cvv_phrases(raw)) >= len(CVVS)


def test_a_masked_card_keeps_its_last_four_and_nothing_more() -> None:
    assert redact_pii("my card is 4111 1111 1111 1111") == "my card is [card ending 1111]"
