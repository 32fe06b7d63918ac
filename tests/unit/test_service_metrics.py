"""Every service metric's definition on hand-built conversation histories."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from core.models import Channel, QuickReply, Reply, Resolution, ServiceRecord
from core.service_metrics import ConversationOutcome, effort, first_contact_resolved, summarize
from core.service_record import CSAT_QUESTION, after_agent_joined, after_agent_resolved, after_customer_turn, csat_score

T0 = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)


def contact(
    cid: str,
    at: datetime,
    *,
    customer: str | None = "C-1",
    channel: Channel = Channel.WEB,
    reason: str | None = "card_declined",
    resolution: Resolution = Resolution.BOT,
    turns: int = 2,
    **service: object,
) -> ConversationOutcome:
    resolved = resolution in (Resolution.BOT, Resolution.AGENT)
    fields: dict[str, object] = {
        "reason": reason,
        "resolution": resolution,
        "customer_turns": turns,
        "turns_to_resolution": turns if resolved else None,
        "first_customer_at": at,
        "resolved_at": at + timedelta(minutes=3) if resolved else None,
    }
    record = ServiceRecord.model_validate(fields | service)
    return ConversationOutcome(
        conversation_id=cid, channel=channel, customer_id=customer, created_at=at, service=record
    )


def test_a_contact_with_no_recontact_within_7_days_is_resolved_first_time():
    first = contact("a", T0)
    later_other_reason = contact("b", T0 + timedelta(days=1), reason="card_bill")
    after_the_window = contact("c", T0 + timedelta(days=8))
    assert first_contact_resolved(first, [first, later_other_reason, after_the_window]) is True


def test_a_recontact_about_the_same_reason_on_another_channel_breaks_fcr():
    first = contact("a", T0, channel=Channel.WEB)
    again_by_sms = contact("b", T0 + timedelta(days=2), channel=Channel.SMS)
    assert first_contact_resolved(first, [first, again_by_sms]) is False
    assert first_contact_resolved(again_by_sms, [first, again_by_sms]) is True


def test_fcr_does_not_apply_to_anonymous_or_unresolved_contacts():
    assert first_contact_resolved(contact("a", T0, customer=None), []) is None
    assert first_contact_resolved(contact("b", T0, resolution=Resolution.HANDED_OFF), []) is None


def test_effort_counts_the_whole_episode_with_its_channel_switch():
    failed_on_web = contact("a", T0, channel=Channel.WEB, resolution=Resolution.OPEN, turns=3, repeated=1)
    resolved_by_sms = contact("b", T0 + timedelta(hours=2), channel=Channel.SMS, turns=2)
    measured = effort(resolved_by_sms, [failed_on_web, resolved_by_sms])
    assert measured is not None
    assert (measured.turns, measured.channel_switches, measured.repeated) == (5, 1, 1)
    assert measured.elapsed_s == (2 * 3600 + 180)


def test_effort_of_a_single_contact_is_its_own():
    single = contact("a", T0, turns=4)
    measured = effort(single, [single])
    assert measured is not None
    assert (measured.turns, measured.channel_switches, measured.elapsed_s) == (4, 0, 180)


def test_summary_figures():
    outcomes = [
        contact("bot1", T0),
        contact("bot2", T0 + timedelta(minutes=1), customer="C-2", csat=5, csat_asked=True),
        contact(
            "agent", T0, customer="C-3", resolution=Resolution.AGENT, handoff_reason="complaint",
            handoff_at=T0 + timedelta(minutes=1), agent_joined_at=T0 + timedelta(minutes=2),
            csat=3, csat_asked=True,
        ),
        contact("waiting", T0, customer="C-4", resolution=Resolution.HANDED_OFF, handoff_reason="customer_asked"),
        contact("proactive-unanswered", T0, customer="C-5", started_by="system", first_customer_at=None),
    ]  # fmt: skip
    summary = summarize(outcomes)
    assert summary.contacts == 5 and summary.engaged == 4
    assert summary.containment == 0.5  # bot1, bot2 of 4 engaged
    assert summary.handoff_rate == 0.5
    assert summary.handoffs_by_reason == {"complaint": 1, "customer_asked": 1}
    assert summary.proactive_share == 0.2
    assert summary.csat_mean == 4 and summary.csat_response_rate == 1.0
    assert summary.time_to_agent_s_median == 60
    assert summary.handle_time_s_median == 60  # joined at +2 min, resolved at +3 min
    assert summary.fcr == 1.0


def test_prediction_accuracy_counts_top1_and_any_offered():
    hit = contact("a", T0).model_copy(
        update={"predicted": ("card_declined", "foreign_fees"), "confirmed": "card_declined"}
    )
    second = contact("b", T0).model_copy(
        update={"predicted": ("card_bill", "make_payment"), "confirmed": "make_payment"}
    )
    miss = contact("c", T0).model_copy(update={"predicted": ("card_bill",), "confirmed": "other"})
    unjudged = contact("d", T0).model_copy(update={"predicted": ("card_bill",)})
    summary = summarize([hit, second, miss, unjudged])
    assert summary.predictions_judged == 3
    assert summary.prediction_top1 == pytest.approx(1 / 3, abs=1e-3)
    assert summary.prediction_any == pytest.approx(2 / 3, abs=1e-3)


def test_a_finished_task_resolves_and_offers_what_comes_next():
    suggestion = Reply(text="Your bill ...", quick_replies=())
    record, _ = after_customer_turn(
        ServiceRecord(), intent="card_bill", task_started="card_bill", task_done=False, answered=False,
        handed_off=None, replies=(suggestion,), now=T0,
    )  # fmt: skip
    assert record.reason == "card_bill" and record.resolution is Resolution.OPEN
    done = Reply(text="Balance £10", quick_replies=(QuickReply(title="Make a payment", payload="/make_payment"),))
    record, _ = after_customer_turn(
        record, intent="inform", task_started=None, task_done=True, answered=False, handed_off=None,
        replies=(done,), now=T0 + timedelta(minutes=1),
    )  # fmt: skip
    assert record.resolution is Resolution.BOT and record.turns_to_resolution == 2
    assert record.offers_made == ["make_payment"]
    record, replies = after_customer_turn(
        record, intent="make_payment", task_started="make_payment", task_done=False, answered=False,
        handed_off=None, replies=(), now=T0 + timedelta(minutes=2),
    )  # fmt: skip
    assert record.offers_accepted == 1 and record.offers_made == []
    record, replies = after_customer_turn(
        record, intent="thanks", task_started=None, task_done=False, answered=False, handed_off=None,
        replies=(Reply(text="You're welcome"),), now=T0 + timedelta(minutes=3),
    )  # fmt: skip
    assert replies[-1].text == CSAT_QUESTION and record.csat_asked
    assert csat_score(record, " 4 ") == 4 and csat_score(record, "14") is None


def test_asking_again_counts_as_a_repeated_request():
    record = ServiceRecord()
    for _ in range(3):
        record, _ = after_customer_turn(
            record, intent="fees", task_started=None, task_done=False, answered=True, handed_off=None,
            replies=(), now=T0,
        )  # fmt: skip
    assert record.repeated == 2 and record.reason == "fees" and record.turns_to_resolution == 1


def test_an_agent_resolution_records_times_and_asks_for_a_rating():
    record, _ = after_customer_turn(
        ServiceRecord(), intent="human_handoff", task_started=None, task_done=False, answered=False,
        handed_off="customer_asked", replies=(), now=T0,
    )  # fmt: skip
    record = after_agent_joined(record, T0 + timedelta(minutes=4))
    record = after_agent_joined(record, T0 + timedelta(minutes=9))  # a second claim keeps the first
    record = after_agent_resolved(record, T0 + timedelta(minutes=12))
    assert record.resolution is Resolution.AGENT and record.csat_asked
    assert record.agent_joined_at == T0 + timedelta(minutes=4)
    assert record.handoff_reason == "customer_asked"
