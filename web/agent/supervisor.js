// Supervisor page: today's service figures and the live queues, refreshed every 10 s. It signs in like the
// console (the same session in sessionStorage), and the API decides who is a supervisor (403 for the others).
import { SignedOut, agentApi, forgetSession, loadConfig, signIn, storedSession } from "./api.js";
import { $, REASONS, SKILLS, el, label } from "./dom.js";

const REFRESH_MS = 10_000;
const WAIT_WARN_S = 300; // amber from 5 minutes, red from the 10 minutes after which a callback is offered
const WAIT_ALERT_S = 600;

let config = null;
let api = null;
let timer = null;

// --- formatting ------------------------------------------------------------------------------------------------------
const DASH = "–";
const pct = (share) => (share === null || share === undefined ? DASH : `${Math.round(share * 100)}%`);
const num = (value, capped) => `${value}${capped ? "+" : ""}`;
const title = (key) => {
  if (key === "unknown") return "No reason given"; // the customer only asked for a person, or only chatted
  const text = key.replace(/_/g, " ");
  return text.charAt(0).toUpperCase() + text.slice(1);
};

function duration(seconds) {
  if (seconds === null || seconds === undefined) return DASH;
  const s = Math.round(seconds);
  if (s < 60) return `${s} s`;
  const minutes = Math.floor(s / 60);
  if (minutes < 60) return s % 60 && minutes < 10 ? `${minutes} min ${s % 60} s` : `${minutes} min`;
  return `${Math.floor(minutes / 60)} h ${minutes % 60} min`;
}

// --- the figures -----------------------------------------------------------------------------------------------------
// Each tile: what it shows, and in plain words how it is defined (core/service_metrics.py is the definition).
const KPIS = [
  ["contacts", "Contacts", (s) => s.contacts.toLocaleString(), (s) => `${s.engaged.toLocaleString()} with a customer message`,
    "Conversations started today, on every channel."],
  ["containment", "Containment", (s) => pct(s.containment), () => "resolved by the bot",
    "Contacts the bot resolved without a person, of those in which the customer wrote."],
  ["handoff-rate", "Handoff rate", (s) => pct(s.handoff_rate), () => "handed to a person",
    "Contacts handed to a person, of those in which the customer wrote."],
  ["fcr", "First-contact resolution", (s) => pct(s.fcr), () => "no repeat contact so far",
    "Resolved contacts of identified customers with no new contact about the same reason within 7 days."],
  ["effort", "Customer effort", (s) => (s.effort_turns_median === null ? DASH : `${s.effort_turns_median} turns`),
    (s) => `median · ${duration(s.effort_elapsed_s_median)} to resolve`,
    "Median customer messages until a resolved contact was resolved, counted over repeat contacts."],
  ["prediction", "Prediction top-1", (s) => pct(s.prediction_top1),
    (s) => `${s.predictions_judged} judged · any offered ${pct(s.prediction_any)}`,
    "When a reason was offered before the customer typed: how often the first one offered was right."],
  ["proactive", "Proactive share", (s) => pct(s.proactive_share), () => "contacts we started",
    "Contacts opened by us (an alert or an outreach) rather than by the customer."],
  ["csat", "CSAT", (s) => (s.csat_mean === null ? DASH : `${s.csat_mean.toFixed(1)} / 5`),
    (s) => `${pct(s.csat_response_rate)} of those asked answered`,
    "Mean of the customers' 1-5 ratings."],
  ["time-to-agent", "Time to agent", (s) => duration(s.time_to_agent_s_median), () => "median, handoff to claim",
    "From the handoff to the first agent claiming it."],
  ["handle-time", "Handle time", (s) => duration(s.handle_time_s_median), () => "median, claim to resolved",
    "From the agent's claim to their resolution."],
];

function renderKpis(summary) {
  $("kpis").replaceChildren(...KPIS.map(([id, name, value, note, definition]) =>
    el("li", { className: "kpi", "data-testid": `kpi-${id}`, title: definition },
      el("span", { className: "kpi__name", text: name }),
      el("span", { className: "kpi__value", text: value(summary) }),
      el("span", { className: "kpi__note", text: note(summary) }),
      el("span", { className: "visually-hidden", text: definition }))));
}

function waitClass(seconds) {
  if (seconds >= WAIT_ALERT_S) return "wait wait--alert";
  return seconds >= WAIT_WARN_S ? "wait wait--warn" : "wait";
}

function queueRow(q) {
  return el("tr", { "data-skill": q.skill },
    el("th", { scope: "row", text: label(SKILLS, q.skill) }),
    el("td", { text: num(q.waiting, q.capped) }),
    el("td", { className: q.urgent ? "urgent" : "", text: String(q.urgent) }),
    el("td", {}, q.waiting ? el("span", { className: waitClass(q.longest_wait_s), text: duration(q.longest_wait_s) })
      : DASH),
    el("td", { text: String(q.callbacks) }),
    el("td", { text: String(q.with_agent) }));
}

function renderQueues(queues) {
  $("queue-rows").replaceChildren(...queues.map(queueRow));
  const sum = (key) => queues.reduce((total, q) => total + q[key], 0);
  const longest = Math.max(0, ...queues.map((q) => q.longest_wait_s));
  $("queue-total").replaceChildren(el("tr", {},
    el("th", { scope: "row", text: "All skills" }),
    el("td", { "data-testid": "waiting-total", text: num(sum("waiting"), queues.some((q) => q.capped)) }),
    el("td", { text: String(sum("urgent")) }),
    el("td", { text: sum("waiting") ? duration(longest) : DASH }),
    el("td", { text: String(sum("callbacks")) }),
    el("td", { text: String(sum("with_agent")) })));
}

