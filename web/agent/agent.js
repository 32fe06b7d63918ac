// Agent console: signs in against the user pool named in config.json, then polls the agent API every
// 2 s for the queues and the open transcript. No heartbeat: a claim stays alive while the agent acts
// (each claim and message renews its lease), and lapses back to the queue when they stop.
import { SignedOut, agentApi, forgetSession, loadConfig, signIn, storedSession } from "./api.js";
import { contextPanels } from "./context-pack.js";
import { $, CHANNELS, SKILLS, clock, el, label, waited } from "./dom.js";
import { markSelected, renderList } from "./queue.js";

const POLL_MS = 2000;
const ROLES = { customer: "Customer", bot: "Assistant", agent: "Agent", system: "System" };
const CLOSED = { resolved: "Resolved", released: "Back with the bot", cancelled: "The customer stopped waiting" };
const REPLY_HINT = "Type a reply… (Enter sends, Shift+Enter for a new line)";

let config = null;
let api = null;
let me = null;
let mine = new Set(); // ids of the handoffs I hold: from the last poll, and my own claims since
let selected = null; // the open handoff: { id, handoff, pack, cursor, where }
let timer = null;
let polling = false;

const newId = () => (crypto.randomUUID ? crypto.randomUUID() : `${Date.now()}-${Math.random().toString(16).slice(2)}`);
const handoffPath = (id, action = "") => `/v1/agent/handoffs/${id}${action}`;

// --- session ---------------------------------------------------------------------------------------------------------
function showSignIn(message) {
  $("console").hidden = true;
  $("signin").hidden = false;
  $("signin-error").textContent = message || "";
  $("username").focus();
}

function signOut(message) {
  clearInterval(timer);
  timer = null;
  api = null;
  me = null;
  selected = null;
  forgetSession();
  showSignIn(message);
}

async function openConsole(session) {
  api = agentApi(config, session, signOut);
  me = await api.get("/v1/agent/me");
  $("signin").hidden = true;
  $("console").hidden = false;
  renderAgent();
  clearSelection();
  await poll();
  timer = setInterval(poll, POLL_MS);
}

// --- polling ---------------------------------------------------------------------------------------------------------
async function poll() {
  if (polling || !api) return;
  polling = true;
  try {
    await Promise.all([refreshQueues(), refreshTranscript()]);
    $("connection").textContent = "";
  } catch (error) {
    if (error instanceof SignedOut) return;
    $("connection").textContent = `Connection problem (${error.message}); retrying…`;
  } finally {
    polling = false;
  }
}

async function refreshQueues() {
  const [profile, waiting, claimed, callbacks] = await Promise.all([
    api.get("/v1/agent/me"),
    api.get("/v1/agent/handoffs?status=waiting"),
    api.get("/v1/agent/handoffs?status=claimed"),
    api.get("/v1/agent/handoffs?status=callback"),
  ]);
  me = profile;
  mine = new Set(claimed.handoffs.map((h) => h.handoff_id));
  renderAgent();
  const selectedId = selected && selected.id;
  renderList("waiting", waiting.handoffs, selectedId, select);
  renderList("callback", callbacks.handoffs, selectedId, select);
  renderList("claimed", claimed.handoffs, selectedId, select);
  document.title = waiting.handoffs.length ? `(${waiting.handoffs.length}) Agent console` : "Agent console";
  if (selected) track([...claimed.handoffs, ...waiting.handoffs, ...callbacks.handoffs]);
}

// Keeps the open handoff's status current; when it has left every list (claimed elsewhere, closed), re-reads it.
function track(listed) {
  const current = selected;
  const found = listed.find((h) => h.handoff_id === current.id);
  const where = found ? `${found.status}:${mine.has(current.id)}` : "elsewhere";
  const moved = where !== current.where;
  current.where = where;
  if (found) {
    current.handoff = found;
    renderHead();
  } else if (moved && current.pack) {
    loadPack(current).catch(() => {});
  }
}

async function refreshTranscript() {
  const current = selected;
  if (!current || !current.pack) return;
  // The last lines again too: an SMS delivery can fail after the line was shown.
  const page = await api.get(handoffPath(current.id, `/messages?after=${Math.max(0, current.cursor - RECHECK)}`));
  if (current !== selected) return;
  appendMessages(current, page.messages);
  // A customer message brings a new intent and sentiment score into the pack.
  if (page.messages.some((m) => m.role === "customer")) loadPack(current).catch(() => {});
}

// --- header and selection --------------------------------------------------------------------------------------------
function renderAgent() {
  $("agent-name").textContent = me.name;
  $("agent-skills").textContent = me.skills.map((s) => label(SKILLS, s)).join(" · ");
  $("agent-load").textContent = `${me.active}/${me.capacity} active`;
  $("agent-load").classList.toggle("topbar__load--full", me.active >= me.capacity);
  $("supervisor-link").hidden = !me.supervisor;
}

