// The visit type form (activities/visit_type_form.html): add and remove step rows in the browser. A new row
// is cloned from the page's <template>, with the next free index in its names ("__i__"); the server reads
// the rows in index order and skips empty ones.
(() => {
  const box = document.querySelector("[data-steps]");
  if (!box) return;
  const rows = box.querySelector("[data-step-rows]");
  const max = Number(box.dataset.maxRows || 20);

  const refresh = () => {
    const full = rows.querySelectorAll("[data-step-row]").length >= max;
    box.querySelector("[data-step-add]").disabled = full;
    box.querySelector("[data-step-limit]").hidden = !full;
  };

  const nextIndex = () => {
    const used = [...rows.querySelectorAll("select[name^='step_']")].map((s) => Number(s.name.slice(5)) || 0);
    return used.length ? Math.max(...used) + 1 : 0;
  };

  box.addEventListener("click", (event) => {
    if (event.target.closest("[data-step-add]")) {
      const html = box.querySelector("template[data-step-template]").innerHTML.replaceAll("__i__", String(nextIndex()));
      rows.insertAdjacentHTML("beforeend", html);
      rows.lastElementChild.querySelector("select")?.focus();
    } else if (event.target.closest("[data-step-remove]")) {
      event.target.closest("[data-step-row]").remove();
      if (!rows.querySelector("[data-step-row]")) box.querySelector("[data-step-add]").click(); // keep one to fill in
    }
    refresh();
  });
  refresh();
})();
