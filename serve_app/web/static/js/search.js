// Search: the query lives in the URL (?q=...) so a search can be bookmarked; the key never does.
import { apiJson, clearError, requireSignIn, showError } from "./api.js";

const form = document.getElementById("search-form");
const box = document.getElementById("search-query");
const errorSlot = document.getElementById("search-error");
const status = document.getElementById("search-status");
const list = document.getElementById("search-results");

function render(results) {
  list.replaceChildren(...results.map((hit) => {
    const item = document.createElement("li");
    const link = document.createElement("a");
    link.href = `/app/case/${encodeURIComponent(hit.case_id)}`;
    link.textContent = hit.title || hit.case_id;
    const meta = document.createElement("p");
    meta.className = "meta";
    meta.textContent = [hit.court, hit.date, `score ${hit.score.toFixed(3)}`].filter(Boolean).join(" · ");
    item.append(link, meta);
    return item;
  }));
  status.textContent = results.length ? `${results.length} cases` : "No cases matched.";
}

async function search(query) {
  clearError(errorSlot);
  status.textContent = "Searching…";
  try {
    const response = await apiJson("/api/v1/retrieval/search", { json: { query, limit: 10 } });
    render(response.results);
  } catch (err) {
    status.textContent = "";
    showError(errorSlot, err);
  }
}

if (requireSignIn()) {
  const query = new URLSearchParams(window.location.search).get("q");
  if (query) {
    box.value = query;
    search(query);
  }
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const value = box.value.trim();
    if (!value) return;
    history.pushState(null, "", `/app/?q=${encodeURIComponent(value)}`);
    search(value);
  });
}