function clearSelection() {
  selected = null;
  markSelected(null);
  closeDrawers();
  $("placeholder").hidden = false;
  $("conversation-body").hidden = true;
  $("context").replaceChildren();
}

async function select(handoffId) {
  if (selected && selected.id === handoffId) return;
  const current = { id: handoffId, handoff: null, pack: null, cursor: 0, where: null };
  selected = current;
  markSelected(handoffId);
  closeDrawers();
  showActionError("");
  $("placeholder").hidden = true;
  $("conversation-body").hidden = false;
  $("transcript").replaceChildren();
  $("context").replaceChildren(el("p", { className: "empty", text: "Loading the context…" }));
  $("reply").value = "";
  try {
    await loadPack(current);
  } catch (error) {
    if (current === selected && !(error instanceof SignedOut)) {
      showActionError(`Could not open the conversation: ${error.message}`);
    }
  }
}

async function loadPack(current) {
  const pack = await api.get(handoffPath(current.id));
  if (current !== selected) return;
  if (!current.pack) appendMessages(current, pack.transcript);
  current.pack = pack;
  current.handoff = pack.handoff;
  renderHead();
  const scroll = $("context").scrollTop;
  $("context").replaceChildren(...contextPanels(pack, useReply));
  $("context").scrollTop = scroll;
}

const isMine = () => Boolean(selected?.handoff?.status === "claimed" && mine.has(selected.id));

function statusText(h, owned) {
  if (owned) return "You're chatting";
  if (h.status === "claimed") return `Claimed by ${h.agent_name || "another agent"}`;
  if (h.status === "waiting") return `Waiting ${waited(h.waiting_s)}`;
  if (h.status === "callback") return "Callback requested";
  return CLOSED[h.status] || h.status;
}

function renderHead() {
  const h = selected?.handoff;
  if (!h) return;
  const owned = isMine();
  $("conv-title").textContent = h.customer_name || "Unidentified customer";
  $("conv-meta").textContent = [label(CHANNELS, h.channel), label(SKILLS, h.skill), statusText(h, owned)].join(" · ");
  $("claim").hidden = !(h.status === "waiting" || h.status === "callback");
  for (const id of ["open-transfer", "release", "open-resolve"]) $(id).hidden = !owned;
  if (!owned) closeDrawers();
  $("reply").disabled = !owned;
  $("send").disabled = !owned;
  $("reply").placeholder = owned ? REPLY_HINT : "Claim this conversation to reply";
}

// --- transcript and composer -----------------------------------------------------------------------------------------
const RECHECK = 20;
const UNDELIVERED = new Set(["failed", "undelivered"]);

function deliveryNote(m) {
  return UNDELIVERED.has(m.delivery)
    ? el("span", { className: "tmsg__failed", "data-testid": "delivery-failed", text: "Not delivered by SMS" })
    : null;
}

function bubble(m) {
  const who = m.role === "agent" ? m.author || ROLES.agent : ROLES[m.role] || m.role;
  const item = el("li", { className: `tmsg tmsg--${m.role}`, "data-role": m.role, "data-seq": m.seq },
    el("span", { className: "tmsg__who" }, who, el("time", { datetime: m.created_at, text: clock(m.created_at) })),
    el("span", { className: "tmsg__text", text: m.text }));
  const note = deliveryNote(m);
  if (note) item.append(note);
  return item;
}

function appendMessages(current, messages) {
  const transcript = $("transcript");
  for (const m of messages) {
    if (m.seq <= current.cursor) {
      const shown = transcript.querySelector(`.tmsg[data-seq="${m.seq}"]:not(.tmsg--pending)`);
      const note = deliveryNote(m);
      if (shown && note && !shown.querySelector(".tmsg__failed")) shown.append(note);
      continue;
    }
    transcript.querySelector(`.tmsg--pending[data-seq="${m.seq}"]`)?.remove();
    transcript.append(bubble(m));
    current.cursor = m.seq;
  }
  if (messages.length) transcript.scrollTop = transcript.scrollHeight;
}

