// SMS simulator: texts the bot as a demo customer through the local run, which signs a Twilio webhook
// for each text, and polls the local outbox for everything the bank texts back to that number. The
// outbox holds only outbound texts, so the customer's own are kept here, per number, in sessionStorage.
import { describe } from "./segments.js";

const POLL_MS = 1000;
const PHONE_KEY = "sms-phone";
// "Reply 1 for Check balance, 2 for Talk to a person." — the numbered options line of channels/sms.py.
const OPTIONS_LINE = /^Reply (\d for .+)\.$/;
const OPTION = /(\d) for (.+?)(?=, \d for |$)/g;

const $ = (id) => document.getElementById(id);
const thread = $("thread"), form = $("form"), input = $("text"), send = $("send");
const picker = $("phone"), status = $("status"), counter = $("counter");

let phone = null;
let state = null; // { cursor, items: [{ from: "me" | "bank", text, at, failed? }] } of the selected number
let polling = null;
let offline = false;

const threadKey = (number) => `sms-thread:${number}`;
const load = (number) => JSON.parse(sessionStorage.getItem(threadKey(number)) || "null") || { cursor: 0, items: [] };
const save = () => sessionStorage.setItem(threadKey(phone), JSON.stringify(state));
const clock = (iso) => new Date(iso).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });

async function getJson(path, options) {
  const response = await fetch(path, options);
  const data = await response.json().catch(() => ({}));
  if (!response.ok && data.status === undefined) throw new Error(data.message || `HTTP ${response.status}`);
  return { status: data.status ?? response.status, ...data };
}

function el(tag, className, text) {
  const node = document.createElement(tag);
  node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

// The options line's choices become links that text their digit, as a customer would type it. Links, not
// buttons, so a long choice wraps inside the sentence.
function optionsLine(line) {
  const match = OPTIONS_LINE.exec(line);
  if (!match) return null;
  const span = el("span", "sms__options");
  span.append("Reply ");
  [...match[1].matchAll(OPTION)].forEach(([, digit, title], index) => {
    if (index) span.append(", ");
    const link = el("a", "sms__option", `${digit} for ${title}`);
    link.href = "#";
    link.setAttribute("role", "button");
    link.addEventListener("click", (event) => {
      event.preventDefault();
      if (link.getAttribute("aria-disabled") !== "true") sendText(digit);
    });
    span.append(link);
  });
  span.append(".");
  return span;
}

function messageBody(item) {
  const body = el("span", "sms__text");
  if (item.from !== "bank") {
    body.textContent = item.text;
    return body;
  }
  item.text.split("\n").forEach((line, index) => {
    if (index) body.append("\n");
    body.append(optionsLine(line) || line);
  });
  return body;
}

function render(item) {
  const bubble = el("li", `sms sms--${item.from}${item.failed ? " sms--failed" : ""}`);
  const time = el("time", "sms__time", item.failed ? `${clock(item.at)} · Not delivered` : clock(item.at));
  time.dateTime = item.at;
  bubble.append(messageBody(item), time);
  thread.append(bubble);
  // Only the last text's options are live: the bank reads a digit against the options it sent last.
  thread.querySelectorAll(".sms__option").forEach((link) => {
    if (item.from !== "bank" || bubble.contains(link)) return;
    link.setAttribute("aria-disabled", "true");
    link.removeAttribute("href");
  });
  thread.scrollTop = thread.scrollHeight;
  return bubble;
}

function add(item) {
  state.items.push(item);
  save();
  return render(item);
}

function showStatus(message, isError) {
  status.textContent = message || "";
  status.classList.toggle("phone__status--error", Boolean(isError));
  thread.scrollTop = thread.scrollHeight; // the line takes room from the thread: keep the last text in view
}

async function poll() {
  const number = phone;
  polling = polling || (async () => {
    try {
      const query = `phone=${encodeURIComponent(number)}&after=${state.cursor}`;
      const page = await getJson(`/local/sms/outbox?${query}`);
      if (number !== phone) return; // the picker moved on while this was in flight
      for (const message of page.messages || []) {
        if (message.n <= state.cursor) continue;
        state.cursor = message.n;
        add({ from: "bank", text: message.text, at: message.at });
      }
      state.cursor = Math.max(state.cursor, Number(page.cursor) || 0);
      save();
      thread.removeAttribute("aria-busy");
      if (offline) showStatus("");
      offline = false;
    } catch (error) {
      offline = true;
      showStatus(`Can't reach the local run: ${error.message}`, true);
    } finally {
      polling = null;
    }
  })();
  return polling;
}

async function sendText(text) {
  if (!text.trim() || !phone) return;
  const item = { from: "me", text, at: new Date().toISOString() };
  const number = phone, own = state;
  const bubble = add(item);
  input.value = "";
  updateCounter();
  showStatus("");
  try {
    const result = await getJson("/local/sms/send", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ from: phone, text }),
    });
    if (result.status !== 200) throw new Error(`HTTP ${result.status}${result.message ? `: ${result.message}` : ""}`);
  } catch (error) {
    item.failed = true;
    sessionStorage.setItem(threadKey(number), JSON.stringify(own));
    if (number !== phone) return;
    bubble.classList.add("sms--failed");
    bubble.querySelector(".sms__time").textContent = `${clock(item.at)} · Not delivered`;
    showStatus(`Provider: ${error.message}`, true);
  }
  await poll();
  input.focus();
}

function updateCounter() {
  counter.textContent = describe(input.value);
}

function select(number) {
  phone = number;
  state = load(number);
  sessionStorage.setItem(PHONE_KEY, number);
  thread.replaceChildren();
  thread.setAttribute("aria-busy", "true"); // until this number's texts so far are in
  state.items.forEach(render);
  showStatus("");
  Promise.resolve(polling).then(poll); // after any poll still in flight for the number before

}

async function start() {
  const directory = await getJson("/local/sms/numbers");
  document.querySelectorAll("[data-service-number]").forEach((node) => {
    node.textContent = directory.service_number;
  });
  picker.replaceChildren(...directory.numbers.map(({ phone: number, label }) => {
    const option = document.createElement("option");
    option.value = number;
    option.textContent = `${number} · ${label}`;
    return option;
  }));
  const remembered = sessionStorage.getItem(PHONE_KEY);
  picker.value = directory.numbers.some((n) => n.phone === remembered) ? remembered : directory.numbers[0].phone;
  picker.addEventListener("change", () => select(picker.value));
  for (const control of [picker, input, send]) control.disabled = false;
  select(picker.value);
  input.focus();
  setInterval(poll, POLL_MS);
}

form.addEventListener("submit", (event) => {
  event.preventDefault();
  sendText(input.value);
});
input.addEventListener("keydown", (event) => {
  if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
    event.preventDefault();
    form.requestSubmit();
  }
});
input.addEventListener("input", updateCounter);
start().catch((error) => showStatus(`The SMS simulator is unavailable: ${error.message}`, true));
