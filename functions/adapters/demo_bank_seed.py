"""The demo bank's customers: ten people whose situations exercise the self-service flows.

Everything is dated relative to `now`, so the demo always has a statement due soon, a claim in progress and
a payment from the last few days to dispute. Phone numbers are in +44 7700 900xxx, which Ofcom keeps for drama.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from adapters.demo_bank import CustomerRecords, DemoBank
from core.banking import (
    Account,
    AccountKind,
    Card,
    CardStatus,
    Claim,
    ClaimStatus,
    CustomerProfile,
    Loan,
    Money,
    Policy,
    Segment,
    Statement,
    Transaction,
    TransactionStatus,
)
from core.models import Frozen

if TYPE_CHECKING:
    from collections.abc import Callable

    from mypy_boto3_dynamodb import DynamoDBClient

_PENNY = Decimal("0.01")
_EUR_PER_GBP = Decimal("1.163")
_FX_FEE_RATE = Decimal("0.0275")  # the non-sterling transaction fee on the card


class DemoCustomer(Frozen):
    customer_id: str
    name: str
    phone: str
    kind: str
    try_this: str


DEMO_CUSTOMERS: tuple[DemoCustomer, ...] = (
    DemoCustomer(
        customer_id="C-1001",
        name="Alice Morgan",
        phone="+447700900101",
        kind="retail: current + savings, debit card 4417, credit card 9023",
        try_this="Credit card statement due in 5 days: ask what's due and pay it from the current account.",
    ),
    DemoCustomer(
        customer_id="C-1002",
        name="Ben Carter",
        phone="+447700900102",
        kind="card only: credit card 3391, nearly at its limit",
        try_this="Ask why the card was declined: £349.99 at Currys Online, 'insufficient funds - credit limit reached'",
    ),
    DemoCustomer(
        customer_id="C-1003",
        name="Priya Shah",
        phone="+447700900103",
        kind="small business: Shah's Bakery Ltd business account, business debit card 5580, loan",
        try_this="Ask about the small-business loan: next repayment £612.40 on the 28th, 2% early repayment fee.",
    ),
    DemoCustomer(
        customer_id="C-1004",
        name="David Okafor",
        phone="+447700900104",
        kind="insured driver: motor policy POL-M-778812, home policy, current account",
        try_this="Ask where claim CLM-204518 is (assessing, engineer's report in), or file a new claim.",
    ),
    DemoCustomer(
        customer_id="C-1005",
        name="Emma Clarke",
        phone="+447700900105",
        kind="abroad in Portugal: debit card 6612 spending in EUR",
        try_this="Ask why the card was declined at Hotel Lisboa, or what the foreign transaction fees were.",
    ),
    DemoCustomer(
        customer_id="C-1006",
        name="Tom Fletcher",
        phone="+447700900106",
        kind="retail: debit card 7745 frozen (wallet left in a taxi)",
        try_this="Unfreeze the card, or report it lost and order a replacement.",
    ),
    DemoCustomer(
        customer_id="C-1007",
        name="Grace Lee",
        phone="+447700900107",
        kind="retail: new credit card 4821, expiry 08/29, not yet activated",
        try_this="Activate the new card with 4821 and 08/29 (another expiry is refused).",
    ),
    DemoCustomer(
        customer_id="C-1008",
        name="Oliver Whitfield",
        phone="+447700900108",
        kind="VIP: Premier current + saver, World Elite credit card 7001",
        try_this="Ask for a person: the profile is flagged VIP, for routing to the Premier team.",
    ),
    DemoCustomer(
        customer_id="C-1009",
        name="Margaret Ellis",
        phone="+447700900109",
        kind="vulnerable: pension account, debit card 3068",
        try_this="Ask for help: the profile is flagged vulnerable, so a person should be offered early.",
    ),
    DemoCustomer(
        customer_id="C-1010",
        name="James Patel",
        phone="+447700900110",
        kind="retail: current account, debit card 8862",
        try_this="Say you don't recognise a payment: £249.99 to GV*DIGITALGOODS (Ireland) two days ago, TX-1010-09.",
    ),
)


def seed_demo_bank(bank_or_client: DemoBank | DynamoDBClient, table_name: str, now: datetime) -> list[str]:
    """Writes the demo customers that don't exist yet and returns their ids; running it again changes nothing.

    `table_name` is used when given a client; a DemoBank already knows its table.
    """
    bank = bank_or_client if isinstance(bank_or_client, DemoBank) else DemoBank(bank_or_client, table_name, lambda: now)
    return [records.profile.customer_id for records in demo_customer_records(now) if bank.save_customer(records)]


def demo_customer_records(now: datetime) -> list[CustomerRecords]:
    builders: list[Callable[[datetime], CustomerRecords]] = [
        _retail,
        _card_only,
        _small_business,
        _insured_driver,
        _abroad,
        _frozen_card,
        _new_card,
        _vip,
        _vulnerable,
        _unrecognised_payment,
    ]
    return [build(now) for build in builders]


# --- building blocks ---------------------------------------------------------------------------------


def _gbp(amount: str) -> Money:
    return Money(amount=Decimal(amount), currency="GBP")


def _profile(number: int, segments: tuple[Segment, ...], **flags: bool) -> CustomerProfile:
    """Name and phone come from DEMO_CUSTOMERS, so the summary the README quotes can't drift from the data."""
    summary = next(c for c in DEMO_CUSTOMERS if c.customer_id == f"C-{number}")
    first, last = summary.name.lower().split(" ", 1)
    return CustomerProfile(
        customer_id=summary.customer_id,
        name=summary.name,
        phone=summary.phone,
        email=f"{first}.{last.replace(' ', '')}@example.com",
        segments=segments,
        **flags,
    )


