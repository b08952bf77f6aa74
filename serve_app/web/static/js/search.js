// Search: the query, mode, filters and result page live in the URL (/app/?q=...&mode=...&court=...&p=2)
// so a search can be bookmarked, shared and restored on reload; the key never does. The page is
// "p", not "page": /app/{page} would read a "page" query parameter as the page's name (a 404).
import { apiJson, clearError, requireSignIn, showError, showMessage } from "./api.js";
import { readerUrl, snippetNodes } from "./highlight.js";

const PAGE_SIZE = 10;
const MAX_RESULTS = 100; // the API's most per search: pages past it are not offered
const MODES = ["hybrid", "bm25", "dense"];
// URL parameter -> the form control holding it (each a CaseFilters field, sent as is).
const FILTERS = {
  court: "filter-court", case_type: "filter-case-type", jurisdiction: "filter-jurisdiction",
  judge: "filter-judge", date_from: "filter-date-from", date_to: "filter-date-to", cites: "filter-cites",
};

const form = document.getElementById("search-form");
const box = document.getElementById("search-query");
const modeSelect = document.getElementById("search-mode");
const filtersBox = document.getElementById("search-filters");
const errorSlot = document.getElementById("search-error");
const status = document.getElementById("search-status");
const list = document.getElementById("search-results");
const pager = document.getElementById("search-pager");
const previousButton = document.getElementById("search-previous");
const nextButton = document.getElementById("search-next");
const pageLabel = document.getElementById("search-page");

// What the URL says to search for, or null when it holds no query.
function stateFromUrl() {
  const params = new URLSearchParams(window.location.search);
  const query = (params.get("q") || "").trim();
  if (!query) return null;
  const mode = MODES.includes(params.get("mode")) ? params.get("mode") : "hybrid";
  const filters = {};
  for (const name of Object.keys(FILTERS)) {
    const value = (params.get(name) || "").trim();
    if (value) filters[name] = value;
  }
  const page = Math.min(Math.max(Number.parseInt(params.get("p") || "1", 10) || 1, 1), MAX_RESULTS / PAGE_SIZE);
  return { query, mode, filters, page };
}

function urlOf({ query, mode, filters, page }) {
  const params = new URLSearchParams({ q: query });
  if (mode !== "hybrid") params.set("mode", mode);
  for (const [name, value] of Object.entries(filters)) params.set(name, value);
  if (page > 1) params.set("p", String(page));
  return `/app/?${params}`;
}

function stateFromForm(page = 1) {
  const filters = {};
  for (const [name, id] of Object.entries(FILTERS)) {
    const value = document.getElementById(id).value.trim();
    if (value) filters[name] = value;
  }
  return { query: box.value.trim(), mode: modeSelect.value, filters, page };
}

function ensureOption(select, value) {
  if (value && ![...select.options].some((option) => option.value === value)) {
    select.append(new Option(value, value));
  }
}

function fillForm({ query, mode, filters }) {
  box.value = query;
  modeSelect.value = mode;
  for (const [name, id] of Object.entries(FILTERS)) {
    const control = document.getElementById(id);
    if (control.tagName === "SELECT") ensureOption(control, filters[name]);
    control.value = filters[name] || "";
  }
  if (Object.keys(filters).length) filtersBox.open = true;
}

async function loadChoices(path, selectId) {
  const select = document.getElementById(selectId);
  const response = await apiJson(path);
  for (const { value, count } of response.values) {
    ensureOption(select, value);
    const option = [...select.options].find((candidate) => candidate.value === value);
    option.textContent = `${value} (${count})`;
  }
}

function bestChunk(hit) {
  return hit.chunks.reduce((best, chunk) => (best === null || chunk.score > best.score ? chunk : best), null);
}

function chunkLink(caseId, chunk) {
  return readerUrl(caseId, { page: chunk.page_numbers[0], start: chunk.char_start, end: chunk.char_end });
}

function textElement(tag, className, text) {
  const element = document.createElement(tag);
  if (className) element.className = className;
  element.textContent = text;
  return element;
}

