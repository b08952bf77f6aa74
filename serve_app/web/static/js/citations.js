// A checked chat answer as DOM: its [n] markers become links to the cited span in the reader,
// then the sources it cites and the verification of the case citations it quotes.
import { caseCitationsBlock, element, pagesText, readerUrl, snippetNodes } from "./reader_links.js";

const MARKER = /\[(\d+)\]/g;

export function citationUrl(citation) {
  return readerUrl(citation.case_id, { page: citation.page, start: citation.char_start, end: citation.char_end });
}

function markerLink(citation) {
  const link = element("a", { className: "citation-marker", text: `[${citation.marker}]` });
  link.href = citationUrl(citation);
  const where = pagesText(citation.page, citation.pages);
  link.append(element("span", { className: "visually-hidden", text: ` source: ${citation.title || "case"}${where ? `, ${where}` : ""}` }));
  return link;
}

// `text` with each [n] that names a live citation as a link; other text as text.
export function answerNodes(text, citations) {
  const byMarker = new Map((citations || []).filter((c) => c.case_id && !c.erased).map((c) => [c.marker, c]));
  const nodes = [];
  let last = 0;
  for (const match of text.matchAll(MARKER)) {
    const citation = byMarker.get(Number(match[1]));
    if (!citation) continue;
    if (match.index > last) nodes.push(document.createTextNode(text.slice(last, match.index)));
    nodes.push(markerLink(citation));
    last = match.index + match[0].length;
  }
  if (last < text.length) nodes.push(document.createTextNode(text.slice(last)));
  return nodes;
}

export function sourcesBlock(citations) {
  const list = element("ul", { className: "sources" });
  for (const citation of citations || []) {
    const item = element("li");
    if (!citation.case_id || citation.erased) {
      item.append(`[${citation.marker}] a case since erased`);
    } else {
      const link = element("a", { text: citation.title || citation.case_id });
      link.href = citationUrl(citation);
      const where = pagesText(citation.page, citation.pages);
      item.append(`[${citation.marker}] `, link, where ? ` — ${where}` : "");
      if (citation.snippet) item.append(element("p", { className: "snippet" }, ...snippetNodes(citation.snippet)));
    }
    list.append(item);
  }
  return list;
}

// The checked answer: text with linked markers, its sources, and what was checked.
export function checkedAnswer(response) {
  const body = element("div", { className: "answer-body" });
  body.dataset.state = "checked";
  for (const paragraph of (response.answer || "").split(/\n{2,}/)) {
    if (paragraph.trim()) body.append(element("p", {}, ...answerNodes(paragraph, response.citations)));
  }
  if (response.citations && response.citations.length) {
    body.append(element("h3", { className: "sources-heading", text: "Sources" }), sourcesBlock(response.citations));
  }
  const notes = [];
  if (response.unsupported_sentences) {
    const count = response.unsupported_sentences;
    notes.push(`Checked against the sources: ${count} sentence${count === 1 ? "" : "s"} of the draft no source supports ${count === 1 ? "was" : "were"} left out.`);
  }
  if (response.answer_kind === "extracted") notes.push("No sentence the model wrote was supported, so the answer quotes the sources' own sentences.");
  if (notes.length) body.append(element("p", { className: "meta", text: notes.join(" ") }));
  if (response.case_citations && response.case_citations.length) body.append(caseCitationsBlock(response.case_citations));
  return body;
}
