// Upload: PDFs chosen with the "Upload PDFs" control (or dropped on its zone) are posted one
// by one, at most MAX_PARALLEL at a time, and each row follows its case through the
// processing stages until indexed or failed; batch jobs and the dashboard share the page.
import { ApiError, apiFetch, apiJson, clearError, errorMessage, requireSignIn, showMessage } from "./api.js";
import { initBatch } from "./batch.js";
import { initDashboard, refreshDashboard } from "./dashboard.js";
import { STAGES, TERMINAL, stageIndex, statusSentence } from "./processing_status.js";

const MAX_PARALLEL = 3;
const POLL_MS = 1500;
const OVERRIDES = ["court", "case_type", "jurisdiction"];

const form = document.getElementById("upload-form");
const input = document.getElementById("upload-files");
const dropZone = document.getElementById("drop-zone");
const list = document.getElementById("upload-list");
const announcer = document.getElementById("upload-announcer");

const queue = [];
let running = 0;

function announce(text) {
  announcer.textContent = text;
}

// The API's refusal of one file, next to it: what was wrong, in its own words.
function fileErrorMessage(err) {
  if (!(err instanceof ApiError)) return errorMessage(err);
  switch (err.status) {
    case 415: return `Not accepted as a PDF: ${err.message}`;
    case 422: return `Refused: ${err.message}`;
    default: return errorMessage(err);
  }
}

function fileRow(file) {
  const item = document.createElement("li");
  item.className = "upload-row";
  item.dataset.status = "waiting";
  const name = document.createElement("p");
  name.className = "file-name";
  name.textContent = file.name;
  const bar = document.createElement("progress");
  bar.max = STAGES.length;
  bar.value = 0;
  bar.setAttribute("aria-label", `${file.name}: processing stages done`);
  const state = document.createElement("p");
  state.className = "file-state";
  state.textContent = "Waiting to upload";
  const actions = document.createElement("div");
  actions.className = "file-actions";
  const errors = document.createElement("div");
  errors.className = "error-slot";
  item.append(name, bar, state, actions, errors);
  list.append(item);
  return { file, item, bar, state, actions, errors, note: "" };
}

function setState(row, status, sentence) {
  const changed = row.item.dataset.status !== status;
  row.item.dataset.status = status;
  row.state.textContent = row.note ? `${sentence} (${row.note})` : sentence;
  const passed = stageIndex(status);
  if (passed !== null) row.bar.value = passed;
  if (changed) announce(`${row.file.name}: ${sentence}`);
}

function showActions(row, caseStatus) {
  row.actions.replaceChildren();
  if (caseStatus.processing_status === "indexed") {
    const open = document.createElement("a");
    open.href = `/app/case/${encodeURIComponent(caseStatus.case_id)}`;
    open.textContent = `Open ${caseStatus.title || row.file.name}`;
    row.actions.append(open);
  } else if (caseStatus.processing_status === "failed") {
    const retry = document.createElement("button");
    retry.type = "button";
    retry.className = "quiet";
    retry.textContent = `Retry ${row.file.name}`;
    retry.addEventListener("click", async () => {
      retry.disabled = true;
      try {
        const again = await apiJson(`/api/v1/ingestion/retry/${encodeURIComponent(caseStatus.case_id)}`,
                                    { method: "POST" });
        clearError(row.errors);
        row.actions.replaceChildren();
        follow(row, again.case_id);
      } catch (err) {
        retry.disabled = false;
        showMessage(row.errors, fileErrorMessage(err));
      }
    });
    row.actions.append(retry);
  }
}

async function follow(row, caseId) {
  for (;;) {
    let caseStatus;
    try {
      caseStatus = await apiJson(`/api/v1/ingestion/status/${encodeURIComponent(caseId)}`);
      clearError(row.errors);
    } catch (err) {
      showMessage(row.errors, fileErrorMessage(err));
      if ([401, 403, 404].includes(err.status)) return;
      await new Promise((resolve) => setTimeout(resolve, POLL_MS * 2));
      continue;
    }
    const status = caseStatus.processing_status;
    setState(row, status, statusSentence(status, caseStatus.failure_reason));
    if (TERMINAL.has(status)) {
      showActions(row, caseStatus);
      refreshDashboard();
      return;
    }
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}

async function send(row, overrides) {
  const body = new FormData();
  body.append("file", row.file, row.file.name);
  for (const [field, value] of Object.entries(overrides)) body.append(field, value);
  setState(row, "uploading", "Uploading");
  let uploaded;
  try {
    // No Content-Type of our own: the browser writes the multipart boundary.
    uploaded = await (await apiFetch("/api/v1/ingestion/upload", { method: "POST", body })).json();
  } catch (err) {
    row.item.dataset.status = "refused";
    row.state.textContent = "Not uploaded";
    showMessage(row.errors, fileErrorMessage(err));
    announce(`${row.file.name}: not uploaded. ${fileErrorMessage(err)}`);
    return null;
  }
  if (uploaded.duplicate) row.note = "a duplicate of a case already in your collection";
  setState(row, uploaded.processing_status, statusSentence(uploaded.processing_status));
  return uploaded.case_id;
}

function pump() {
  while (running < MAX_PARALLEL && queue.length) {
    const { row, overrides } = queue.shift();
    running += 1;
    send(row, overrides).then((caseId) => {
      running -= 1;
      pump();
      if (caseId) follow(row, caseId);
    });
  }
}

function overridesNow() {
  const overrides = {};
  for (const field of OVERRIDES) {
    const value = form.elements[field].value.trim();
    if (value) overrides[field] = value;
  }
  return overrides;
}

function addFiles(files) {
  const overrides = overridesNow();
  for (const file of files) queue.push({ row: fileRow(file), overrides });
  if (files.length) announce(`${files.length} file${files.length === 1 ? "" : "s"} queued for upload.`);
  pump();
}

function initDropZone() {
  const hasFiles = (event) => [...(event.dataTransfer?.types || [])].includes("Files");
  dropZone.addEventListener("dragover", (event) => {
    if (!hasFiles(event)) return;
    event.preventDefault();
    event.dataTransfer.dropEffect = "copy";
    dropZone.classList.add("dragging");
  });
  dropZone.addEventListener("dragleave", (event) => {
    if (!dropZone.contains(event.relatedTarget)) dropZone.classList.remove("dragging");
  });
  dropZone.addEventListener("drop", (event) => {
    if (!hasFiles(event)) return;
    event.preventDefault();
    dropZone.classList.remove("dragging");
    addFiles([...event.dataTransfer.files]);
  });
}

if (requireSignIn()) {
  input.addEventListener("change", () => {
    addFiles([...input.files]);
    input.value = "";  // the same file may be chosen again
  });
  form.addEventListener("submit", (event) => event.preventDefault());
  initDropZone();
  initBatch(() => refreshDashboard());
  initDashboard();
}
