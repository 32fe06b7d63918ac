"""The demo core bank on DynamoDB: the `BankingBackend` the self-service flows act on.

Keys (one partition per customer, so every read names its owner: another customer's card, account,
claim or transaction is simply not found, and its existence never leaks):
    CUST#<customer id> / PROFILE                     CustomerProfile; gsi1: PHONE#<e164> / CUST#<customer id>
    CUST#<customer id> / ACCOUNT#<account id>        Account
    CUST#<customer id> / CARD#<card id>              Card, with its pending `replacement` order, if any
    CUST#<customer id> / STATEMENT#<card id>         the latest Statement as issued, plus `paid` since then
    CUST#<customer id> / TXN#<UTC ISO time>#<id>     Transaction (sorts by time); gsi1: TXN#<id> / CUST#<customer id>
    CUST#<customer id> / LOAN#<loan id>              Loan
    CUST#<customer id> / POLICY#<policy id>          Policy
    CUST#<customer id> / CLAIM#<CLM-123456>          Claim
    CUST#<customer id> / DISPUTE#<transaction id>    DisputeCase: at most one per transaction
    CUST#<customer id> / IDEMP#<operation>#<key>     the request and the result first returned for that key
    ID#<CLM-123456 | CASE-123456> / ID               reserves a customer-facing reference bank-wide

Conventions: a transaction's amount is what left the account (positive); a credit-card account's balance
is what the customer owes and its available is the credit left. Clocks return timezone-aware datetimes.
"""

from __future__ import annotations

import random
import secrets
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from enum import Enum
from typing import TYPE_CHECKING, Any

from boto3.dynamodb.types import TypeDeserializer, TypeSerializer
from botocore.exceptions import ClientError
from pydantic import BaseModel

from adapters.dynamodb_errors import any_throttled, call, raise_if_throttled
from core.banking import (
    Account,
    AccountKind,
    Card,
    CardStatus,
    Claim,
    ClaimStatus,
    CustomerProfile,
    DisputeCase,
    InsufficientFunds,
    Loan,
    Money,
    NotAllowed,
    NotFound,
    Payment,
    Policy,
    ReplacementOrder,
    Statement,
    Transaction,
    TransactionStatus,
)
from core.errors import ServiceBusy
from core.models import Frozen

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

_serializer = TypeSerializer()
_deserializer = TypeDeserializer()
_CONDITION_FAILED = "ConditionalCheckFailed"
_ATTEMPTS = 4
_DELIVERY_WORKING_DAYS = 3
_NEW_CARD_YEARS = 3
_PENNY = Decimal("0.01")

# Which statuses a customer may move a card between; activation has its own checks (last4 + expiry).
_TRANSITIONS = {
    (CardStatus.ACTIVE, CardStatus.FROZEN),
    (CardStatus.FROZEN, CardStatus.ACTIVE),
    (CardStatus.ACTIVE, CardStatus.BLOCKED),
    (CardStatus.FROZEN, CardStatus.BLOCKED),
}

_CLAIM_NEXT_STEP = {
    "motor": "A claims handler will call you within 1 working day to arrange an engineer's inspection.",
    "home": "A claims handler will call you within 2 working days; keep photos and receipts of the damage.",
    "travel": "Upload receipts and any police or medical reports in the app; we review them within 5 working days.",
}


class CustomerRecords(Frozen):
    """Everything the demo bank holds about one customer, as the seed writes it."""

    profile: CustomerProfile
    accounts: tuple[Account, ...] = ()
    cards: tuple[Card, ...] = ()
    statements: tuple[Statement, ...] = ()
    transactions: tuple[Transaction, ...] = ()
    loans: tuple[Loan, ...] = ()
    policies: tuple[Policy, ...] = ()
    claims: tuple[Claim, ...] = ()


def _plain(value: Any) -> Any:
    """What DynamoDB stores: Decimals stay numbers (never floats), dates and enums become strings."""
    if isinstance(value, BaseModel):
        return _plain(value.model_dump())
    if isinstance(value, dict):
        return {name: _plain(inner) for name, inner in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(inner) for inner in value]
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, date):  # datetime too
        return value.isoformat()
    if isinstance(value, float):
        raise TypeError("Money is Decimal, never float")
    return value


def _attributes(values: dict[str, Any]) -> dict[str, Any]:
    return {name: _serializer.serialize(_plain(value)) for name, value in values.items()}


