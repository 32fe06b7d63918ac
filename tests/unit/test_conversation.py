import pytest

from core.conversation import Conversations
from core.errors import ConversationClosed, ConversationNotFound, InvalidConversationToken, ServiceBusy
from core.models import Channel, ConversationStatus, Role
from tests.fakes import InMemoryConversationStore, KeywordNlu, make_engine, make_intake


@pytest.fixture
def store():
    return InMemoryConversationStore()


@pytest.fixture
def nlu():
    return KeywordNlu()


@pytest.fixture
def conversations(store, nlu):
    return Conversations(
        store=store, nlu=nlu, engine=make_engine(), intake=make_intake(store, None), sleep=lambda _: None
    )


def test_a_new_conversation_opens_with_the_welcome_message(conversations, store):
    started = conversations.start(Channel.WEB, "en", None)
    stored = store.messages[started.conversation.conversation_id]
    assert [m.text for m in stored] == [r.text for r in started.replies]
    assert store.conversations[started.conversation.conversation_id].last_seq == len(stored)


def test_a_turn_stores_the_message_and_the_reply_in_order(conversations, store):
    started = conversations.start(Channel.WEB, "en", None)
    cid = started.conversation.conversation_id
    outcome = conversations.handle_message(cid, started.token, "when are you open?", "m1")
    roles = [(m.seq, m.role) for m in store.messages[cid]]
    assert roles[-2:] == [(2, Role.CUSTOMER), (3, Role.BOT)]
    assert outcome.replies[0].text.startswith("Our phone and chat team")


def test_a_retried_client_message_returns_the_first_answer_and_is_not_processed_again(conversations, store, nlu):
    started = conversations.start(Channel.WEB, "en", None)
    cid = started.conversation.conversation_id
    first = conversations.handle_message(cid, started.token, "hello", "same-id")
    again = conversations.handle_message(cid, started.token, "hello", "same-id")
    assert again == first
    assert nlu.received == ["hello"]
    assert len([m for m in store.messages[cid] if m.role is Role.CUSTOMER]) == 1


def test_a_racing_turn_is_retried_on_fresh_state_without_losing_either_message(conversations, store):
    started = conversations.start(Channel.WEB, "en", None)
    cid = started.conversation.conversation_id
    store.interfere = 2
    conversations.handle_message(cid, started.token, "hello", "m1")
    assert [m.text for m in store.messages[cid] if m.role is Role.CUSTOMER] == ["hello"]


def test_a_conversation_that_keeps_racing_gives_up_with_service_busy(conversations, store):
    started = conversations.start(Channel.WEB, "en", None)
    store.interfere = 100
    with pytest.raises(ServiceBusy):
        conversations.handle_message(started.conversation.conversation_id, started.token, "hello", "m1")


def test_card_numbers_are_masked_before_the_nlu_and_the_store_see_them(conversations, store, nlu):
    started = conversations.start(Channel.WEB, "en", None)
    cid = started.conversation.conversation_id
    conversations.handle_message(cid, started.token, "lost card 4242 4242 4242 4242", "m1")
    assert nlu.received == ["lost card [card ending 4242]"]
    assert "4242 4242" not in " ".join(m.text for m in store.messages[cid])


def test_a_quick_reply_payload_names_the_intent_without_asking_the_nlu(conversations, nlu):
    started = conversations.start(Channel.WEB, "en", None)
    outcome = conversations.handle_message(started.conversation.conversation_id, started.token, "/branch_hours", "m1")
    assert nlu.received == []
    assert "Monday to Friday" in outcome.replies[0].text


def test_nlu_down_still_answers_honestly_and_keeps_the_message(conversations, store, nlu):
    nlu.down = True
    started = conversations.start(Channel.WEB, "en", None)
    cid = started.conversation.conversation_id
    outcome = conversations.handle_message(cid, started.token, "what is my balance", "m1")
    assert "trouble understanding" in outcome.replies[0].text
    assert store.messages[cid][-2].text == "what is my balance"


def test_a_wrong_token_or_unknown_conversation_is_refused(conversations):
    started = conversations.start(Channel.WEB, "en", None)
    with pytest.raises(InvalidConversationToken):
        conversations.handle_message(started.conversation.conversation_id, "not-the-token", "hi", "m1")
    with pytest.raises(ConversationNotFound):
        conversations.handle_message("00000000-0000-0000-0000-000000000000", started.token, "hi", "m1")


def test_a_closed_conversation_takes_no_more_messages(conversations, store):
    started = conversations.start(Channel.WEB, "en", None)
    cid = started.conversation.conversation_id
    store.conversations[cid].status = ConversationStatus.CLOSED
    with pytest.raises(ConversationClosed):
        conversations.handle_message(cid, started.token, "hi", "m1")


def test_a_quick_reply_is_stored_as_the_title_the_customer_chose(conversations, store):
    started = conversations.start(Channel.WEB, "en", None)
    cid = started.conversation.conversation_id
    conversations.handle_message(cid, started.token, "/check_balance", "m1")
    assert store.messages[cid][-2].text == "Check my balance"
    assert store.messages[cid][-2].intent.name == "check_balance"
