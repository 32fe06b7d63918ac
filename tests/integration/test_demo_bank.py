"""The demo core bank against a DynamoDB endpoint (moto server): ownership, card rules, money moves, races.

The moto server is shared by the whole session, so each test makes its own customer (unique id) and only
reads the seeded demo customers.
"""

from __future__ import annotations

import re
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from itertools import product

import boto3
import pytest

from adapters.demo_bank import CustomerRecords, DemoBank
from adapters.demo_bank_seed import DEMO_CUSTOMERS, demo_customer_records, seed_demo_bank
from core.banking import (
    Account,
    AccountKind,
    Card,
    CardStatus,
    ClaimStatus,
    CustomerProfile,
    InsufficientFunds,
    Money,
    NotAllowed,
    NotFound,
    Policy,
    Segment,
    Statement,
    Transaction,
    TransactionStatus,
)
from local.tables import create_tables

TABLE = "DemoBankTable"
THURSDAY = datetime(2026, 11, 26, 10, 0, tzinfo=UTC)


def gbp(amount: str) -> Money:
    return Money(amount=Decimal(amount), currency="GBP")


def eur(amount: str) -> Money:
    return Money(amount=Decimal(amount), currency="EUR")


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture(scope="module")
def client(dynamodb_endpoint):
    """A moto region of this module's own: other tests change the seeded customers this one checks."""
    client = boto3.client(
        "dynamodb",
        endpoint_url=dynamodb_endpoint,
        region_name="eu-south-1",
        aws_access_key_id="test",
        aws_secret_access_key="test",
    )
    create_tables(client)
    return client


@pytest.fixture
def clock() -> Clock:
    return Clock(THURSDAY)


@pytest.fixture
def bank(client, clock) -> DemoBank:
    return DemoBank(client, TABLE, clock)


@pytest.fixture(scope="module")
def seeded(client) -> DemoBank:
    seed_demo_bank(client, TABLE, THURSDAY)
    return DemoBank(client, TABLE, Clock(THURSDAY))


@dataclass(frozen=True)
class Customer:
    """A customer of one test: current account, credit card account, and a card in each status."""

    id: str
    new_last4: str  # of the customer's inactive card, which expires NEW_CARD_EXPIRY

    @property
    def current(self) -> str:
        return f"{self.id}-CUR"

    @property
    def card_account(self) -> str:
        return f"{self.id}-CC"

    @property
    def credit_card(self) -> str:
        return f"{self.id}-CREDIT"

    @property
    def debit_card(self) -> str:
        return f"{self.id}-DEBIT"

    def card(self, status: CardStatus) -> str:
        return f"{self.id}-{status.value.upper()}"


NEW_CARD_EXPIRY = "09/29"