def _account(number: int, suffix: str, kind: AccountKind, name: str, balance: str, available: str) -> Account:
    return Account(
        account_id=f"ACC-{number}-{suffix}",
        customer_id=f"C-{number}",
        kind=kind,
        name=name,
        balance=_gbp(balance),
        available=_gbp(available),
    )


def _card(account: Account, last4: str, kind: str, expiry: str, status: CardStatus = CardStatus.ACTIVE) -> Card:
    return Card(
        card_id=f"CARD-{account.customer_id[2:]}-{last4}",
        customer_id=account.customer_id,
        last4=last4,
        kind=kind,
        status=status,
        expiry=expiry,
        account_id=account.account_id,
    )


def _statement(card: Card, now: datetime, balance: str, minimum: str, due_in_days: int) -> Statement:
    due = now.date() + timedelta(days=due_in_days)
    return Statement(
        card_id=card.card_id,
        issued_on=due - timedelta(days=25),
        statement_balance=_gbp(balance),
        minimum_payment=_gbp(minimum),
        due_date=due,
    )


def _history(
    account: Account, card: Card | None, now: datetime, rows: list[tuple[float, str, str]], first: int = 1
) -> list[Transaction]:
    """Everyday spending in the UK: (days ago, merchant, amount in pounds), numbered TX-<customer>-<first> on."""
    return [
        _transaction(account, card, now, f"{index:02d}", days_ago, merchant, amount)
        for index, (days_ago, merchant, amount) in enumerate(rows, start=first)
    ]


def _transaction(
    account: Account,
    card: Card | None,
    now: datetime,
    suffix: str,
    days_ago: float,
    merchant: str,
    amount: str,
    **extra: Any,
) -> Transaction:
    return Transaction(
        transaction_id=f"TX-{account.customer_id[2:]}-{suffix}",
        customer_id=account.customer_id,
        card_id=card.card_id if card else None,
        account_id=account.account_id,
        at=now - timedelta(days=days_ago),
        merchant=merchant,
        country=extra.pop("country", "GB"),
        amount=_gbp(amount),
        status=extra.pop("status", TransactionStatus.POSTED),
        **extra,
    )


def _euro_payment(
    account: Account, card: Card, now: datetime, suffix: str, days_ago: float, merchant: str, euros: str, **extra: Any
) -> Transaction:
    """A card payment in Portugal: charged in pounds at the day's rate, plus the non-sterling fee unless declined."""
    charged = (Decimal(euros) / _EUR_PER_GBP).quantize(_PENNY)
    if extra.get("status") is not TransactionStatus.DECLINED:
        extra["fx_fee"] = _gbp(str((charged * _FX_FEE_RATE).quantize(_PENNY)))
    original = Money(amount=Decimal(euros), currency="EUR")
    return _transaction(
        account, card, now, suffix, days_ago, merchant, str(charged), country="PT", original_amount=original, **extra
    )


def _next_28th(today: date) -> date:
    if today.day < 28:
        return today.replace(day=28)
    return (today.replace(day=1) + timedelta(days=32)).replace(day=28)


# --- the customers -----------------------------------------------------------------------------------