def _from_item(item: dict[str, Any]) -> dict[str, Any]:
    return {name: _deserializer.deserialize(value) for name, value in item.items()}


def _key(customer_id: str, sort_key: str) -> dict[str, Any]:
    return {"pk": {"S": f"CUST#{customer_id}"}, "sk": {"S": sort_key}}


def _transaction_sk(transaction: Transaction) -> str:
    # One fixed-width UTC format, so string order is time order.
    at = transaction.at.astimezone(UTC).isoformat(timespec="microseconds")
    return f"TXN#{at}#{transaction.transaction_id}"


def _item(customer_id: str, sort_key: str, model: BaseModel, **extra: Any) -> dict[str, Any]:
    return {**_key(customer_id, sort_key), **_attributes({**_plain(model), **extra})}


def _records_items(records: CustomerRecords) -> list[dict[str, Any]]:
    cid = records.profile.customer_id
    phone_index = {"gsi1pk": f"PHONE#{records.profile.phone}", "gsi1sk": f"CUST#{cid}"}
    items = [_item(cid, "PROFILE", records.profile, **phone_index)]
    items += [_item(cid, f"ACCOUNT#{a.account_id}", a) for a in records.accounts]
    items += [_item(cid, f"CARD#{c.card_id}", c) for c in records.cards]
    items += [_item(cid, f"STATEMENT#{s.card_id}", s, paid=Decimal(0)) for s in records.statements]
    items += [
        _item(cid, _transaction_sk(t), t, gsi1pk=f"TXN#{t.transaction_id}", gsi1sk=f"CUST#{cid}")
        for t in records.transactions
    ]
    items += [_item(cid, f"LOAN#{loan.loan_id}", loan) for loan in records.loans]
    items += [_item(cid, f"POLICY#{p.policy_id}", p) for p in records.policies]
    items += [_item(cid, f"CLAIM#{c.claim_id}", c) for c in records.claims]
    items += [_attributes({"pk": f"ID#{c.claim_id}", "sk": "ID", "customer_id": cid}) for c in records.claims]
    return items


def _add_working_days(start: date, days: int) -> date:
    day = start
    while days:
        day += timedelta(days=1)
        if day.weekday() < 5:  # Monday..Friday
            days -= 1
    return day


def _normalised_expiry(expiry: str) -> str:
    """'9/29', '09/29' and '09/2029' all mean the card's printed '09/29'."""
    month, _, year = expiry.strip().replace(" ", "").partition("/")
    if not (month.isdigit() and year.isdigit()):
        return expiry
    return f"{int(month):02d}/{year[-2:]}"


def _refused_transition(card: Card, wanted: CardStatus) -> str:
    if card.status is wanted:
        return f"This card is already {wanted.value}."
    if card.status is CardStatus.BLOCKED:
        return "This card was reported lost or stolen, so it is blocked for good. We can send you a replacement."
    if card.status is CardStatus.INACTIVE:
        return "This card hasn't been activated yet; activate it with its last four digits and expiry date."
    return "A card can't be made inactive again; you can freeze it instead."


def _check_payment(amount: Money, source: Account, card_account: Account) -> None:
    if not amount.amount.is_finite() or amount.amount <= 0 or amount.amount != amount.amount.quantize(_PENNY):
        raise NotAllowed("Please give an amount above zero, in pounds and pence.")
    if source.kind is AccountKind.CREDIT_CARD:
        raise NotAllowed("A card can be paid from a current, savings or business account, not from another card.")
    if {source.balance.currency, card_account.balance.currency} != {amount.currency}:
        raise NotAllowed(f"Payments to this card are made in {card_account.balance.currency}.")
    if card_account.balance.amount < amount.amount:
        raise NotAllowed(f"That's more than the {card_account.balance} you owe on this card.")
    if source.available.amount < amount.amount:
        raise InsufficientFunds(f"There isn't enough in {source.name} to pay {amount} (available {source.available}).")


class _Cancelled(Exception):
    """A transaction was cancelled; `reasons` holds one code per action ("None" when that action was fine)."""

    def __init__(self, reasons: list[str]) -> None:
        super().__init__(reasons)
        self.reasons = reasons


