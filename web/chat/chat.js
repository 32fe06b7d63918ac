// Web chat client: starts (or resumes) a conversation, sends messages with a client id so a retry
// is never processed twice, and renders the transcript, which also brings agent messages.
(() => {
  "use strict";
  const API = "/v1/conversations";
  // The bot answers in the reply to each message; only a colleague writes unprompted. So the transcript is
  // polled often while one is coming or here, rarely with the bot (each poll is a billed request), never once closed.
  const POLL_MS = { queued: 3000, agent: 3000, bot: 30000 };
  const TICK_MS = 1000;
  const STATUS_TEXT = {
    bot: "Virtual assistant", queued: "Waiting for a colleague…", agent: "Chatting with a colleague", closed: "Conversation closed",
  };
  const $ = (id) => document.getElementById(id);
  const log = $("log"), quick = $("quick"), form = $("form"), input = $("text"), send = $("send"), status = $("status");
  const storageKey = `chat-session${location.search}`;
  const LAST_KEY = "chat-last-web-conversation";
  let session = JSON.parse(sessionStorage.getItem(storageKey) || "null");
  let cursor = 0;
  let refreshing = null;
  let currentStatus = "bot";
  let refreshedAt = 0;

  const newId = () => (crypto.randomUUID ? crypto.randomUUID() : `${Date.now()}-${Math.random().toString(16).slice(2)}`);

  async function call(method, path, body) {
    const headers = { "Content-Type": "application/json" };
    if (session) headers.Authorization = `Bearer ${session.token}`;
    const response = await fetch(path, { method, headers, body: body ? JSON.stringify(body) : undefined });
    const data = await response.json().catch(() => ({}));
    if (!response.ok) {
      const retryAfterS = Number(response.headers.get("Retry-After")) || 0;
      throw Object.assign(new Error(data.message || `HTTP ${response.status}`), { status: response.status, retryAfterS });
    }
    return data;
  }

  function bubble(role, text, extraClass, author) {
    const item = document.createElement("li");
    item.className = `msg msg--${role}${extraClass ? ` ${extraClass}` : ""}`;
    item.dataset.role = role;
    if (role === "agent") {
      const who = document.createElement("span");
      who.className = "msg__who";
      who.textContent = author || "Colleague";
      item.append(who);
    }
    item.append(document.createTextNode(text));
    log.append(item);
    log.scrollTop = log.scrollHeight;
    return item;
  }

  function showQuickReplies(replies) {
    quick.replaceChildren(...(replies || []).map((reply) => {
      const button = document.createElement("button");
      button.type = "button";
      button.textContent = reply.title;
      button.addEventListener("click", () => sendMessage(reply.payload, reply.title));
      return button;
    }));
  }

  function showStatus(value, queue) {
    status.textContent = STATUS_TEXT[value] || value;
    if (value === "queued" && queue) {
      const minutes = Math.max(1, Math.round(queue.estimated_wait_s / 60));
      status.textContent = `You're number ${queue.position} in the queue · about ${minutes} min`;
    }
    status.classList.remove("chat__error");
  }

  function showError(message) {
    status.textContent = message;
    status.classList.add("chat__error");
  }

  async function refresh() {
    if (!session) return;
    refreshing = refreshing || (async () => {
      refreshedAt = Date.now(); // a failed poll waits its turn too
      try {
        const page = await call("GET", `${API}/${session.id}/messages?after=${cursor}`);
        log.querySelectorAll(".msg--pending").forEach((item) => item.remove());
        for (const message of page.messages) {
          bubble(message.role, message.text, "", message.author);
          if (message.role !== "customer") showQuickReplies(message.quick_replies);
        }
        cursor = Number(page.cursor);
        currentStatus = page.status;
        showStatus(page.status, page.queue);
      } finally {
        refreshing = null;
      }
    })();
    return refreshing;
  }

  // A network blip or a busy answer (503) is retried with the same client id: processed once. A busy
  // server says when to come back (Retry-After, capped so the customer is not left staring for long).
  async function postWithRetry(path, body) {
    for (let attempt = 1; ; attempt += 1) {
      try {
        return await call("POST", path, body);
      } catch (error) {
        const retriable = !error.status || error.status === 503;
        if (!retriable || attempt === 3) throw error;
        const waitMs = error.retryAfterS ? Math.min(error.retryAfterS, 5) * 1000 : 400 * attempt;
        await new Promise((resolve) => setTimeout(resolve, waitMs * (0.75 + Math.random() / 2)));
      }
    }
  }

  async function sendMessage(text, shown) {
    text = text.trim();
    if (!text || !session) return;
    input.value = "";
    showQuickReplies([]);
    bubble("customer", shown || text, "msg--pending");
    const body = { text, client_message_id: newId() };
    try {
      await postWithRetry(`${API}/${session.id}/messages`, body);
      await refresh();
    } catch (error) {
      log.querySelectorAll(".msg--pending").forEach((item) => item.remove());
      showError(error.message);
    }
    input.focus();
  }

  // `?as=C-1001` chats as a demo customer signed in to the app: the local run hands out the app
  // token the mobile app's login would. Without it the chat is the anonymous web channel.
  async function startConversation() {
    const customer = new URLSearchParams(location.search).get("as");
    if (!customer) {
      // A visitor who verified here in the last 30 minutes stays verified in a new chat (the server decides).
      const last = JSON.parse(localStorage.getItem(LAST_KEY) || "null");
      const previous = last ? { conversation_id: last.id, token: last.token } : undefined;
      return call("POST", API, previous ? { channel: "web", previous } : { channel: "web" });
    }
    const login = await fetch(`/local/app-token?customer=${encodeURIComponent(customer)}`).then((r) => r.json());
    if (!login.token) throw new Error(login.message || "demo sign-in failed");
    const response = await fetch(API, {
      method: "POST",
      headers: { "Content-Type": "application/json", Authorization: `Bearer ${login.token}` },
      body: JSON.stringify({ channel: "app" }),
    });
    const data = await response.json();
    if (!response.ok) throw new Error(data.message || `HTTP ${response.status}`);
    return data;
  }

  async function start() {
    if (session) {
      try {
        await refresh();
      } catch (error) {
        session = null; // expired or unknown: start afresh
      }
    }
    if (!session) {
      const started = await startConversation();
      session = { id: started.conversation_id, token: started.token };
      sessionStorage.setItem(storageKey, JSON.stringify(session));
      if (!location.search.includes("as=")) localStorage.setItem(LAST_KEY, JSON.stringify(session));
      await refresh();
    }
    input.disabled = false;
    send.disabled = false;
    input.focus();
    poll();
  }

  // Ticks every second so a change of status (a handoff in a reply) changes the wait at once; a closed
  // conversation has no wait (nothing more will come unless the customer writes again).
  function poll() {
    setTimeout(() => {
      const wait = POLL_MS[currentStatus];
      const due = wait && Date.now() - refreshedAt >= wait;
      (due ? refresh() : Promise.resolve()).catch(() => {}).finally(poll);
    }, TICK_MS);
  }

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    sendMessage(input.value);
  });
  start().catch((error) => showError(`Chat is unavailable: ${error.message}`));
})();
