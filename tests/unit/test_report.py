"""The service report on hand-built contacts: its figures, its charts, and the days it reads."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta

import pytest

from core.models import Channel, Resolution, ServiceRecord
from core.service_metrics import ConversationOutcome
from reporting.figures import bucket_size, build, confusion
from reporting.labels import Labels, reason_titles
from reporting.page import render
from reporting.report import generate
from tests.fakes import PagedOutcomes

T0 = datetime(2026, 11, 16, 9, 0, tzinfo=UTC)
CHARTS = [
    "trend-contacts", "trend-rates", "contact-reasons", "fcr-by-reason", "effort", "handoffs", "csat", "prediction",
    "channels",
]  # fmt: skip


def contact(cid: str, at: datetime, customer: str | None, channel: Channel, **service: object) -> ConversationOutcome:
    predicted = service.pop("predicted", ())
    confirmed = service.pop("confirmed", None)
    record = ServiceRecord.model_validate({"first_customer_at": at, "customer_turns": 2} | service)
    return ConversationOutcome(
        conversation_id=cid, channel=channel, customer_id=customer, created_at=at, service=record,
        predicted=predicted, confirmed=confirmed,
    )  # fmt: skip


def resolved(at: datetime, by: Resolution = Resolution.BOT, turns: int = 2, **more: object) -> dict[str, object]:
    return {"resolution": by, "resolved_at": at + timedelta(minutes=4), "turns_to_resolution": turns} | more


def week() -> list[ConversationOutcome]:
    """Five contacts: two contained for one customer (the second a repeat), one resolved by an agent, one still
    waiting for a person, and one we started by SMS that the prediction got wrong."""
    d2, d3, d4 = T0 + timedelta(days=2), T0 + timedelta(days=3), T0 + timedelta(days=4)
    to_agent = {"handoff_reason": "customer_asked", "handoff_at": d3, "agent_joined_at": d3 + timedelta(minutes=3)}
    agent_done = resolved(d3, Resolution.AGENT, 5) | {"resolved_at": d3 + timedelta(minutes=12)}
    return [
        contact("a", T0, "C-1", Channel.WEB, reason="card_bill", **resolved(T0), csat_asked=True, csat=5),
        contact("b", d2, "C-1", Channel.APP, reason="card_bill", **resolved(d2, turns=3),
                predicted=("card_bill", "card_declined"), confirmed="card_bill"),
        contact("c", d3, "C-2", Channel.WEB, reason="card_declined", **to_agent, **agent_done, csat_asked=True, csat=4),
        contact("d", d3, None, Channel.SMS, resolution=Resolution.HANDED_OFF, handoff_reason="low_confidence",
                handoff_at=d3),
        contact("e", d4, "C-3", Channel.SMS, reason="loan_repayment", started_by="system", **resolved(d4),
                predicted=("card_declined",), confirmed="loan_repayment"),
    ]  # fmt: skip


def tile(html: str, key: str) -> str:
    found = re.search(rf'data-figure="{key}">.*?<p class="tile__value">(.*?)</p>', html)
    assert found, key
    return found.group(1)


@pytest.fixture
def page() -> str:
    report = build(week(), [], T0.date(), (T0 + timedelta(days=6)).date(), T0 + timedelta(days=7))
    return render(report, Labels(reason_titles()))


def test_the_headline_figures_follow_the_service_metrics_definitions(page):
    assert tile(page, "contacts") == "5"
    assert tile(page, "containment") == "60%"  # a, b, e of five the customer wrote in
    assert tile(page, "handoff-rate") == "40%"
    assert tile(page, "fcr") == "75%"  # a came back about the same reason two days later; b, c, e did not
    assert tile(page, "csat") == "4.5 / 5"
    assert tile(page, "prediction") == "50%"  # b right first time, e not
    assert tile(page, "proactive") == "20%"
    assert tile(page, "time-to-agent") == "3 min" and tile(page, "handle-time") == "9 min"
    assert "“Your card bill” (2 of 5)" in page  # the flow's description, not its code


def test_every_chart_is_drawn_as_inline_svg_in_one_self_contained_file(page):
    for name in CHARTS:
        assert re.search(rf'<svg data-chart="{name}" role="img"', page), name
    assert "<script" not in page and "<link" not in page and "src=" not in page
    assert "Asked for a person" in page and "Not understood" in page  # handoff reasons in words
    assert page.count("<title") == page.count("</title>")


def test_a_period_without_contacts_says_so_instead_of_drawing_empty_charts():
    report = build([], [], T0.date(), T0.date(), T0)
    html = render(report, Labels({}))
    assert "No customer wrote to us in this period." in html
    assert '<p class="empty" data-chart="csat">No ratings.</p>' in html
    assert tile(html, "containment") == "–"


@pytest.mark.parametrize(
    ("span", "bucket"),
    [
        (timedelta(days=3), timedelta(days=1)),
        (timedelta(days=1), timedelta(days=1)),
        (timedelta(hours=5), timedelta(hours=1)),
        (timedelta(hours=2), timedelta(hours=1)),
        (timedelta(minutes=119), timedelta(minutes=10)),
    ],
)
def test_trends_are_by_day_across_days_by_hour_within_one_and_by_ten_minutes_under_two_hours(span, bucket):
    outcomes = [contact("a", T0, None, Channel.WEB), contact("b", T0 + span, None, Channel.WEB)]
    assert bucket_size(outcomes) == bucket


def test_a_trend_by_day_has_every_day_of_the_period_even_without_contacts():
    report = build(week(), [], T0.date(), (T0 + timedelta(days=6)).date(), T0)
    assert [b.contacts for b in report.trend] == [1, 0, 1, 2, 1, 0, 0]
    # Day 1: contained, but the customer came back about it; day 4: one resolved by an agent, one still waiting.
    assert (report.trend[0].containment, report.trend[0].fcr) == (1.0, 0.0)
    assert (report.trend[3].containment, report.trend[3].fcr, report.trend[1].containment) == (0.0, 1.0, None)


def test_the_prediction_grid_puts_the_same_reasons_on_both_axes():
    cells, axis = confusion(week())
    assert cells == {("card_bill", "card_bill"): 1, ("card_declined", "loan_repayment"): 1}
    assert sorted(axis) == ["card_bill", "card_declined", "loan_repayment"]


def test_effort_counts_the_turns_of_earlier_contacts_about_the_same_reason():
    report = build(week(), [], T0.date(), (T0 + timedelta(days=6)).date(), T0)
    # a: 2 turns; b: a's 2 + its 3 (same customer and reason two days later); c: 5; e: 2
    assert {k: v for k, v in report.effort_turns.items() if v} == {"2": 2, "5": 2}


def test_the_report_reads_the_period_and_the_week_before_it_and_after_it_up_to_today():
    source = PagedOutcomes(week())
    last = date(2026, 11, 22)
    html, contacts = generate(source, last, 7, today=date(2026, 11, 25))
    assert contacts == 5 and "16 Nov 2026 – 22 Nov 2026" in html
    asked = sorted(set(source.days))
    assert (asked[0], asked[-1], len(asked)) == (date(2026, 11, 9), date(2026, 11, 25), 17)