def _retail(now: datetime) -> CustomerRecords:
    current = _account(1001, "CUR", AccountKind.CHECKING, "Everyday Current Account", "2438.17", "2388.17")
    saver = _account(1001, "SAV", AccountKind.SAVINGS, "Instant Saver", "8250.00", "8250.00")
    credit = _account(1001, "CC", AccountKind.CREDIT_CARD, "Platinum Credit Card", "1284.63", "3715.37")
    debit_card = _card(current, "4417", "debit", "06/28")
    credit_card = _card(credit, "9023", "credit", "11/27")
    spending = _history(
        current,
        debit_card,
        now,
        [
            (27.5, "Tesco Superstore Leeds", "64.12"),
            (24.2, "TfL Travel Charge", "8.10"),
            (20.9, "Pret A Manger", "6.45"),
        ],
    )
    spending += _history(
        credit,
        credit_card,
        now,
        [(18.4, "Netflix.com", "10.99"), (14.1, "Amazon.co.uk", "42.98"), (11.6, "Shell Headingley", "71.30")],
        first=4,
    )
    spending += [
        _transaction(current, debit_card, now, "07", 8.3, "Sainsbury's Local", "23.56"),
        _transaction(current, None, now, "08", 6.0, "Direct Debit - Leeds City Council Tax", "148.00"),
        _transaction(credit, credit_card, now, "09", 4.7, "Trainline", "54.20"),
        _transaction(current, debit_card, now, "10", 2.2, "Costa Coffee", "4.35"),
        _transaction(current, debit_card, now, "11", 0.3, "Deliveroo", "50.00", status=TransactionStatus.PENDING),
    ]
    return CustomerRecords(
        profile=_profile(1001, (Segment.RETAIL,)),
        accounts=(current, saver, credit),
        cards=(debit_card, credit_card),
        statements=(_statement(credit_card, now, "1142.80", "34.28", due_in_days=5),),
        transactions=tuple(spending),
    )


def _card_only(now: datetime) -> CustomerRecords:
    credit = _account(1002, "CC", AccountKind.CREDIT_CARD, "Everyday Credit Card", "1962.40", "37.60")
    card = _card(credit, "3391", "credit", "03/27")
    spending = _history(
        credit,
        card,
        now,
        [
            (26.0, "Asda Stores", "88.41"),
            (21.3, "Vodafone UK", "32.00"),
            (15.8, "JD Sports", "119.99"),
            (9.4, "Uber *Trip", "17.60"),
            (5.1, "McDonald's", "9.87"),
        ],
    )
    spending.append(
        _transaction(
            credit,
            card,
            now,
            "06",
            0.8,
            "Currys Online",
            "349.99",
            status=TransactionStatus.DECLINED,
            decline_reason="insufficient funds - credit limit reached",
        )
    )
    return CustomerRecords(
        profile=_profile(1002, (Segment.CARD_ONLY,)),
        accounts=(credit,),
        cards=(card,),
        statements=(_statement(card, now, "1870.15", "56.10", due_in_days=13),),
        transactions=tuple(spending),
    )


def _small_business(now: datetime) -> CustomerRecords:
    business = _account(
        1003, "BIZ", AccountKind.BUSINESS, "Shah's Bakery Ltd - Business Current", "14862.35", "14862.35"
    )
    card = _card(business, "5580", "debit", "10/27")
    spending = _history(
        business,
        card,
        now,
        [
            (28.2, "Booker Wholesale Bradford", "612.48"),
            (23.5, "Screwfix", "46.99"),
            (19.1, "Makro Leeds", "389.20"),
            (12.7, "Booker Wholesale Bradford", "571.03"),
            (7.3, "Shell Recharge", "28.40"),
        ],
    )
    spending += [
        _transaction(business, None, now, "06", 16.0, "British Gas Business", "284.16"),
        _transaction(business, None, now, "07", 10.0, "HMRC VAT", "1920.00"),
        _transaction(business, None, now, "08", 3.0, "SumUp card reader fees", "38.75"),
    ]
    loan = Loan(
        loan_id="LOAN-1003-01",
        customer_id="C-1003",
        name="Small Business Loan (oven and shop fit-out)",
        outstanding=_gbp("18420.55"),
        next_repayment_date=_next_28th(now.date()),
        next_repayment=_gbp("612.40"),
        early_repayment_fee_percent=Decimal("2.0"),
    )
    return CustomerRecords(
        profile=_profile(1003, (Segment.SMALL_BUSINESS,)),
        accounts=(business,),
        cards=(card,),
        transactions=tuple(spending),
        loans=(loan,),
    )


