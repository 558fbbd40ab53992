// The emulator's chat page: a person plays the end user of one engagement.
// It speaks only to the emulator's control surface (same origin), with no framework:
//   POST /emulator/engagements                       start a chat (queued for the bot)
//   GET  /emulator/engagements/{id}/end-user/view    long poll: what the end user sees
//   POST /emulator/engagements/{id}/end-user/typing  what is being typed (ChatActivitySignal)
//   POST /emulator/engagements/{id}/end-user/messages, .../leave
//   GET  /emulator/overview                          long poll: the side panel
"use strict";

// After a failed poll, wait this long before the next, so a stopped emulator is not hammered.
const RETRY_MS = 1000;
// Typing is sent at most this often; the last text typed is always sent.
const TYPING_EVERY_MS = 300;

const $ = (id) => document.getElementById(id);
let engagementId = null;
let shown = 0; // transcript entries on the page; the transcript only grows
let over = false;
let typingTimer = null;
let typingSentAt = 0;

async function call(method, path, body) {
  const options = { method, headers: {} };
  if (body !== undefined) {
    options.headers["Content-Type"] = "application/json";
    options.body = JSON.stringify(body);
  }
  const response = await fetch(path, options);
  const answer = await response.json();
  if (!response.ok) {
    throw new Error(answer.message || response.statusText);
  }
  return answer;
}

function showError(error) {
  $("error").textContent = error ? String(error.message || error) : "";
}

// -- Starting, saying, typing, leaving ---------------------------------------------------

$("start-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  showError(null);
  const firstName = $("first-name").value.trim();
  const question = $("question").value.trim();
  $("start").disabled = true;
  try {
    const answer = await call("POST", "/emulator/engagements", { firstName, question });
    begin(answer.engagementId);
  } catch (error) {
    showError(error);
  } finally {
    $("start").disabled = false;
  }
});

function begin(id) {
  engagementId = id;
  shown = 0;
  over = false;
  $("transcript").replaceChildren();
  $("start-form").hidden = true;
  $("conversation").hidden = false;
  $("leave").hidden = false;
  $("again").hidden = true;
  $("message").disabled = false;
  $("send").disabled = false;
  $("status").textContent = "Starting the chat…";
  $("message").focus();
  watchView(id);
}

$("say-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const body = $("message").value;
  if (!body.trim() || engagementId === null) {
    return;
  }
  showError(null);
  clearTimeout(typingTimer);
  typingTimer = null;
  try {
    await call("POST", `/emulator/engagements/${engagementId}/end-user/messages`, { body });
    $("message").value = "";
  } catch (error) {
    showError(error);
  }
  $("message").focus();
});

$("message").addEventListener("input", () => {
  if (engagementId === null || over) {
    return;
  }
  // At most one typing signal per TYPING_EVERY_MS; the text typed last goes in the next one.
  if (typingTimer !== null) {
    return;
  }
  const wait = Math.max(0, typingSentAt + TYPING_EVERY_MS - Date.now());
  typingTimer = setTimeout(sendTyping, wait);
});

async function sendTyping() {
  typingTimer = null;
  typingSentAt = Date.now();
  if (engagementId === null || over) {
    return;
  }
  try {
    await call("POST", `/emulator/engagements/${engagementId}/end-user/typing`, {
      sneakPreview: $("message").value,
    });
  } catch (error) {
    showError(error);
  }
}

$("leave").addEventListener("click", async () => {
  showError(null);
  try {
    await call("POST", `/emulator/engagements/${engagementId}/end-user/leave`);
  } catch (error) {
    showError(error);
  }
});

$("again").addEventListener("click", () => {
  engagementId = null;
  $("conversation").hidden = true;
  $("start-form").hidden = false;
  $("question").value = "";
  $("question").focus();
});

// -- The end user's view -----------------------------------------------------------------

async function watchView(id) {
  let version = 0;
  while (engagementId === id) {
    let view;
    try {
      view = await call("GET", `/emulator/engagements/${id}/end-user/view?after=${version}`);
    } catch (error) {
      showError(error);
      await new Promise((resolve) => setTimeout(resolve, RETRY_MS));
      continue;
    }
    if (engagementId !== id) {
      return; // another chat started meanwhile
    }
    version = view.version;
    showView(view);
    if (over) {
      return;
    }
  }
}

