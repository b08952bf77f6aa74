// Links into the case reader and the words that explain generated text: every page that shows
// a span of a case (summary sentences, question sources, chat citations) links it the same way.
//
//   readerUrl("abc", { page: 3, start: 120, end: 260 })  // "/app/case/abc?page=3&start=120&end=260"

export function readerUrl(caseId, { page = null, start = null, end = null } = {}) {
  const query = new URLSearchParams();
  if (page !== null && page !== undefined) query.set("page", String(page));
  if (start !== null && start !== undefined && end !== null && end !== undefined) {
    query.set("start", String(start));
    query.set("end", String(end));
  }
  const tail = query.toString();
  return `/app/case/${encodeURIComponent(caseId)}${tail ? `?${tail}` : ""}`;
}

// "page 3" or "pages 3–5", from a first page and the list of pages.
export function pagesText(page, pages = []) {
  const all = pages && pages.length ? pages : (page !== null && page !== undefined ? [page] : []);
  if (!all.length) return "";
  const first = Math.min(...all);
  const last = Math.max(...all);
  return first === last ? `page ${first}` : `pages ${first}–${last}`;
}

export function element(tag, { className, text } = {}, ...children) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined && text !== null) node.textContent = text;
  node.append(...children);
  return node;
}

// A case citation the server checked against the tenant's cases, in words.
const CITATION_STATUS = {
  found: "found in your cases",
  not_found: "not found in your cases",
  ambiguous: "matches several of your cases",
  unknown_reporter: "reporter not recognised, so it could not be checked",
};

export function caseCitationsBlock(caseCitations) {
  const block = element("div", { className: "check case-citations" });
  block.append(element("h4", { text: "Case citations checked" }));
  if (!caseCitations || !caseCitations.length) {
    block.append(element("p", { text: "The text cites no cases." }));
    return block;
  }
  const list = element("ul");
  for (const citation of caseCitations) {
    const item = element("li", { className: `citation-${citation.status}` });
    item.append(element("q", { text: citation.citation }), " — ");
    const words = CITATION_STATUS[citation.status] || citation.status;
    if (citation.status === "found" && citation.case_id) {
      const link = element("a", { text: words });
      link.href = readerUrl(citation.case_id);
      item.append(link);
    } else if (citation.status === "ambiguous" && citation.candidates && citation.candidates.length) {
      item.append(`${words} (${citation.candidates.length}): `);
      citation.candidates.forEach((candidate, index) => {
        const link = element("a", { text: `case ${index + 1}` });
        link.href = readerUrl(candidate);
        item.append(index ? ", " : "", link);
      });
    } else {
      item.append(words);
    }
    list.append(item);
  }
  block.append(list);
  return block;
}

// What the fact check took out of generated text (facts its source does not hold), in words.
export function removedBlock(removed) {
  const block = element("div", { className: "check removed" });
  block.append(element("h4", { text: "Fact check" }));
  if (!removed || !removed.length) {
    block.append(element("p", { text: "Every number, date, name and citation in the text was found in the source; nothing was removed." }));
    return block;
  }
  block.append(element("p", {
    text: `${removed.length} statement${removed.length === 1 ? "" : "s"} the source does not support ${removed.length === 1 ? "was" : "were"} removed:`,
  }));
  const list = element("ul");
  for (const fact of removed) {
    const item = element("li");
    item.append(element("q", { text: fact.text }), ` (${fact.kind}): ${fact.reason}`);
    if (fact.sentence) item.append(element("p", { className: "removed-sentence", text: `Removed sentence: ${fact.sentence}` }));
    list.append(item);
  }
  block.append(list);
  return block;
}

// A search snippet (text with <mark> only) rebuilt as DOM nodes from its text: the HTML is
// parsed inert and only text and <mark> survive.
export function snippetNodes(snippet) {
  const parsed = new DOMParser().parseFromString(`<body>${snippet || ""}</body>`, "text/html");
  const nodes = [];
  for (const child of parsed.body.childNodes) {
    if (child.nodeName === "MARK") nodes.push(element("mark", { text: child.textContent }));
    else nodes.push(document.createTextNode(child.textContent));
  }
  return nodes;
}

// A busy state for a slow request: the button disabled, a status that counts the seconds.
export function startBusy(button, status, text) {
  const started = Date.now();
  button.disabled = true;
  const tick = () => { status.textContent = `${text} (${Math.round((Date.now() - started) / 1000)} s)`; };
  status.textContent = text;
  const timer = window.setInterval(tick, 1000);
  return (done = "") => {
    window.clearInterval(timer);
    button.disabled = false;
    status.textContent = done;
  };
}

// The form's checked checkboxes' values.
export function checkedValues(container) {
  return [...container.querySelectorAll("input[type=checkbox]:checked")].map((box) => box.value);
}

// Checkboxes for focus areas (GET .../focus-areas), each labelled with its name and description.
export function focusCheckboxes(container, focusAreas, idPrefix) {
  container.replaceChildren(...focusAreas.map((area) => {
    const wrap = element("div", { className: "choice" });
    const box = element("input");
    box.type = "checkbox";
    box.value = area.name;
    box.id = `${idPrefix}-${area.name}`;
    const label = element("label", { text: area.name.replace(/_/g, " ") });
    label.htmlFor = box.id;
    if (area.description) label.title = area.description;
    wrap.append(box, label);
    return wrap;
  }));
}

export function formatDate(value) {
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? String(value) : date.toLocaleString();
}