@dataclass(frozen=True)
class _Write[M: BaseModel]:
    """A prepared idempotent write: its result, its actions, and what a failed condition of an action means."""

    result: M
    actions: list[dict[str, Any]]
    refused: Callable[[list[str]], None]  # raises the customer-facing error, or returns to try again


class DemoBank:
    def __init__(self, client: DynamoDBClient, table_name: str, clock: Callable[[], datetime]) -> None:
        self._client = client
        self._table = table_name
        self._clock = clock

    # --- seeding -------------------------------------------------------------------------------------

    def save_customer(self, records: CustomerRecords) -> bool:
        """Writes a customer and everything they hold in one transaction; False when they already exist."""
        items = _records_items(records)
        if len(items) > 100:
            raise ValueError(f"{records.profile.customer_id}: {len(items)} items, one transaction takes 100")
        # Conditional on the profile: a second seed (perhaps with another `now`, which would add a second
        # history) leaves a customer, and whatever the demo did to them since, as it is.
        profile = {
            "Put": {"TableName": self._table, "Item": items[0], "ConditionExpression": "attribute_not_exists(pk)"}
        }
        rest = [{"Put": {"TableName": self._table, "Item": item}} for item in items[1:]]
        try:
            self._transact([profile, *rest])
        except _Cancelled as cancelled:
            if cancelled.reasons[0] == _CONDITION_FAILED:
                return False
            raise ServiceBusy("The bank") from cancelled
        return True

    # --- reads ---------------------------------------------------------------------------------------

    def customer(self, customer_id: str) -> CustomerProfile | None:
        item = self._get(_key(customer_id, "PROFILE"))
        return CustomerProfile.model_validate(item) if item else None

    def customer_by_phone(self, phone: str) -> CustomerProfile | None:
        """None unless exactly one customer is registered with this number: a shared number identifies nobody."""
        response = self._call(
            self._client.query,
            TableName=self._table,
            IndexName="gsi1",
            KeyConditionExpression="gsi1pk = :phone",
            ExpressionAttributeValues={":phone": {"S": f"PHONE#{phone.replace(' ', '')}"}},
        )
        items = response.get("Items", [])
        return CustomerProfile.model_validate(_from_item(items[0])) if len(items) == 1 else None

    def accounts(self, customer_id: str) -> list[Account]:
        return [Account.model_validate(item) for item in self._query_prefix(customer_id, "ACCOUNT#")]

    def cards(self, customer_id: str) -> list[Card]:
        return [Card.model_validate(item) for item in self._query_prefix(customer_id, "CARD#")]

    def loans(self, customer_id: str) -> list[Loan]:
        return [Loan.model_validate(item) for item in self._query_prefix(customer_id, "LOAN#")]

    def policies(self, customer_id: str) -> list[Policy]:
        return [Policy.model_validate(item) for item in self._query_prefix(customer_id, "POLICY#")]

    def transactions(self, customer_id: str, limit: int = 20) -> list[Transaction]:
        response = self._call(
            self._client.query,
            TableName=self._table,
            KeyConditionExpression="pk = :pk AND begins_with(sk, :prefix)",
            ExpressionAttributeValues={":pk": {"S": f"CUST#{customer_id}"}, ":prefix": {"S": "TXN#"}},
            ScanIndexForward=False,
            Limit=max(1, min(limit, 100)),
            ConsistentRead=True,
        )
        return [Transaction.model_validate(_from_item(item)) for item in response.get("Items", [])]

    def statement(self, customer_id: str, card_id: str) -> Statement:
        card = self._card(customer_id, card_id)
        if card.kind != "credit":
            raise NotAllowed("Debit cards don't have statements; your account's transactions show what was spent.")
        item = self._get(_key(customer_id, f"STATEMENT#{card_id}"))
        if not item:
            raise NotFound("This card has no statement yet.")
        issued = Statement.model_validate(item)
        # A statement is a snapshot; what is left to pay of it is the snapshot less what was paid since.
        paid = Decimal(item.get("paid", 0))
        left = issued.statement_balance.amount - paid
        minimum_left = issued.minimum_payment.amount - paid
        return issued.model_copy(
            update={
                "statement_balance": issued.statement_balance.model_copy(update={"amount": max(left, Decimal(0))}),
                "minimum_payment": issued.minimum_payment.model_copy(update={"amount": max(minimum_left, Decimal(0))}),
            }
        )

    def claim(self, customer_id: str, claim_id: str) -> Claim:
        item = self._get(_key(customer_id, f"CLAIM#{claim_id.strip().upper()}"))
        if not item:
            raise NotFound(f"We couldn't find claim {claim_id} on your policies.")
        return Claim.model_validate(item)

    # --- cards ---------------------------------------------------------------------------------------

    def set_card_status(self, customer_id: str, card_id: str, status: CardStatus) -> Card:
        for _ in range(_ATTEMPTS):
            card = self._card(customer_id, card_id)
            if (card.status, status) not in _TRANSITIONS:
                raise NotAllowed(_refused_transition(card, status))
            if self._update_card_status(card, status):
                return card.model_copy(update={"status": status})
        raise ServiceBusy("The bank")

    def activate_card(self, customer_id: str, last4: str, expiry: str) -> Card:
        wanted = (last4.strip(), _normalised_expiry(expiry))
        for card in self.cards(customer_id):
            if card.status is CardStatus.INACTIVE and (card.last4, card.expiry) == wanted:
                if self._update_card_status(card, CardStatus.ACTIVE):
                    return card.model_copy(update={"status": CardStatus.ACTIVE})
        raise NotFound("We couldn't find a new card of yours with those last four digits and expiry date.")

    def _update_card_status(self, card: Card, status: CardStatus) -> bool:
        """False when the card changed since it was read (the caller re-reads and re-checks)."""
        try:
            # Conditional on the status we checked: a block racing an unfreeze must not be undone by it.
            self._client.update_item(
                TableName=self._table,
                Key=_key(card.customer_id, f"CARD#{card.card_id}"),
                UpdateExpression="SET #status = :to",
                ConditionExpression="#status = :checked",
                ExpressionAttributeNames={"#status": "status"},
                ExpressionAttributeValues={":to": {"S": status.value}, ":checked": {"S": card.status.value}},
            )
        except self._client.exceptions.ConditionalCheckFailedException:
            return False
        except ClientError as error:
            raise_if_throttled(error, "The bank")
            raise
        return True

    def order_replacement(self, customer_id: str, card_id: str) -> ReplacementOrder:
        for _ in range(_ATTEMPTS):
            card, pending = self._card_with_replacement(customer_id, card_id)
            today = self._clock().date()
            if pending and pending.delivery_by >= today:
                return pending  # one is already on its way: a second order would only cancel it
            if card.status is CardStatus.INACTIVE:
                raise NotAllowed("This card is new and not activated yet, so it can't be replaced.")
            order = ReplacementOrder(
                card_id=card_id,
                new_last4=f"{secrets.randbelow(10_000):04d}",
                delivery_by=_add_working_days(today, _DELIVERY_WORKING_DAYS),
            )
            try:
                self._transact(self._replacement_actions(card, order, today))
            except _Cancelled:
                continue  # another order got in first: the next round returns it
            return order
        raise ServiceBusy("The bank")

    def _card_with_replacement(self, customer_id: str, card_id: str) -> tuple[Card, ReplacementOrder | None]:
        item = self._get(_key(customer_id, f"CARD#{card_id}"))
        if not item:
            raise NotFound("We couldn't find that card.")
        pending = item.get("replacement")
        return Card.model_validate(item), ReplacementOrder.model_validate(pending) if pending else None

    def _replacement_actions(self, card: Card, order: ReplacementOrder, today: date) -> list[dict[str, Any]]:
        expires = date(today.year + _NEW_CARD_YEARS, today.month, 1)
        new_card = card.model_copy(
            update={
                "card_id": f"{card.card_id}-R{uuid.uuid4().hex[:6]}",
                "last4": order.new_last4,
                "status": CardStatus.INACTIVE,
                "expiry": f"{expires.month:02d}/{expires.year % 100:02d}",
            }
        )
        record_order = {
            "Update": {
                "TableName": self._table,
                "Key": _key(card.customer_id, f"CARD#{card.card_id}"),
                "UpdateExpression": "SET replacement = :order",
                # Two orders racing (a double tap, a retried request) must send one card, not two.
                "ConditionExpression": "attribute_not_exists(replacement) OR replacement.delivery_by < :today",
                "ExpressionAttributeValues": _attributes({":order": order, ":today": today}),
            }
        }
        put_new_card = {
            "Put": {
                "TableName": self._table,
                "Item": _item(card.customer_id, f"CARD#{new_card.card_id}", new_card),
                "ConditionExpression": "attribute_not_exists(pk)",
            }
        }
        return [record_order, put_new_card]

    # --- money ---------------------------------------------------------------------------------------

    def pay_card(
        self, customer_id: str, card_id: str, from_account_id: str, amount: Money, idempotency_key: str
    ) -> Payment:
        request = {
            "card_id": card_id,
            "from_account_id": from_account_id,
            "amount": str(amount.amount),
            "currency": amount.currency,
        }
        return self._once(
            customer_id,
            f"PAY#{idempotency_key}",
            request,
            Payment,
            lambda: self._prepare_payment(customer_id, card_id, from_account_id, amount),
        )

    def _prepare_payment(self, customer_id: str, card_id: str, from_account_id: str, amount: Money) -> _Write[Payment]:
        card = self._card(customer_id, card_id)
        if card.kind != "credit":
            raise NotAllowed("Only a credit card takes payments; a debit card spends straight from your account.")
        card_account = self._account(customer_id, card.account_id)
        source = self._account(customer_id, from_account_id)
        _check_payment(amount, source, card_account)
        now = self._clock()
        payment = Payment(
            payment_id=f"PAY-{uuid.uuid4().hex[:12].upper()}",
            card_id=card_id,
            from_account_id=from_account_id,
            amount=amount,
            paid_at=now,
        )
        record = Transaction(
            transaction_id=f"TXN-{uuid.uuid4().hex[:12].upper()}",
            customer_id=customer_id,
            card_id=None,
            account_id=from_account_id,
            at=now,
            merchant=f"Payment to card ending {card.last4}",
            country="GB",
            amount=amount,
            status=TransactionStatus.POSTED,
        )
        actions = [*self._move_money(customer_id, source, card_account, amount), self._put_transaction(record)]
        if self._get(_key(customer_id, f"STATEMENT#{card_id}")):
            actions.append(self._statement_paid(customer_id, card_id, amount))

        def refused(reasons: list[str]) -> None:
            if reasons[0] == _CONDITION_FAILED:
                raise InsufficientFunds(f"There isn't enough in {source.name} to pay {amount}.")
            if reasons[1] == _CONDITION_FAILED:
                raise NotAllowed("That's more than you now owe on this card.")

        return _Write(payment, actions, refused)

    def _move_money(self, customer_id: str, source: Account, card: Account, amount: Money) -> list[dict[str, Any]]:
        names = {"#balance": "balance", "#available": "available", "#amount": "amount"}
        values = {":amount": {"N": str(amount.amount)}}
        debit_source = {
            "Update": {
                "TableName": self._table,
                "Key": _key(customer_id, f"ACCOUNT#{source.account_id}"),
                "UpdateExpression": "SET #balance.#amount = #balance.#amount - :amount, "
                "#available.#amount = #available.#amount - :amount",
                # Checked against the balance at commit, not at our read: two payments can't both spend it.
                "ConditionExpression": "#available.#amount >= :amount",
                "ExpressionAttributeNames": names,
                "ExpressionAttributeValues": values,
            }
        }
        credit_card = {
            "Update": {
                "TableName": self._table,
                "Key": _key(customer_id, f"ACCOUNT#{card.account_id}"),
                "UpdateExpression": "SET #balance.#amount = #balance.#amount - :amount, "
                "#available.#amount = #available.#amount + :amount",
                "ConditionExpression": "#balance.#amount >= :amount",  # a card is never paid into credit
                "ExpressionAttributeNames": names,
                "ExpressionAttributeValues": values,
            }
        }
        return [debit_source, credit_card]

    def _statement_paid(self, customer_id: str, card_id: str, amount: Money) -> dict[str, Any]:
        return {
            "Update": {
                "TableName": self._table,
                "Key": _key(customer_id, f"STATEMENT#{card_id}"),
                "UpdateExpression": "ADD paid :amount",
                "ExpressionAttributeValues": {":amount": {"N": str(amount.amount)}},
            }
        }

    def _put_transaction(self, transaction: Transaction) -> dict[str, Any]:
        cid = transaction.customer_id
        item = _item(
            cid,
            _transaction_sk(transaction),
            transaction,
            gsi1pk=f"TXN#{transaction.transaction_id}",
            gsi1sk=f"CUST#{cid}",
        )
        return {"Put": {"TableName": self._table, "Item": item, "ConditionExpression": "attribute_not_exists(pk)"}}

    # --- cases and claims ----------------------------------------------------------------------------

    def open_dispute(self, customer_id: str, transaction_id: str, reason: str, idempotency_key: str) -> DisputeCase:
        request = {"transaction_id": transaction_id, "reason": reason}
        return self._once(
            customer_id,
            f"DISPUTE#{idempotency_key}",
            request,
            DisputeCase,
            lambda: self._prepare_dispute(customer_id, transaction_id, reason),
        )

    def _prepare_dispute(self, customer_id: str, transaction_id: str, reason: str) -> _Write[DisputeCase]:
        transaction = self._transaction(customer_id, transaction_id)
        if transaction.status is TransactionStatus.DECLINED:
            raise NotAllowed("That payment was declined, so no money left your account and there's nothing to dispute.")
        if transaction.status is TransactionStatus.REFUNDED:
            raise NotAllowed("That payment has already been refunded to you.")
        if not reason.strip():
            raise NotAllowed("Please tell us why you're disputing this payment.")
        case = DisputeCase(
            case_id=f"CASE-{secrets.randbelow(1_000_000):06d}",
            transaction_id=transaction_id,
            reason=reason.strip(),
            opened_at=self._clock(),
            status="open",
        )
        case_item = _item(customer_id, f"DISPUTE#{transaction_id}", case)
        actions = [self._put_new(case_item), self._reserve_reference(case.case_id, customer_id)]

        def refused(reasons: list[str]) -> None:
            if reasons[0] == _CONDITION_FAILED:
                existing = DisputeCase.model_validate(self._get(_key(customer_id, f"DISPUTE#{transaction_id}")))
                raise NotAllowed(f"You've already disputed this payment: your case is {existing.case_id}.")
            # otherwise the case id was taken: try again with another

        return _Write(case, actions, refused)

    def file_claim(
        self,
        customer_id: str,
        policy_id: str,
        description: str,
        incident_date: date,
        estimated: Money,
        idempotency_key: str,
    ) -> Claim:
        request = {"policy_id": policy_id, "description": description, "incident_date": incident_date.isoformat()}
        request |= {"estimated": str(estimated.amount), "currency": estimated.currency}
        return self._once(
            customer_id,
            f"CLAIM#{idempotency_key}",
            request,
            Claim,
            lambda: self._prepare_claim(customer_id, policy_id, description, incident_date, estimated),
        )

    def _prepare_claim(
        self, customer_id: str, policy_id: str, description: str, incident_date: date, estimated: Money
    ) -> _Write[Claim]:
        policy = self._policy(customer_id, policy_id)
        now = self._clock()
        if incident_date > now.date():
            raise NotAllowed("The date of the incident can't be in the future.")
        if estimated.amount <= 0 or not description.strip():
            raise NotAllowed("Please tell us what happened and roughly what it will cost.")
        claim = Claim(
            claim_id=f"CLM-{secrets.randbelow(1_000_000):06d}",
            customer_id=customer_id,
            policy_id=policy_id,
            status=ClaimStatus.RECEIVED,
            description=description.strip(),
            incident_date=incident_date,
            estimated=estimated,
            updated_at=now,
            next_step=_CLAIM_NEXT_STEP.get(policy.kind, "A claims handler will contact you within 2 working days."),
        )
        claim_item = _item(customer_id, f"CLAIM#{claim.claim_id}", claim)
        actions = [self._put_new(claim_item), self._reserve_reference(claim.claim_id, customer_id)]
        return _Write(claim, actions, lambda _reasons: None)  # a claim id already taken: try another

    def _reserve_reference(self, reference: str, customer_id: str) -> dict[str, Any]:
        return self._put_new(_attributes({"pk": f"ID#{reference}", "sk": "ID", "customer_id": customer_id}))

    def _put_new(self, item: dict[str, Any]) -> dict[str, Any]:
        return {"Put": {"TableName": self._table, "Item": item, "ConditionExpression": "attribute_not_exists(pk)"}}

    # --- idempotency ---------------------------------------------------------------------------------

    def _once[M: BaseModel](
        self,
        customer_id: str,
        operation_key: str,
        request: dict[str, str],
        result_type: type[M],
        prepare: Callable[[], _Write[M]],
    ) -> M:
        """Runs `prepare`'s write at most once per key; a retry gets the first result back and changes nothing."""
        record_key = _key(customer_id, f"IDEMP#{operation_key}")
        for attempt in range(_ATTEMPTS):
            stored = self._get(record_key)
            if stored:
                if stored["request"] != request:
                    raise NotAllowed("That reference was already used for a different request.")
                return result_type.model_validate(stored["result"])
            write = prepare()
            record = {**record_key, **_attributes({"request": request, "result": write.result})}
            try:
                # The record commits with the money move, so a retry finds either both or neither.
                self._transact([self._put_new(record), *write.actions])
            except _Cancelled as cancelled:
                if cancelled.reasons[0] == _CONDITION_FAILED:
                    continue  # a concurrent call with this key committed first: the next round returns its result
                if "TransactionConflict" in cancelled.reasons:
                    time.sleep(random.uniform(0, 0.05 * 2**attempt))  # full jitter
                    continue
                write.refused(cancelled.reasons[1:])
                continue
            return write.result
        raise ServiceBusy("The bank")

    # --- lookups -------------------------------------------------------------------------------------

    def _card(self, customer_id: str, card_id: str) -> Card:
        item = self._get(_key(customer_id, f"CARD#{card_id}"))
        if not item:
            raise NotFound("We couldn't find that card.")
        return Card.model_validate(item)

    def _account(self, customer_id: str, account_id: str) -> Account:
        item = self._get(_key(customer_id, f"ACCOUNT#{account_id}"))
        if not item:
            raise NotFound("We couldn't find that account.")
        return Account.model_validate(item)

    def _policy(self, customer_id: str, policy_id: str) -> Policy:
        item = self._get(_key(customer_id, f"POLICY#{policy_id}"))
        if not item:
            raise NotFound("We couldn't find that policy.")
        return Policy.model_validate(item)

    def _transaction(self, customer_id: str, transaction_id: str) -> Transaction:
        # The index key names the owner, so another customer's transaction id finds nothing.
        response = self._call(
            self._client.query,
            TableName=self._table,
            IndexName="gsi1",
            KeyConditionExpression="gsi1pk = :txn AND gsi1sk = :owner",
            ExpressionAttributeValues={":txn": {"S": f"TXN#{transaction_id}"}, ":owner": {"S": f"CUST#{customer_id}"}},
        )
        items = response.get("Items", [])
        if not items:
            raise NotFound("We couldn't find that payment on your accounts.")
        return Transaction.model_validate(_from_item(items[0]))

    # --- DynamoDB ------------------------------------------------------------------------------------

    def _get(self, key: dict[str, Any]) -> dict[str, Any] | None:
        response = self._call(self._client.get_item, TableName=self._table, Key=key, ConsistentRead=True)
        item = response.get("Item")
        return _from_item(item) if item else None

    def _query_prefix(self, customer_id: str, prefix: str) -> list[dict[str, Any]]:
        arguments: dict[str, Any] = {
            "TableName": self._table,
            "KeyConditionExpression": "pk = :pk AND begins_with(sk, :prefix)",
            "ExpressionAttributeValues": {":pk": {"S": f"CUST#{customer_id}"}, ":prefix": {"S": prefix}},
            "ConsistentRead": True,
        }
        items: list[dict[str, Any]] = []
        while True:
            response = self._call(self._client.query, **arguments)
            items += [_from_item(item) for item in response.get("Items", [])]
            if "LastEvaluatedKey" not in response:
                return items
            arguments["ExclusiveStartKey"] = response["LastEvaluatedKey"]

    def _transact(self, actions: list[dict[str, Any]]) -> None:
        try:
            self._client.transact_write_items(TransactItems=actions)  # type: ignore[arg-type]
        except self._client.exceptions.TransactionCanceledException as error:
            reasons = [reason.get("Code", "None") for reason in error.response.get("CancellationReasons", [])]
            if any_throttled(reasons):
                raise ServiceBusy("The bank") from error
            raise _Cancelled(reasons) from error
        except ClientError as error:
            raise_if_throttled(error, "The bank")
            raise

    def _call(self, operation: Any, **kwargs: Any) -> dict[str, Any]:
        return call("The bank", operation, **kwargs)
