// The left-hand lists: the queue of my skills, callbacks to make, and the conversations I hold.
import { $, CHANNELS, REASONS, SKILLS, el, flagChips, label, priorityBadge, waited } from "./dom.js";

function fillRow(button, h, selectedId) {
  const on = h.handoff_id === selectedId;
  button.classList.toggle("item--selected", on);
  button.setAttribute("aria-current", String(on));
  button.replaceChildren(
    el("span", { className: "item__top" },
      h.priority < 2 ? priorityBadge(h.priority) : null,
      el("span", { className: "item__name", text: h.customer_name || "Unidentified" }),
      el("span", { className: "item__wait", text: h.status === "claimed" ? "" : waited(h.waiting_s) })),
    el("span", { className: "item__meta", text: `${label(REASONS, h.reason)} · ${label(SKILLS, h.skill)}` }),
    el("span", { className: "item__flags" }, el("span", { className: "chip", text: label(CHANNELS, h.channel) }),
      ...flagChips(h)),
  );
}

// Renders `handoffs` into the list of `kind` (waiting, callback, claimed), updating rows in place so that
// polling neither flickers nor takes the keyboard focus away.
export function renderList(kind, handoffs, selectedId, onSelect) {
  const list = $(`list-${kind}`);
  $(`count-${kind}`).textContent = handoffs.length;
  $(`empty-${kind}`).hidden = handoffs.length > 0;
  const rows = new Map([...list.children].map((row) => [row.dataset.handoffId, row]));
  const sameOrder = handoffs.length === list.children.length
    && handoffs.every((h, i) => list.children[i].dataset.handoffId === h.handoff_id);
  const items = handoffs.map((h) => {
    const row = rows.get(h.handoff_id) || el("li", {
      "data-handoff-id": h.handoff_id,
      "data-conversation-id": h.conversation_id,
      "data-testid": kind === "claimed" ? "mine-item" : "queue-item",
    }, el("button", { type: "button", className: "item", onclick: () => onSelect(h.handoff_id) }));
    fillRow(row.firstChild, h, selectedId);
    return row;
  });
  if (!sameOrder) list.replaceChildren(...items);
}

export function markSelected(selectedId) {
  document.querySelectorAll(".item").forEach((item) => {
    const on = item.parentElement.dataset.handoffId === selectedId;
    item.classList.toggle("item--selected", on);
    item.setAttribute("aria-current", String(on));
  });
}
