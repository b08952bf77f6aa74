// The stats dashboard: the tenant's cases per status, chunks, index vectors, courts and case
// types, as tables whose bars (<meter>) only repeat the numbers beside them.
import { apiJson, clearError, showError } from "./api.js";
import { orderedStatuses, statusLabel } from "./processing_status.js";

const totals = document.getElementById("dashboard-totals");
const tables = document.getElementById("dashboard-tables");
const errorSlot = document.getElementById("dashboard-error");
const status = document.getElementById("dashboard-status");
const refreshButton = document.getElementById("dashboard-refresh");

function cell(tag, text, className) {
  const element = document.createElement(tag);
  element.textContent = text;
  if (className) element.className = className;
  return element;
}

// rows: [label, count]; the bar is the count against the largest one.
function countTable(caption, heading, rows, empty) {
  const table = document.createElement("table");
  table.className = "counts";
  table.append(cell("caption", caption));
  const head = document.createElement("thead");
  const headRow = document.createElement("tr");
  for (const [text, className] of [[heading, ""], ["Cases", "number"], ["", "bar"]]) {
    const th = cell("th", text, className);
    th.scope = "col";
    if (!text) th.append(cell("span", "Share", "visually-hidden"));
    headRow.append(th);
  }
  head.append(headRow);
  const body = document.createElement("tbody");
  const largest = Math.max(1, ...rows.map(([, count]) => count));
  for (const [label, count] of rows) {
    const row = document.createElement("tr");
    const th = cell("th", label);
    th.scope = "row";
    const bar = document.createElement("meter");
    bar.min = 0;
    bar.max = largest;
    bar.value = count;
    bar.setAttribute("aria-hidden", "true");
    const barCell = cell("td", "", "bar");
    barCell.append(bar);
    row.append(th, cell("td", String(count), "number"), barCell);
    body.append(row);
  }
  if (!rows.length) {
    const row = document.createElement("tr");
    const td = cell("td", empty);
    td.colSpan = 3;
    row.append(td);
    body.append(row);
  }
  table.append(head, body);
  return table;
}

function renderTotals(stats) {
  const figures = [["Cases", stats.total_cases], ["Indexed cases", stats.indexed_cases],
                   ["Chunks", stats.total_chunks],
                   ["Index vectors (all tenants)", stats.index ? stats.index.vectors : "unavailable"]];
  totals.replaceChildren(...figures.flatMap(([term, value]) => {
    const group = document.createElement("div");
    group.append(cell("dt", term), cell("dd", String(value)));
    return [group];
  }));
}

let pending = null;

async function load() {
  status.textContent = "Loading…";
  refreshButton.disabled = true;
  try {
    const [stats, courts, caseTypes] = await Promise.all([
      apiJson("/api/v1/retrieval/stats"),
      apiJson("/api/v1/retrieval/metadata/courts"),
      apiJson("/api/v1/retrieval/metadata/case-types"),
    ]);
    clearError(errorSlot);
    renderTotals(stats);
    const byStatus = orderedStatuses(Object.keys(stats.cases_by_status))
      .map((name) => [statusLabel(name), stats.cases_by_status[name]]);
    tables.replaceChildren(
      countTable("Cases by status", "Status", byStatus, "No cases yet."),
      countTable("Indexed cases by court", "Court", courts.values.map((item) => [item.value, item.count]),
                 "No court known yet."),
      countTable("Indexed cases by case type", "Case type",
                 caseTypes.values.map((item) => [item.value, item.count]), "No case type known yet."));
    status.textContent = `Updated at ${new Date().toLocaleTimeString()}.`;
  } catch (err) {
    status.textContent = "";
    showError(errorSlot, err);
  } finally {
    refreshButton.disabled = false;
  }
}

// One load at a time; a request made during a load runs once after it.
export function refreshDashboard() {
  if (pending) {
    pending.again = true;
    return pending.done;
  }
  pending = { again: false };
  pending.done = (async () => {
    do {
      pending.again = false;
      await load();
    } while (pending.again);
    pending = null;
  })();
  return pending.done;
}

export function initDashboard() {
  refreshButton.addEventListener("click", () => refreshDashboard());
  return refreshDashboard();
}