def make_customer(bank: DemoBank, current: str = "500.00", owed: str = "300.00", limit: str = "1000.00") -> Customer:
    unique = uuid.uuid4()
    customer = Customer(id=f"T-{unique.hex[:10]}", new_last4=f"{unique.int % 10_000:04d}")
    cid = customer.id
    accounts = (
        Account(
            account_id=customer.current,
            customer_id=cid,
            kind=AccountKind.CHECKING,
            name="Everyday Current Account",
            balance=gbp(current),
            available=gbp(current),
        ),
        Account(
            account_id=customer.card_account,
            customer_id=cid,
            kind=AccountKind.CREDIT_CARD,
            name="Credit Card",
            balance=gbp(owed),
            available=gbp(str(Decimal(limit) - Decimal(owed))),
        ),
    )

    def card(card_id: str, last4: str, kind: str, status: CardStatus, account: str) -> Card:
        expiry = NEW_CARD_EXPIRY if status is CardStatus.INACTIVE else "01/28"
        return Card(
            card_id=card_id, customer_id=cid, last4=last4, kind=kind, status=status, expiry=expiry, account_id=account
        )

    cards = [card(customer.debit_card, "1111", "debit", CardStatus.ACTIVE, customer.current)]
    cards.append(card(customer.credit_card, "2222", "credit", CardStatus.ACTIVE, customer.card_account))
    cards += [
        card(customer.card(s), customer.new_last4 if s is CardStatus.INACTIVE else "3333", "debit", s, customer.current)
        for s in CardStatus
    ]
    statement = Statement(
        card_id=customer.credit_card,
        issued_on=THURSDAY.date() - timedelta(days=20),
        statement_balance=gbp("250.00"),
        minimum_payment=gbp("25.00"),
        due_date=THURSDAY.date() + timedelta(days=5),
    )
    transactions = tuple(
        Transaction(
            transaction_id=f"{cid}-TX{index:02d}",
            customer_id=cid,
            card_id=customer.debit_card,
            account_id=customer.current,
            at=THURSDAY - timedelta(days=days_ago),
            merchant=f"Shop {index}",
            country="GB",
            amount=gbp("10.00"),
            status=TransactionStatus.DECLINED if index == 1 else TransactionStatus.POSTED,
        )
        for index, days_ago in enumerate([3.5, 12.0, 0.5, 27.0, 8.25, 1.0, 19.0, 5.0, 0.1, 22.0, 15.5, 2.0], start=1)
    )
    policy = Policy(policy_id=f"{cid}-MOTOR", customer_id=cid, kind="motor", cover_summary="Comprehensive")
    records = CustomerRecords(
        profile=CustomerProfile(
            customer_id=cid,
            name="Test Customer",
            phone=f"+4477001{uuid.uuid4().int % 100_000:05d}",  # never the demo's 900xxx
            email=f"{cid}@example.com",
            segments=(Segment.RETAIL,),
        ),
        accounts=accounts,
        cards=tuple(cards),
        statements=(statement,),
        transactions=transactions,
        policies=(policy,),
    )
    assert bank.save_customer(records)
    return customer


def account(bank: DemoBank, customer: Customer, account_id: str) -> Account:
    return next(a for a in bank.accounts(customer.id) if a.account_id == account_id)


def card_status(bank: DemoBank, customer: Customer, card_id: str) -> CardStatus:
    return next(c.status for c in bank.cards(customer.id) if c.card_id == card_id)


# --- seed --------------------------------------------------------------------------------------------


def test_seeding_again_later_writes_nothing_and_changes_nothing(seeded, client):
    before = {c.customer_id: seeded.transactions(c.customer_id, limit=100) for c in DEMO_CUSTOMERS}
    assert seed_demo_bank(seeded, TABLE, THURSDAY + timedelta(days=3)) == []
    assert seed_demo_bank(client, TABLE, THURSDAY) == []
    after = {c.customer_id: seeded.transactions(c.customer_id, limit=100) for c in DEMO_CUSTOMERS}
    assert after == before


def test_every_demo_customer_is_seeded_as_summarised_and_found_by_phone(seeded):
    for summary in DEMO_CUSTOMERS:
        profile = seeded.customer(summary.customer_id)
        assert profile is not None
        assert (profile.name, profile.phone) == (summary.name, summary.phone)
        assert re.fullmatch(r"\+447700900\d{3}", profile.phone)
        assert profile.email.endswith("@example.com")
        assert seeded.customer_by_phone(summary.phone) == profile


def test_each_demo_customer_has_5_to_15_transactions_from_the_last_30_days_with_unique_ids():
    for records in demo_customer_records(THURSDAY):
        ids = [t.transaction_id for t in records.transactions]
        assert 5 <= len(ids) <= 15
        assert len(set(ids)) == len(ids)
        assert all(THURSDAY - timedelta(days=30) <= t.at <= THURSDAY for t in records.transactions)
        assert all(isinstance(t.amount.amount, Decimal) and t.amount.amount > 0 for t in records.transactions)


