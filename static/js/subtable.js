// Sub-table fields (formtemplates/_subtable.html): add and remove rows in the browser. New rows are
// cloned from the field's <template>, with the next free index in their input names; the server reads
// the rows in index order. One delegated listener serves every sub-table, also those htmx swaps in.
(() => {
  if (window.fieldloopSubtable) return;
  window.fieldloopSubtable = true;

  const refresh = (table) => {
    const rows = table.querySelectorAll("tbody > tr.subtable-row");
    rows.forEach((row, i) => {
      const number = row.querySelector("[data-row-number]");
      if (number) number.textContent = String(i + 1);
    });
    const full = rows.length >= Number(table.dataset.maxRows || 200);
    const add = table.querySelector("[data-subtable-add]");
    if (add) add.disabled = full;
    const limit = table.querySelector("[data-subtable-limit]");
    if (limit) limit.hidden = !full;
  };

  document.addEventListener("click", (event) => {
    const add = event.target.closest("[data-subtable-add]");
    const remove = event.target.closest("[data-subtable-remove]");
    const table = (add || remove)?.closest("[data-subtable]");
    if (!table) return;
    const body = table.querySelector("tbody");
    if (add) {
      const used = [...body.querySelectorAll("tr.subtable-row")].map((r) => Number(r.dataset.row) || 0);
      const index = String(used.length ? Math.max(...used) + 1 : 0);
      const template = table.querySelector("template[data-subtable-template]");
      const html = template.innerHTML.replaceAll("__row__", index);
      body.insertAdjacentHTML("beforeend", html);
      if (window.htmx) window.htmx.process(body.lastElementChild);  // a row's searchable picker (a product)
      const first = body.lastElementChild?.querySelector("input, select, textarea");
      if (first) first.focus();
    } else {
      remove.closest("tr.subtable-row").remove();
      if (!body.querySelector("tr.subtable-row")) {
        table.querySelector("[data-subtable-add]").click();  // keep one (blank) row to fill in
      }
    }
    refresh(table);
    table.dispatchEvent(new Event("change", { bubbles: true }));
  });

  const init = (root) => root.querySelectorAll?.("[data-subtable]").forEach(refresh);
  document.addEventListener("DOMContentLoaded", () => init(document));
  document.addEventListener("htmx:afterSettle", (event) => init(event.target));
  init(document);
})();
