// Safe rendering of highlighted text: search snippets (HTML whose only tags are <mark>, the rest
// escaped) rebuilt as DOM nodes from text, and the reader's links to a span of a case.

const ENTITIES = { "&amp;": "&", "&lt;": "<", "&gt;": ">", "&quot;": "\"", "&#x27;": "'", "&#39;": "'" };

// The text an escaped fragment stands for (the API escapes &, < and > only; quotes for safety).
export function unescapeHtml(fragment) {
  return fragment.replace(/&(?:amp|lt|gt|quot|#x27|#39);/g, (entity) => ENTITIES[entity]);
}

// Nodes for a snippet: text nodes, and <mark> elements holding text, never parsed HTML.
//   snippetNodes("a <mark>guilty plea</mark> &amp; more") -> [Text "a ", <mark>guilty plea</mark>, Text " & more"]
export function snippetNodes(snippet) {
  const nodes = [];
  let marked = false;
  for (const piece of (snippet || "").split(/(<mark>|<\/mark>)/)) {
    if (piece === "<mark>") marked = true;
    else if (piece === "</mark>") marked = false;
    else if (piece) {
      const text = document.createTextNode(unescapeHtml(piece.replace(/<[^>]*>/g, "")));
      if (marked) {
        const mark = document.createElement("mark");
        mark.append(text);
        nodes.push(mark);
      } else {
        nodes.push(text);
      }
    }
  }
  return nodes;
}

// The reader at a case, optionally at a page and a highlighted span [start, end) of its
// cleaned_content (the shared contract: /app/case/{id}?page=N&start=S&end=E).
export function readerUrl(caseId, { page, start, end } = {}) {
  const params = new URLSearchParams();
  if (Number.isInteger(page)) params.set("page", String(page));
  if (Number.isInteger(start) && Number.isInteger(end) && end > start) {
    params.set("start", String(start));
    params.set("end", String(end));
  }
  const query = params.toString();
  return `/app/case/${encodeURIComponent(caseId)}${query ? `?${query}` : ""}`;
}
