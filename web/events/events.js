// Lists the local run's event scenarios and fires them (POST /local/events), as the core systems would.
const list = document.getElementById("scenarios");
const status = document.getElementById("status");

function say(text, error = false) {
  status.textContent = text;
  status.classList.toggle("error", error);
}

async function fire(scenario, customer) {
  const response = await fetch("/local/events", {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ scenario, customer }),
  });
  const data = await response.json().catch(() => ({}));
  if (!response.ok) throw new Error(data.message || `HTTP ${response.status}`);
  const kinds = data.events.map((event) => event.kind.replaceAll("_", " ")).join(", ");
  say(`Published for ${customer}: ${kinds}. Open /?as=${customer} to see the chat.`);
}

async function load() {
  const { scenarios } = await fetch("/local/events").then((r) => r.json());
  for (const [name, customer] of Object.entries(scenarios)) {
    const item = document.createElement("li");
    const label = document.createElement("span");
    label.textContent = `${name.replaceAll("_", " ")} · ${customer}`;
    const button = document.createElement("button");
    button.type = "button";
    button.textContent = "Fire";
    button.dataset.scenario = name;
    button.addEventListener("click", () => fire(name, customer).catch((error) => say(error.message, true)));
    item.append(label, button);
    list.append(item);
  }
}

load().catch((error) => say(`Scenarios unavailable: ${error.message}`, true));
