"""Every self-service flow, driven through the conversation use case against DynamoDB and the demo bank."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import boto3
import pytest

from adapters.demo_bank import DemoBank
from adapters.demo_bank_seed import seed_demo_bank
from adapters.dynamodb_codes import DynamoCodeStore
from adapters.dynamodb_conversations import DynamoConversationStore
from adapters.dynamodb_handoffs import DynamoHandoffStore
from channels.sms import render_sms
from core.conversation import Conversations
from core.models import AuthLevel, Channel, Customer, Reply
from core.step_up import StepUp
from core.verification import Verifier
from local.dynamodb import DynamoDBEndpoint
from local.tables import create_tables
from tests.fakes import KeywordNlu, RecordingSms, make_engine, make_intake


@pytest.fixture(scope="module")
def bank() -> Iterator[DemoBank]:
    """Demo customers of this module's own (moto keeps one store per region): these tests change them."""
    endpoint = DynamoDBEndpoint().start()
    client = boto3.client(
        "dynamodb", endpoint_url=endpoint.url, region_name="eu-central-1",
        aws_access_key_id="test", aws_secret_access_key="test",
    )  # fmt: skip
    create_tables(client)
    bank = DemoBank(client, "DemoBankTable", clock=lambda: datetime.now(UTC))
    seed_demo_bank(bank, "DemoBankTable", datetime.now(UTC))
    yield bank
    endpoint.stop()


@pytest.fixture(scope="module")
def conversations(bank: DemoBank) -> Conversations:
    store = DynamoConversationStore(bank._client, "ConversationsTable", timedelta(days=1))
    handoffs = DynamoHandoffStore(bank._client, "HandoffsTable", store)
    return Conversations(store=store, nlu=KeywordNlu(), engine=make_engine(bank), intake=make_intake(handoffs, bank))


class Chat:
    """One customer's conversation: `say` returns the bot's replies, `buttons` the last quick replies."""

    def __init__(self, conversations: Conversations, customer: Customer | None) -> None:
        self._conversations = conversations
        channel = Channel.APP if customer else Channel.WEB
        started = conversations.start(channel, "en", customer)
        self.id, self._token = started.conversation.conversation_id, started.token
        self.buttons: list[str] = []
        self.replies: tuple[Reply, ...] = ()

    def say(self, text: str) -> str:
        outcome = self._conversations.handle_message(self.id, self._token, text, str(uuid.uuid4()))
        self.replies = outcome.replies
        self.buttons = [q.title for r in outcome.replies for q in r.quick_replies]
        return "\n".join(r.text for r in outcome.replies)


def chat_as(conversations: Conversations, customer_id: str | None) -> Chat:
    customer = Customer(customer_id=customer_id, auth_level=AuthLevel.VERIFIED) if customer_id else None
    return Chat(conversations, customer)


def test_balances_of_every_account(conversations):
    reply = chat_as(conversations, "C-1001").say("what's my balance")
    assert "Here are your balances" in reply
    assert reply.count("£") >= 4


def test_card_bill_asks_which_card_and_tells_the_statement(conversations):
    chat = chat_as(conversations, "C-1001")
    assert "Which credit card" in chat.say("how much is my card bill")
    assert chat.buttons == ["Credit card ending 9023"]
    reply = chat.say("9023")
    assert "minimum payment" in reply and "due by" in reply


def test_paying_the_card_collects_card_account_amount_confirms_and_moves_money_once(conversations, bank):
    chat = chat_as(conversations, "C-1001")
    before = {a.name: a.balance.amount for a in bank.accounts("C-1001")}
    assert "Which account" in chat.say("I want to pay my credit card 9023")
    assert "How much" in chat.say(chat.buttons[0])
    assert "Pay £50.00 to the card ending 9023" in chat.say("£50")
    assert "Done: £50.00 paid" in chat.say("yes")
    after = {a.name: a.balance.amount for a in bank.accounts("C-1001")}
    changed = {name: before[name] - after[name] for name in before if before[name] != after[name]}
    assert sorted(changed.values()) == [Decimal("50.00"), Decimal("50.00")]  # source down, card debt down


def test_a_lost_card_is_blocked_and_replaced_after_confirmation(conversations, bank):
    chat = chat_as(conversations, "C-1006")
    assert "block the card ending 7745" in chat.say("I lost my card ending 7745")
    reply = chat.say("yes")
    assert "is blocked" in reply and "will arrive by" in reply
    assert next(c for c in bank.cards("C-1006") if c.last4 == "7745").status.value == "blocked"