// Horizontal bars, each with its figure in text (the bar is decoration for sighted readers).
function bars(listId, entries, extra) {
  const top = Math.max(1, ...entries.map(([, count]) => count));
  $(listId).replaceChildren(...entries.map(([name, count, text]) =>
    el("li", { "data-key": name },
      el("span", { className: "bars__label", text, title: text }),
      el("span", { className: "bars__value", text: String(count) }),
      extra ? extra(name) : null,
      el("span", { className: "bars__track", "aria-hidden": "true" },
        el("span", { className: "bars__fill", style: `width: ${(100 * count) / top}%` })))));
  $(`${listId}-empty`).hidden = entries.length > 0;
}

function renderReasons(summary) {
  const handoffs = Object.entries(summary.handoffs_by_reason).sort((a, b) => b[1] - a[1]);
  bars("handoff-reasons", handoffs.map(([key, count]) => [key, count, label(REASONS, key)]));
  const reasons = Object.entries(summary.reasons).slice(0, 8);
  const fcr = (key) => el("span", { className: "bars__fcr", title: "First-contact resolution",
    text: key in summary.fcr_by_reason ? pct(summary.fcr_by_reason[key]) : DASH });
  bars("contact-reasons", reasons.map(([key, count]) => [key, count, title(key)]), fcr);
}

function renderCsat(summary) {
  const counts = [1, 2, 3, 4, 5].map((score) => summary.csat_distribution[score] || 0);
  const top = Math.max(1, ...counts);
  $("csat").replaceChildren(...counts.map((count, i) =>
    el("li", { className: `csat__col csat__col--${i + 1}`, "data-score": i + 1 },
      el("span", { className: "csat__count", text: String(count) }),
      el("span", { className: "csat__bar", "aria-hidden": "true", style: `height: ${(75 * count) / top}%` }),
      el("span", { className: "csat__score", text: `${i + 1}`, "aria-label": `rated ${i + 1}` }))));
  const rated = counts.reduce((a, b) => a + b, 0);
  $("csat-foot").textContent = rated ? `${rated} rating${rated === 1 ? "" : "s"} · mean ${summary.csat_mean.toFixed(1)}`
    : "No ratings yet today.";
}

function renderHours(byHour, generatedAt) {
  const top = Math.max(1, ...byHour);
  const now = new Date(generatedAt).getUTCHours();
  $("hours").replaceChildren(...byHour.map((count, hour) =>
    el("li", { className: hour === now ? "hours__col hours__col--now" : "hours__col",
      title: `${String(hour).padStart(2, "0")}:00 – ${count} contact${count === 1 ? "" : "s"}` },
      el("span", { className: "hours__bar", style: `height: ${(100 * count) / top}%` }),
      el("span", { className: "hours__label", text: hour % 3 === 0 ? String(hour).padStart(2, "0") : "" }),
      el("span", { className: "visually-hidden", text: `${hour}:00 ${count}` }))));
}

function render(today) {
  const day = new Date(`${today.day}T00:00:00Z`);
  $("day").textContent = `Today · ${day.toLocaleDateString([], { weekday: "long", day: "numeric", month: "long",
    timeZone: "UTC" })} (UTC)`;
  $("updated").textContent = `Updated ${new Date(today.generated_at).toLocaleTimeString()}`;
  $("truncated").hidden = !today.truncated;
  $("truncated").textContent = `A busy day: these figures cover the first ${today.contacts_read} contacts.`;
  renderKpis(today.summary);
  renderQueues(today.queues);
  renderHours(today.contacts_by_hour, today.generated_at);
  renderReasons(today.summary);
  renderCsat(today.summary);
}

// --- session and refresh ---------------------------------------------------------------------------------------------
function show(view) {
  for (const id of ["signin", "refused", "dashboard"]) $(id).hidden = id !== view;
}

function signOut(message) {
  clearInterval(timer);
  timer = null;
  api = null;
  forgetSession();
  show("signin");
  $("signin-error").textContent = message || "";
  $("username").focus();
}

function refuse(message) {
  clearInterval(timer);
  timer = null;
  $("refused-message").textContent = message;
  show("refused");
}

// True while the figures may be shown: false once signed out or refused, which stops the refresh.
async function refresh() {
  try {
    render(await api.get("/v1/agent/supervisor/today"));
    show("dashboard");
    $("connection").textContent = "";
  } catch (error) {
    if (error instanceof SignedOut) return false;
    if (error.status === 403) {
      refuse(error.message);
      return false;
    }
    show("dashboard");
    $("connection").textContent = `Connection problem (${error.message}); retrying…`;
  }
  return true;
}

async function open(session) {
  api = agentApi(config, session, signOut);
  clearInterval(timer);
  if (await refresh()) timer = setInterval(refresh, REFRESH_MS);
}

$("signin-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  $("signin-button").disabled = true;
  $("signin-error").textContent = "";
  try {
    const session = await signIn(config, $("username").value.trim(), $("password").value);
    $("password").value = "";
    await open(session);
  } catch (error) {
    if (!(error instanceof SignedOut)) signOut(error.message);
  } finally {
    $("signin-button").disabled = false;
  }
});
$("signout").addEventListener("click", () => signOut(""));
$("refused-signout").addEventListener("click", () => signOut(""));

try {
  config = await loadConfig();
  const session = storedSession();
  if (session) open(session);
  else signOut("");
} catch (error) {
  show("signin");
  $("signin-error").textContent = `The page is not configured: ${error.message}`;
  $("signin-button").disabled = true;
}