const STATUS = {
  QUEUED: () => "Waiting in the queue for an agent…",
  OFFERED: (view) => `Offered to agent ${view.agentId}…`,
  ACTIVE: (view) => `Chatting with agent ${view.agentId}`,
  CONCLUDED: () => "The chat has ended.",
  RELEASED: () => "The chat has ended.",
};

const EVENTS = {
  LEFT: "You left the chat.",
  CONCLUDED: "The chat was concluded.",
  RELEASED: "The agent closed the chat.",
  REROUTED: "The chat went back to the queue.",
};

function showView(view) {
  over = view.endUserLeft || view.status === "CONCLUDED" || view.status === "RELEASED";
  const status = $("status");
  status.dataset.status = view.endUserLeft ? "LEFT" : view.status;
  status.textContent = view.endUserLeft ? "You left the chat." : STATUS[view.status](view);
  const list = $("transcript");
  for (const entry of view.transcript.slice(shown)) {
    const line = entryLine(entry);
    if (line !== null) {
      list.append(line);
      line.scrollIntoView({ block: "nearest" });
    }
  }
  shown = view.transcript.length;
  $("typing").hidden = !view.agentTyping;
  if (over) {
    $("message").disabled = true;
    $("send").disabled = true;
    $("leave").hidden = true;
    $("again").hidden = false;
    $("again").focus();
  }
}

function entryLine(entry) {
  const item = document.createElement("li");
  item.className = `from-${entry.sender.toLowerCase()}`;
  if (entry.kind === "MESSAGE") {
    const who = document.createElement("span");
    who.className = "who";
    who.textContent = entry.sender === "AGENT" ? "Agent" : "You";
    item.append(who, document.createTextNode(entry.body));
    item.dataset.kind = "message";
    return item;
  }
  if (entry.kind === "TYPING") {
    return null; // shown as the typing line instead
  }
  item.className += " event";
  item.textContent = EVENTS[entry.kind] || entry.kind;
  return item;
}

// -- The side panel ------------------------------------------------------------------------

async function watchOverview() {
  let version = 0;
  for (;;) {
    try {
      const view = await call("GET", `/emulator/overview?after=${version}`);
      version = view.version;
      showOverview(view);
    } catch (error) {
      await new Promise((resolve) => setTimeout(resolve, RETRY_MS));
    }
  }
}

function cells(row, values) {
  for (const value of values) {
    const cell = document.createElement("td");
    cell.textContent = value;
    row.append(cell);
  }
}

function showOverview(view) {
  const body = $("sessions").tBodies[0];
  body.replaceChildren();
  for (const session of view.sessions) {
    const row = document.createElement("tr");
    const polling = session.polling ? " (polling)" : "";
    cells(row, [session.agentId, session.session, session.status + polling, session.pool,
      session.engagements.join(", ") || "–"]);
    body.append(row);
  }
  $("no-sessions").hidden = view.sessions.length > 0;
  const engagements = $("engagements");
  engagements.replaceChildren();
  for (const engagement of view.engagements) {
    const item = document.createElement("li");
    const agent = engagement.agentId ? `, agent ${engagement.agentId}` : "";
    const queued = view.queue.includes(engagement.engagementId) ? " (queued)" : "";
    item.textContent = `#${engagement.engagementId} ${engagement.firstName || ""}: ${engagement.status}${agent}${queued}`;
    engagements.append(item);
  }
  const requests = $("requests");
  requests.replaceChildren();
  for (const request of view.requests.slice().reverse()) {
    const item = document.createElement("li");
    const time = new Date(request.timeMs).toLocaleTimeString();
    // "POST getMessages?pool=297:1": the operation, without the site's path and the version.
    const short = request.line.replace(/^(\S+) \/engagement\/api\/agent\/[^/]+\/v1\//, "$1 ")
      .replace(/ HTTP\/1\.1$/, "");
    item.textContent = `${time} ${request.status ?? "-"} ${short}`;
    item.title = request.line;
    requests.append(item);
  }
}

watchOverview();
$("first-name").focus();