def test_freeze_then_unfreeze(conversations, bank):
    chat = chat_as(conversations, "C-1001")
    assert "Freeze the card ending 4417" in chat.say("please freeze card 4417")
    assert "is frozen" in chat.say("yes")
    assert "Debit card ending 4417" in (chat.say("unfreeze my card") and chat.buttons)
    assert "active again" in chat.say("4417")


def test_saying_no_changes_nothing(conversations, bank):
    chat = chat_as(conversations, "C-1008")
    chat.say("freeze card 7001")
    assert "stays active" in chat.say("no")
    assert next(c for c in bank.cards("C-1008") if c.last4 == "7001").status.value == "active"


def test_activating_a_new_card_needs_the_right_expiry(conversations):
    wrong = chat_as(conversations, "C-1007")
    wrong.say("activate my new card")
    wrong.say("4821")
    assert "don't match" in wrong.say("09/30")
    right = chat_as(conversations, "C-1007")
    right.say("activate my new card")
    right.say("4821")
    assert "is active" in right.say("08/29")


def test_a_declined_card_is_explained_with_the_reason(conversations):
    reply = chat_as(conversations, "C-1002").say("why was my card declined")
    assert "Currys Online" in reply and "credit limit" in reply


def test_disputing_a_payment_opens_a_case(conversations):
    chat = chat_as(conversations, "C-1010")
    assert "reply with the number" in chat.say("I don't recognise a payment")
    number = next(i + 1 for i, title in enumerate(chat.buttons) if "DIGITALGOODS" in title)
    assert "What happened" in chat.say(str(number))
    assert "Open a dispute for GV*DIGITALGOODS" in chat.say("I never made this payment")
    assert "case CASE-" in chat.say("yes")


def test_foreign_fees_come_from_the_customers_own_transactions(conversations):
    reply = chat_as(conversations, "C-1005").say("what did I pay in fees abroad")
    assert "(PT)" in reply and "Total fees" in reply


def test_loan_repayment_and_early_repayment(conversations):
    reply = chat_as(conversations, "C-1003").say("when is my next loan repayment")
    assert "£612.40" in reply and "2" in reply and "Repay early" in reply


def test_claim_status_and_an_unknown_claim(conversations):
    assert "is assessing" in chat_as(conversations, "C-1004").say("where is my claim CLM-204518")
    assert "can't find claim CLM-999999" in chat_as(conversations, "C-1004").say("claim CLM-999999 status")


def test_a_new_claim_in_three_steps(conversations):
    chat = chat_as(conversations, "C-1004")
    assert "Step 1 of 3" in chat.say("I need to make a claim")
    assert "Step 2 of 3" in chat.say("someone reversed into my parked car")
    assert "Step 3 of 3" in chat.say("yesterday")
    assert "registered as CLM-" in chat.say("£1,200")


def test_a_wrong_answer_is_re_asked_and_too_many_give_up_with_a_person_offered(conversations):
    chat = chat_as(conversations, "C-1001")
    chat.say("freeze my card")
    assert "couldn't find an active card ending 1111" in chat.say("1111")
    chat.say("2222")
    reply = chat.say("3333")
    assert "A colleague will help" in reply
    assert "Talk to a person" in chat.buttons


def test_a_question_mid_flow_is_answered_and_the_flow_goes_on(conversations):
    chat = chat_as(conversations, "C-1001")
    chat.say("pay my credit card 9023")
    reply = chat.say("what are your fees?")
    assert "monthly fee" in reply and "Back to paying your card" in reply and "Which account" in reply


def test_a_new_task_mid_flow_is_stacked_and_the_first_resumed(conversations):
    chat = chat_as(conversations, "C-1001")
    chat.say("pay my credit card 9023")
    assert "block the card ending 4417" in chat.say("actually I lost my card ending 4417")
    reply = chat.say("yes")
    assert "is blocked" in reply and "back to paying your card" in reply and "Which account" in reply


def test_cancel_stops_the_flow(conversations):
    chat = chat_as(conversations, "C-1001")
    chat.say("pay my credit card 9023")
    assert "stopped: paying your card" in chat.say("never mind")
    assert "Here are your balances" in chat.say("balance")


