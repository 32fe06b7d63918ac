"""`make simulate`: a small simulated day through a local stack of its own, checked on the outcomes it leaves; and the
scripted customer's reading of the bot, which the day depends on."""

import random

import pytest

from core.models import Channel, Resolution
from simulation.scripts import BotTurn, Customer, Goal, Knowledge
from simulation.simulate import own_stack, simulate, target_of

# A seed whose 15 customers use every channel, get proactive messages and ask for people (simulation/day.py).
SEED = 36
FRAUD_TEXT = "Security alert: did you just pay £20.00 at Argos?\nReply 1 for Yes, 2 for No."
OFFER = [
    {
        "text": "Hello. Is this about the payment at Argos?",
        "quick_replies": [
            {"title": "Yes, that's it", "payload": "/lost_stolen_card"},
            {"title": "Something else", "payload": "/something_else"},
        ],
    }
]


def _customer(goal: Goal, sms: bool = False) -> Customer:
    return Customer(goal, Knowledge(phone="+447700920001"), random.Random(1), sms)


@pytest.mark.slow
@pytest.mark.stack
def test_a_simulated_day_leaves_outcomes_on_every_channel_with_proactive_contacts_and_agents(tmp_path):
    # Its own moto region: the embedded server keeps one store per region in this process.
    with own_stack("ap-southeast-1", run_dir=tmp_path, workers=2) as stack:
        result = simulate(target_of(stack), customers=15, seed=SEED, concurrency=8)

    assert result.failures == []
    outcomes = result.outcomes
    assert {o.channel for o in outcomes} == set(Channel)
    assert any(o.service.started_by == "system" for o in outcomes)
    assert any(o.service.resolution is Resolution.AGENT for o in outcomes)
    line = result.line()
    assert line["customers"] == 15 and line["conversations"] == len(outcomes)
    assert line["script_failures"] == 0 and line["turns"] > line["conversations"]


def test_a_texted_menu_is_read_as_options_answered_by_their_digit():
    turn = BotTurn.of_sms(["Would you like to talk to us?\nReply 1 for Talk to a person, 2 for Freeze my card."])

    assert [(o.send, o.intent) for o in turn.options] == [("1", "human_handoff"), ("2", "freeze_card")]
    assert _customer(Goal(intent="freeze_card"), sms=True).next_move(turn).text == "2"


def test_a_customer_who_did_not_make_the_payment_texts_no_to_the_fraud_alert():
    move = _customer(Goal(intent=None, first_yes=False), sms=True).next_move(BotTurn.of_sms([FRAUD_TEXT]))

    assert move.text == "NO"


def test_the_predicted_reason_is_taken_only_by_a_customer_who_came_about_it():
    turn = BotTurn.of_chat(OFFER, "bot")

    assert _customer(Goal("lost_stolen_card", ("I lost my card",))).next_move(turn).text == "/lost_stolen_card"
    assert _customer(Goal("check_balance", ("what's my balance",))).next_move(turn).text == "what's my balance"


def test_a_texted_customer_waits_for_an_agent_until_the_agents_goodbye_asks_for_a_rating():
    queued = "You're next in the queue; the wait is about 3 minutes."
    rating = "Chen has left the chat. Before you go: how would you rate this conversation, from 1 (poor) to 5?"

    assert BotTurn.of_sms([queued]).waiting
    assert not BotTurn.of_sms([queued, "Chen: sorted.", rating]).waiting
