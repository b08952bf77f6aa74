// Chat: the answer streams in as a draft, then the checked answer replaces it with its citation
// markers linked to the reader. Sessions are listed, resumed by URL (?session=<id>) and deleted.
import { apiJson, clearError, requireSignIn, showError, streamEvents } from "./api.js";
import { checkedAnswer } from "./citations.js";
import { element, formatDate } from "./reader_links.js";

const API = "/api/v1/chat";
const conversation = document.getElementById("conversation");
const form = document.getElementById("chat-form");
const box = document.getElementById("chat-message");
const send = document.getElementById("chat-send");
const chatStatus = document.getElementById("chat-status");
const sessionList = document.getElementById("session-list");
const sessionsStatus = document.getElementById("sessions-status");
const sessionsError = document.getElementById("sessions-error");
const newChat = document.getElementById("new-chat");

let sessionId = new URLSearchParams(window.location.search).get("session");

function messageItem(role) {
  const item = element("li", { className: `message ${role}` });
  item.append(element("p", { className: "speaker", text: role === "user" ? "You" : "LexRay" }));
  conversation.append(item);
  return item;
}

function showUser(text) {
  messageItem("user").append(element("p", { className: "user-text", text }));
}

function showAssistant(response) {
  messageItem("assistant").append(checkedAnswer(response));
}

function setSession(id) {
  sessionId = id;
  const url = id ? `/app/chat?session=${encodeURIComponent(id)}` : "/app/chat";
  history.replaceState(null, "", url);
  for (const link of sessionList.querySelectorAll("a[data-session-id]")) {
    if (link.dataset.sessionId === id) link.setAttribute("aria-current", "page");
    else link.removeAttribute("aria-current");
  }
}

function startNewChat() {
  conversation.replaceChildren();
  chatStatus.textContent = "";
  setSession(null);
  box.focus();
}

async function deleteSession(id) {
  clearError(sessionsError);
  try {
    await apiJson(`${API}/conversation/${encodeURIComponent(id)}`, { method: "DELETE" });
    if (id === sessionId) startNewChat();
    await loadSessions();
    sessionsStatus.textContent = "Conversation deleted.";
  } catch (err) {
    showError(sessionsError, err);
  }
}

// Delete asks once more in place: "Delete" shows "Confirm delete" and "Cancel".
function sessionItem(session) {
  const item = element("li", { className: "session" });
  const title = session.title || "Untitled conversation";
  const link = element("a", { text: title });
  link.href = `/app/chat?session=${encodeURIComponent(session.session_id)}`;
  link.dataset.sessionId = session.session_id;
  if (session.session_id === sessionId) link.setAttribute("aria-current", "page");
  const meta = element("p", { className: "meta", text: `${session.message_count} messages · ${formatDate(session.updated_at)}` });
  const remove = element("button", { className: "link-button", text: "Delete" });
  remove.type = "button";
  remove.setAttribute("aria-label", `Delete conversation: ${title}`);
  const confirm = element("div", { className: "confirm" });
  confirm.hidden = true;
  const yes = element("button", { className: "danger", text: "Confirm delete" });
  yes.type = "button";
  const no = element("button", { className: "link-button", text: "Cancel" });
  no.type = "button";
  confirm.append(element("span", { text: "Delete this conversation?" }), yes, no);
  remove.addEventListener("click", () => { confirm.hidden = false; remove.hidden = true; yes.focus(); });
  no.addEventListener("click", () => { confirm.hidden = true; remove.hidden = false; remove.focus(); });
  yes.addEventListener("click", () => { yes.disabled = true; deleteSession(session.session_id); });
  item.append(link, meta, remove, confirm);
  return item;
}

async function loadSessions({ announce = true } = {}) {
  if (announce) sessionsStatus.textContent = "Loading conversations…";
  try {
    const listing = await apiJson(`${API}/sessions?limit=50`);
    sessionList.replaceChildren(...listing.sessions.map(sessionItem));
    sessionsStatus.textContent = listing.sessions.length ? "" : "No conversations yet.";
  } catch (err) {
    showError(sessionsError, err);
  }
}

async function resume(id) {
  chatStatus.textContent = "Loading the conversation…";
  try {
    const session = await apiJson(`${API}/conversation/${encodeURIComponent(id)}`);
    conversation.replaceChildren();
    for (const turn of session.messages) {
      if (turn.role === "user") showUser(turn.content);
      else showAssistant({ answer: turn.content, citations: turn.citations });
    }
    chatStatus.textContent = "";
    setSession(session.session_id);
  } catch (err) {
    chatStatus.textContent = "";
    setSession(null);
    showError(messageItem("assistant"), err);
  }
}

async function ask(message) {
  showUser(message);
  const reply = messageItem("assistant");
  const draft = element("p", { className: "draft" });
  draft.dataset.state = "streaming";
  draft.setAttribute("aria-busy", "true");
  reply.append(draft);
  const text = document.createTextNode("");
  draft.append(text);
  send.disabled = true;
  chatStatus.textContent = "Answering…";
  const request = { message, stream: true };
  if (sessionId) request.session_id = sessionId;
  try {
    let answered = false;
    for await (const event of streamEvents(`${API}/message`, request)) {
      if (event.type === "token") {
        text.appendData(event.text);
      } else if (event.type === "answer") {
        draft.replaceWith(checkedAnswer(event));
        answered = true;
        setSession(event.session_id);
      }
    }
    if (!answered) throw new Error("the answer stream ended early");
    chatStatus.textContent = "Answer ready.";
    loadSessions({ announce: false });
  } catch (err) {
    chatStatus.textContent = "";
    draft.remove();
    const slot = element("div", { className: "error-slot" });
    reply.append(slot);
    showError(slot, err);
  } finally {
    send.disabled = false;
    reply.scrollIntoView({ block: "nearest" });
  }
}

if (requireSignIn()) {
  loadSessions();
  if (sessionId) resume(sessionId);
  newChat.addEventListener("click", startNewChat);
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const message = box.value.trim();
    if (!message || send.disabled) return;
    box.value = "";
    ask(message);
  });
  box.addEventListener("keydown", (event) => {
    // Enter sends, Shift+Enter breaks the line.
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      form.requestSubmit();
    }
  });
}