async function sendReply(text) {
  const current = selected;
  text = text.trim();
  if (!text || !isMine()) return;
  $("reply").value = "";
  const author = me.name.split(" ")[0];
  const pending = bubble({ seq: "", role: "agent", author, text, created_at: new Date().toISOString() });
  pending.classList.add("tmsg--pending");
  $("transcript").append(pending);
  $("transcript").scrollTop = $("transcript").scrollHeight;
  try {
    const sent = await api.postWithRetry(handoffPath(current.id, "/messages"), { text, client_message_id: newId() });
    if (sent.seq === null || sent.seq <= current.cursor) pending.remove(); // the poll has already brought it
    else pending.dataset.seq = sent.seq;
    showActionError("");
  } catch (error) {
    pending.remove();
    if (error instanceof SignedOut || current !== selected) return;
    if (!$("reply").value) $("reply").value = text;
    showActionError(`Not sent: ${error.message}`);
  }
}

function useReply(text) {
  if ($("reply").disabled) {
    showActionError("Claim this conversation before replying.");
    return;
  }
  $("reply").value = text;
  $("reply").focus();
}

// --- actions ---------------------------------------------------------------------------------------------------------
async function act(action, body, done) {
  const current = selected;
  showActionError("");
  try {
    const handoff = await api.post(handoffPath(current.id, action), body);
    if (current === selected) done(handoff);
  } catch (error) {
    if (error instanceof SignedOut || current !== selected) return;
    showActionError(error.message);
    if (error.status === 409) loadPack(current).catch(() => {}); // show who has it now
  }
  poll();
}

function claim() {
  act("/claim", null, (handoff) => {
    mine.add(handoff.handoff_id);
    selected.handoff = handoff;
    renderHead();
    $("reply").focus();
  });
}

function showActionError(message) {
  $("action-error").textContent = message;
  $("action-error").hidden = !message;
}

const DRAWERS = [["open-transfer", "transfer-form"], ["open-resolve", "resolve-form"]];

function closeDrawers() {
  for (const [button, form] of DRAWERS) {
    $(form).hidden = true;
    $(button).setAttribute("aria-expanded", "false");
  }
}

function toggleDrawer(button, form) {
  const open = $(form).hidden;
  closeDrawers();
  $(form).hidden = !open;
  $(button).setAttribute("aria-expanded", String(open));
  if (open) $(form).querySelector("select").focus();
}

function openTransfer() {
  const current = selected.handoff.skill;
  $("transfer-skill").replaceChildren(...Object.entries(SKILLS).map(([value, text]) =>
    el("option", { value, text, disabled: value === current })));
  $("transfer-skill").value = Object.keys(SKILLS).find((skill) => skill !== current);
  toggleDrawer("open-transfer", "transfer-form");
}

// --- wiring ----------------------------------------------------------------------------------------------------------
function onSubmit(id, handler) {
  $(id).addEventListener("submit", (event) => {
    event.preventDefault();
    handler();
  });
}

onSubmit("signin-form", async () => {
  $("signin-button").disabled = true;
  $("signin-error").textContent = "";
  try {
    const session = await signIn(config, $("username").value.trim(), $("password").value);
    $("password").value = "";
    await openConsole(session);
  } catch (error) {
    if (!(error instanceof SignedOut)) signOut(error.message);
  } finally {
    $("signin-button").disabled = false;
  }
});
$("signout").addEventListener("click", () => signOut(""));
for (const [tab, panel] of [["tab-queue", "panel-queue"], ["tab-callbacks", "panel-callbacks"]]) {
  $(tab).addEventListener("click", () => {
    for (const other of document.querySelectorAll("[role=tab]")) other.setAttribute("aria-selected", other.id === tab);
    for (const other of document.querySelectorAll("[role=tabpanel]")) other.hidden = other.id !== panel;
  });
}
$("claim").addEventListener("click", claim);
$("release").addEventListener("click", () => act("/release", null, clearSelection));
$("open-transfer").addEventListener("click", openTransfer);
$("open-resolve").addEventListener("click", () => toggleDrawer("open-resolve", "resolve-form"));
document.querySelectorAll("[data-close]").forEach((button) => button.addEventListener("click", closeDrawers));
onSubmit("transfer-form", () => {
  const transfer = { skill: $("transfer-skill").value, note: $("transfer-note").value.trim() };
  act("/transfer", transfer, () => {
    $("transfer-note").value = "";
    clearSelection();
  });
});
onSubmit("resolve-form", () => act("/resolve", { disposition: $("disposition").value }, clearSelection));
onSubmit("composer", () => sendReply($("reply").value));
$("reply").addEventListener("keydown", (event) => {
  if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
    event.preventDefault();
    $("composer").requestSubmit();
  }
});

try {
  config = await loadConfig();
  const session = storedSession();
  if (session) {
    openConsole(session).catch((error) => {
      if (!(error instanceof SignedOut)) signOut(`Could not load your profile: ${error.message}`);
    });
  } else {
    signOut("");
  }
} catch (error) {
  showSignIn(`The console is not configured: ${error.message}`);
  $("signin-button").disabled = true;
}
