// The original PDF of a case, one page at a time on a canvas, with the vendored PDF.js. The bytes
// come through apiFetch (the key in a header), never from a URL the browser opens by itself.
import { GlobalWorkerOptions, getDocument } from "../vendor/pdfjs-dist-6.5.438/pdf.min.mjs";

GlobalWorkerOptions.workerSrc = new URL("../vendor/pdfjs-dist-6.5.438/pdf.worker.min.mjs", import.meta.url).href;

export class PdfView {
  // `canvas`, `label` (says which page), `previous` / `next` (buttons): elements of the page.
  constructor({ canvas, label, previous, next }) {
    Object.assign(this, { canvas, label, previous, next });
    this.document = null;
    this.pageNumber = 1;
    this.renderTask = null;
    previous.addEventListener("click", () => this.show(this.pageNumber - 1));
    next.addEventListener("click", () => this.show(this.pageNumber + 1));
  }

  // Open the PDF `bytes` (an ArrayBuffer) and show `pageNumber`. isEvalSupported: false keeps
  // PDF.js from compiling fonts and functions with new Function (the pages' CSP refuses eval).
  async open(bytes, pageNumber = 1) {
    this.document = await getDocument({ data: new Uint8Array(bytes), isEvalSupported: false }).promise;
    await this.show(pageNumber);
  }

  get pageCount() {
    return this.document ? this.document.numPages : 0;
  }

  async show(pageNumber) {
    if (!this.document) return;
    this.pageNumber = Math.min(Math.max(pageNumber, 1), this.pageCount);
    this.label.textContent = `Page ${this.pageNumber} of ${this.pageCount}`;
    this.previous.disabled = this.pageNumber <= 1;
    this.next.disabled = this.pageNumber >= this.pageCount;
    this.canvas.setAttribute("aria-label", `Page ${this.pageNumber} of the original PDF`);
    this.renderTask?.cancel();
    const page = await this.document.getPage(this.pageNumber);
    const width = this.canvas.parentElement.clientWidth || 600;
    const viewport = page.getViewport({ scale: width / page.getViewport({ scale: 1 }).width });
    const pixelRatio = window.devicePixelRatio || 1;
    this.canvas.width = Math.floor(viewport.width * pixelRatio);
    this.canvas.height = Math.floor(viewport.height * pixelRatio);
    const context = this.canvas.getContext("2d");
    this.renderTask = page.render({
      canvas: this.canvas, canvasContext: context, viewport,
      transform: pixelRatio === 1 ? null : [pixelRatio, 0, 0, pixelRatio, 0, 0],
    });
    try {
      await this.renderTask.promise;
    } catch (err) {
      if (err?.name !== "RenderingCancelledException") throw err;
    }
  }
}