def test_the_demo_covers_every_scenario_the_flows_need(seeded):
    ben = seeded.transactions("C-1002", limit=1)[0]
    assert (ben.status, ben.decline_reason) == (TransactionStatus.DECLINED, "insufficient funds - credit limit reached")

    lisbon = seeded.transactions("C-1005", limit=20)
    hotel = next(t for t in lisbon if t.merchant == "Hotel Lisboa")
    assert (hotel.status, hotel.country, hotel.original_amount) == (TransactionStatus.DECLINED, "PT", eur("612"))
    assert all(t.fx_fee and t.original_amount.currency == "EUR" for t in lisbon if t.country == "PT" and t != hotel)

    claim = seeded.claim("C-1004", "CLM-204518")
    assert claim.status is ClaimStatus.ASSESSING and claim.next_step

    loan = seeded.loans("C-1003")[0]
    assert loan.next_repayment == gbp("612.40") and loan.early_repayment_fee_percent == Decimal("2.0")
    assert loan.next_repayment_date.day == 28

    assert [c.status for c in seeded.cards("C-1006")] == [CardStatus.FROZEN]
    assert seeded.customer("C-1008").vip and seeded.customer("C-1009").vulnerable
    alice = seeded.statement("C-1001", "CARD-1001-9023")  # due 5 days after the seed's `now`
    assert alice.due_date - alice.issued_on == timedelta(days=25)


def test_an_unknown_phone_number_finds_nobody(seeded):
    assert seeded.customer_by_phone("+447700900999") is None
    assert seeded.customer("C-9999") is None


# --- cards -------------------------------------------------------------------------------------------

ALLOWED = {
    (CardStatus.ACTIVE, CardStatus.FROZEN),
    (CardStatus.FROZEN, CardStatus.ACTIVE),
    (CardStatus.ACTIVE, CardStatus.BLOCKED),
    (CardStatus.FROZEN, CardStatus.BLOCKED),
}


@pytest.mark.parametrize(("before", "wanted"), list(product(CardStatus, CardStatus)))
def test_a_card_changes_status_only_along_the_allowed_transitions(bank, before, wanted):
    customer = make_customer(bank)
    card_id = customer.card(before)
    if (before, wanted) in ALLOWED:
        assert bank.set_card_status(customer.id, card_id, wanted).status is wanted
        assert card_status(bank, customer, card_id) is wanted
    else:
        with pytest.raises(NotAllowed):
            bank.set_card_status(customer.id, card_id, wanted)
        assert card_status(bank, customer, card_id) is before


def test_an_active_card_can_be_frozen_and_unfrozen(bank):
    customer = make_customer(bank)
    bank.set_card_status(customer.id, customer.debit_card, CardStatus.FROZEN)
    assert bank.set_card_status(customer.id, customer.debit_card, CardStatus.ACTIVE).status is CardStatus.ACTIVE


def test_a_blocked_card_cannot_be_unfrozen_and_the_customer_is_told_why(bank):
    customer = make_customer(bank)
    with pytest.raises(NotAllowed, match="lost or stolen"):
        bank.set_card_status(customer.id, customer.card(CardStatus.BLOCKED), CardStatus.ACTIVE)


def test_a_card_of_another_customer_cannot_be_frozen(bank):
    owner, other = make_customer(bank), make_customer(bank)
    with pytest.raises(NotFound):
        bank.set_card_status(other.id, owner.debit_card, CardStatus.FROZEN)
    assert card_status(bank, owner, owner.debit_card) is CardStatus.ACTIVE


def test_a_new_card_is_activated_with_its_last4_and_expiry(bank):
    customer = make_customer(bank)
    activated = bank.activate_card(customer.id, customer.new_last4, "9/2029")
    assert (activated.card_id, activated.status) == (customer.card(CardStatus.INACTIVE), CardStatus.ACTIVE)
    assert card_status(bank, customer, activated.card_id) is CardStatus.ACTIVE


def test_activation_with_the_wrong_expiry_is_refused(bank):
    customer = make_customer(bank)
    with pytest.raises(NotFound):
        bank.activate_card(customer.id, customer.new_last4, "10/29")
    assert card_status(bank, customer, customer.card(CardStatus.INACTIVE)) is CardStatus.INACTIVE


