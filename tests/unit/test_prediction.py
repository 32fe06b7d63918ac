import functools
import math
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from core.models import Channel
from core.prediction import (
    FEATURE_NAMES,
    ContactHistory,
    ContactReason,
    CustomerEvent,
    EventKind,
    PastContact,
    PredictorModel,
    TrainingRun,
    describe,
    features,
    relative_time,
)
from prediction.evaluate import evaluate
from prediction.generator import generate, split_by_customer
from prediction.train import SHIPPED_MODEL, train

NOW = datetime(2026, 5, 14, 13, 30, tzinfo=UTC)


def _event(kind: EventKind, ago: timedelta, number: int = 0, **fields) -> CustomerEvent:
    return CustomerEvent(event_id=f"E-{number}", customer_id="C-1005", kind=kind, at=NOW - ago, **fields)


def _history(channel: Channel = Channel.APP, contacts: tuple[PastContact, ...] = ()) -> ContactHistory:
    return ContactHistory(contacts=contacts, channel=channel, now=NOW)


@functools.cache
def _shipped_model() -> PredictorModel:
    return PredictorModel.load(SHIPPED_MODEL)


@pytest.fixture
def shipped() -> PredictorModel:
    return _shipped_model()


def _abroad_timeline() -> list[CustomerEvent]:
    coffee = {"amount": Decimal("4.80"), "currency": "EUR", "merchant": "Pastelaria Versailles"}
    return [
        _event(EventKind.STATEMENT_ISSUED, timedelta(days=9), 1, amount=Decimal("1142.80"), currency="GBP"),
        _event(EventKind.FOREIGN_TRANSACTION, timedelta(hours=20), 2, details={"country": "PT"}, **coffee),
        _event(EventKind.FOREIGN_TRANSACTION, timedelta(hours=5), 3, details={"country": "PT"}, **coffee),
        _event(
            EventKind.CARD_DECLINED,
            timedelta(hours=1),
            4,
            amount=Decimal("84.20"),
            currency="EUR",
            merchant="Hotel Lisboa",
            details={"country": "PT", "decline_reason": "suspected_fraud", "card_last4": "6612"},
        ),
    ]


def test_features_are_deterministic_bounded_and_complete():
    contacts = (PastContact(reason=ContactReason.CARD_BILL, at=NOW - timedelta(days=2)),)
    first = features(_abroad_timeline(), _history(contacts=contacts))
    assert features(list(reversed(_abroad_timeline())), _history(contacts=contacts)) == first
    assert tuple(first) == FEATURE_NAMES
    assert all(0.0 <= value <= 1.0 for value in first.values())
    assert first["card_declined:latest"] == 1.0
    assert first["card_declined:abroad"] == 1.0
    assert first["foreign_transaction:count_24h"] == pytest.approx(2 / 5)
    assert first["previous:card_bill"] == 1.0
    assert first["hour:afternoon"] == 1.0  # 14:30 in London in May
    assert first["channel:app"] == 1.0
    assert first["channel:web"] == 0.0


def test_events_after_now_do_not_count():
    later = _event(EventKind.SUSPECTED_FRAUD, -timedelta(hours=2), 9, amount=Decimal("200"))
    assert features([*_abroad_timeline(), later], _history()) == features(_abroad_timeline(), _history())


def test_a_card_declined_abroad_an_hour_ago_is_ranked_first_and_described_with_its_facts(shipped):
    ranking = shipped.rank(_abroad_timeline(), _history())
    top = ranking[0]
    assert top.reason is ContactReason.CARD_DECLINED
    assert top.evidence[0].event_id == "E-4"
    assert describe(top) == "Is this about the payment of €84.20 at Hotel Lisboa that was declined an hour ago?"


def test_a_statement_issued_yesterday_is_among_the_top_two(shipped):
    statement = _event(EventKind.STATEMENT_ISSUED, timedelta(days=1), amount=Decimal("1142.80"), currency="GBP")
    ranking = shipped.rank([statement], _history(Channel.WEB))
    assert ContactReason.CARD_BILL in [p.reason for p in ranking[:2]]
    card_bill = next(p for p in ranking if p.reason is ContactReason.CARD_BILL)
    assert describe(card_bill) == "Is this about your statement of £1,142.80 issued yesterday?"


def test_no_events_still_gives_a_full_ranking_without_evidence(shipped):
    ranking = shipped.rank([], _history(Channel.SMS))
    assert sorted(p.reason for p in ranking) == sorted(ContactReason)
    assert math.fsum(p.probability for p in ranking) == pytest.approx(1.0, abs=1e-9)
    assert [p.probability for p in ranking] == sorted((p.probability for p in ranking), reverse=True)
    assert all(not p.evidence for p in ranking)
    assert describe(ranking[0]) in {"Would you like to check your balance?", "Is this about something else?"}