def _insured_driver(now: datetime) -> CustomerRecords:
    current = _account(1004, "CUR", AccountKind.CHECKING, "Everyday Current Account", "1106.52", "1106.52")
    card = _card(current, "2207", "debit", "01/28")
    spending = _history(
        current,
        card,
        now,
        [
            (25.3, "Lidl Croydon", "41.27"),
            (19.8, "Esso Purley Way", "63.02"),
            (13.4, "Kwik Fit Croydon", "89.99"),
            (8.9, "Greggs", "5.20"),
            (4.2, "Halfords Croydon", "24.99"),
            (1.6, "Waitrose", "37.84"),
        ],
    )
    motor = Policy(
        policy_id="POL-M-778812",
        customer_id="C-1004",
        kind="motor",
        cover_summary="Comprehensive: 2019 Ford Focus (AB19 XYZ), £250 excess, courtesy car, windscreen cover",
    )
    home = Policy(
        policy_id="POL-H-331907",
        customer_id="C-1004",
        kind="home",
        cover_summary="Buildings and contents with accidental damage, £100 excess",
    )
    claim = Claim(
        claim_id="CLM-204518",
        customer_id="C-1004",
        policy_id=motor.policy_id,
        status=ClaimStatus.ASSESSING,
        description="Hit from behind at the A23 lights in Croydon; rear bumper and boot lid damaged.",
        incident_date=now.date() - timedelta(days=9),
        estimated=_gbp("2350.00"),
        updated_at=now - timedelta(days=1),
        next_step="The engineer's report is with your claims handler, who will call you within 2 working days "
        "to agree the repair at an approved garage. Your courtesy car stays with you until then.",
    )
    return CustomerRecords(
        profile=_profile(1004, (Segment.INSURED, Segment.RETAIL)),
        accounts=(current,),
        cards=(card,),
        transactions=tuple(spending),
        policies=(motor, home),
        claims=(claim,),
    )


def _abroad(now: datetime) -> CustomerRecords:
    current = _account(1005, "CUR", AccountKind.CHECKING, "Everyday Current Account", "1874.90", "1874.90")
    card = _card(current, "6612", "debit", "05/28")
    spending = _history(current, card, now, [(22.0, "Boots", "12.49"), (6.4, "WHSmith Heathrow T2", "18.97")])
    spending += [
        _euro_payment(current, card, now, "03", 5.1, "Pingo Doce Lisboa", "23.40"),
        _euro_payment(current, card, now, "04", 4.6, "Uber *Trip Lisboa", "14.85"),
        _euro_payment(current, card, now, "05", 3.9, "Pasteis de Belem", "9.60"),
        _euro_payment(current, card, now, "06", 2.8, "Time Out Market Lisboa", "41.20"),
        _euro_payment(current, card, now, "07", 1.5, "CP Comboios de Portugal", "4.60"),
        _euro_payment(
            current,
            card,
            now,
            "08",
            0.4,
            "Hotel Lisboa",
            "612.00",
            status=TransactionStatus.DECLINED,
            decline_reason="suspected fraud - unusual overseas transaction; confirm it was you to unblock",
        ),
    ]
    return CustomerRecords(
        profile=_profile(1005, (Segment.ABROAD, Segment.RETAIL)),
        accounts=(current,),
        cards=(card,),
        transactions=tuple(spending),
    )


def _frozen_card(now: datetime) -> CustomerRecords:
    current = _account(1006, "CUR", AccountKind.CHECKING, "Everyday Current Account", "642.18", "642.18")
    card = _card(current, "7745", "debit", "09/27", CardStatus.FROZEN)
    spending = _history(
        current,
        card,
        now,
        [
            (24.6, "Co-op Food", "18.22"),
            (17.2, "Spotify", "11.99"),
            (11.9, "Wetherspoons", "23.70"),
            (3.4, "Addison Lee", "27.50"),
        ],
    )
    spending.append(_transaction(current, None, now, "05", 1.0, "Standing order - Rent", "450.00"))
    return CustomerRecords(
        profile=_profile(1006, (Segment.RETAIL,)),
        accounts=(current,),
        cards=(card,),
        transactions=tuple(spending),
    )


