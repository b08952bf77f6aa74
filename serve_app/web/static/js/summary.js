// Summaries of one case: extractive sentences link to their span in the reader; abstractive
// text says what the fact check removed and how its case citations were verified.
import { apiJson, clearError, requireSignIn, showError } from "./api.js";
import {
  caseCitationsBlock, checkedValues, element, focusCheckboxes, formatDate, pagesText, readerUrl, removedBlock, startBusy,
} from "./reader_links.js";

const API = "/api/v1/summarization";
const root = document.getElementById("generation-page");
const caseId = root.dataset.caseId;
const form = document.getElementById("summary-form");
const lengthSelect = document.getElementById("summary-length");
const focusBox = document.getElementById("summary-focus");
const submit = document.getElementById("summary-submit");
const status = document.getElementById("summary-status");
const errorSlot = document.getElementById("summary-error");
const resultSection = document.getElementById("summary-result-section");
const result = document.getElementById("summary-result");
const stored = document.getElementById("stored-summaries");
const storedStatus = document.getElementById("stored-summaries-status");

function extractiveBlock(extractive) {
  const block = element("section", { className: "summary-part extractive" });
  block.append(element("h3", { text: "Extractive summary" }),
    element("p", { className: "meta", text: `${extractive.word_count} words · ${pagesText(null, extractive.pages)}` }));
  const list = element("ol", { className: "summary-sentences" });
  for (const sentence of extractive.sentences) {
    const item = element("li");
    const link = element("a", { text: sentence.text });
    link.href = readerUrl(caseId, { page: sentence.page, start: sentence.char_start, end: sentence.char_end });
    const where = pagesText(sentence.page, sentence.pages);
    item.append(link);
    if (where) item.append(element("span", { className: "where", text: ` (${where})` }));
    list.append(item);
  }
  block.append(list);
  return block;
}

function abstractiveBlock(abstractive) {
  const block = element("section", { className: "summary-part abstractive" });
  block.append(element("h3", { text: "Abstractive summary" }),
    element("p", { className: "meta", text: `${abstractive.word_count} words · by ${abstractive.model} · from ${pagesText(null, abstractive.pages) || "the text"}` }));
  for (const paragraph of (abstractive.text || "").split(/\n{2,}/)) {
    if (paragraph.trim()) block.append(element("p", { className: "generated-text", text: paragraph }));
  }
  if (!abstractive.text) block.append(element("p", { text: "The model wrote nothing the fact check kept." }));
  if (abstractive.parts_used && abstractive.parts_used.length) {
    const parts = element("p", { className: "parts" }, "Drawn from: ");
    abstractive.parts_used.forEach((part, index) => {
      const link = element("a", { text: `${part.sections.join(", ")} (${pagesText(null, part.pages) || "no page"})` });
      link.href = readerUrl(caseId, { page: part.pages[0] ?? null, start: part.char_start, end: part.char_end });
      parts.append(index ? "; " : "", link);
    });
    block.append(parts);
  }
  block.append(removedBlock(abstractive.removed), caseCitationsBlock(abstractive.case_citations));
  return block;
}

function summaryBlock(summary) {
  const block = element("article", { className: "generated summary" });
  const focus = summary.focus_areas.length ? ` · focus: ${summary.focus_areas.join(", ")}` : "";
  block.append(element("p", {
    className: "meta",
    text: `${summary.mode} · ${summary.length} (${summary.target_words} words)${focus} · ${formatDate(summary.created_at)}`,
  }));
  if (summary.summaries.extractive) block.append(extractiveBlock(summary.summaries.extractive));
  if (summary.summaries.abstractive) block.append(abstractiveBlock(summary.summaries.abstractive));
  return block;
}

async function loadStored() {
  storedStatus.textContent = "Loading stored summaries…";
  try {
    const response = await apiJson(`${API}/summary/${encodeURIComponent(caseId)}`);
    stored.replaceChildren(...response.summaries.map((summary) => {
      const details = element("details");
      details.append(element("summary", {
        text: `${formatDate(summary.created_at)} — ${summary.mode}, ${summary.length}`,
      }), summaryBlock(summary));
      return details;
    }));
    storedStatus.textContent = response.summaries.length ? `${response.summaries.length} stored` : "No stored summaries yet.";
  } catch (err) {
    stored.replaceChildren();
    // The API answers 404 while nothing is stored (a missing case shows in the page's own error).
    storedStatus.textContent = err.status === 404 ? "No stored summaries yet." : "";
    if (err.status !== 404) showError(stored, err);
  }
}

async function loadOptions() {
  const [lengths, focus] = await Promise.all([apiJson(`${API}/supported-lengths`), apiJson(`${API}/focus-areas`)]);
  lengthSelect.replaceChildren(...lengths.lengths.map((preset) => {
    const option = element("option", { text: `${preset.name} (${preset.words} words)` });
    option.value = preset.name;
    option.selected = preset.name === lengths.default;
    return option;
  }));
  focusCheckboxes(focusBox, focus.focus_areas, "summary-focus");
}

async function loadTitle() {
  try {
    const found = await apiJson(`/api/v1/retrieval/case/${encodeURIComponent(caseId)}`);
    document.getElementById("case-title").textContent = `— ${found.title || found.original_filename || caseId}`;
  } catch (err) {
    showError(errorSlot, err);
  }
}

async function summarize(event) {
  event.preventDefault();
  clearError(errorSlot);
  const request = {
    case_id: caseId,
    mode: form.elements.mode.value,
    length: lengthSelect.value || "short",
    focus_areas: checkedValues(focusBox),
  };
  const stop = startBusy(submit, status, "Summarizing — on a CPU this takes a while");
  resultSection.setAttribute("aria-busy", "true");
  try {
    const summary = await apiJson(`${API}/summarize1`, { json: request });
    result.replaceChildren(summaryBlock(summary));
    resultSection.hidden = false;
    stop("Summary ready.");
    loadStored();
  } catch (err) {
    stop("");
    showError(errorSlot, err);
  } finally {
    resultSection.removeAttribute("aria-busy");
  }
}

if (requireSignIn()) {
  form.addEventListener("submit", summarize);
  loadTitle();
  loadOptions().catch((err) => showError(errorSlot, err));
  loadStored();
}
