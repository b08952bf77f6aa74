// Batch jobs: a folder under the server's batch root ingested by a Ray job, its progress
// polled (done of total, rate, time left) until it ends.
import { apiJson, clearError, errorMessage, showError } from "./api.js";
import { etaSeconds, formatDuration, formatRate, rateTracker } from "./batch_rate.js";

const POLL_MS = 2000;
const ENDED = new Set(["SUCCEEDED", "FAILED", "STOPPED"]);
const STATE_WORDS = { PENDING: "Starting", RUNNING: "Running", SUCCEEDED: "Finished", FAILED: "Failed",
                      STOPPED: "Stopped", UNKNOWN: "Unknown to the server" };

const form = document.getElementById("batch-form");
const folderInput = document.getElementById("batch-folder");
const retryFailed = document.getElementById("batch-retry-failed");
const errorSlot = document.getElementById("batch-error");
const announcer = document.getElementById("batch-announcer");
const list = document.getElementById("batch-jobs");

function jobRow(job) {
  const item = document.createElement("li");
  item.className = "batch-job";
  const title = document.createElement("p");
  title.className = "job-title";
  title.textContent = `Folder ${job.folder}`;
  const state = document.createElement("p");
  state.className = "job-state";
  const bar = document.createElement("progress");
  bar.setAttribute("aria-label", `Batch job ${job.folder}: files done`);
  const detail = document.createElement("p");
  detail.className = "job-detail";
  const errors = document.createElement("div");
  errors.className = "error-slot";
  item.append(title, state, bar, detail, errors);
  return { item, state, bar, detail, errors };
}

function render(row, job, ratePerS) {
  row.item.dataset.status = job.status;
  row.state.textContent = STATE_WORDS[job.status] || job.status;
  if (job.total !== null && job.total !== undefined) {
    row.bar.max = Math.max(job.total, 1);
    row.bar.value = job.total ? job.done : 1;
  } else {
    row.bar.removeAttribute("value");  // indeterminate until the job has counted its files
  }
  const parts = [job.total !== null && job.total !== undefined ? `${job.done} of ${job.total} done`
                                                               : `${job.done} done, counting files`];
  parts.push(`${job.ingested ?? 0} indexed, ${job.duplicates ?? 0} duplicates, ${job.failed ?? 0} failed`);
  if (!ENDED.has(job.status)) {
    if (ratePerS) {
      parts.push(formatRate(ratePerS));
      const eta = etaSeconds(job, ratePerS);
      if (eta !== null) parts.push(`about ${formatDuration(eta)} left`);
    } else {
      parts.push("measuring the rate");
    }
  }
  row.detail.textContent = parts.join(" · ");
}

async function follow(job, row, onEnded) {
  const observe = rateTracker();
  let current = job;
  for (;;) {
    render(row, current, observe(current));
    if (ENDED.has(current.status)) break;
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    try {
      current = await apiJson(`/api/v1/ingestion/batch/${encodeURIComponent(job.job_id)}`);
      clearError(row.errors);
    } catch (err) {
      showError(row.errors, err);
      if ([401, 403, 404].includes(err.status)) return;
    }
  }
  announcer.textContent = `Batch job ${current.folder}: ${STATE_WORDS[current.status]}, ${current.done} of ${current.total ?? 0} done.`;
  onEnded(current);
}

export function initBatch(onEnded) {
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const folder = folderInput.value.trim();
    if (!folder) return;
    const button = form.querySelector("button[type=submit]");
    button.disabled = true;
    clearError(errorSlot);
    try {
      const job = await apiJson("/api/v1/ingestion/batch", { json: { folder, retry_failed: retryFailed.checked } });
      const row = jobRow(job);
      list.prepend(row.item);
      announcer.textContent = `Batch job started for folder ${job.folder}.`;
      follow(job, row, onEnded);
    } catch (err) {
      showError(errorSlot, err);
      // A 429 says when to retry; the API's own sentence says why (e.g. a job still running).
      if (err.status === 429 && err.message && err.message !== errorMessage(err)) {
        const why = document.createElement("p");
        why.textContent = err.message.charAt(0).toUpperCase() + err.message.slice(1);
        errorSlot.querySelector("[role=alert] p").after(why);
      }
    } finally {
      button.disabled = false;
    }
  });
}
