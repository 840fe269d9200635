// A target plan's tree: expand and collapse a department's rows (its sub-departments and members).
(function () {
  const table = document.querySelector("[data-testid=plan-tree]");
  if (!table) return;
  const rows = Array.from(table.querySelectorAll("tbody tr[data-node]"));
  const byParent = new Map();
  rows.forEach((row) => {
    const parent = row.dataset.parent;
    if (!byParent.has(parent)) byParent.set(parent, []);
    byParent.get(parent).push(row);
  });
  function setOpen(node, open) {
    const button = table.querySelector(`[data-toggle-node="${node}"]`);
    if (button) {
      button.setAttribute("aria-expanded", open ? "true" : "false");
      button.querySelector("i").className = open ? "ti ti-chevron-down" : "ti ti-chevron-right";
    }
    (byParent.get(node) || []).forEach((child) => {
      child.hidden = !open;
      if (!open) setOpen(child.dataset.node, false);
    });
  }
  // at first: the top departments open, everything below their children closed
  rows.forEach((row) => {
    if (Number(row.dataset.depth) > 1) row.hidden = true;
    const button = row.querySelector("[data-toggle-node]");
    if (button && button.getAttribute("aria-expanded") === "true") button.querySelector("i").className = "ti ti-chevron-down";
  });
  table.addEventListener("click", (event) => {
    const button = event.target.closest("[data-toggle-node]");
    if (!button) return;
    setOpen(button.dataset.toggleNode, button.getAttribute("aria-expanded") !== "true");
  });
  document.querySelector("[data-tree-expand]")?.addEventListener("click", () => {
    rows.forEach((row) => { row.hidden = false; });
    table.querySelectorAll("[data-toggle-node]").forEach((b) => {
      b.setAttribute("aria-expanded", "true");
      b.querySelector("i").className = "ti ti-chevron-down";
    });
  });
  document.querySelector("[data-tree-collapse]")?.addEventListener("click", () => {
    rows.filter((row) => !row.dataset.parent).forEach((row) => setOpen(row.dataset.node, false));
  });
})();