def test_an_active_card_or_another_customers_card_cannot_be_activated(bank):
    owner, other = make_customer(bank), make_customer(bank)
    with pytest.raises(NotFound):
        bank.activate_card(owner.id, "1111", "01/28")  # the active debit card
    if other.new_last4 != owner.new_last4:
        with pytest.raises(NotFound):
            bank.activate_card(other.id, owner.new_last4, NEW_CARD_EXPIRY)
    assert card_status(bank, owner, owner.card(CardStatus.INACTIVE)) is CardStatus.INACTIVE


def test_the_seeded_new_card_is_refused_with_another_expiry(seeded):
    with pytest.raises(NotFound):
        seeded.activate_card("C-1007", "4821", "09/29")


@pytest.mark.parametrize(
    ("today", "delivery_by"),
    [
        (date(2026, 11, 23), date(2026, 11, 26)),  # Monday -> Thursday
        (date(2026, 11, 26), date(2026, 12, 1)),  # Thursday -> Tuesday
        (date(2026, 11, 27), date(2026, 12, 2)),  # Friday -> Wednesday
        (date(2026, 11, 28), date(2026, 12, 2)),  # Saturday -> Wednesday
    ],
)
def test_a_replacement_is_delivered_within_3_working_days_skipping_weekends(bank, clock, today, delivery_by):
    clock.now = datetime.combine(today, THURSDAY.timetz())
    customer = make_customer(bank)
    order = bank.order_replacement(customer.id, customer.card(CardStatus.BLOCKED))
    assert order.delivery_by == delivery_by
    assert re.fullmatch(r"\d{4}", order.new_last4)


def test_a_replacement_arrives_as_a_new_card_to_activate_and_is_ordered_once(bank):
    customer = make_customer(bank)
    first = bank.order_replacement(customer.id, customer.debit_card)
    assert bank.order_replacement(customer.id, customer.debit_card) == first
    new_cards = [c for c in bank.cards(customer.id) if c.card_id.startswith(f"{customer.debit_card}-R")]
    assert len(new_cards) == 1
    assert (new_cards[0].last4, new_cards[0].status) == (first.new_last4, CardStatus.INACTIVE)
    assert bank.activate_card(customer.id, first.new_last4, new_cards[0].expiry).status is CardStatus.ACTIVE


def test_a_card_of_another_customer_cannot_be_replaced(bank):
    owner, other = make_customer(bank), make_customer(bank)
    with pytest.raises(NotFound):
        bank.order_replacement(other.id, owner.debit_card)


# --- paying a card -----------------------------------------------------------------------------------


def test_paying_a_card_moves_money_once_per_idempotency_key(bank):
    customer = make_customer(bank, current="500.00", owed="300.00")
    payment = bank.pay_card(customer.id, customer.credit_card, customer.current, gbp("100.00"), "pay-1")
    retried = bank.pay_card(customer.id, customer.credit_card, customer.current, gbp("100.00"), "pay-1")

    assert retried == payment
    assert payment.amount == gbp("100.00") and payment.paid_at == THURSDAY
    source, card = account(bank, customer, customer.current), account(bank, customer, customer.card_account)
    assert (source.balance, source.available) == (gbp("400.00"), gbp("400.00"))
    assert (card.balance, card.available) == (gbp("200.00"), gbp("800.00"))
    statement = bank.statement(customer.id, customer.credit_card)
    assert (statement.statement_balance, statement.minimum_payment) == (gbp("150.00"), gbp("0"))
    newest = bank.transactions(customer.id, limit=1)[0]
    assert (newest.account_id, newest.amount, newest.at) == (customer.current, gbp("100.00"), THURSDAY)


def test_balances_add_up_after_several_payments(bank):
    customer = make_customer(bank, current="500.00", owed="300.00")
    amounts = ["12.34", "0.66", "87.00", "100.00"]
    for index, amount in enumerate(amounts):
        bank.pay_card(customer.id, customer.credit_card, customer.current, gbp(amount), f"pay-{index}")
    paid = sum(Decimal(a) for a in amounts)
    source, card = account(bank, customer, customer.current), account(bank, customer, customer.card_account)
    assert source.balance.amount == source.available.amount == Decimal("500.00") - paid
    assert card.balance.amount == Decimal("300.00") - paid
    assert card.balance.amount + card.available.amount == Decimal("1000.00")  # the credit limit
    assert bank.statement(customer.id, customer.credit_card).statement_balance.amount == Decimal("250.00") - paid
    assert all(isinstance(a.balance.amount, Decimal) for a in (source, card))


