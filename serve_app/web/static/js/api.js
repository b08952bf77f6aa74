// The one way pages talk to the API: the same /api/v1 routes as any client, the key from
// sessionStorage sent as "Authorization: Bearer", the API's error shape
// {"error": {"code", "message", "request_id"}} thrown as ApiError.
//
//   import { apiJson, requireSignIn, showError, streamEvents } from "./api.js";
//   if (requireSignIn()) {
//     try { const stats = await apiJson("/api/v1/retrieval/stats"); }
//     catch (err) { showError(document.getElementById("error-slot"), err); }
//   }

const KEY_ITEM = "lexray.apiKey";

export class ApiError extends Error {
  constructor(status, code, message, { requestId = "", retryAfter = null } = {}) {
    super(message);
    this.name = "ApiError";
    this.status = status;        // HTTP status; 0 when the server could not be reached
    this.code = code;            // the API's machine-readable code ("unauthorized", "rate_limited", ...)
    this.requestId = requestId;  // quote it when reporting a problem
    this.retryAfter = retryAfter; // seconds, from Retry-After (429), else null
  }
}

export function authEnabled() {
  return document.body.dataset.authEnabled !== "false";
}

// The key lives for this browser tab's session only: never localStorage, a cookie or a URL.
export function getKey() {
  return sessionStorage.getItem(KEY_ITEM);
}

export function setKey(key) {
  sessionStorage.setItem(KEY_ITEM, key);
}

export function clearKey() {
  sessionStorage.removeItem(KEY_ITEM);
}

// Where a page goes back to after signing in: a path of this app, never another site.
export function safeNext(next) {
  return typeof next === "string" && next.startsWith("/app/") && !next.startsWith("//") ? next : "/app/";
}

// False (and off to the sign-in page) when auth is on and no key is held.
export function requireSignIn() {
  if (!authEnabled() || getKey()) return true;
  const next = window.location.pathname + window.location.search;
  window.location.assign(`/app/signin?next=${encodeURIComponent(safeNext(next))}`);
  return false;
}

function retryAfterOf(response) {
  const value = response.headers.get("Retry-After");
  if (value === null) return null;
  const seconds = Number.parseInt(value, 10);
  return Number.isNaN(seconds) ? null : seconds;
}

async function errorOf(response) {
  let body = null;
  try {
    body = await response.json();
  } catch {
    // not the API's JSON (a proxy's page): the status says enough
  }
  const error = (body && body.error) || {};
  return new ApiError(response.status, error.code || `http_${response.status}`,
    error.message || response.statusText || `HTTP ${response.status}`,
    { requestId: error.request_id || response.headers.get("X-Request-ID") || "", retryAfter: retryAfterOf(response) });
}

// fetch() of an API path with the key; `json` is sent as a JSON body. Resolves to the Response
// when it is 2xx, else throws ApiError. `key` overrides the stored key (the sign-in check).
export async function apiFetch(path, { method, json, body, headers = {}, signal, key } = {}) {
  const sent = { Accept: "application/json", ...headers };
  const apiKey = key ?? getKey();
  if (apiKey) sent.Authorization = `Bearer ${apiKey}`;
  if (json !== undefined) {
    sent["Content-Type"] = "application/json";
    body = JSON.stringify(json);
  }
  let response;
  try {
    response = await fetch(path, { method: method || (body === undefined ? "GET" : "POST"), headers: sent, body,
                                   signal, credentials: "same-origin", cache: "no-store" });
  } catch (err) {
    if (err.name === "AbortError") throw err;
    throw new ApiError(0, "network_error", "The server could not be reached.");
  }
  if (!response.ok) throw await errorOf(response);
  return response;
}

export async function apiJson(path, options = {}) {
  const response = await apiFetch(path, options);
  return response.status === 204 ? null : response.json();
}

// POST `json` to a streaming route and yield each server-sent event's JSON payload until
// "data: [DONE]" (chat: {"type": "token", "text"} events, then one {"type": "answer", ...}).
// An error sent inside the stream is thrown as ApiError.
//
//   for await (const event of streamEvents("/api/v1/chat/message", { message, stream: true })) { ... }
export async function* streamEvents(path, json, { signal } = {}) {
  const response = await apiFetch(path, { json, signal, headers: { Accept: "text/event-stream" } });
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffered = "";
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    buffered += value.replace(/\r\n/g, "\n");
    let end;
    while ((end = buffered.indexOf("\n\n")) >= 0) {
      const frame = buffered.slice(0, end);
      buffered = buffered.slice(end + 2);
      const data = frame.split("\n").filter((line) => line.startsWith("data:"))
        .map((line) => line.slice(5).replace(/^ /, "")).join("\n");
      if (!data) continue;
      if (data === "[DONE]") {
        await reader.cancel();
        return;
      }
      const payload = JSON.parse(data);
      if (payload.error) {
        throw new ApiError(500, payload.error.code || "stream_error", payload.error.message || "The answer failed.",
          { requestId: payload.error.request_id || "" });
      }
      yield payload;
    }
  }
}

// A sentence a reader can act on, for any error a page caught.
export function errorMessage(err) {
  if (!(err instanceof ApiError)) return "Something went wrong in this page. Reload it and try again.";
  switch (err.status) {
    case 0: return "The server could not be reached. Check your connection and try again.";
    case 401: return "Your API key was not accepted. Sign in again with a valid key.";
    case 403: return "Your API key does not allow this.";
    case 404: return `Not found: ${err.message}`;
    case 413: return `Too large: ${err.message}`;
    case 429:
      return err.retryAfter !== null ? `Too many requests — retry in ${err.retryAfter} s.`
        : "Too many requests — retry in a moment.";
    default:
      if (err.status >= 500) return `The server could not answer (${err.message}). Try again shortly.`;
      return err.message;
  }
}

// Render `text` into `container` as an alert (announced by screen readers); returns the alert.
export function showMessage(container, text) {
  container.replaceChildren();
  const alert = document.createElement("div");
  alert.className = "error";
  alert.setAttribute("role", "alert");
  const paragraph = document.createElement("p");
  paragraph.textContent = text;
  alert.append(paragraph);
  container.append(alert);
  return alert;
}

// Render `err` readably into `container`.
export function showError(container, err) {
  const alert = showMessage(container, errorMessage(err));
  if (err instanceof ApiError && err.status === 401) {
    const link = document.createElement("a");
    link.href = `/app/signin?next=${encodeURIComponent(safeNext(window.location.pathname + window.location.search))}`;
    link.textContent = "Sign in";
    alert.append(link);
  }
  if (err instanceof ApiError && err.requestId) {
    const id = document.createElement("p");
    id.className = "request-id";
    id.textContent = `Request id: ${err.requestId}`;
    alert.append(id);
  }
  if (!(err instanceof ApiError)) console.warn(err);
}

export function clearError(container) {
  container.replaceChildren();
}