def test_an_anonymous_web_customer_is_asked_to_verify_before_a_card_flow(conversations):
    assert "know it's you" in chat_as(conversations, None).say("freeze my card")


def _handoff(conversations, chat):
    conversation = conversations.store.get(chat.id)
    assert conversation.status == "queued"
    return conversations.intake.store.get(conversation.handoff_id)


def test_sensitive_changes_go_to_a_person_with_a_reason_code(conversations):
    chat = chat_as(conversations, None)
    assert "made by a colleague" in chat.say("I moved, I need to change my address")
    handoff = _handoff(conversations, chat)
    assert (handoff.reason, handoff.context.flow, handoff.status) == (
        "sensitive_change",
        "update_contact_details",
        "waiting",
    )


def test_giving_up_is_recorded_on_the_conversation_with_the_flow_and_skill(conversations):
    chat = chat_as(conversations, "C-1001")
    chat.say("freeze my card")
    for wrong in ("1111", "2222", "3333"):
        chat.say(wrong)
    handoff = _handoff(conversations, chat)
    assert (handoff.reason, handoff.context.flow, handoff.skill) == ("flow_gave_up", "freeze_card", "cards")


class Clock:
    def __init__(self) -> None:
        self.now = datetime.now(UTC)

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def verifying(bank):
    """Conversations whose engine steps customers up with codes sent to a recording SMS sender."""
    sms, clock = RecordingSms(), Clock()
    codes = DynamoCodeStore(bank._client, "ConversationsTable")
    store = DynamoConversationStore(bank._client, "ConversationsTable", timedelta(days=1))
    engine = make_engine(bank)
    engine.step_up = StepUp(Verifier(codes, sms, b"test-key"), bank)
    intake = make_intake(DynamoHandoffStore(bank._client, "HandoffsTable", store), bank)
    return Conversations(store=store, nlu=KeywordNlu(), engine=engine, intake=intake, clock=clock), sms, clock, store


def test_an_anonymous_customer_verifies_with_a_code_and_the_flow_goes_on(verifying):
    conversations, sms, _, store = verifying
    chat = chat_as(conversations, None)
    assert "mobile number registered" in chat.say("freeze my card")
    assert "sent it a 6-digit code" in chat.say("07700 900101")
    code = sms.last_code("+447700900101")
    assert "isn't right" in chat.say("000000" if code != "000000" else "111111")
    reply = chat.say(code)
    assert "verified" in reply and "Which card would you like to freeze?" in reply
    stored = [m.text for m in store.list_messages(chat.id, 0, 100)]
    assert code not in " ".join(stored) and "[verification code]" in stored
    assert "07700 900101" not in " ".join(stored)
    assert code not in conversations.nlu.received  # the code never reaches the NLU function


def test_an_unregistered_number_gets_the_same_answer_and_no_code(verifying):
    conversations, sms, _, _ = verifying
    chat = chat_as(conversations, None)
    chat.say("freeze my card")
    assert "sent it a 6-digit code" in chat.say("07700 900999")
    assert sms.sent == []
    assert "isn't right" in chat.say("123456")


def test_an_expired_code_is_refused(verifying):
    conversations, sms, clock, _ = verifying
    chat = chat_as(conversations, None)
    chat.say("what's my balance")
    chat.say("+44 7700 900102")
    clock.now += timedelta(minutes=6)
    assert "has expired" in chat.say(sms.last_code("+447700900102"))


def test_three_wrong_codes_lock_the_code_even_if_the_right_one_follows(verifying):
    conversations, sms, _, _ = verifying
    chat = chat_as(conversations, None)
    chat.say("what's my balance")
    chat.say("07700900103")
    right = sms.last_code("+447700900103")
    wrong = "999999" if right != "999999" else "888888"
    chat.say(wrong)
    chat.say(wrong)
    assert "can't be used any more" in chat.say(wrong)
    assert "Here are your balances" not in chat.say(right)


def test_no_more_than_three_codes_an_hour_go_to_one_number(verifying):
    conversations, sms, _, _ = verifying
    for _ in range(5):
        chat = chat_as(conversations, None)
        chat.say("what's my balance")
        assert "sent it a 6-digit code" in chat.say("07700 900104")
    assert len([p for p, _ in sms.sent if p == "+447700900104"]) == 3


