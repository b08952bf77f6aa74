// The case reader: /app/case/{id}?page=N&start=S&end=E shows the case's metadata, sections and
// text page by page with [S, E) of its cleaned_content highlighted and scrolled to (else page N),
// the original PDF at that page, the citator and similar cases.
import { ApiError, apiFetch, apiJson, requireSignIn, showError } from "./api.js";
import { readerUrl } from "./highlight.js";
import { PdfView } from "./pdf_view.js";

const reader = document.getElementById("reader");
const caseId = reader.dataset.caseId;
const caseApi = `/api/v1/retrieval/case/${encodeURIComponent(caseId)}`;
const titleHeading = document.getElementById("case-title");
const statusLine = document.getElementById("case-status");
const errorSlot = document.getElementById("case-error");

function integerParam(params, name) {
  const value = Number.parseInt(params.get(name) ?? "", 10);
  return Number.isInteger(value) && value >= 0 ? value : null;
}

function element(tag, text, className) {
  const node = document.createElement(tag);
  if (text !== undefined) node.textContent = text;
  if (className) node.className = className;
  return node;
}

function link(href, text) {
  const anchor = element("a", text);
  anchor.href = href;
  return anchor;
}

function renderMetadata(record) {
  const metadata = record.metadata;
  const rows = [
    ["Court", metadata.court], ["Jurisdiction", metadata.jurisdiction], ["Case type", metadata.case_type],
    ["Case number", metadata.case_number], ["Decided", metadata.date_decided], ["Filed", metadata.date_filed],
    ["Judges", metadata.judges], ["Plaintiffs", metadata.plaintiffs], ["Defendants", metadata.defendants],
    ["Attorneys", metadata.attorneys], ["Citations", metadata.citations], ["Statutes", metadata.statutes],
    ["Legal issues", metadata.legal_issues], ["Pages", record.page_count || metadata.page_count],
    ["File", record.original_filename],
  ];
  const list = document.getElementById("case-metadata");
  for (const [name, value] of rows) {
    const text = Array.isArray(value) ? value.join("; ") : value;
    if (text === null || text === undefined || text === "" || text === 0) continue;
    list.append(element("dt", name), element("dd", String(text)));
  }
}

function renderSections(sections, onPage) {
  const list = document.getElementById("case-sections");
  if (!sections.length) {
    list.replaceWith(element("p", "No sections were recognised in this case."));
    return;
  }
  for (const section of sections) {
    const item = document.createElement("li");
    const anchor = link(readerUrl(caseId, { page: section.page_start }), section.heading || section.name);
    anchor.addEventListener("click", (event) => {
      event.preventDefault();
      history.replaceState(null, "", anchor.href);
      onPage(section.page_start, section.char_start);
    });
    const pages = section.page_end > section.page_start ? `pages ${section.page_start}–${section.page_end}`
      : `page ${section.page_start}`;
    item.append(anchor, ` (${section.name}, ${pages})`);
    list.append(item);
  }
}

// One block per page, with [start, end) in <mark>s (the first one focusable); returns that mark.
function renderText(cleaned, pageSpans, start, end) {
  const container = document.getElementById("case-text");
  const spans = pageSpans.length ? pageSpans : [{ page: 1, char_start: 0, char_end: cleaned.length }];
  let firstMark = null;
  for (const span of spans) {
    const block = element("section", undefined, "page-block");
    block.id = `page-${span.page}`;
    block.dataset.charStart = String(span.char_start);
    block.dataset.charEnd = String(span.char_end);
    const heading = element("h3", `Page ${span.page}`);
    heading.id = `page-${span.page}-heading`;
    heading.tabIndex = -1;
    block.setAttribute("aria-labelledby", heading.id);
    const text = element("div", undefined, "page-text");
    const from = Math.max(start ?? -1, span.char_start);
    const to = Math.min(end ?? -1, span.char_end);
    if (start !== null && from < to) {
      const mark = element("mark", cleaned.slice(from, to));
      text.append(cleaned.slice(span.char_start, from), mark, cleaned.slice(to, span.char_end));
      if (!firstMark) {
        firstMark = mark;
        mark.id = "highlight";
        mark.tabIndex = -1;
        mark.setAttribute("aria-label", `Highlighted passage, page ${span.page}`);
      }
    } else {
      text.textContent = cleaned.slice(span.char_start, span.char_end);
    }
    block.append(heading, text);
    container.append(block);
  }
  return firstMark;
}

// Scroll the text's own box so `target` sits `fraction` of the way down it, and the window only
// when that leaves `target` out of view: the title and the PDF beside the text stay in place.
function reveal(target, fraction) {
  const box = document.getElementById("case-text");
  box.scrollTop += target.getBoundingClientRect().top - box.getBoundingClientRect().top - box.clientHeight * fraction;
  const top = target.getBoundingClientRect().top;
  if (top < 0 || top > window.innerHeight - 48) target.scrollIntoView({ block: fraction ? "center" : "start" });
}

function pageOf(pageSpans, offset) {
  const span = pageSpans.find((candidate) => candidate.char_start <= offset && offset < candidate.char_end);
  return span ? span.page : null;
}

