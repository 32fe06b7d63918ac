// The right-hand column: what the bot learnt before the handoff, so the agent never asks the customer
// to repeat themselves.
import { CHANNELS, REASONS, SKILLS, clock, day, el, flagChips, humanise, label, priorityBadge } from "./dom.js";

const ticked = new Set(); // action suggestions the agent has ticked off, by handoff and title

function panel(title, testId, ...content) {
  return el("section", { className: "panel", "data-testid": testId }, el("h3", { text: title }), ...content);
}

function facts(pairs) {
  return el("dl", { className: "facts" }, ...pairs.flatMap(([term, value]) => [
    el("dt", { text: term }),
    el("dd", { text: typeof value === "object" && value !== null ? JSON.stringify(value) : String(value) }),
  ]));
}

function summary(pack) {
  const h = pack.handoff;
  return panel("Summary", "summary",
    el("p", { className: "summary", text: pack.summary }),
    el("p", { className: "chips" },
      priorityBadge(h.priority),
      el("span", { className: "chip", "data-testid": "reason", text: label(REASONS, h.reason) }),
      el("span", { className: "chip", text: label(SKILLS, h.skill) }),
      ...flagChips(h)));
}

function customerCard(customer) {
  if (!customer) {
    return panel("Customer", "customer",
      el("p", { className: "muted", text: "Unidentified: not signed in or verified on this channel." }));
  }
  return panel("Customer", "customer",
    el("p", { className: "customer__name" }, customer.name, ...flagChips(customer)),
    facts([
      ["Customer", customer.customer_id],
      ["Verification", humanise(customer.verification)],
      ["Phone", customer.phone_ending ? `ending ${customer.phone_ending}` : "—"],
      ["Segments", customer.segments.map(humanise).join(", ") || "—"],
    ]));
}

function suggestion(s, handoffId, useReply) {
  const text = [el("span", { className: "suggestion__title", text: s.title }),
    el("span", { className: "suggestion__text", text: s.text })];
  if (s.kind === "reply") {
    return el("li", { className: "suggestion" }, ...text, el("button", {
      type: "button",
      className: "btn btn--small",
      "data-testid": "use-suggestion",
      "aria-label": `Use suggested reply: ${s.title}`,
      text: "Use",
      onclick: () => useReply(s.text),
    }));
  }
  const key = `${handoffId}:${s.title}`;
  const box = el("input", {
    type: "checkbox",
    onchange: (event) => (event.target.checked ? ticked.add(key) : ticked.delete(key)),
  });
  box.checked = ticked.has(key);
  return el("li", { className: "suggestion suggestion--action" }, el("label", {}, box, el("span", {}, ...text)));
}

function task(pack) {
  const slots = Object.entries(pack.slots || {});
  const flow = pack.flow
    ? el("strong", { text: humanise(pack.flow) })
    : el("span", { className: "muted", text: "No task in progress" });
  return panel("Bot task", "task", el("p", {}, flow),
    slots.length ? facts(slots.map(([name, value]) => [humanise(name), value])) : null);
}

function intents(list) {
  return panel("Intents", "intents", el("ol", { className: "bars" }, ...list.map((i) => {
    const percent = Math.round(i.confidence * 100);
    return el("li", {},
      el("span", { className: "bars__label", text: humanise(i.intent) }),
      el("span", { className: "bars__track" }, el("span", { className: "bars__fill", style: `width:${percent}%` })),
      el("span", { className: "bars__value", text: `${percent}%` }));
  })));
}

function sentiment(pack) {
  const points = pack.sentiment;
  const warning = pack.frustrated
    ? el("p", {
      className: "warning", role: "status", "data-testid": "frustrated",
      text: "Frustration is rising: acknowledge it first.",
    })
    : null;
  if (!points.length) {
    const none = el("p", { className: "muted", text: "No customer messages scored yet." });
    return panel("Sentiment", "sentiment", warning, none);
  }
  const tone = (score) => (score < -0.05 ? "spark__bar--neg" : score > 0.05 ? "spark__bar--pos" : "");
  const bars = points.map((p) => el("span", {
    className: `spark__bar ${tone(p.score)}`,
    style: `height:${4 + Math.round(Math.abs(p.score) * 28)}px`,
    title: `Message ${p.seq}: ${p.score.toFixed(2)}`,
  }));
  const described = points.map((p) => p.score.toFixed(1)).join(", ");
  const latest = points[points.length - 1].score.toFixed(2);
  return panel("Sentiment", "sentiment", warning,
    el("div", { className: "spark", role: "img", "aria-label": `Sentiment, oldest to newest: ${described}` }, ...bars),
    el("p", { className: "muted small", text: `Latest ${latest} (−1 negative … +1 positive)` }));
}

function bullets(title, testId, items) {
  if (!items.length) return null;
  return panel(title, testId, el("ul", { className: "bullets" }, ...items.map((text) => el("li", { text }))));
}

function transferNote(n) {
  const route = `${label(SKILLS, n.from_skill)} → ${label(SKILLS, n.to_skill)}`;
  return `${day(n.at)} ${clock(n.at)} · ${route}: ${n.note || "(no note)"}`;
}

function recent(conversations) {
  if (!conversations.length) {
    const none = el("p", { className: "muted", text: "No other recent conversations." });
    return panel("Recent conversations", "recent", none);
  }
  return panel("Recent conversations", "recent", el("ul", { className: "recent" }, ...conversations.map((c) => {
    const handedOff = c.handoff_reason ? `handed off: ${label(REASONS, c.handoff_reason)}` : null;
    const what = [humanise(c.reason) || "no request", handedOff, c.status].filter(Boolean).join(" · ");
    return el("li", {},
      el("span", { className: "recent__when", text: `${day(c.created_at)} · ${label(CHANNELS, c.channel)}` }),
      el("span", { text: what }));
  })));
}

// The pack's panels, most useful first; `useReply` puts a suggested reply in the composer.
export function contextPanels(pack, useReply) {
  const replies = pack.suggestions.map((s) => suggestion(s, pack.handoff.handoff_id, useReply));
  return [
    summary(pack),
    customerCard(pack.customer),
    replies.length ? panel("Suggestions", "suggestions", el("ul", { className: "suggestions" }, ...replies)) : null,
    task(pack),
    pack.intents.length ? intents(pack.intents) : null,
    sentiment(pack),
    bullets("Evidence", "evidence", pack.evidence),
    bullets("Transfer notes", "notes", pack.notes.map(transferNote)),
    recent(pack.recent_conversations),
  ].filter(Boolean);
}