def test_a_loan_repayment_is_described_with_its_amount_and_due_date(shipped):
    repayment = _event(
        EventKind.LOAN_REPAYMENT_DUE,
        timedelta(hours=6),
        amount=Decimal("612.40"),
        currency="GBP",
        details={"due_date": "2026-05-17"},
    )
    top = shipped.rank([repayment], _history(Channel.WEB))[0]
    assert top.reason is ContactReason.LOAN_REPAYMENT
    assert describe(top) == "Is this about your loan repayment of £612.40 due on 17 May?"


@pytest.mark.parametrize(
    ("ago", "told"),
    [
        (timedelta(seconds=20), "just now"),
        (timedelta(minutes=1), "a minute ago"),
        (timedelta(minutes=20), "20 minutes ago"),
        (timedelta(minutes=70), "an hour ago"),
        (timedelta(hours=5, minutes=20), "5 hours ago"),
        (timedelta(hours=30), "yesterday"),
        (timedelta(days=3, hours=2), "3 days ago"),
    ],
)
def test_relative_times_read_like_a_person_would_say_them(ago, told):
    assert relative_time(NOW - ago, NOW) == told


amounts = st.one_of(
    st.none(), st.decimals(min_value=-(10**9), max_value=10**12, allow_nan=False, allow_infinity=False, places=2)
)
events = st.builds(
    CustomerEvent,
    event_id=st.text(min_size=1, max_size=8),
    customer_id=st.just("C-1"),
    kind=st.sampled_from(EventKind),
    at=st.integers(min_value=0, max_value=60 * 24 * 3600).map(lambda seconds: NOW - timedelta(seconds=seconds)),
    amount=amounts,
    currency=st.sampled_from([None, "GBP", "EUR", "USD", "JPY"]),
    merchant=st.one_of(st.none(), st.text(max_size=20)),
    details=st.dictionaries(st.sampled_from(["country", "card_last4", "claim_id", "due_date"]), st.text(max_size=6)),
)
past_contacts = st.builds(
    PastContact,
    reason=st.sampled_from(ContactReason),
    at=st.integers(min_value=0, max_value=40 * 24 * 3600).map(lambda seconds: NOW - timedelta(seconds=seconds)),
)


@settings(max_examples=100, deadline=None)
@given(st.lists(events, max_size=30), st.lists(past_contacts, max_size=5), st.sampled_from(Channel))
def test_any_timeline_gives_probabilities_that_sum_to_one(timeline, contacts, channel):
    history = ContactHistory(contacts=tuple(contacts), channel=channel, now=NOW)
    ranking = _shipped_model().rank(timeline, history)
    assert all(0.0 <= p.probability <= 1.0 for p in ranking)
    assert math.fsum(p.probability for p in ranking) == pytest.approx(1.0, abs=1e-6)
    assert all(len(p.evidence) <= 2 and all(e in timeline for e in p.evidence) for p in ranking)
    assert all(describe(p).endswith("?") for p in ranking[:2])
    assert all(0.0 <= value <= 1.0 for value in features(timeline, history).values())


def test_the_generator_is_deterministic_for_a_seed_and_splits_by_customer():
    samples = generate(seed=3, customers=40)
    assert samples == generate(seed=3, customers=40)
    assert samples != generate(seed=4, customers=40)
    train_samples, test_samples = split_by_customer(samples, seed=3)
    assert {s.customer_id for s in train_samples}.isdisjoint({s.customer_id for s in test_samples})
    assert len(train_samples) + len(test_samples) == len(samples)
    assert test_samples, "a 20 % split of 40 customers holds some out"
    assert all(e.at < s.history.now for s in samples for e in s.events)


@pytest.mark.slow
def test_a_model_trained_on_a_small_sample_beats_the_most_recent_event_baseline():
    train_samples, test_samples = split_by_customer(generate(seed=11, customers=500), seed=11)
    model = train(train_samples, run=_run(len(train_samples), len(test_samples)), iterations=300)
    report = evaluate(model, train_samples, test_samples)
    assert report["top1"] > report["baseline_most_recent_event_top1"]
    assert report["top1"] > report["baseline_most_frequent_top1"]
    assert report["top3"] > report["baseline_most_recent_event_top3"]


def _run(n_train: int, n_test: int) -> TrainingRun:
    return TrainingRun(
        seed=11, customers=500, n_train=n_train, n_test=n_test, trained_on="2026-05-14", iterations=300, l2=1e-4
    )
