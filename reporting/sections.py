"""The report's parts: headline figures with their definitions in plain words, and one chart per question."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from html import escape
from typing import TYPE_CHECKING

from reporting import svg

if TYPE_CHECKING:
    from collections.abc import Callable

    from core.service_metrics import ServiceSummary
    from reporting.figures import Report
    from reporting.labels import Labels

DASH = "–"
CSAT_COLOURS = ["#a4262c", "#d9793a", "#c9b037", "#6aa84f", "#2e7d32"]


@dataclass(frozen=True)
class Tile:
    key: str
    name: str
    value: str
    definition: str


def share(value: float | None) -> str:
    return DASH if value is None else f"{value:.0%}"


def duration(seconds: float | None) -> str:
    if seconds is None:
        return DASH
    if seconds < 90:
        return f"{seconds:.0f} s"
    if seconds < 5400:
        return f"{seconds / 60:.0f} min"
    return f"{seconds / 3600:.1f} h"


def tiles(s: ServiceSummary) -> list[Tile]:
    """The headline figures; core/service_metrics.py holds the exact definitions these words describe."""
    turns = DASH if s.effort_turns_median is None else f"{s.effort_turns_median:g} turns"
    csat = DASH if s.csat_mean is None else f"{s.csat_mean:.1f} / 5"
    elapsed = _clause("median time from the first of them to resolution: {}", duration, s.effort_elapsed_s_median)
    answered = _clause("{} of the customers asked answered", share, s.csat_response_rate)
    repeated = _clause("{} repeated a request", share, s.repeated_share)
    predicted = (
        f"When we offered a likely reason before the customer typed ({s.predictions_judged:,} contacts), how often "
        f"the first one was it; any reason offered was right {share(s.prediction_any)} of the time."
        if s.predictions_judged
        else "How often the first reason we offer before the customer types is right; none was judged in this period."
    )
    return [
        Tile("contacts", "Contacts", f"{s.contacts:,}",
             f"Conversations started in the period, on every channel; {s.engaged:,} had a message from the customer."),
        Tile("containment", "Containment", share(s.containment),
             "Of the contacts where the customer wrote, the share the virtual assistant resolved on its own "
             "(a task finished or a question answered) without a person."),
        Tile("handoff-rate", "Handoff rate", share(s.handoff_rate),
             "Of the contacts where the customer wrote, the share passed to a person, for any reason."),
        Tile("fcr", "First-contact resolution", share(s.fcr),
             "Of the resolved contacts of customers we could identify, the share after which the customer did not "
             "come back about the same reason, on any channel, within 7 days. The last week's are provisional."),
        Tile("effort", "Customer effort", turns,
             "Median customer messages to resolve, counting earlier contacts about the same reason in the week "
             f"before{elapsed}."),
        Tile("csat", "Satisfaction (CSAT)", csat, f"Mean of the 1-5 ratings given at the end{answered}."),
        Tile("prediction", "Reason predicted right", share(s.prediction_top1), predicted),
        Tile("proactive", "Proactive share", share(s.proactive_share),
             "Contacts we started (an alert or an outreach message) out of all contacts."),
        Tile("time-to-agent", "Time to an agent", duration(s.time_to_agent_s_median),
             "Median wait from the handoff until an agent took the conversation."),
        Tile("handle-time", "Handle time", duration(s.handle_time_s_median),
             "Median time from the agent taking the conversation to resolving it."),
        Tile("offers", "Next steps taken up", share(s.offers_accepted_share),
             "Of the next steps suggested after a finished task, the share customers went on to take."),
        Tile("channel-switches", "Channel switches", share(s.channel_switch_share),
             f"Resolved contacts whose customer had tried another channel about it that week{repeated}."),
    ]  # fmt: skip


def _clause(template: str, fmt: Callable[[float], str], value: float | None) -> str:
    """A clause to append ("; " and the template with the value), or nothing when there is no value."""
    return "" if value is None else "; " + template.format(fmt(value))


def _bucket_label(report: Report) -> Callable[[int], str]:
    if report.bucket >= timedelta(days=1):
        return lambda i: report.trend[i].start.strftime("%a\n%d %b")
    return lambda i: report.trend[i].start.strftime("%H:%M")


def bucket_name(report: Report) -> str:
    if report.bucket >= timedelta(days=1):
        return "day"
    return "hour" if report.bucket >= timedelta(hours=1) else "10 minutes"


def bucket_phrase(report: Report) -> str:
    name = bucket_name(report)
    return f"one {name}" if name in ("day", "hour") else name


def trend_contacts(report: Report) -> str:
    label = _bucket_label(report)
    labels = [label(i) for i in range(len(report.trend))]
    title = f"Contacts per {bucket_name(report)}"
    return svg.columns("trend-contacts", title, labels, [b.contacts for b in report.trend])


def trend_rates(report: Report) -> str:
    label = _bucket_label(report)
    labels = [label(i) for i in range(len(report.trend))]
    series = [
        ("Containment", svg.BRAND, [b.containment for b in report.trend]),
        ("First-contact resolution", svg.ACCENT, [b.fcr for b in report.trend]),
    ]
    return svg.lines(
        "trend-rates", f"Containment and first-contact resolution per {bucket_name(report)}", labels, series
    )


def contact_reasons(report: Report, labels: Labels) -> str | None:
    rows = [(labels.reason(k), float(v)) for k, v in list(report.summary.reasons.items())[:12]]
    return svg.hbars("contact-reasons", "Contacts by reason", rows) if rows else None


def fcr_by_reason(report: Report, labels: Labels) -> str | None:
    reasons = report.summary.fcr_by_reason
    ordered = sorted(reasons, key=lambda k: -report.summary.reasons.get(k, 0))[:12]
    rows = [(labels.reason(k), reasons[k]) for k in ordered]
    if not rows:
        return None
    return svg.hbars("fcr-by-reason", "First-contact resolution by reason", rows, svg.percent, top=1.0, color=svg.GOOD)


def effort(report: Report) -> str | None:
    if not any(report.effort_turns.values()):
        return None
    keys = list(report.effort_turns)
    values = [report.effort_turns[k] for k in keys]
    return svg.columns("effort", "Resolved contacts by customer turns taken", keys, values)


def handoffs(report: Report, labels: Labels) -> str | None:
    by_reason = sorted(report.summary.handoffs_by_reason.items(), key=lambda kv: -kv[1])
    rows = [(labels.handoff(k), float(v)) for k, v in by_reason]
    return svg.hbars("handoffs", "Handoffs by reason", rows, color=svg.ACCENT) if rows else None


def csat(report: Report) -> str | None:
    values = [report.summary.csat_distribution.get(score, 0) for score in range(1, 6)]
    if not any(values):
        return None
    labels = ["1 poor", "2", "3", "4", "5 excellent"]
    return svg.columns("csat", "Ratings from 1 (poor) to 5 (excellent)", labels, values, colors=CSAT_COLOURS)


def prediction(report: Report, labels: Labels) -> str | None:
    if not report.confusion:
        return None
    names = {k: labels.reason(k) for k in report.confusion_axis}
    cells = {(names[p], names[c]): n for (p, c), n in report.confusion.items()}
    axis = [names[k] for k in report.confusion_axis]
    return svg.heatmap(
        "prediction", "First reason offered against what the customer wanted", axis, axis, cells,
        row_title="first reason offered", col_title="What the customer wanted",
    )  # fmt: skip


def channels(report: Report, labels: Labels) -> str | None:
    rows = [(labels.channel(k), [float(a), float(b)]) for k, (a, b) in report.channels.items()]
    if not rows:
        return None
    parts = [("Customer started", svg.BRAND), ("We started (proactive)", svg.ACCENT)]
    return svg.stacked("channels", "Contacts by channel and by who started them", rows, parts)


def figure(name: str, chart: str | None, caption: str, empty: str) -> str:
    body = chart or f'<p class="empty" data-chart="{name}">{escape(empty)}</p>'
    return f"<figure>{body}<figcaption>{escape(caption)}</figcaption></figure>"
