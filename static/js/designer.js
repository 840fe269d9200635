// The form designer: a field is dragged by its grip to another place; the drop asks the server to move it
// (`move-<from>-<to>`, the same request as the up/down buttons, which stay for keyboards and touch screens).
(() => {
  let dragged = null;
  const rowOf = (target) => target.closest && target.closest("[data-testid=designer-row]");

  document.addEventListener("dragstart", (e) => {
    if (!e.target.closest || !e.target.closest("[data-testid=drag-handle]")) return;
    dragged = rowOf(e.target);
    if (!dragged) return;
    e.dataTransfer.effectAllowed = "move";
    e.dataTransfer.setData("text/plain", dragged.dataset.index);
    e.dataTransfer.setDragImage(dragged, 20, 20);
    dragged.classList.add("designer-dragging");
  });
  document.addEventListener("dragend", () => {
    if (dragged) dragged.classList.remove("designer-dragging");
    document.querySelectorAll(".designer-drop").forEach((el) => el.classList.remove("designer-drop"));
    dragged = null;
  });
  document.addEventListener("dragover", (e) => {
    const row = rowOf(e.target);
    if (!dragged || !row) return;
    e.preventDefault(); // a row is a drop target
    document.querySelectorAll(".designer-drop").forEach((el) => el !== row && el.classList.remove("designer-drop"));
    row.classList.add("designer-drop");
  });
  document.addEventListener("drop", (e) => {
    const row = rowOf(e.target);
    if (!dragged || !row) return;
    e.preventDefault();
    const from = dragged.dataset.index;
    const to = row.dataset.index;
    if (from === to) return;
    const form = row.closest("form");
    const action = Object.assign(document.createElement("input"), {
      type: "hidden",
      name: "action",
      value: `move-${from}-${to}`,
    });
    form.append(action);
    form.addEventListener("htmx:afterRequest", () => action.remove(), { once: true });
    htmx.trigger(form, "submit");
  });
})();
