// Building elements and wording shared by the console's views. Text goes in with textContent only:
// everything shown here may be customer input.

export const SKILLS = {
  cards: "Cards",
  payments_disputes: "Payments & disputes",
  insurance_claims: "Insurance claims",
  loans: "Loans",
  general: "General",
};
export const REASONS = {
  customer_asked: "Asked for a person",
  low_confidence: "Not understood",
  flow_gave_up: "Bot couldn't finish",
  negative_sentiment: "Frustrated",
  complaint: "Complaint",
  sensitive_change: "Sensitive change",
  business_rule: "Above bot's limits",
  nlu_unavailable: "NLU unavailable",
  backend_unavailable: "Systems unavailable",
};
export const PRIORITIES = ["Urgent", "High", "Normal"];
export const CHANNELS = { web: "Web chat", app: "App", sms: "SMS" };

export const $ = (id) => document.getElementById(id);

export function el(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(props)) {
    if (value === undefined || value === null || value === false) continue;
    if (key === "text") node.textContent = value;
    else if (key === "className") node.className = value;
    else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
    else node.setAttribute(key, value === true ? "" : value);
  }
  node.append(...children.filter((child) => child !== null && child !== undefined && child !== false));
  return node;
}

export const humanise = (name) => (name ? name.replace(/_/g, " ") : "");
export const label = (table, key) => table[key] || humanise(key);
export const clock = (iso) => new Date(iso).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
export const day = (iso) => new Date(iso).toLocaleDateString([], { day: "numeric", month: "short" });

export function waited(seconds) {
  if (seconds < 60) return "<1 min";
  const minutes = Math.floor(seconds / 60);
  return minutes < 60 ? `${minutes} min` : `${Math.floor(minutes / 60)} h ${minutes % 60} min`;
}

export function priorityBadge(priority) {
  const name = PRIORITIES[priority] || "Normal";
  return el("span", { className: `badge badge--p${priority}`, text: name.toUpperCase() });
}

export function flagChips({ vip, vulnerable }) {
  return [
    vip ? el("span", { className: "chip chip--vip", text: "VIP" }) : null,
    vulnerable ? el("span", { className: "chip chip--vulnerable", text: "Vulnerable" }) : null,
  ];
}