def test_paying_more_than_the_available_balance_is_refused_and_moves_nothing(bank):
    customer = make_customer(bank, current="50.00", owed="300.00")
    with pytest.raises(InsufficientFunds):
        bank.pay_card(customer.id, customer.credit_card, customer.current, gbp("50.01"), "pay-1")
    assert account(bank, customer, customer.current).balance == gbp("50.00")
    assert account(bank, customer, customer.card_account).balance == gbp("300.00")
    # The refusal recorded nothing against the key: the customer can pay what they have with it.
    assert bank.pay_card(customer.id, customer.credit_card, customer.current, gbp("50.00"), "pay-1")


def test_paying_more_than_is_owed_or_a_debit_card_or_in_pennies_fractions_is_refused(bank):
    customer = make_customer(bank, current="500.00", owed="30.00")
    with pytest.raises(NotAllowed, match="more than"):
        bank.pay_card(customer.id, customer.credit_card, customer.current, gbp("30.01"), "pay-1")
    with pytest.raises(NotAllowed):
        bank.pay_card(customer.id, customer.debit_card, customer.current, gbp("10.00"), "pay-2")
    with pytest.raises(NotAllowed):
        bank.pay_card(customer.id, customer.credit_card, customer.current, gbp("1.005"), "pay-3")
    with pytest.raises(NotAllowed):
        bank.pay_card(customer.id, customer.credit_card, customer.card_account, gbp("10.00"), "pay-4")
    assert account(bank, customer, customer.current).balance == gbp("500.00")


def test_a_key_reused_for_a_different_payment_is_refused(bank):
    customer = make_customer(bank)
    bank.pay_card(customer.id, customer.credit_card, customer.current, gbp("10.00"), "pay-1")
    with pytest.raises(NotAllowed, match="already used"):
        bank.pay_card(customer.id, customer.credit_card, customer.current, gbp("20.00"), "pay-1")
    assert account(bank, customer, customer.current).balance == gbp("490.00")


def test_a_card_cannot_be_paid_from_another_customers_account(bank):
    owner, other = make_customer(bank), make_customer(bank)
    with pytest.raises(NotFound):
        bank.pay_card(other.id, other.credit_card, owner.current, gbp("10.00"), "pay-1")
    with pytest.raises(NotFound):
        bank.pay_card(other.id, owner.credit_card, other.current, gbp("10.00"), "pay-2")
    assert account(bank, owner, owner.current).balance == gbp("500.00")


def test_concurrent_payments_with_the_same_key_move_money_once(bank):
    customer = make_customer(bank, current="500.00", owed="300.00")

    def pay(_: int):
        return bank.pay_card(customer.id, customer.credit_card, customer.current, gbp("100.00"), "double-tap")

    with ThreadPoolExecutor(max_workers=8) as pool:
        payments = list(pool.map(pay, range(8)))

    assert len({p.payment_id for p in payments}) == 1
    assert account(bank, customer, customer.current).balance == gbp("400.00")
    assert account(bank, customer, customer.card_account).balance == gbp("200.00")
    assert sum(t.merchant.startswith("Payment to card") for t in bank.transactions(customer.id, limit=100)) == 1


def test_concurrent_payments_with_different_keys_never_overdraw_the_account(bank):
    customer = make_customer(bank, current="250.00", owed="1000.00", limit="2000.00")

    def pay(index: int) -> bool:
        try:
            bank.pay_card(customer.id, customer.credit_card, customer.current, gbp("50.00"), f"pay-{index}")
        except InsufficientFunds:
            return False
        return True

    with ThreadPoolExecutor(max_workers=8) as pool:
        succeeded = list(pool.map(pay, range(8)))

    assert succeeded.count(True) == 5
    source = account(bank, customer, customer.current)
    assert (source.balance, source.available) == (gbp("0.00"), gbp("0.00"))
    assert account(bank, customer, customer.card_account).balance == gbp("750.00")