def _new_card(now: datetime) -> CustomerRecords:
    current = _account(1007, "CUR", AccountKind.CHECKING, "Everyday Current Account", "3120.44", "3120.44")
    credit = _account(1007, "CC", AccountKind.CREDIT_CARD, "Rewards Credit Card", "0.00", "3000.00")
    debit_card = _card(current, "1150", "debit", "02/28")
    new_card = _card(credit, "4821", "credit", "08/29", CardStatus.INACTIVE)
    spending = _history(
        current,
        debit_card,
        now,
        [
            (29.0, "M&S Simply Food", "15.80"),
            (21.5, "Gym Group", "24.99"),
            (13.2, "Ryman", "7.49"),
            (6.8, "Dishoom", "62.10"),
            (2.5, "Apple.com/bill", "2.99"),
        ],
    )
    return CustomerRecords(
        profile=_profile(1007, (Segment.RETAIL,)),
        accounts=(current, credit),
        cards=(debit_card, new_card),
        transactions=tuple(spending),
    )


def _vip(now: datetime) -> CustomerRecords:
    current = _account(1008, "CUR", AccountKind.CHECKING, "Premier Current Account", "48210.77", "48210.77")
    saver = _account(1008, "SAV", AccountKind.SAVINGS, "Premier Saver", "250000.00", "250000.00")
    credit = _account(1008, "CC", AccountKind.CREDIT_CARD, "World Elite Credit Card", "6842.10", "43157.90")
    debit_card = _card(current, "0394", "debit", "12/28")
    credit_card = _card(credit, "7001", "credit", "04/29")
    spending = _history(
        credit,
        credit_card,
        now,
        [
            (27.1, "British Airways", "2984.00"),
            (19.4, "Harrods", "1260.00"),
            (12.0, "The Ritz London", "412.50"),
            (5.2, "Selfridges", "845.00"),
        ],
    )
    spending += [
        _transaction(current, debit_card, now, "05", 15.3, "Waitrose Belgravia", "186.42"),
        _transaction(current, None, now, "06", 9.0, "Standing order - Premier ISA", "1666.00"),
        _transaction(current, debit_card, now, "07", 1.9, "Ocado", "214.77"),
    ]
    return CustomerRecords(
        profile=_profile(1008, (Segment.RETAIL,), vip=True),
        accounts=(current, saver, credit),
        cards=(debit_card, credit_card),
        statements=(_statement(credit_card, now, "5120.40", "153.61", due_in_days=11),),
        transactions=tuple(spending),
    )


def _vulnerable(now: datetime) -> CustomerRecords:
    pension = _account(1009, "CUR", AccountKind.CHECKING, "Pension Account", "913.46", "913.46")
    card = _card(pension, "3068", "debit", "07/27")
    spending = _history(
        pension,
        card,
        now,
        [
            (26.4, "Co-op Food Harrogate", "21.35"),
            (20.1, "Boots Pharmacy", "9.65"),
            (13.8, "Age UK Shop", "6.00"),
            (7.2, "Co-op Food Harrogate", "18.90"),
        ],
    )
    spending += [
        _transaction(pension, None, now, "05", 18.0, "Direct Debit - BT Group", "38.50"),
        _transaction(pension, None, now, "06", 4.0, "Direct Debit - Yorkshire Water", "31.20"),
    ]
    return CustomerRecords(
        profile=_profile(1009, (Segment.RETAIL,), vulnerable=True),
        accounts=(pension,),
        cards=(card,),
        transactions=tuple(spending),
    )


def _unrecognised_payment(now: datetime) -> CustomerRecords:
    current = _account(1010, "CUR", AccountKind.CHECKING, "Everyday Current Account", "2205.33", "2205.33")
    card = _card(current, "8862", "debit", "08/28")
    spending = _history(
        current,
        card,
        now,
        [
            (28.5, "Tesco Express", "12.80"),
            (25.0, "PureGym", "21.99"),
            (21.7, "Nando's", "31.45"),
            (17.3, "Amazon.co.uk", "19.99"),
            (13.9, "Shell Wembley", "58.16"),
            (10.2, "Boots", "7.25"),
            (6.6, "Uber Eats", "26.40"),
            (4.1, "Tesco Express", "9.35"),
        ],
    )
    spending += [
        _transaction(current, card, now, "09", 2.0, "GV*DIGITALGOODS 0800", "249.99", country="IE"),
        _transaction(current, card, now, "10", 0.9, "Pret A Manger", "7.10"),
    ]
    return CustomerRecords(
        profile=_profile(1010, (Segment.RETAIL,)),
        accounts=(current,),
        cards=(card,),
        transactions=tuple(spending),
    )
