"""The report as one HTML file: inline CSS and SVG, nothing fetched, prints on A4."""

from __future__ import annotations

from html import escape
from typing import TYPE_CHECKING

from reporting import sections as part

if TYPE_CHECKING:
    from reporting.figures import Report
    from reporting.labels import Labels

STYLE = """
:root { --brand: #0b4f6c; --ink: #1d2a31; --muted: #5a6b75; --line: #d5dde2; --bg: #f3f6f8; }
* { box-sizing: border-box; }
body { margin: 0; background: var(--bg); color: var(--ink); font: 15px/1.45 system-ui, -apple-system, "Segoe UI",
  sans-serif; }
header.top { background: var(--brand); color: #fff; padding: 22px 32px 18px; }
header.top h1 { margin: 0 0 4px; font-size: 1.6rem; }
header.top p { margin: 0; opacity: .9; }
main { max-width: 1240px; margin: 0 auto; padding: 20px 32px 40px; }
h2 { font-size: 1.15rem; margin: 28px 0 4px; color: var(--brand); }
.lead { margin: 0 0 12px; color: var(--muted); max-width: 80ch; }
.glance { background: #fff; border-left: 4px solid var(--brand); padding: 12px 16px; margin: 0; border-radius: 4px; }
.tiles { list-style: none; padding: 0; margin: 16px 0 0; display: grid; gap: 12px;
  grid-template-columns: repeat(auto-fill, minmax(270px, 1fr)); }
.tile { background: #fff; border: 1px solid var(--line); border-radius: 8px; padding: 12px 14px; }
.tile__name { margin: 0; font-size: .78rem; text-transform: uppercase; letter-spacing: .05em; color: var(--muted);
  font-weight: 600; }
.tile__value { margin: 2px 0 4px; font-size: 1.9rem; font-weight: 700; font-variant-numeric: tabular-nums; }
.tile__definition { margin: 0; font-size: .85rem; color: #33454f; }
.grid { display: grid; grid-template-columns: repeat(auto-fit, minmax(520px, 1fr)); gap: 16px; align-items: start; }
figure { margin: 0; background: #fff; border: 1px solid var(--line); border-radius: 8px; padding: 14px 16px 10px;
  overflow-x: auto; }
figcaption { color: var(--muted); font-size: .85rem; margin-top: 6px; }
.empty { color: var(--muted); font-style: italic; margin: 12px 0; }
.warning { background: #fff1e0; border-left: 4px solid #b35c00; padding: 10px 14px; border-radius: 4px; }
footer { color: var(--muted); font-size: .85rem; margin-top: 28px; }
@media print {
  body { background: #fff; font-size: 12px; }
  header.top { background: none; color: var(--ink); border-bottom: 2px solid var(--brand); padding: 0 0 8px; }
  main { padding: 0; max-width: none; }
  .grid { grid-template-columns: 1fr 1fr; }
  figure, .tile { break-inside: avoid; }
}
"""


def _tiles(report: Report) -> str:
    items = "".join(
        f'<li class="tile" data-figure="{t.key}"><p class="tile__name">{escape(t.name)}</p>'
        f'<p class="tile__value">{escape(t.value)}</p><p class="tile__definition">{escape(t.definition)}</p></li>'
        for t in part.tiles(report.summary)
    )
    return f'<ul class="tiles">{items}</ul>'


def _glance(report: Report, labels: Labels) -> str:
    """Two or three sentences a manager would say about the period."""
    s = report.summary
    if not s.engaged:
        return "No customer wrote to us in this period."
    said = [f"The virtual assistant resolved {part.share(s.containment)} of contacts on its own and passed "
            f"{part.share(s.handoff_rate)} to a person."]  # fmt: skip
    named = [(reason, n) for reason, n in s.reasons.items() if reason != "unknown"]  # most frequent first
    if named:
        reason, n = named[0]
        said.append(f"The most common reason was “{labels.reason(reason)}” ({n:,} of {s.engaged:,}).")
    if s.handoffs_by_reason:
        reason, n = max(s.handoffs_by_reason.items(), key=lambda kv: kv[1])
        said.append(f"Most handoffs were “{labels.handoff(reason)}” ({n:,}).")
    return " ".join(said)


def _section(title: str, lead: str, *figures: str) -> str:
    heading = f'<h2>{escape(title)}</h2><p class="lead">{escape(lead)}</p>'
    return f'<section>{heading}<div class="grid">{"".join(figures)}</div></section>'


def _charts(report: Report, labels: Labels) -> str:
    f = part.figure
    per = part.bucket_name(report)
    return "".join([
        _section("Over time", f"Each point covers {part.bucket_phrase(report)} (UTC).",
                 f("trend-contacts", part.trend_contacts(report), f"Contacts started per {per}.", ""),
                 f("trend-rates", part.trend_rates(report),
                   "Containment and first-contact resolution of the contacts started in each period.", "")),
        _section("Why customers contact us", "The reason is the first task the customer started, else the first "
                 "question they asked.",
                 f("contact-reasons", part.contact_reasons(report, labels), "Contacts by reason, most frequent first.",
                   "No contact had a reason."),
                 f("fcr-by-reason", part.fcr_by_reason(report, labels),
                   "Share resolved at the first contact, by reason (identified customers).",
                   "No resolved contact of an identified customer.")),
        _section("Effort and handoffs", "Fewer turns and fewer handoffs mean customers got what they came for sooner.",
                 f("effort", part.effort(report), "Resolved contacts by the customer messages they took, counting "
                   "earlier contacts about the same reason that week.", "No resolved contact."),
                 f("handoffs", part.handoffs(report, labels), "Why the assistant passed contacts to a person.",
                   "No handoffs.")),
        _section("Satisfaction and prediction", "Ratings are asked for once a contact is resolved.",
                 f("csat", part.csat(report), "Ratings given, from 1 (poor) to 5 (excellent).", "No ratings."),
                 f("prediction", part.prediction(report, labels), "Rows: the first reason we offered before the "
                   "customer typed; columns: what they then wanted. The green diagonal is right first time.",
                   "No reason was offered and then confirmed.")),
        _section("Channels", "Where customers reached us, and how many of those contacts we started ourselves.",
                 f("channels", part.channels(report, labels), "Contacts by channel: started by the customer or by us.",
                   "No contacts.")),
    ])  # fmt: skip


def render(report: Report, labels: Labels) -> str:
    s = report.summary
    period = f"{report.first_day:%d %b %Y} – {report.last_day:%d %b %Y}"
    days = (report.last_day - report.first_day).days + 1
    warning = (
        '<p class="warning">The period had more contacts than the report reads; the figures cover the first '
        f"{s.contacts:,}.</p>"
        if report.truncated
        else ""
    )
    return f"""<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Service report {escape(period)}</title>
<style>{STYLE}</style>
</head>
<body>
<header class="top">
<h1>Service report</h1>
<p>{escape(period)} · {days} day{"s" if days != 1 else ""} · {s.contacts:,} contacts ·
generated {report.generated_at:%d %b %Y %H:%M} UTC</p>
</header>
<main>
{warning}
<section><h2>At a glance</h2><p class="glance" data-testid="glance">{escape(_glance(report, labels))}</p>
{_tiles(report)}</section>
{_charts(report, labels)}
<footer>Each figure is defined once, in <code>functions/core/service_metrics.py</code>, and computed from one outcome
per conversation. A contact is one conversation; contacts of the last 7 days may still be followed by a repeat, so
their first-contact resolution is provisional.</footer>
</main>
</body>
</html>
"""