HAPPY_PATHS = {
    "check_balance": ("C-1001", ["what's my balance"]),
    "card_bill": ("C-1001", ["how much is my card bill", "9023"]),
    "make_payment": ("C-1008", ["pay my credit card 7001", "Premier Current Account", "£20", "yes"]),
    "lost_card": ("C-1009", ["I lost my card ending 3068", "yes"]),
    "freeze_card": ("C-1003", ["freeze card 5580", "yes"]),
    "unfreeze_card": ("C-1003", ["unfreeze my card", "5580"]),
    "activate_card": ("C-1007", ["activate my new card", "4821", "08/29"]),
    "card_declined": ("C-1002", ["why was my card declined"]),
    "dispute_transaction": ("C-1010", ["I don't recognise a payment", "2", "I never made it", "yes"]),
    "foreign_fees": ("C-1005", ["fees abroad"]),
    "loan_repayment": ("C-1003", ["next loan repayment"]),
    "claim_status": ("C-1004", ["where is my claim CLM-204518"]),
    "file_claim": ("C-1004", ["I need to make a claim", "hail damaged my car roof", "3 days ago", "£800"]),
}


def test_every_happy_path_renders_as_sms_within_three_segments_without_cutting(conversations):
    worst = {}
    for flow, (customer, lines) in HAPPY_PATHS.items():
        chat = chat_as(conversations, customer)
        for line in lines:
            chat.say(line)
            message = render_sms(chat.replies, max_segments=3)
            assert not message.text.endswith("...") and "...\n" not in message.text, (flow, message.text)
            worst[flow] = max(worst.get(flow, 0), message.segments)
            for digit, payload in message.options.items():
                assert f"{digit} for " in message.text and payload
    assert max(worst.values()) <= 3, worst


def test_a_customers_conversations_on_every_channel_are_listed_newest_first(verifying):
    conversations, sms, clock, store = verifying
    app = chat_as(conversations, "C-1006")
    app.say("unfreeze my card")
    clock.now += timedelta(minutes=1)
    web = chat_as(conversations, None)
    web.say("what's my balance")
    web.say("07700 900106")
    assert "Here are your balances" in web.say(sms.last_code("+447700900106"))
    recent = store.recent_for_customer("C-1006")
    assert [(r.channel.value, r.conversation_id) for r in recent[:2]] == [("web", web.id), ("app", app.id)]
    assert recent[0].reason == "check_balance"


def test_a_dispute_above_the_review_limit_goes_to_a_person_as_a_business_rule(conversations):
    chat = chat_as(conversations, "C-1003")
    chat.say("I don't recognise a payment")
    vat = next(title for title in chat.buttons if "HMRC VAT" in title)  # £1,920.00, above the £500 limit
    chat.say(vat.split(".")[0])
    assert "looked at by a colleague" in chat.say("I never made it")
    handoff = _handoff(conversations, chat)
    assert (handoff.reason, handoff.skill, handoff.context.flow) == (
        "business_rule",
        "payments_disputes",
        "dispute_transaction",
    )
    assert handoff.context.slots["transaction"]["merchant"] == "HMRC VAT"


def _outcome(conversations: Conversations, conversation_id: str) -> dict:
    store = conversations.store
    assert isinstance(store, DynamoConversationStore)
    found = [o for o in store.outcomes(datetime.now(UTC).date()).outcomes if o.conversation_id == conversation_id]
    assert len(found) == 1, "one outcome item per conversation"
    return found[0].model_dump(mode="json")


def test_a_finished_task_is_stored_as_contained_and_the_rating_is_kept(conversations):
    chat = chat_as(conversations, "C-1001")
    chat.say("how much is my card bill")
    chat.say("9023")
    outcome = _outcome(conversations, chat.id)["service"]
    assert (outcome["reason"], outcome["resolution"], outcome["turns_to_resolution"]) == ("card_bill", "bot", 2)
    assert outcome["offers_made"] == ["make_payment"]
    assert "rate this conversation" in chat.say("/thanks")
    assert chat.buttons == ["1", "2", "3", "4", "5"]
    assert "Thank you for your rating" in chat.say("4")
    assert _outcome(conversations, chat.id)["service"]["csat"] == 4


def test_a_customer_who_stops_waiting_for_a_person_is_counted_as_abandoned(conversations):
    chat = chat_as(conversations, "C-1002")
    chat.say("talk to a person")
    assert _outcome(conversations, chat.id)["service"]["resolution"] == "handed_off"
    chat.say("stop")
    assert _outcome(conversations, chat.id)["service"]["resolution"] == "abandoned"