function renderHit(hit) {
  const item = document.createElement("li");
  item.className = "hit";
  const best = bestChunk(hit);
  const heading = document.createElement("h3");
  const link = document.createElement("a");
  link.href = best ? chunkLink(hit.case_id, best) : readerUrl(hit.case_id);
  link.textContent = hit.title || hit.case_id;
  heading.append(link);
  const citedBy = hit.cited_by_count === 1 ? "cited by 1 case" : `cited by ${hit.cited_by_count} cases`;
  const meta = textElement("p", "meta", [hit.court, hit.date, `score ${hit.score.toFixed(3)}`, citedBy]
    .filter(Boolean).join(" · "));
  item.append(heading, meta);

  const snippets = hit.chunks.filter((chunk) => chunk.snippet).slice(0, 3);
  if (snippets.length === 0 && hit.snippet) {
    const paragraph = document.createElement("p");
    paragraph.className = "snippet";
    paragraph.append(...snippetNodes(hit.snippet));
    item.append(paragraph);
  }
  for (const chunk of snippets) {
    const paragraph = document.createElement("p");
    paragraph.className = "snippet";
    paragraph.append(...snippetNodes(chunk.snippet));
    item.append(paragraph);
  }

  const pages = new Map(); // page -> the best chunk on it (chunks come best first)
  for (const chunk of [...hit.chunks].sort((a, b) => b.score - a.score)) {
    for (const page of chunk.page_numbers) if (!pages.has(page)) pages.set(page, chunk);
  }
  if (pages.size) {
    const line = textElement("p", "pages", "Matched on ");
    [...pages.keys()].sort((a, b) => a - b).forEach((page, index) => {
      if (index) line.append(", ");
      const pageLink = document.createElement("a");
      const chunk = pages.get(page);
      pageLink.href = readerUrl(hit.case_id, { page, start: chunk.char_start, end: chunk.char_end });
      pageLink.textContent = `page ${page}`;
      pageLink.setAttribute("aria-label", `${hit.title || hit.case_id}, page ${page}`);
      line.append(pageLink);
    });
    item.append(line);
  }
  return item;
}

let current = null;
let pending = null;

async function search(state) {
  current = state;
  pending?.abort();
  pending = new AbortController();
  clearError(errorSlot);
  status.textContent = "Searching…";
  pager.hidden = true;
  const limit = Math.min(state.page * PAGE_SIZE, MAX_RESULTS);
  let response;
  try {
    response = await apiJson("/api/v1/retrieval/search", {
      json: { query: state.query, mode: state.mode, filters: state.filters, limit }, signal: pending.signal,
    });
  } catch (err) {
    if (err.name === "AbortError") return;
    status.textContent = "";
    list.replaceChildren();
    showError(errorSlot, err);
    return;
  }
  const first = (state.page - 1) * PAGE_SIZE;
  const shown = response.results.slice(first, first + PAGE_SIZE);
  list.replaceChildren(...shown.map(renderHit));
  if (response.results.length === 0) status.textContent = "No cases matched.";
  else if (shown.length === 0) status.textContent = `No cases on page ${state.page}.`;
  else if (shown.length === 1) status.textContent = `Page ${state.page}: case ${first + 1}`;
  else status.textContent = `Page ${state.page}: cases ${first + 1}–${first + shown.length}`;
  const hasNext = response.results.length === limit && limit < MAX_RESULTS;
  previousButton.disabled = state.page <= 1;
  nextButton.disabled = !hasNext;
  pageLabel.textContent = `Page ${state.page}`;
  pager.hidden = state.page <= 1 && !hasNext;
}

function go(state) {
  history.pushState(null, "", urlOf(state));
  search(state);
}

function restore() {
  const state = stateFromUrl();
  if (state) {
    fillForm(state);
    search(state);
  } else {
    list.replaceChildren();
    status.textContent = "";
    pager.hidden = true;
  }
}

if (requireSignIn()) {
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const state = stateFromForm();
    if (!state.query) return;
    if (state.filters.date_from && state.filters.date_to && state.filters.date_from > state.filters.date_to) {
      showMessage(errorSlot, "The “Decided from” date must not be after the “Decided to” date.");
      return;
    }
    go(state);
  });
  previousButton.addEventListener("click", () => current && go({ ...current, page: current.page - 1 }));
  nextButton.addEventListener("click", () => current && go({ ...current, page: current.page + 1 }));
  window.addEventListener("popstate", restore);
  // The choices first, so a bookmarked court or case type is selected among them.
  Promise.allSettled([
    loadChoices("/api/v1/retrieval/metadata/courts", "filter-court"),
    loadChoices("/api/v1/retrieval/metadata/case-types", "filter-case-type"),
  ]).then((outcomes) => {
    const failed = outcomes.find((outcome) => outcome.status === "rejected");
    if (failed) showError(errorSlot, failed.reason);
    restore();
  });
}
