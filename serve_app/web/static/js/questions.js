// Questions about one case: each with its answer and links to the answer's and the passage's
// spans in the reader.
import { apiJson, clearError, requireSignIn, showError } from "./api.js";
import { checkedValues, element, focusCheckboxes, formatDate, pagesText, readerUrl, startBusy } from "./reader_links.js";

const API = "/api/v1/questions";
const root = document.getElementById("generation-page");
const caseId = root.dataset.caseId;
const form = document.getElementById("questions-form");
const typeSelect = document.getElementById("question-type");
const difficultySelect = document.getElementById("question-difficulty");
const countInput = document.getElementById("question-count");
const typeHelp = document.getElementById("question-type-help");
const focusBox = document.getElementById("questions-focus");
const submit = document.getElementById("questions-submit");
const status = document.getElementById("questions-status");
const errorSlot = document.getElementById("questions-error");
const resultSection = document.getElementById("questions-result-section");
const result = document.getElementById("questions-result");
const stored = document.getElementById("stored-questions");
const storedStatus = document.getElementById("stored-questions-status");
const descriptions = new Map();
// Few questions are the useful default; the API's maximum is the ceiling.
const DEFAULT_MAX = 5;

function questionItem(item) {
  const li = element("li", { className: "question" });
  li.append(element("p", { className: "question-text", text: item.question }));
  const answer = element("p", { className: "answer" }, element("strong", { text: "Answer: " }), item.answer);
  li.append(answer);
  const links = element("p", { className: "source-links" });
  const source = item.source;
  const sourceCase = source.case_id || caseId;
  const sourceLink = element("a", { className: "source-link", text: `Source passage, ${pagesText(source.page, source.pages) || "in the text"}` });
  sourceLink.href = readerUrl(sourceCase, { page: source.page, start: source.char_start, end: source.char_end });
  links.append(sourceLink);
  if (item.answer_span) {
    const span = item.answer_span;
    const answerLink = element("a", { className: "answer-link", text: `Answer in the text, ${pagesText(span.page, span.pages) || "in the text"}` });
    answerLink.href = readerUrl(sourceCase, { page: span.page, start: span.char_start, end: span.char_end });
    links.append(" · ", answerLink);
  }
  li.append(links);
  const how = item.phrased_by === "template" ? "phrased by a template" : "phrased by the model";
  li.append(element("p", { className: "meta", text: `${item.type} · ${item.difficulty}${item.fact_kind ? ` · ${item.fact_kind.replace(/_/g, " ")}` : ""} · ${how}` }));
  return li;
}

function questionSetBlock(questionSet) {
  const block = element("article", { className: "generated question-set" });
  const focus = questionSet.focus_areas.length ? ` · focus: ${questionSet.focus_areas.join(", ")}` : "";
  block.append(element("p", {
    className: "meta",
    text: `${questionSet.num_questions} ${questionSet.question_type} questions · ${questionSet.difficulty}${focus} · ${formatDate(questionSet.created_at)}`,
  }));
  block.append(element("ol", { className: "questions" }, ...questionSet.questions.map(questionItem)));
  return block;
}

async function loadStored() {
  storedStatus.textContent = "Loading stored question sets…";
  try {
    const response = await apiJson(`${API}/case/${encodeURIComponent(caseId)}/questions`);
    stored.replaceChildren(...response.question_sets.map((questionSet) => element("details", {},
      element("summary", { text: `${formatDate(questionSet.created_at)} — ${questionSet.num_questions} ${questionSet.question_type}, ${questionSet.difficulty}` }),
      questionSetBlock(questionSet))));
    storedStatus.textContent = response.question_sets.length ? `${response.question_sets.length} stored` : "No stored question sets yet.";
  } catch (err) {
    stored.replaceChildren();
    // The API answers 404 while nothing is stored (a missing case shows in the page's own error).
    storedStatus.textContent = err.status === 404 ? "No stored question sets yet." : "";
    if (err.status !== 404) showError(stored, err);
  }
}

function options(select, named, chosen) {
  select.replaceChildren(...named.map((option) => {
    const node = element("option", { text: option.name });
    node.value = option.name;
    node.selected = option.name === chosen;
    descriptions.set(`${select.id}:${option.name}`, option.description);
    return node;
  }));
}

function showHelp() {
  typeHelp.textContent = [descriptions.get(`question-type:${typeSelect.value}`),
    descriptions.get(`question-difficulty:${difficultySelect.value}`)].filter(Boolean).join(" ");
}

async function loadOptions() {
  const [types, focus] = await Promise.all([apiJson(`${API}/types`), apiJson(`${API}/focus-areas`)]);
  options(typeSelect, types.question_types, types.default_type);
  options(difficultySelect, types.difficulties, types.default_difficulty);
  countInput.max = String(Math.min(DEFAULT_MAX, types.max_questions));
  focusCheckboxes(focusBox, focus.focus_areas, "questions-focus");
  showHelp();
}

async function loadTitle() {
  try {
    const found = await apiJson(`/api/v1/retrieval/case/${encodeURIComponent(caseId)}`);
    document.getElementById("case-title").textContent = `— ${found.title || found.original_filename || caseId}`;
  } catch (err) {
    showError(errorSlot, err);
  }
}

async function generate(event) {
  event.preventDefault();
  clearError(errorSlot);
  const request = {
    case_id: caseId,
    question_type: typeSelect.value || "common",
    difficulty: difficultySelect.value || "medium",
    num_questions: Number.parseInt(countInput.value, 10) || 1,
    focus_areas: checkedValues(focusBox),
  };
  const stop = startBusy(submit, status, "Generating questions — on a CPU this takes a while");
  resultSection.setAttribute("aria-busy", "true");
  try {
    const questionSet = await apiJson(`${API}/generate`, { json: request });
    result.replaceChildren(questionSetBlock(questionSet));
    resultSection.hidden = false;
    stop(`${questionSet.questions.length} questions ready.`);
    loadStored();
  } catch (err) {
    stop("");
    showError(errorSlot, err);  // 422 insufficient_material: the API's own sentence
  } finally {
    resultSection.removeAttribute("aria-busy");
  }
}

if (requireSignIn()) {
  form.addEventListener("submit", generate);
  typeSelect.addEventListener("change", showHelp);
  difficultySelect.addEventListener("change", showHelp);
  loadTitle();
  loadOptions().catch((err) => showError(errorSlot, err));
  loadStored();
}