# --- transactions, disputes, claims ------------------------------------------------------------------


def test_transactions_are_newest_first_and_limited(bank):
    customer = make_customer(bank)
    everything = bank.transactions(customer.id, limit=100)
    assert len(everything) == 12
    assert [t.at for t in everything] == sorted((t.at for t in everything), reverse=True)
    latest = bank.transactions(customer.id, limit=3)
    assert latest == everything[:3]
    assert latest[0].at == THURSDAY - timedelta(days=0.1)


def test_a_dispute_is_opened_once_per_idempotency_key(bank):
    customer = make_customer(bank)
    transaction_id = f"{customer.id}-TX02"
    case = bank.open_dispute(customer.id, transaction_id, "I don't recognise this", "dispute-1")
    assert re.fullmatch(r"CASE-\d{6}", case.case_id)
    assert (case.transaction_id, case.status, case.opened_at) == (transaction_id, "open", THURSDAY)
    assert bank.open_dispute(customer.id, transaction_id, "I don't recognise this", "dispute-1") == case


def test_a_payment_already_disputed_is_not_disputed_again(bank):
    customer = make_customer(bank)
    case = bank.open_dispute(customer.id, f"{customer.id}-TX02", "Not me", "dispute-1")
    with pytest.raises(NotAllowed, match=case.case_id):
        bank.open_dispute(customer.id, f"{customer.id}-TX02", "Not me", "dispute-2")


def test_a_declined_payment_cannot_be_disputed(bank):
    customer = make_customer(bank)
    with pytest.raises(NotAllowed, match="declined"):
        bank.open_dispute(customer.id, f"{customer.id}-TX01", "Not me", "dispute-1")


def test_a_transaction_of_another_customer_cannot_be_disputed(bank):
    owner, other = make_customer(bank), make_customer(bank)
    with pytest.raises(NotFound):
        bank.open_dispute(other.id, f"{owner.id}-TX02", "Not me", "dispute-1")


def test_the_seeded_unrecognised_payment_is_a_recent_posted_card_payment(seeded):
    payment = next(t for t in seeded.transactions("C-1010", limit=5) if t.transaction_id == "TX-1010-09")
    assert (payment.status, payment.country, payment.amount) == (TransactionStatus.POSTED, "IE", gbp("249.99"))
    assert payment.card_id == "CARD-1010-8862"


def test_a_claim_is_filed_once_per_idempotency_key(bank):
    customer = make_customer(bank)
    policy_id = f"{customer.id}-MOTOR"
    arguments = (customer.id, policy_id, "Hit a bollard", THURSDAY.date() - timedelta(days=2), gbp("800.00"))
    claim = bank.file_claim(*arguments, "claim-1")
    assert re.fullmatch(r"CLM-\d{6}", claim.claim_id)
    assert (claim.status, claim.updated_at, claim.estimated) == (ClaimStatus.RECEIVED, THURSDAY, gbp("800.00"))
    assert bank.file_claim(*arguments, "claim-1") == claim
    assert bank.claim(customer.id, claim.claim_id) == claim
    assert bank.file_claim(*arguments, "claim-2").claim_id != claim.claim_id


def test_a_claim_of_another_customer_is_not_found(seeded):
    with pytest.raises(NotFound):
        seeded.claim("C-1001", "CLM-204518")
    assert seeded.claim("C-1004", "CLM-204518").customer_id == "C-1004"


def test_a_claim_on_another_customers_policy_or_a_future_incident_is_refused(bank):
    owner, other = make_customer(bank), make_customer(bank)
    yesterday = THURSDAY.date() - timedelta(days=1)
    with pytest.raises(NotFound):
        bank.file_claim(other.id, f"{owner.id}-MOTOR", "Dent", yesterday, gbp("100.00"), "claim-1")
    with pytest.raises(NotAllowed):
        bank.file_claim(owner.id, f"{owner.id}-MOTOR", "Dent", THURSDAY.date() + timedelta(days=1), gbp("1"), "c-2")
