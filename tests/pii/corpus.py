"""Messages laden with personal data, as customers and agents really type them, and what must never be kept.

Card numbers are the card networks' published test numbers (and a few Luhn-valid numbers made up here);
national ids, IBANs and phone numbers are documentation or test values, not anyone's.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from enum import StrEnum


class Kind(StrEnum):
    CARD = "card"
    CVV = "cvv"
    PHONE = "phone"
    EMAIL = "email"
    UK_NINO = "uk national insurance number"
    US_SSN = "us social security number"
    IBAN = "iban"
    CN_ID = "chinese resident id"


@dataclass(frozen=True)
class Secret:
    kind: Kind
    value: str  # as typed

    @property
    def canonical(self) -> str:
        """The form it is searched for: ASCII digits only, or upper case without spaces; a CVV with its label."""
        value = unicodedata.normalize("NFKC", self.value)
        if self.kind in (Kind.CARD, Kind.PHONE, Kind.US_SSN):
            return re.sub(r"\D", "", value)
        if self.kind is Kind.CVV:
            return re.sub(r"\s+", " ", value.lower())
        return re.sub(r"\s", "", value.upper())


def _card(value: str) -> Secret:
    return Secret(Kind.CARD, value)


# Luhn-valid, with and without separators, 13 to 19 digits.
CARDS = (
    _card("4111 1111 1111 1111"),
    _card("5555-5555-5555-4444"),
    _card("378282246310005"),
    _card("6011.1111.1111.1117"),
    _card("4000  0566  5566  5556"),  # double spaces
    _card("3056 9309 0259 04"),
    _card("4222222222222"),
    _card("6304 0000 0000 0000 018"),
    _card("5425 2334 3010 9903"),
    _card("2223 - 0031 - 2200 - 3222"),  # spaced dashes
    _card("6212345678901234569"),  # UnionPay, written straight after Chinese text
    _card("４２６３ ９８２６ ４０２６ ９２９９"),  # full-width digits, as a Chinese keyboard types them
)
# Not Luhn-valid: mistyped cards, still never to be kept.
MISTYPED_CARDS = (_card("4111 1111 1111 1112"), _card("1234-5678-9012-3456"))
CVVS = (
    Secret(Kind.CVV, "cvv 123"),
    Secret(Kind.CVV, "CVV: 737"),
    Secret(Kind.CVV, "cvc is 321"),
    Secret(Kind.CVV, "security code 4321"),
    Secret(Kind.CVV, "cvv2=987"),
    Secret(Kind.CVV, "CVV number is 246"),
    Secret(Kind.CVV, "3 digit code on the back is 864"),
    Secret(Kind.CVV, "安全码 258"),
)
PHONES = (
    Secret(Kind.PHONE, "+44 7911 123456"),
    Secret(Kind.PHONE, "07911 654321"),
    Secret(Kind.PHONE, "(020) 7946 0958"),
    Secret(Kind.PHONE, "+1 (415) 555-2671"),
    Secret(Kind.PHONE, "415-555-2671"),
    Secret(Kind.PHONE, "+86 138 0013 8000"),
    Secret(Kind.PHONE, "0044 20 7946 0123"),
    Secret(Kind.PHONE, "+447911987654"),
)
EMAILS = (Secret(Kind.EMAIL, "jo.bloggs+bank@example.co.uk"), Secret(Kind.EMAIL, "JANE_DOE@Example.COM"))
NINOS = (
    Secret(Kind.UK_NINO, "CE 72 81 49 B"),
    Secret(Kind.UK_NINO, "AB123456C"),
    Secret(Kind.UK_NINO, "jg 10 37 58 a"),
)
SSNS = (Secret(Kind.US_SSN, "123-45-6789"), Secret(Kind.US_SSN, "078-05-1120"))
IBANS = (
    Secret(Kind.IBAN, "GB82 WEST 1234 5698 7654 32"),
    Secret(Kind.IBAN, "DE89370400440532013000"),
    Secret(Kind.IBAN, "gb29 nwbk 6016 1331 9268 19"),
)
CN_IDS = (
    Secret(Kind.CN_ID, "11010519491231002X"),
    Secret(Kind.CN_ID, "440524188001010014"),
    Secret(Kind.CN_ID, "310115198007071231"),
    Secret(Kind.CN_ID, "510107199003074525"),
)


@dataclass(frozen=True)
class PiiMessage:
    text: str
    secrets: tuple[Secret, ...]


def _says(template: str, *secrets: Secret) -> PiiMessage:
    return PiiMessage(template.format(*(s.value for s in secrets)), secrets)


# What customers write; each secret appears in at least one message.
CUSTOMER_MESSAGES = (
    _says("I lost my card {0}, {1}", CARDS[0], CVVS[0]),
    _says("my card number is {0} and the {1}", CARDS[1], CVVS[1]),
    _says("amex {0} {1}", CARDS[2], CVVS[2]),
    _says("card {0} expiry 08/29 {1}", CARDS[3], CVVS[3]),
    _says("why was {0} declined? {1}", CARDS[4], CVVS[4]),
    _says("it's {0}, {1}", CARDS[5], CVVS[5]),
    _says("old card {0} and the {1}", CARDS[6], CVVS[6]),
    _says("maestro {0}", CARDS[7]),
    _says("{0} was charged twice", CARDS[8]),
    _says("the card is {0}", CARDS[9]),
    _says("我的卡号是{0}，{1}", CARDS[10], CVVS[7]),
    _says("卡号 {0}", CARDS[11]),
    _says("I typed {0}, sorry, I meant {1}", MISTYPED_CARDS[0], MISTYPED_CARDS[1]),
    _says("call me on {0} or {1}", PHONES[0], PHONES[1]),
    _says("office {0}, US cell {1} or {2}", PHONES[2], PHONES[3], PHONES[4]),
    _says("in Shanghai: {0}, from abroad {1}, mobile {2}", PHONES[5], PHONES[6], PHONES[7]),
    _says("email me at {0} or {1}", *EMAILS),
    _says("my NI number is {0}, my wife's is {1}, my son's {2}", *NINOS),
    _says("SSN {0}; my old one was {1}", *SSNS),
    _says("send it to {0} or {1} or {2}", *IBANS),
    _says("我的身份证号是{0}", CN_IDS[0]),
    _says("id {0} and {1} and {2}", *CN_IDS[1:]),
)

# What an agent might paste into a reply (or a transfer note) by mistake.
AGENT_MESSAGES = (
    _says("I can see the card {0} on your profile, please confirm the {1}", CARDS[0], CVVS[3]),
    _says("We'll call {0} and write to {1}", PHONES[0], EMAILS[0]),
    _says("Refund goes to {0}, ref NI {1}", IBANS[0], NINOS[0]),
)

ALL_SECRETS: tuple[Secret, ...] = (*CARDS, *MISTYPED_CARDS, *CVVS, *PHONES, *EMAILS, *NINOS, *SSNS, *IBANS, *CN_IDS)
