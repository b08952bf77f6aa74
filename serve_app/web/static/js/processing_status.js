// A case's processing status (ProcessingStatus in lexray/models.py) in words, and how far along
// the stages it is, for the upload rows and the dashboard.

export const STAGES = ["uploaded", "processing", "ocr_complete", "embedding_complete", "indexed"];
export const TERMINAL = new Set(["indexed", "failed"]);

const SENTENCES = {
  uploaded: "Uploaded, waiting to be processed",
  processing: "Processing: reading the text",
  ocr_complete: "Text read, embedding the passages",
  embedding_complete: "Embedded, adding to the index",
  indexed: "Indexed, ready to search",
  failed: "Failed",
};

const LABELS = {
  uploaded: "Uploaded (waiting)",
  processing: "Processing",
  ocr_complete: "Text read",
  embedding_complete: "Embedded",
  indexed: "Indexed",
  failed: "Failed",
};

// "Failed: <reason>" for a failed case; a sentence for the others (an unknown status as it is).
export function statusSentence(status, failureReason = null) {
  if (status === "failed") return failureReason ? `Failed: ${failureReason}` : "Failed (no reason was recorded)";
  return SENTENCES[status] || status;
}

export function statusLabel(status) {
  return LABELS[status] || status;
}

// Stages passed (1 once uploaded, STAGES.length once indexed); a failed case keeps its last.
export function stageIndex(status) {
  const index = STAGES.indexOf(status);
  return index < 0 ? null : index + 1;
}

// Statuses in pipeline order, then any the API adds.
export function orderedStatuses(statuses) {
  const order = [...STAGES, "failed"];
  const rank = (status) => (order.includes(status) ? order.indexOf(status) : order.length);
  return [...statuses].sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));
}