function renderCitator(citator) {
  const panel = document.getElementById("citator");
  panel.replaceChildren();
  panel.append(element("h3", `Cites (${citator.cites.length})`));
  if (citator.cites.length) {
    const list = element("ul", undefined, "plain-list");
    for (const cited of citator.cites) {
      const item = document.createElement("li");
      item.append(cited.case_id ? link(readerUrl(cited.case_id), cited.citation) : element("span", cited.citation));
      const times = cited.depth === 1 ? "once" : `${cited.depth} times`;
      const pages = cited.pages.length ? ` on page${cited.pages.length > 1 ? "s" : ""} ${cited.pages.join(", ")}` : "";
      item.append(element("span", ` — referred to ${times}${pages}`, "muted"));
      list.append(item);
    }
    panel.append(list);
  } else {
    panel.append(element("p", "No citations to other cases were found in this case."));
  }
  panel.append(element("h3", `Cited by (${citator.cited_by.length})`));
  if (citator.cited_by.length) {
    const list = element("ul", undefined, "plain-list");
    for (const citing of citator.cited_by) {
      const item = document.createElement("li");
      item.append(link(readerUrl(citing.case_id, { page: citing.pages[0] }), citing.title || citing.case_id));
      item.append(element("span", ` — ${citing.depth === 1 ? "once" : `${citing.depth} times`}`, "muted"));
      list.append(item);
    }
    panel.append(list);
  } else {
    panel.append(element("p", "None of your cases cites this case."));
  }
}

function renderSimilar(response) {
  const panel = document.getElementById("similar");
  panel.replaceChildren();
  if (!response.results.length) {
    panel.append(element("p", "No similar cases were found."));
    return;
  }
  const list = element("ol", undefined, "plain-list");
  for (const hit of response.results) {
    const item = document.createElement("li");
    item.append(link(readerUrl(hit.case_id), hit.title || hit.case_id));
    item.append(element("span", ` — ${[hit.court, hit.date, `score ${hit.score.toFixed(3)}`].filter(Boolean).join(" · ")}`,
      "muted"));
    list.append(item);
  }
  panel.append(list);
}

async function loadPdf(pageNumber) {
  const message = document.getElementById("pdf-message");
  const view = new PdfView({
    canvas: document.getElementById("pdf-canvas"), label: document.getElementById("pdf-page-label"),
    previous: document.getElementById("pdf-previous"), next: document.getElementById("pdf-next"),
  });
  try {
    const bytes = await (await apiFetch(`${caseApi}/pdf`, { headers: { Accept: "application/pdf" } })).arrayBuffer();
    document.getElementById("pdf-view").hidden = false;
    await view.open(bytes, pageNumber);
  } catch (err) {
    document.getElementById("pdf-view").hidden = true;
    if (err instanceof ApiError && err.status === 404) {
      message.replaceChildren(element("p", "The original PDF is not stored for this case."));
    } else if (err instanceof ApiError) {
      showError(message, err);
    } else {
      console.warn(err);
      message.replaceChildren(element("p", "The original PDF could not be shown in this browser."));
    }
  }
  return view;
}

async function loadPanel(panelId, load, render) {
  try {
    render(await load());
  } catch (err) {
    showError(document.getElementById(panelId), err);
  }
}

async function main() {
  const params = new URLSearchParams(window.location.search);
  let start = integerParam(params, "start");
  let end = integerParam(params, "end");
  if (start === null || end === null || end <= start) start = end = null;
  const page = integerParam(params, "page");
  document.getElementById("summary-link").href = `/app/case/${encodeURIComponent(caseId)}/summary`;
  document.getElementById("questions-link").href = `/app/case/${encodeURIComponent(caseId)}/questions`;

  let record;
  try {
    record = await apiJson(`${caseApi}?include_content=true`);
  } catch (err) {
    statusLine.textContent = "";
    titleHeading.textContent = err instanceof ApiError && err.status === 404 ? "Case not found" : "The case could not be opened";
    document.title = `${titleHeading.textContent} · LexRay`;
    showError(errorSlot, err);
    return;
  }
  const title = record.title || record.metadata.title || record.original_filename || caseId;
  titleHeading.textContent = title;
  document.title = `${title} · LexRay`;
  statusLine.textContent = record.processing_status === "indexed" ? ""
    : `This case is ${record.processing_status}${record.failure_reason ? `: ${record.failure_reason}` : ""}.`;
  renderMetadata(record);
  const cleaned = record.cleaned_content || "";
  const mark = renderText(cleaned, record.page_spans, start, end);
  document.getElementById("case-body").hidden = false;

  const pdfPage = page ?? (start !== null ? pageOf(record.page_spans, start) : null) ?? 1;
  const pdfView = loadPdf(pdfPage);
  renderSections(record.sections, async (sectionPage) => {
    const block = document.getElementById(`page-${sectionPage}`);
    if (block) {
      reveal(block, 0);
      document.getElementById(`page-${sectionPage}-heading`).focus({ preventScroll: true });
    }
    (await pdfView).show(sectionPage);
  });

  if (mark) {
    reveal(mark, 1 / 3);
    mark.focus({ preventScroll: true });
  } else if (page !== null && document.getElementById(`page-${page}`)) {
    reveal(document.getElementById(`page-${page}`), 0);
    document.getElementById(`page-${page}-heading`).focus({ preventScroll: true });
  }
  loadPanel("citator", () => apiJson(`/api/v1/citator/case/${encodeURIComponent(caseId)}`), renderCitator);
  loadPanel("similar", () => apiJson("/api/v1/retrieval/similar", { json: { case_id: caseId, limit: 5 } }),
    renderSimilar);
}

if (requireSignIn()) main();
